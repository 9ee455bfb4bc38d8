// Boot stage 80's work (upstream §5.3): the manifest snapshot, the combined agent guide, the AGENTS.md / CLAUDE.md
// links, and the banner line. Pure renderers in @vast/conventions; this file only reads and writes.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  agentBannerEnabled,
  assembleCapabilities,
  bannerWithAgentLine,
  orderAgentGuides,
  renderAgentGuide,
} from '@vast/conventions/capabilities';
import { AGENTS_DIR, AGENTS_GUIDE, BANNER_FILE, CAPABILITIES_SNAPSHOT } from '@vast/conventions/runtime-contract';
import { readCapabilitiesFacts, type ReadFactsOptions } from './read-facts';

export interface StageOptions extends ReadFactsOptions {
  log: (line: string) => void;
}

function writeAtomic(path: string, content: string, mode = 0o644) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

function linkTarget(path: string): string | undefined | null {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : null;
  } catch {
    return undefined;
  }
}

/** Runs the four steps; a failing step is logged and the next one still runs. Returns false if any failed. */
export function applyCapabilitiesStage(options: StageOptions): boolean {
  const { env, log } = options;
  const root = options.root ?? '/';
  const at = (path: string) => join(root, path);
  let ok = true;

  try {
    const manifest = assembleCapabilities(readCapabilitiesFacts(options));
    writeAtomic(at(CAPABILITIES_SNAPSHOT), `${JSON.stringify(manifest, null, 2)}\n`);
    log(`Wrote ${CAPABILITIES_SNAPSHOT}`);
  } catch (error) {
    ok = false;
    log(`WARNING: could not write ${CAPABILITIES_SNAPSHOT}: ${(error as Error).message}`);
  }

  const base = `${AGENTS_DIR}/base.md`;
  if (!existsSync(at(base))) return ok;
  try {
    const names = orderAgentGuides(readdirSync(at(AGENTS_DIR)));
    writeAtomic(
      at(AGENTS_GUIDE),
      renderAgentGuide(names.map((name) => ({ name, body: readFileSync(at(`${AGENTS_DIR}/${name}`), 'utf8') }))),
    );
    log(`Wrote ${AGENTS_GUIDE} (${names.join(', ')})`);
  } catch (error) {
    log(`WARNING: could not write ${AGENTS_GUIDE}: ${(error as Error).message}`);
    return false;
  }

  for (const dir of [env.WORKSPACE || '/workspace', '/root', '/home/user']) {
    if (!existsSync(at(dir))) continue;
    for (const name of ['AGENTS.md', 'CLAUDE.md']) {
      const path = `${dir}/${name}`;
      const target = linkTarget(at(path));
      // Absent, or a link this stage made before: (re)point it. Anything else is the user's.
      if (target === undefined || target === AGENTS_GUIDE || target === base) {
        rmSync(at(path), { force: true });
        symlinkSync(AGENTS_GUIDE, at(path));
      } else {
        log(`Leaving existing ${path} untouched`);
      }
    }
  }

  if (existsSync(at(BANNER_FILE))) {
    writeAtomic(at(BANNER_FILE), bannerWithAgentLine(readFileSync(at(BANNER_FILE), 'utf8'), agentBannerEnabled(env.ENABLE_AGENT_BANNER)));
  }
  return ok;
}
