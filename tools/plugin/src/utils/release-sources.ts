// HTTP clients of the release sources image.ts can track: GitHub's REST releases API, Docker Hub's tags API and PyPI's
// JSON API, each reduced to UpstreamRelease. They follow pagination (same origin only), wait out a rate-limit answer
// (Retry-After, or GitHub's X-RateLimit-Reset) a few times, then give up with a SourceError naming the source.
import type { TrackedSource, UpstreamRelease } from '@vast/conventions';
import { isPythonPrerelease } from '@vast/conventions';

export interface SourceEndpoints {
  /** https://api.github.com; a stand-in in tests (VAST_GITHUB_API). */
  github: string;
  /** https://hub.docker.com (VAST_DOCKERHUB_API). */
  dockerhub: string;
  /** https://pypi.org (VAST_PYPI_API). */
  pypi: string;
  /** Sent to GitHub as a bearer token when set (GITHUB_TOKEN): 5000 requests an hour instead of 60. */
  githubToken?: string;
  /** Attempts per request when the source answers with a rate limit (default 3). */
  attempts?: number;
  /** The longest wait for a rate limit before giving up on it (default 60 s). */
  maxWaitMs?: number;
  /** Pages followed at most (default 5). */
  maxPages?: number;
}

export function endpointsFromEnv(env: Record<string, string | undefined>): SourceEndpoints {
  return {
    github: env.VAST_GITHUB_API ?? 'https://api.github.com',
    dockerhub: env.VAST_DOCKERHUB_API ?? 'https://hub.docker.com',
    pypi: env.VAST_PYPI_API ?? 'https://pypi.org',
    ...(env.GITHUB_TOKEN ? { githubToken: env.GITHUB_TOKEN } : {}),
  };
}

export class SourceError extends Error {
  override name = 'SourceError';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a rate-limited answer asks to wait, or undefined when the answer is not a rate limit. */
function rateLimitWaitMs(response: Response, now: number): number | undefined {
  const retryAfter = response.headers.get('retry-after');
  const remaining = response.headers.get('x-ratelimit-remaining');
  const limited = response.status === 429 || (response.status === 403 && (remaining === '0' || retryAfter !== null));
  if (!limited) return undefined;
  if (retryAfter !== null && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const reset = response.headers.get('x-ratelimit-reset');
  if (reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now);
  return 60_000;
}

/** GET `url` as JSON, waiting out rate limits; returns the body and the response (for Link headers). */
async function getJson(url: string, what: string, endpoints: SourceEndpoints, headers: Record<string, string> = {}) {
  const attempts = endpoints.attempts ?? 3;
  const maxWait = endpoints.maxWaitMs ?? 60_000;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { headers: { 'user-agent': 'vast-template-images-release-tracking', ...headers } });
    } catch (error) {
      throw new SourceError(`${what}: ${url} did not answer (${(error as Error).cause ?? (error as Error).message}).`);
    }
    const wait = rateLimitWaitMs(response, Date.now());
    if (wait !== undefined) {
      if (attempt >= attempts || wait > maxWait) {
        throw new SourceError(
          `${what}: rate limited (HTTP ${response.status}) after ${attempt} attempt${attempt > 1 ? 's' : ''}; nothing was changed. Run again later${what.startsWith('GitHub') ? ', or set GITHUB_TOKEN for a higher limit' : ''}.`,
        );
      }
      await sleep(wait);
      continue;
    }
    if (!response.ok) throw new SourceError(`${what}: ${url} answered HTTP ${response.status}; nothing was changed.`);
    try {
      return { body: (await response.json()) as unknown, response };
    } catch {
      throw new SourceError(`${what}: ${url} did not answer JSON.`);
    }
  }
}

/** A next-page URL from the server, followed only on the origin that was asked (never to another address). */
function sameOrigin(next: string | undefined | null, base: string): string | undefined {
  if (!next) return undefined;
  const url = new URL(next, base);
  return url.origin === new URL(base).origin ? url.toString() : undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function githubReleases(repository: string, endpoints: SourceEndpoints): Promise<UpstreamRelease[]> {
  const what = `GitHub releases of ${repository}`;
  const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
  if (endpoints.githubToken) headers.authorization = `Bearer ${endpoints.githubToken}`;
  const releases: UpstreamRelease[] = [];
  let url: string | undefined = `${endpoints.github}/repos/${repository}/releases?per_page=100`;
  for (let page = 0; url && page < (endpoints.maxPages ?? 5); page++) {
    const { body, response } = await getJson(url, what, endpoints, headers);
    if (!Array.isArray(body)) throw new SourceError(`${what}: expected a JSON array of releases.`);
    for (const r of body.filter(isRecord)) {
      // Drafts are not published; they have no tag anyone can build.
      if (r.draft === true || typeof r.tag_name !== 'string' || typeof r.published_at !== 'string') continue;
      releases.push({ version: r.tag_name, publishedAt: r.published_at, prerelease: r.prerelease === true });
    }
    url = sameOrigin(/<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1], endpoints.github);
  }
  return releases;
}

async function dockerhubTags(repository: string, endpoints: SourceEndpoints): Promise<UpstreamRelease[]> {
  const what = `Docker Hub tags of ${repository}`;
  const releases: UpstreamRelease[] = [];
  let url: string | undefined = `${endpoints.dockerhub}/v2/repositories/${repository}/tags?page_size=100&ordering=last_updated`;
  for (let page = 0; url && page < (endpoints.maxPages ?? 5); page++) {
    const { body } = await getJson(url, what, endpoints);
    if (!isRecord(body) || !Array.isArray(body.results)) throw new SourceError(`${what}: expected { results: [...] }.`);
    for (const t of body.results.filter(isRecord)) {
      const at = typeof t.tag_last_pushed === 'string' ? t.tag_last_pushed : t.last_updated;
      if (typeof t.name === 'string' && typeof at === 'string') releases.push({ version: t.name, publishedAt: at, prerelease: false });
    }
    url = sameOrigin(typeof body.next === 'string' ? body.next : undefined, endpoints.dockerhub);
  }
  return releases;
}

async function pypiReleases(name: string, endpoints: SourceEndpoints): Promise<UpstreamRelease[]> {
  const what = `PyPI ${name}`;
  const { body } = await getJson(`${endpoints.pypi}/pypi/${name}/json`, what, endpoints);
  if (!isRecord(body) || !isRecord(body.releases)) throw new SourceError(`${what}: expected { releases: {...} }.`);
  return Object.entries(body.releases).flatMap(([version, files]) => {
    const live = (Array.isArray(files) ? files : []).filter(
      (f) => isRecord(f) && f.yanked !== true && typeof f.upload_time_iso_8601 === 'string',
    );
    if (!live.length) return [];
    const first = live.map((f) => (f as { upload_time_iso_8601: string }).upload_time_iso_8601).sort()[0];
    return [{ version, publishedAt: first, prerelease: isPythonPrerelease(version) }];
  });
}

/** Every release `source` lists now. */
export function fetchReleases(source: TrackedSource, endpoints: SourceEndpoints): Promise<UpstreamRelease[]> {
  switch (source.kind) {
    case 'github-releases':
      return githubReleases(source.repository, endpoints);
    case 'dockerhub-tags':
      return dockerhubTags(source.repository, endpoints);
    case 'pypi':
      return pypiReleases(source.package, endpoints);
  }
}
