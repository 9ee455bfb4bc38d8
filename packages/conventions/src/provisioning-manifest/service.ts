// A manifest service as an image service: the provisioner's services phase renders its launch script and supervisor
// conf from this (upstream-runtime §1.8), and convert bakes the same service into a derivative image.
import type { Service } from '../schema';
import type { ManifestService } from './schema';

export function manifestServiceOf(service: ManifestService): Service {
  const activate = service.venv && service.venv !== 'system' ? [`. ${service.venv}/bin/activate`] : [];
  return {
    name: service.name,
    command: [...activate, ...service.pre_commands, service.command].join('\n'),
    ...(service.portal_search_term ? { portalLabel: service.portal_search_term } : {}),
    portal: [],
    ...(service.workdir ? { workdir: service.workdir } : {}),
    waitForProvisioning: service.wait_for_provisioning,
    skipOnServerless: service.skip_on_serverless,
    // Literal in the script, as upstream writes them: `${VAR}` was expanded once, when the manifest was loaded (§1.3).
    environment: service.environment,
    // Upstream exports them after environment.sh, so they win over /etc/environment and $WORKSPACE/.env.
    environmentWins: 'service',
    startsecs: 5,
    autorestart: 'unexpected',
    pty: true,
  };
}
