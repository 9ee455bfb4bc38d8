// Entry point of /opt/portal/portal-auth.cjs, run by the portal_auth supervisor program: the gate Caddy asks.
import { createAuthServer } from './auth-server';
import { readAuthSettings } from './settings';

function main(): void {
  const settings = readAuthSettings(process.env);
  const server = createAuthServer(settings);
  server.on('error', (error) => {
    process.stderr.write(`portal-auth: cannot listen on ${settings.host}:${settings.port}: ${error.message}\n`);
    process.exit(1);
  });
  server.listen(settings.port, settings.host, () => {
    process.stdout.write(`portal-auth: checking logins on http://${settings.host}:${settings.port} against ${settings.file}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
