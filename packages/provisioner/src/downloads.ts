// The downloads phase (§1.7): Hugging Face URLs in their own pool first, then everything else; per item a lock,
// an exists-skip, resume from `<dest>.part`, an optional SHA-256 and retries with back-off.
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  isCivitaiHost,
  isHuggingFaceHost,
  parseHuggingFaceUrl,
  type ManifestDownload,
  type ProvisioningManifest,
} from '@vast/conventions/provisioning-manifest';
import { contentDispositionName, httpRequest, httpText, redactUrl } from './http';
import { errorMessage, pool, sleep, type RunContext } from './context';

export const CIVITAI_USER_AGENT = 'Mozilla/5.0 (compatible; vast-ai-provisioner)';

export interface DownloadPlan {
  items: ManifestDownload[];
  /** Same URL at another file dest: a symlink to the first copy, made after the downloads. */
  links: { target: string; link: string }[];
}

/** De-duplication: exact repeats dropped; the same URL at a second file dest becomes a link. Dir dests never merge. */
export function planDownloads(downloads: readonly ManifestDownload[]): DownloadPlan {
  const items: ManifestDownload[] = [];
  const links: DownloadPlan['links'] = [];
  const seen = new Set<string>();
  const firstFile = new Map<string, string>();
  for (const d of downloads) {
    const key = `${d.url}\n${d.dest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const fileDest = d.dest !== '' && !d.dest.endsWith('/');
    const first = fileDest ? firstFile.get(d.url) : undefined;
    if (first !== undefined) {
      links.push({ target: first, link: d.dest });
      continue;
    }
    if (fileDest) firstFile.set(d.url, d.dest);
    items.push(d);
  }
  return { items, links };
}

export const isHuggingFace = (url: string) => {
  try {
    return isHuggingFaceHost(new URL(url).hostname);
  } catch {
    return false;
  }
};

/** The Authorization header a URL may carry: the HF token to Hugging Face, the Civitai token only over https to Civitai. */
export function authorizationFor(url: string, manifest: ProvisioningManifest, env: NodeJS.ProcessEnv): string | undefined {
  const u = new URL(url);
  const token = isHuggingFaceHost(u.hostname)
    ? env[manifest.auth.huggingface.token_env]
    : u.protocol === 'https:' && isCivitaiHost(u.hostname)
      ? env[manifest.auth.civitai.token_env]
      : undefined;
  return token ? `Bearer ${token}` : undefined;
}

/** Where Hugging Face requests go: HF_ENDPOINT (as the hf CLI reads it), else huggingface.co. */
export const hfEndpoint = (env: NodeJS.ProcessEnv) => (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
const hfCacheDir = (env: NodeJS.ProcessEnv) => env.HF_HOME || join(homedir(), '.cache/huggingface');

/** A lock on `<dest>.lock` held by this process; a lock whose holder died is taken over. */
async function withLock<T>(dest: string, work: () => Promise<T>): Promise<T> {
  const lock = `${dest}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      const fd = openSync(lock, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      const holder = Number(readFileSync(lock, 'utf8').trim());
      let alive = false;
      try {
        alive = holder > 0 && holder !== process.pid && process.kill(holder, 0);
      } catch {
        alive = false;
      }
      if (!alive) rmSync(lock, { force: true });
      else await sleep(1000);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** One file to fetch: from where, to where, under which name in the log, with which credential and checksum. */
interface FileRequest {
  source: string;
  target: string;
  label: string;
  authorization: string | undefined;
  sha256?: string;
}

/** Fetches `source` to `target` through `<target>.part` (resumed with a Range request when a part exists). */
async function fetchFile(context: RunContext, { source, target, label, authorization, sha256 }: FileRequest) {
  const part = `${target}.part`;
  mkdirSync(dirname(target), { recursive: true });
  const have = existsSync(part) ? statSync(part).size : 0;
  const headers: Record<string, string> = have ? { Range: `bytes=${have}-` } : {};
  if (isCivitaiHost(new URL(source).hostname)) headers['User-Agent'] = CIVITAI_USER_AGENT;
  const { response } = await httpRequest(source, { headers, authorization, timeoutMs: 60_000 });
  const status = response.statusCode ?? 0;
  if (status !== 200 && status !== 206) {
    response.resume();
    throw new Error(`${label}: HTTP ${status}${status === 401 || status === 403 ? ' (check the token for this host)' : ''}`);
  }
  const resumed = status === 206 && have > 0;
  const length = Number(response.headers['content-length'] ?? NaN);
  const entry = context.progress.download({
    name: basename(target),
    dest: target,
    received: resumed ? have : 0,
    total: Number.isFinite(length) ? length + (resumed ? have : 0) : null,
    done: false,
  });
  if (resumed) context.log.info(`${label}: resuming at byte ${have}`);
  response.on('data', (chunk: Buffer) => {
    entry.received += chunk.length;
    context.progress.changed();
  });
  await pipeline(response, createWriteStream(part, { flags: resumed ? 'a' : 'w' }));
  if (statSync(part).size === 0) {
    rmSync(part, { force: true });
    throw new Error(`${label}: the server sent an empty file`);
  }
  if (sha256) {
    const actual = await sha256Of(part);
    if (actual !== sha256.toLowerCase()) {
      rmSync(part, { force: true });
      throw new Error(
        `${label}: SHA-256 is ${actual}, the manifest expects ${sha256.toLowerCase()}; the file was removed. Fix downloads[].sha256 if the file changed on purpose.`,
      );
    }
  }
  renameSync(part, target);
  entry.done = true;
  context.progress.changed();
}

/** The file name for a dest ending in `/`: Content-Disposition, else the URL's last path segment, else `download`. */
async function resolveName(url: string, authorization: string | undefined): Promise<string> {
  const civitai = isCivitaiHost(new URL(url).hostname);
  try {
    const { response } = await httpRequest(url, {
      method: civitai ? 'GET' : 'HEAD',
      headers: civitai ? { Range: 'bytes=0-0', 'User-Agent': CIVITAI_USER_AGENT } : {},
      authorization,
      timeoutMs: 30_000,
    });
    response.resume();
    const name = contentDispositionName(response.headers['content-disposition'] as string | undefined);
    if (name) return name;
  } catch {
    // The fallback below.
  }
  const last = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? '');
  return last || 'download';
}

async function downloadOnce(context: RunContext, item: ManifestDownload): Promise<void> {
  const { manifest, env, log } = context;
  const authorization = authorizationFor(item.url, manifest, env);
  const shown = redactUrl(item.url);
  if (isHuggingFace(item.url)) {
    const hf = parseHuggingFaceUrl(item.url);
    if (hf.kind === 'invalid') throw new Error(`${shown}: Invalid HuggingFace URL: ${hf.reason}`);
    const base = hfEndpoint(env);
    if (hf.kind === 'file') {
      const target = !item.dest
        ? join(hfCacheDir(env), 'hub', `models--${hf.repo.replace('/', '--')}`, 'snapshots', hf.revision, hf.path)
        : item.dest.endsWith('/')
          ? join(item.dest, basename(hf.path))
          : item.dest;
      const source = `${base}/${hf.repo}/resolve/${encodeURIComponent(hf.revision)}/${hf.path}`;
      return placeFile(context, { source, target, label: shown, authorization, sha256: item.sha256 });
    }
    const listing = JSON.parse(await httpText(`${base}/api/models/${hf.repo}`, { authorization })) as {
      siblings?: { rfilename: string }[];
    };
    const dir = item.dest || join(hfCacheDir(env), 'hub', `models--${hf.repo.replace('/', '--')}`, 'snapshots', 'main');
    for (const file of listing.siblings ?? [])
      await placeFile(context, {
        source: `${base}/${hf.repo}/resolve/main/${file.rfilename}`,
        target: join(dir, file.rfilename),
        label: `${shown} ${file.rfilename}`,
        authorization,
      });
    return;
  }
  if (!item.dest)
    throw new Error(
      `${shown}: has no dest; only Hugging Face downloads may leave it empty (the HF cache). Give a file path or a directory ending in /.`,
    );
  const target = item.dest.endsWith('/') ? join(item.dest, await resolveName(item.url, authorization)) : item.dest;
  log.info(`Downloading ${shown} -> ${target}`);
  return placeFile(context, { source: item.url, target, label: shown, authorization, sha256: item.sha256 });
}

async function placeFile(context: RunContext, request: FileRequest) {
  const { target, label } = request;
  await withLock(target, async () => {
    if (existsSync(target) && statSync(target).size > 0) {
      context.log.info(`${label}: ${target} already present, skipping`);
      return;
    }
    await fetchFile(context, request);
    context.log.info(`${label}: saved ${target}`);
  });
}

/** One item with retries: `max_attempts` tries, sleeping initial_delay, then ×backoff_multiplier. */
async function downloadWithRetries(context: RunContext, item: ManifestDownload): Promise<void> {
  const { max_attempts, initial_delay, backoff_multiplier } = context.manifest.settings.retry;
  let delay = initial_delay;
  for (let attempt = 1; ; attempt++) {
    try {
      return await downloadOnce(context, item);
    } catch (error) {
      if (attempt >= max_attempts) throw new Error(`${errorMessage(error)} (after ${attempt} attempts)`);
      context.log.warn(`Download attempt ${attempt}/${max_attempts} failed: ${errorMessage(error)}; retrying in ${delay}s`);
      await sleep(delay * 1000);
      delay *= backoff_multiplier;
    }
  }
}

export async function runDownloads(context: RunContext, downloads: readonly ManifestDownload[]): Promise<void> {
  const { items, links } = planDownloads(downloads);
  const { concurrency } = context.manifest.settings;
  const hf = items.filter((d) => isHuggingFace(d.url));
  const other = items.filter((d) => !isHuggingFace(d.url));
  if (context.dryRun) {
    for (const d of items) context.log.info(`[DRY RUN] download ${redactUrl(d.url)} -> ${d.dest || '(Hugging Face cache)'}`);
    for (const l of links) context.log.info(`[DRY RUN] link ${l.link} -> ${l.target}`);
    return;
  }
  const summary = (errors: unknown[]) => errors.map(errorMessage).join('; ');
  const hfErrors = await pool(hf, concurrency.hf_downloads, (d) => downloadWithRetries(context, d));
  if (hfErrors.length) throw new Error(`Hugging Face downloads failed; the other downloads were not started: ${summary(hfErrors)}`);
  const otherErrors = await pool(other, concurrency.wget_downloads, (d) => downloadWithRetries(context, d));
  if (otherErrors.length) throw new Error(`${otherErrors.length} of ${other.length} downloads failed: ${summary(otherErrors)}`);
  for (const { target, link } of links) {
    if (existsSync(link)) continue;
    if (!existsSync(target)) {
      context.log.warn(`cannot link ${link}: ${target} is missing`);
      continue;
    }
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link);
  }
}

/** Whether a token is accepted: HF whoami-v2, Civitai's model list, each with the token as Bearer. */
export async function tokenValid(
  kind: 'huggingface' | 'civitai',
  manifest: ProvisioningManifest,
  env: NodeJS.ProcessEnv,
): Promise<boolean> {
  const token = env[manifest.auth[kind].token_env];
  if (!token) return false;
  const url = kind === 'huggingface' ? `${hfEndpoint(env)}/api/whoami-v2` : 'https://civitai.com/api/v1/models?hidden=1&limit=1';
  try {
    await httpText(url, {
      authorization: `Bearer ${token}`,
      headers: kind === 'civitai' ? { 'User-Agent': CIVITAI_USER_AGENT } : {},
      timeoutMs: 15_000,
    });
    return true;
  } catch {
    return false;
  }
}

/** Locks left behind by a run that died, for file dests (directory dests name no single file). */
export function removeStaleLocks(downloads: readonly ManifestDownload[]): void {
  for (const d of downloads) if (d.dest && !d.dest.endsWith('/')) rmSync(`${d.dest}.lock`, { force: true });
}
