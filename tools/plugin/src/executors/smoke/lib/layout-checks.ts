// The filesystem layout upstream's templates rely on, as smoke checks: the tools of /opt/instance-tools/bin (each one
// run, not only listed) and the portal at /opt/portal-aio. Added to every image's checks by smoke-config.ts.
import {
  AGENTS_GUIDE,
  BOOT_LOG,
  CAPABILITIES_SNAPSHOT,
  INSTANCE_TOOLS,
  INSTANCE_TOOLS_BIN,
  PORTAL_AIO_DIR,
  PORTAL_DIR,
  type PortalEntry,
} from '@vast/conventions';
import { bash, fileExists, readFile, type ContainerProbe } from './probe';
import { latestBootLines } from './boot-log';
import type { CheckOutcome, SmokeCheck } from './checks';

type Tool = (typeof INSTANCE_TOOLS)[number];

/** How each tool shows it works without changing the container: the arguments, and what a working tool answers. */
export const TOOL_PROBES: Record<Tool, { args: string[]; exitCode: number; output: RegExp } | 'booted'> = {
  // The boot itself ran them (boot-stages-in-order); running them again would boot a second time.
  'entrypoint.sh': 'booted',
  'boot_default.sh': 'booted',
  'cert-usable': { args: ['/nonexistent.crt', '/nonexistent.key'], exitCode: 1, output: /^cert-usable: / },
  // The smoke containers have no NVIDIA driver: working means saying so, with nothing on stdout for a caller to misread.
  'cuda-driver-version': { args: ['--native'], exitCode: 1, output: /^cuda-driver-version: no native libcuda\.so\.1/ },
  'env-hash': { args: [], exitCode: 0, output: /^[0-9a-f]{12}$/ },
  jupyter: { args: ['--version'], exitCode: 0, output: /notebook|jupyter/i },
  'propagate_ssh_keys.sh': { args: [], exitCode: 0, output: /^(\[ssh-keys\] .*)?$/s },
  // Live from the portal's /capabilities, or the static fallback: JSON either way, then the pointer on stderr.
  'vast-capabilities': { args: [], exitCode: 0, output: /"schema_version": 1[\s\S]*LIVE STATE/ },
  // Boot stage 48 ran it; running it again would write a second backup into the workspace.
  'venv-backup.sh': 'booted',
  caddy: { args: ['version'], exitCode: 0, output: /^v?2\./ },
};

/** The problems with one tool, judged from `test -x` and the run of its probe. */
export function judgeTool(tool: Tool, executable: boolean, run?: { exitCode: number; output: string }): string | undefined {
  if (!executable) return `${tool}: not an executable file in ${INSTANCE_TOOLS_BIN}`;
  const probe = TOOL_PROBES[tool];
  if (probe === 'booted' || !run) return undefined;
  const output = run.output.trim();
  const command = [tool, ...probe.args].join(' ');
  if (run.exitCode !== probe.exitCode) return `${command}: exit ${run.exitCode}, expected ${probe.exitCode} (${output.split('\n').pop()})`;
  if (!probe.output.test(output)) return `${command}: printed '${output.split('\n')[0]}', expected ${probe.output}`;
  return undefined;
}

async function checkTool(probe: ContainerProbe, tool: Tool): Promise<string | undefined> {
  const path = `${INSTANCE_TOOLS_BIN}/${tool}`;
  const executable = (await probe.exec(['test', '-x', path])).exitCode === 0;
  const spec = TOOL_PROBES[tool];
  if (!executable || spec === 'booted') return judgeTool(tool, executable);
  // By name, as a template calls it: PATH must find this copy first.
  const which = await bash(probe, 'command -v "$1"', tool);
  if (which.stdout.trim() !== path) return `${tool}: PATH finds '${which.stdout.trim() || 'nothing'}', not ${path}`;
  const result = await bash(probe, '"$@" 2>&1', tool, ...spec.args);
  return judgeTool(tool, true, { exitCode: result.exitCode, output: result.stdout });
}

const outcome = (problems: string[], ok: string): CheckOutcome =>
  problems.length ? { status: 'fail', detail: problems.join('; ') } : { status: 'pass', detail: ok };

