// bench boot: the local base from `docker run` until the portal and Jupyter each answer 200 through Caddy (median of
// three boots, per service), and the container's memory once idle.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createContainer, dockerCommand, publishedPort, removeContainer, startContainer } from '@vast/plugin/testing';
import { formatFigure, median, megabytes, seconds, sideBySide, type Figure } from './figures';
import { currentRevision } from './revision-checkout';
import { httpStatusOnce } from './http-status';

const SECTION = 'boot';
const TARGET_MS = 5000;
const PORTAL_CONFIG = 'localhost:1111:11111:/:Instance Portal|localhost:8080:18080:/:Jupyter';

/** KiB from docker stats' "123.4MiB / 23.4GiB". */
export function parseMemUsage(text: string): number {
  const match = /^([\d.]+)\s*([KMG]i?B)/.exec(text.trim());
  if (!match) return Number.NaN;
  const unit = { KiB: 1, KB: 1, MiB: 1024, MB: 1024, GiB: 1024 * 1024, GB: 1024 * 1024 }[match[2]] ?? Number.NaN;
  return Number(match[1]) * unit;
}

/** Ms from `since` until `url` first answers 200; each attempt settles within 2 s (see http-status.ts). */
async function firstOk(url: string, token: string, since: bigint, deadline: number): Promise<number> {
  const seen = new Set<number>();
  while (Date.now() < deadline) {
    const status = await httpStatusOnce(url, { authorization: `Bearer ${token}` }, 2000);
    if (status === 200) return Number(process.hrtime.bigint() - since) / 1e6;
    seen.add(status);
    await new Promise((r) => setTimeout(r, 100));
  }
  // What it answered instead says whether the service never came up (0: no answer) or answered otherwise.
  throw new Error(`${url} did not answer 200 within the boot deadline (answers seen: ${[...seen].join(', ')}; 0 is none)`);
}

async function bootOnce(image: string): Promise<{ portal: number; jupyter: number; idleKb: number }> {
  const token = randomBytes(16).toString('hex');
  // What `docker run` does with the platform's environment for these two entries, and nothing more (the smoke's
  // container also copies its probes in before starting, which is not part of a boot).
  const started = process.hrtime.bigint();
  const id = await createContainer({
    image,
    name: `vast-bench-boot-${randomBytes(4).toString('hex')}`,
    env: { PORTAL_CONFIG, OPEN_BUTTON_TOKEN: token, VAST_TCP_PORT_1111: '1111', VAST_TCP_PORT_8080: '8080' },
    publish: [1111, 8080],
    labels: { 'vast.bench': 'true' },
  });
  try {
    await startContainer(id);
    const [portalPort, jupyterPort] = [await publishedPort(id, 1111), await publishedPort(id, 8080)];
    const deadline = Date.now() + 180_000;
    const [portal, jupyter] = await Promise.all([
      firstOk(`http://127.0.0.1:${portalPort}/api/applications`, token, started, deadline),
      firstOk(`http://127.0.0.1:${jupyterPort}/api`, token, started, deadline),
    ]);
    await new Promise((r) => setTimeout(r, 15_000));
    const usage = execFileSync(dockerCommand(), ['stats', '--no-stream', '--format', '{{.MemUsage}}', id], { encoding: 'utf8' });
    return { portal, jupyter, idleKb: parseMemUsage(usage) };
  } finally {
    await removeContainer(id);
  }
}

/** The commit before issue 17's boot-to-ready work (13e0e2e): the boot and its services as they were. */
export const DEFAULT_BOOT_REV = '2c2f1a6';

/**
 * Boots `image`, and when given the local base built at an earlier revision, that image in turn (then, now: a slow
 * minute of the machine falls on both), three rounds. Each service's median is a row with the absolute target; beside
 * it the same figure at the earlier revision, so a machine several times slower or faster than the one the target
 * was set on still shows what the code changed.
 */
export async function boot(image: string, record: (figure: Figure) => void, previous?: { rev: string; image: string }): Promise<void> {
  console.log(`\n== boot: ${image} from docker run to the portal and Jupyter answering 200 through Caddy`);
  if (previous) console.log(`  in turn with ${previous.image}, the local base at ${previous.rev}`);
  type Run = Awaited<ReturnType<typeof bootOnce>>;
  const runs: Run[] = [];
  const before: Run[] = [];
  const line = (run: Run) =>
    `Instance Portal ${seconds(run.portal)}, Jupyter ${seconds(run.jupyter)} (both through Caddy); idle ${megabytes(run.idleKb)}`;
  for (let i = 0; i < 3; i++) {
    if (previous) {
      const run = await bootOnce(previous.image);
      before.push(run);
      console.log(`  boot ${i + 1}/3 at ${previous.rev}: ${line(run)}`);
    }
    const run = await bootOnce(image);
    runs.push(run);
    console.log(`  boot ${i + 1}/3: ${line(run)}`);
  }
  const show = (f: Figure) => {
    record(f);
    console.log(`  ${formatFigure(f)}`);
  };
  const medians = (of: Run[]): Run => ({
    portal: median(of.map((r) => r.portal)),
    jupyter: median(of.map((r) => r.jupyter)),
    idleKb: median(of.map((r) => r.idleKb)),
  });
  const now = medians(runs);
  const rows = [
    { key: 'portal', what: 'boot to ready, Instance Portal through Caddy (median of 3)' },
    { key: 'jupyter', what: 'boot to ready, Jupyter through Caddy (median of 3)' },
  ] as const;
  for (const { key, what } of rows) {
    const ms = now[key];
    show({
      section: SECTION,
      what,
      value: seconds(ms),
      numbers: { ms: Math.round(ms) },
      target: `<= ${seconds(TARGET_MS)}`,
      met: ms <= TARGET_MS,
    });
  }
  const idle = 'container memory once idle (15 s after ready)';
  show({ section: SECTION, what: idle, value: megabytes(now.idleKb), numbers: { idleKb: Math.round(now.idleKb) } });
  if (!previous) return;
  const then = medians(before);
  const labels = { now: `now ${currentRevision()}`, then: `then ${previous.rev}` };
  const beside = (what: string, unit: 'Ms' | 'Kb', key: keyof Run) =>
    show(
      sideBySide(SECTION, `before/after: ${what}`, unit, { value: now[key], label: labels.now }, { value: then[key], label: labels.then }),
    );
  for (const { key, what } of rows) beside(what, 'Ms', key);
  beside('container memory once idle', 'Kb', 'idleKb');
}
