// The boot row's readiness probe settles whatever the other end does: answers, refuses, or accepts and stays silent.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusOnce } from './http-status';

let http: Server;
let silent: TcpServer;
const sockets: Socket[] = [];
const portOf = (s: Server | TcpServer) => (s.address() as AddressInfo).port;

beforeAll(async () => {
  http = createServer((req, res) => res.writeHead(req.headers.authorization === 'Bearer t' ? 200 : 401).end());
  // What docker-proxy does before the container listens: accepts the connection, then says nothing.
  silent = createTcpServer((socket) => void sockets.push(socket));
  await Promise.all([http, silent].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
});

afterAll(async () => {
  sockets.forEach((s) => s.destroy());
  await Promise.all([http, silent].map((s) => new Promise<void>((r) => s.close(() => r()))));
});

describe('httpStatusOnce', () => {
  it('gives the status of an answer, with the headers sent', async () => {
    expect(await httpStatusOnce(`http://127.0.0.1:${portOf(http)}/api`, { authorization: 'Bearer t' }, 2000)).toBe(200);
    expect(await httpStatusOnce(`http://127.0.0.1:${portOf(http)}/api`, {}, 2000)).toBe(401);
  });

  it('gives 0 for a connection that is accepted and never answered, and for a refused one', async () => {
    expect(await httpStatusOnce(`http://127.0.0.1:${portOf(silent)}/api`, {}, 300)).toBe(0);
    const closed = createTcpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = portOf(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await httpStatusOnce(`http://127.0.0.1:${port}/api`, {}, 2000)).toBe(0);
  });
});
