// The server side of RFC 6455, as much as /ws-logs needs: the handshake, text frames out, and text, ping and close
// frames in (masked, as browsers send them, up to 64 KiB). Node 18 (the image's) has no WebSocket server and this is
// ~100 lines, so no dependency.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_INCOMING = 64 * 1024;

export interface WebSocketConnection {
  send(text: string): void;
  close(): void;
  onText(listener: (text: string) => void): void;
  onClose(listener: () => void): void;
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const head = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  if (length < 126) head[1] = length;
  else if (length < 65536) {
    head[1] = 126;
    head.writeUInt16BE(length, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([head, payload]);
}

/** Completes the upgrade, or answers 400 and returns null when the request is not a WebSocket handshake. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex): WebSocketConnection | null {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\nexpected a WebSocket handshake\n');
    return null;
  }
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);

  const textListeners: Array<(text: string) => void> = [];
  const closeListeners: Array<() => void> = [];
  let closed = false;
  let pending = Buffer.alloc(0);
  const finish = () => {
    if (closed) return;
    closed = true;
    closeListeners.forEach((listener) => listener());
    socket.destroy();
  };
  const write = (opcode: number, payload: Buffer) => {
    if (!closed && socket.writable) socket.write(frame(opcode, payload));
  };

  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const opcode = pending[0] & 0x0f;
      const masked = (pending[1] & 0x80) !== 0;
      let length = pending[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (pending.length < 4) return;
        length = pending.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (pending.length < 10) return;
        length = Number(pending.readBigUInt64BE(2));
        offset = 10;
      }
      if (length > MAX_INCOMING || !masked) return finish(); // clients must mask; nobody needs to send us more
      if (pending.length < offset + 4 + length) return;
      const mask = pending.subarray(offset, offset + 4);
      const payload = Buffer.from(pending.subarray(offset + 4, offset + 4 + length));
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      pending = pending.subarray(offset + 4 + length);
      if (opcode === 0x1) textListeners.forEach((listener) => listener(payload.toString('utf8')));
      else if (opcode === 0x9) write(0xa, payload);
      else if (opcode === 0x8) {
        write(0x8, payload.subarray(0, 2));
        return finish();
      }
    }
  });
  socket.on('close', finish);
  socket.on('error', finish);

  return {
    send: (text) => write(0x1, Buffer.from(text, 'utf8')),
    close: () => {
      write(0x8, Buffer.from([0x03, 0xe8]));
      finish();
    },
    onText: (listener) => textListeners.push(listener),
    onClose: (listener) => closeListeners.push(listener),
  };
}
