// Entry point of /opt/portal/portal-config.cjs, run by the caddy service's launch script before `caddy run`.
import { applyPortalConfig } from './apply-portal-config';

process.exitCode = applyPortalConfig(process.env, process);
