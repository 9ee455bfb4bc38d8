#!/usr/bin/env node
// A stand-in for cloudflared in tests (the real one is not installable here): prints the lines cloudflared 2024.x
// prints, and for a named tunnel serves its metrics server's /config. Node 18 and CommonJS, so a booted base image
// (Debian's nodejs) runs it as /usr/local/bin/cloudflared too.
//   --url <target>                               a quick tunnel: its address box, then runs until stopped
//   tunnel --metrics <addr> run --token <tok>    a named tunnel: four registered connections, its configuration
// Environment: FAKE_CLOUDFLARED_CALLS (a file each argv is appended to), FAKE_CLOUDFLARED_QUICK=fail (a quick tunnel
// fails as cloudflared does when rate-limited), FAKE_CLOUDFLARED_INGRESS (a JSON list of {hostname, service}),
// FAKE_CLOUDFLARED_NAMED=invalid-token (the named tunnel refuses its token and exits).
'use strict';
const { appendFileSync } = require('node:fs');
const { createServer } = require('node:http');

const args = process.argv.slice(2);
const env = process.env;
if (env.FAKE_CLOUDFLARED_CALLS) appendFileSync(env.FAKE_CLOUDFLARED_CALLS, `${args.join(' ')}\n`);

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const say = (level, text) => process.stderr.write(`${now()} ${level} ${text}\n`);
const after = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const stayUntilStopped = (onStop) => {
  const keepAlive = setInterval(() => undefined, 60_000);
  process.on('SIGTERM', () => {
    say('INF', 'Initiating graceful shutdown due to signal terminated ...');
    onStop();
    clearInterval(keepAlive);
    process.exit(0);
  });
};

function quickTunnel() {
  say(
    'INF',
    'Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out.',
  );
  say('INF', 'Requesting new quick Tunnel on trycloudflare.com...');
  if (env.FAKE_CLOUDFLARED_QUICK === 'fail') {
    say(
      'ERR',
      'Error unmarshaling QuickTunnel response: error code: 1015 error="invalid character \'e\' looking for beginning of value" status_code="429 Too Many Requests"',
    );
    process.exit(1);
  }
  say('INF', '+--------------------------------------------------------------------------------------------+');
  say('INF', '|  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |');
  say('INF', `|  https://fake-${process.pid}-tunnel-words.trycloudflare.com                                   |`);
  say('INF', '+--------------------------------------------------------------------------------------------+');
  stayUntilStopped(() => undefined);
}

function namedTunnel() {
  say('INF', 'Starting tunnel tunnelID=6ff42ae2-765d-4adf-8112-31c55c1551ef');
  say('INF', 'Version 2024.4.1');
  if (env.FAKE_CLOUDFLARED_NAMED === 'invalid-token') {
    process.stderr.write('Provided Tunnel token is not valid.\n');
    process.exit(1);
  }
  const ingress = [...JSON.parse(env.FAKE_CLOUDFLARED_INGRESS || '[]'), { service: 'http_status:404' }];
  const config = { ingress, 'warp-routing': { enabled: false } };
  const [host, port] = (after('--metrics') || 'localhost:11113').split(/:(?=\d+$)/);
  const serveConfig = (req, res) => {
    if (req.url !== '/config') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: 1, config }));
  };
  const started = () => {
    say('INF', `Starting metrics server on ${host}:${port}/metrics`);
    const locations = ['ams08', 'fra13', 'ams01', 'fra06'];
    locations.forEach((location, connIndex) =>
      say(
        'INF',
        `Registered tunnel connection connIndex=${connIndex} connection=28a5a3e6-1b0c-4c6e-9d1e-5f${connIndex}0e event=0 ip=198.41.200.${13 + connIndex} location=${location} protocol=http2`,
      ),
    );
    say('INF', `Updated to new configuration config=${JSON.stringify(JSON.stringify(config))} version=1`);
  };
  // `localhost` may resolve to either loopback address first: answer on both, as cloudflared's listener does.
  createServer(serveConfig).listen(Number(port), host === 'localhost' ? '127.0.0.1' : host, started);
  if (host === 'localhost')
    createServer(serveConfig)
      .on('error', () => undefined)
      .listen(Number(port), '::1');
  stayUntilStopped(() =>
    [0, 1, 2, 3].forEach((i) => say('INF', `Unregistered tunnel connection connIndex=${i} event=0 ip=198.41.200.${13 + i}`)),
  );
}

if (args.includes('run') && args.includes('--token')) namedTunnel();
else if (args.includes('--url')) quickTunnel();
else {
  process.stderr.write(`fake cloudflared: no stand-in for: ${args.join(' ')}\n`);
  process.exit(2);
}
