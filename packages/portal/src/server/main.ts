// Entry point of /opt/portal/portal.cjs, run by the instance_portal supervisor program.
import { join } from 'node:path';
import { createPortalServer, createPortalServices, defaultTunnelTargets, publicDirExists } from './http-server';
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
  const services = createPortalServices(settings);
  const server = createPortalServer(settings, createSupervisorClient(settings.supervisorSocket), services);
  server.on('error', (error) => {
    process.stderr.write(`portal: cannot listen on ${settings.host}:${settings.port}: ${error.message}\n`);
    process.exit(1);
  });
  server.listen(settings.port, settings.host, () => {
    process.stdout.write(`portal: listening on http://${settings.host}:${settings.port} (applications from ${settings.portalYaml})\n`);
    // Upstream's default tunnels: one quick tunnel per application port, when cloudflared is there.
    const reason = services.tunnels.unavailableReason();
    if (reason) process.stdout.write(`portal: ${reason}\n`);
    else services.tunnels.startDefaults(defaultTunnelTargets(settings));
  });
  const stop = () => {
    server.close(() => process.exit(0));
    // Log followers (server-sent events, /ws-logs) never end on their own.
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
