// Entry point of /opt/portal/portal.cjs, run by the instance_portal supervisor program.
import { join } from 'node:path';
import { createPortalServer, publicDirExists } from './http-server';
import { readPortalServerSettings } from './settings';
import { createSupervisorClient } from './supervisor-client';

function main(): void {
  // The bundle sits next to public/ (dist/packages/portal -> /opt/portal).
  const settings = readPortalServerSettings(process.env, { publicDir: join(__dirname, 'public') });
  if (!publicDirExists(settings.publicDir)) {
    process.stderr.write(
      `portal: ${settings.publicDir}/index.html is missing; the page will answer 404. Rebuild with nx run portal:build.\n`,
    );
  }
  const server = createPortalServer(settings, createSupervisorClient(settings.supervisorSocket));
  server.on('error', (error) => {
    process.stderr.write(`portal: cannot listen on ${settings.host}:${settings.port}: ${error.message}\n`);
    process.exit(1);
  });
  server.listen(settings.port, settings.host, () => {
    process.stdout.write(`portal: listening on http://${settings.host}:${settings.port} (applications from ${settings.portalYaml})\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
