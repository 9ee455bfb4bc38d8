// The script of one install step: a file of the build context (steps/<nn>-<name>.sh) that a RUN bind-mounts and
// runs with bash. The step's `run` text goes in as written, between a generated prelude (profile gate, strict mode,
// venv, torch snapshot) and postlude (torch check), so nothing guesses at shell syntax. The mount keeps the script
// out of the layer, and BuildKit keys the RUN's cache on that one file: editing a step re-runs it and later steps only.
import { generatedHeader } from './text';
import type { ResolvedImage } from './graph';
import type { ImageClass, Step } from './schema';

/** The build arg that says which profile is building; a step with `profile` skips itself under the other one. */
export const PROFILE_ARG = 'VAST_PROFILE';
/** Where a step's script lives in the build context. */
export const STEPS_DIR = 'steps';
/** Where the RUN mounts the script, for that RUN only. */
export const STEP_MOUNT = '/tmp/vast-step.sh';
const MAIN_VENV_ACTIVATE = '/venv/main/bin/activate';
const TORCH_PACKAGES = ['torch', 'torchvision', 'torchaudio', 'torchcodec'];
const TORCH_PRE = 'torch_versions_pre';
const TORCH_POST = 'torch_versions_post';
/** The torch guard's two snapshot variables and the test between them; lint rule VL020 looks for all three in a RUN. */
export const TORCH_GUARD = { pre: TORCH_PRE, post: TORCH_POST, test: `[[ "$${TORCH_PRE}" == "$${TORCH_POST}" ]]` } as const;

/**
 * Variables a step may read although no ARG or ENV of the image chain declares them: what Docker sets in every RUN,
 * and what the prelude's venv activation sets (bash's own, such as PWD or UID, shellcheck knows). Variables the boot
 * provides (CONTAINER_ID, PORTAL_CONFIG, VAST_TCP_PORT_*, ...) are not here on purpose: a step runs at build time,
 * before any boot, where `set -u` stops the build at such a reference.
 */
export function buildProvidedNames(imageClass: ImageClass): string[] {
  return ['HOME', 'HOSTNAME', 'PATH', ...(activatesMainVenv(imageClass) ? ['VIRTUAL_ENV'] : [])];
}

/** The base image creates /venv/main in its own steps; the steps of every image built on it install into it. */
export function activatesMainVenv(imageClass: ImageClass): boolean {
  return imageClass !== 'base';
}

/** What the active environment has of torch: uv's view where uv is (production), pip's where not (local). */
function torchSnapshot(variable: string): string {
  return `${variable}="$({ uv pip freeze 2>/dev/null || python -m pip freeze 2>/dev/null; } | grep -Ei '^(${TORCH_PACKAGES.join('|')})==' | sort || true)"`;
}

interface StepScriptParts {
  prelude: string[];
  /** The step's `run` text as written, one entry per line. */
  body: string[];
  postlude: string[];
}

function stepScriptParts(step: Step, options: { activateVenv: boolean }): StepScriptParts {
  const prelude: string[] = [];
  if (step.profile) {
    prelude.push(
      `if [[ "\${${PROFILE_ARG}}" != "${step.profile}" ]]; then echo "step ${step.name}: ${step.profile} profile only, skipped"; exit 0; fi`,
    );
  }
  prelude.push('set -euo pipefail');
  if (options.activateVenv) prelude.push(`. ${MAIN_VENV_ACTIVATE}`);
  if (step.torchGuard) prelude.push(torchSnapshot(TORCH_PRE));
  const postlude = step.torchGuard
    ? [
        torchSnapshot(TORCH_POST),
        `${TORCH_GUARD.test} || { echo "step ${step.name} changed the torch packages:"; diff <(echo "$${TORCH_PRE}") <(echo "$${TORCH_POST}"); exit 1; }`,
      ]
    : [];
  // The file ends each line with \n itself, so one final newline of `run` is not a line of its own.
  return { prelude, body: step.run.replace(/\n$/, '').split('\n'), postlude };
}

/** The script of one step without a file header: strict mode, profile gate, venv and torch guard as the step asks. */
export function renderStepScript(step: Step, options: { activateVenv: boolean }): string {
  const { prelude, body, postlude } = stepScriptParts(step, options);
  return [...prelude, ...body, ...postlude].join('\n');
}

/** `steps/<nn>-<name>.sh`, nn being the step's index in image.ts (steps[nn]). */
export function stepFilePath(index: number, step: Step): string {
  return `${STEPS_DIR}/${String(index).padStart(2, '0')}-${step.name}.sh`;
}

const BEGIN = /^# >>> steps\[(\d+)\]\.run \(name "([^"]*)"\)/;
const END = /^# <<< steps\[(\d+)\]\.run$/;

/** The whole step file: header, prelude, the `run` text between two markers (lint maps lines back by them), postlude. */
export function renderStepFile(image: ResolvedImage, index: number): string {
  const step = image.definition.steps[index];
  const { prelude, body, postlude } = stepScriptParts(step, { activateVenv: activatesMainVenv(image.definition.class) });
  return (
    [
      '#!/bin/bash',
      `# Install step ${step.name} of ${image.definition.name}: its Dockerfile RUN mounts this file at ${STEP_MOUNT} and runs it with bash.`,
      generatedHeader('#', image.file),
      ...prelude,
      `# >>> steps[${index}].run (name "${step.name}") of ${image.file}, as written there:`,
      ...body,
      `# <<< steps[${index}].run`,
      ...postlude,
    ].join('\n') + '\n'
  );
}

/** The RUN that executes a step file. Shell form, so the image's SHELL (umask 002 in the base) wraps it as before. */
export function renderStepRun(path: string): string {
  return `RUN --mount=type=bind,source=${path},target=${STEP_MOUNT} bash ${STEP_MOUNT}`;
}

/** The context path of the step file a RUN (its arguments) executes, or undefined for any other RUN. */
export function mountedStepFile(runArgs: string): string | undefined {
  const match = /^--mount=type=bind,source=(\S+),target=(\S+)\s+bash\s+(\S+)$/.exec(runArgs.trim());
  return match && match[2] === match[3] && match[1].startsWith(`${STEPS_DIR}/`) ? match[1] : undefined;
}

export interface StepLine {
  /** The step's index in image.ts (steps[index]) and its name. */
  index: number;
  name: string;
  /** 1-based line of the step's `run` text; undefined for a line the renderer wrapped around it. */
  runLine?: number;
}

/** Where line `line` (1-based) of a step file comes from; undefined if `content` is not a step file. */
export function locateStepLine(content: string, line: number): StepLine | undefined {
  const lines = content.split('\n');
  const begin = lines.findIndex((l) => BEGIN.test(l));
  if (begin < 0) return undefined;
  const [, index, name] = BEGIN.exec(lines[begin])!;
  // The last end marker is the renderer's: a `run` text may itself contain a line that looks like one.
  let end = lines.length;
  for (let i = lines.length - 1; i > begin; i--) {
    if (END.exec(lines[i])?.[1] === index) {
      end = i;
      break;
    }
  }
  const offset = line - (begin + 1);
  return { index: Number(index), name, ...(offset >= 1 && line - 1 < end ? { runLine: offset } : {}) };
}

/** `packages/images/x/image.ts steps[2] (name "foo") line 3`: where an author finds a step's line. */
export function formatStepLocation(source: string, where: StepLine): string {
  return `${source} steps[${where.index}] (name "${where.name}")${where.runLine ? ` line ${where.runLine}` : ' (a line the renderer wraps around it)'}`;
}
