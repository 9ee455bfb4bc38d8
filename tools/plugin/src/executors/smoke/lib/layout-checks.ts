// The filesystem layout upstream's templates rely on, as smoke checks: the tools of /opt/instance-tools/bin (each one
// run, not only listed) and the portal at /opt/portal-aio. Added to every image's checks by smoke-config.ts.
import { INSTANCE_TOOLS, INSTANCE_TOOLS_BIN, PORTAL_AIO_DIR, PORTAL_DIR } from '@vast/conventions';
import { bash, type ContainerProbe } from './probe';
import type { CheckOutcome, SmokeCheck } from './checks';

type Tool = (typeof INSTANCE_TOOLS)[number];

/** How each tool shows it works without changing the container: the arguments, and what a working tool answers. */
export const TOOL_PROBES: Record<Tool, { args: string[]; exitCode: number; output: RegExp } | 'booted'> = {
  // The boot itself ran them (boot-stages-in-order); running them again would boot a second time.
  'entrypoint.sh': 'booted',
  'boot_default.sh': 'booted',
  'cert-usable': { args: ['/nonexistent.crt', '/nonexistent.key'], exitCode: 1, output: /^cert-usable: / },
  'env-hash': { args: [], exitCode: 0, output: /^[0-9a-f]{12}$/ },
  jupyter: { args: ['--version'], exitCode: 0, output: /notebook|jupyter/i },
  'propagate_ssh_keys.sh': { args: [], exitCode: 0, output: /^(\[ssh-keys\] .*)?$/s },
  caddy: { args: ['version'], exitCode: 0, output: /^v?2\./ },
};

/** The problems with one tool, judged from `test -x` and the run of its probe. */
export function judgeTool(tool: Tool, executable: boolean, run?: { exitCode: number; output: string }): string | undefined {
  if (!executable) return `${tool}: not an executable file in ${INSTANCE_TOOLS_BIN}`;
  const probe = TOOL_PROBES[tool];
  if (probe === 'booted' || !run) return undefined;
  const output = run.output.trim();
  if (run.exitCode !== probe.exitCode)
    return `${tool} ${probe.args.join(' ')}: exit ${run.exitCode}, expected ${probe.exitCode} (${output.split('\n').pop()})`;
  if (!probe.output.test(output)) return `${tool} ${probe.args.join(' ')}: printed '${output.split('\n')[0]}', expected ${probe.output}`;
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
];
