// Where the stand-in cloudflared is, for specs that put it on a portal's PATH or into a booted container.
import { join } from 'node:path';

/** An executable Node script printing cloudflared's documented lines (see the file's header for its switches). */
export const FAKE_CLOUDFLARED = join(__dirname, 'fake-cloudflared.cjs');
