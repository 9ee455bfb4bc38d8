// A manifest service as an image service: the provisioner's services phase renders its launch script and supervisor
// conf from this (upstream-runtime §1.8), and convert bakes the same service into a derivative image.
import type { Service } from '../schema';
import { shellDoubleQuote } from '../text';
import type { ManifestService } from './schema';

export function manifestServiceOf(service: ManifestService): Service {
  const activate = service.venv && service.venv !== 'system' ? [`. ${service.venv}/bin/activate`] : [];
  // In the script, as upstream writes them: a value is literal (no expansion by the shell), whatever it holds.
  const exports = Object.entries(service.environment).map(([k, v]) => `export ${k}=${shellDoubleQuote(v)}`);
  return {
    name: service.name,
    command: [...activate, ...exports, ...service.pre_commands, service.command].join('\n'),
    ...(service.portal_search_term ? { portalLabel: service.portal_search_term } : {}),
    portal: [],
    ...(service.workdir ? { workdir: service.workdir } : {}),
    waitForProvisioning: service.wait_for_provisioning,
    skipOnServerless: service.skip_on_serverless,
    environment: {},
    startsecs: 5,
    autorestart: 'unexpected',
    pty: true,
  };
}