export const LAYOUT_CHECKS: SmokeCheck[] = [
  {
    id: 'instance-tools',
    description: `upstream's tools are in ${INSTANCE_TOOLS_BIN}, first on PATH, and each one runs`,
    async run({ probe }) {
      const problems: string[] = [];
      for (const tool of INSTANCE_TOOLS) {
        const problem = await checkTool(probe, tool);
        if (problem) problems.push(problem);
      }
      return outcome(problems, INSTANCE_TOOLS.join(' '));
    },
  },
  {
    id: 'portal-aio',
    description: `the portal is at ${PORTAL_AIO_DIR}, where upstream's templates look for it`,
    async run({ probe }) {
      const result = await bash(probe, 'readlink -f "$1" && test -f "$1/portal.cjs"', PORTAL_AIO_DIR);
      const target = result.stdout.trim();
      if (target !== PORTAL_DIR) return { status: 'fail', detail: `${PORTAL_AIO_DIR} resolves to '${target}', expected ${PORTAL_DIR}` };
      return result.exitCode === 0
        ? { status: 'pass', detail: `${PORTAL_AIO_DIR} -> ${PORTAL_DIR}` }
        : { status: 'fail', detail: `${PORTAL_AIO_DIR}/portal.cjs is missing` };
    },
  },
  {
    id: 'cuda-setup-skipped',
    description: `without an NVIDIA driver, boot stage 05-configure-cuda says in ${BOOT_LOG} that it skipped (and why)`,
    async run({ probe }) {
      if ((await bash(probe, 'command -v nvidia-smi')).exitCode === 0)
        return { status: 'skip', detail: 'this container has an NVIDIA driver' };
      return judgeCudaSkip(await readFile(probe, BOOT_LOG));
    },
  },
  {
    id: 'capabilities-manifest',
    description: `${CAPABILITIES_SNAPSHOT} parses, is schema_version 1 and lists every PORTAL_CONFIG entry as a service`,
    async run({ probe, expect }) {
      return judgeManifest(await readFile(probe, CAPABILITIES_SNAPSHOT), expect.portalEntries);
    },
  },
  {
    id: 'agent-guide',
    description: `the agent guide is written and linked as AGENTS.md and CLAUDE.md in the workspace`,
    async run({ probe, expect }) {
      const result = await bash(
        probe,
        'head -n 1 "$1" && readlink "$2/AGENTS.md" && readlink "$2/CLAUDE.md"',
        AGENTS_GUIDE,
        expect.workspace,
      );
      const [title, agents, claude] = result.stdout.split('\n');
      if (title !== '# Agent guide for this instance') return { status: 'fail', detail: `${AGENTS_GUIDE} starts '${title ?? ''}'` };
      return agents === AGENTS_GUIDE && claude === AGENTS_GUIDE
        ? { status: 'pass', detail: `${expect.workspace}/{AGENTS,CLAUDE}.md -> ${AGENTS_GUIDE}` }
        : { status: 'fail', detail: `AGENTS.md -> '${agents ?? ''}', CLAUDE.md -> '${claude ?? ''}'` };
    },
  },
];

/** The snapshot must parse, say schema_version 1, and name each portal entry as a service, in order. */
export function judgeManifest(text: string | undefined, entries: readonly PortalEntry[]): CheckOutcome {
  if (text === undefined) return { status: 'fail', detail: `${CAPABILITIES_SNAPSHOT} is missing` };
  let manifest: { schema_version?: unknown; services?: Array<{ name?: unknown; supervisor_process?: unknown }> };
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    return { status: 'fail', detail: `${CAPABILITIES_SNAPSHOT} is not JSON: ${(error as Error).message}` };
  }
  if (manifest.schema_version !== 1) return { status: 'fail', detail: `schema_version is ${JSON.stringify(manifest.schema_version)}` };
  const names = (manifest.services ?? []).map((s) => s.name);
  const wanted = entries.map((e) => e.label);
  if (names.length !== wanted.length || names.some((n, i) => n !== wanted[i]))
    return { status: 'fail', detail: `services [${names.join(', ')}], expected [${wanted.join(', ')}]` };
  const programs = (manifest.services ?? []).map((s) => `${String(s.name)}=${String(s.supervisor_process)}`);
  return { status: 'pass', detail: programs.join(', ') };
}

/** The latest boot logged 05-configure-cuda, then its skip line. */
export function judgeCudaSkip(log: string | undefined): CheckOutcome {
  if (log === undefined) return { status: 'fail', detail: `${BOOT_LOG} is missing` };
  const lines = latestBootLines(log);
  const skipped = lines.find((l) => l.startsWith('05-configure-cuda skipped: '));
  if (!lines.includes('05-configure-cuda')) return { status: 'fail', detail: 'stage 05-configure-cuda did not run' };
  return skipped
    ? { status: 'pass', detail: skipped }
    : { status: 'fail', detail: 'stage 05-configure-cuda ran without a driver and logged no skip' };
}
