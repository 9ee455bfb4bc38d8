// Renders the Dockerfile of an image, one function per class, from its resolved definition.
// Layer plan: slow, rarely-changing steps first; the ROOT overlay (which changes often) last, then env-hash.
import { bootEnvScriptPath } from './boot-env';
import { GRAFT_APT_LIST, INSTANCE_TOOLS_BIN } from './runtime-contract';
import { PROFILE_ARG, renderStepRun, stepFilePath } from './step-script';
import { launchScriptPath, supervisorConfPath } from './supervisor';
import { generatedHeader } from './text';
import type { ResolvedImage } from './graph';
import type { Step, Variant } from './schema';
import { exportedFacts, FACT_ARGS, factArgs, resolveVariantFacts } from './variant-facts';

export const LABEL_SOURCE = 'https://github.com/vastai/';
export const LABEL_MAINTAINER = 'Vast.ai Inc <contact@vast.ai>';
/** The three LABELs every image carries; lint rule VL001 holds the final stage to exactly these. */
export const LABEL_KEYS = ['org.opencontainers.image.source', 'org.opencontainers.image.description', 'maintainer'] as const;
export const ENTRYPOINT = `${INSTANCE_TOOLS_BIN}/entrypoint.sh`;
export const ENV_HASH_STEP = 'env-hash > /.env_hash';
/** Where a base image keeps a copy of its own overlay, for external images to graft from. */
export const GRAFT_DIR = '/opt/vast-base';
export const GRAFT_SCRIPT = `${GRAFT_DIR}/graft.sh`;
/** The graft's first half: installs the base's apt list (GRAFT_APT_LIST) into the upstream image, as its own layer. */
export const GRAFT_PACKAGES_SCRIPT = `${GRAFT_DIR}/graft-packages.sh`;
export const BASE_STAGE = 'vast_base_image';
/** The build arg that names the image a derivative is built FROM; docker-build fills it with the parent's build tag. */
export const PARENT_ARG = 'PARENT_IMAGE';
export const BASE_ARG = 'BASE_IMAGE';
export const VAST_BASE_ARG = 'VAST_BASE';
export const UPSTREAM_ARG = 'UPSTREAM_IMAGE';

/** The build args a variant gets: image defaults, then its facts (its own or its parent variant's), then its own args. */
export function variantBuildArgs(image: Pick<ResolvedImage, 'definition' | 'ancestors'>, variant: Variant): Record<string, string> {
  return { ...image.definition.args, ...factArgs(resolveVariantFacts(image, variant)), ...variant.args };
}

/** `ARG NAME` lines for every arg any variant sets; a default only where the image declares one. */
function renderArgs(image: ResolvedImage): string[] {
  const definition = image.definition;
  const names = new Set<string>(Object.keys(definition.args));
  for (const variant of definition.variants) for (const name of Object.keys(variantBuildArgs(image, variant))) names.add(name);
  return [
    `ARG ${PROFILE_ARG}=production`,
    ...[...names].sort().map((n) => (n in definition.args ? `ARG ${n}=${dockerQuote(definition.args[n])}` : `ARG ${n}`)),
  ];
}

/** ENV of the facts every variant has, so children (in this workspace or not) read them as upstream's do. */
function factEnv(image: Pick<ResolvedImage, 'definition' | 'ancestors'>): Record<string, string> {
  return Object.fromEntries(exportedFacts(image).map((f) => [FACT_ARGS[f], `\${${FACT_ARGS[f]}}`]));
}

/**
 * The ENV an image states for its own steps and for every image built FROM it: its exported facts, then its env.
 * (An external image also carries the grafted base's env, which is the base's own to state.)
 */
export function imageEnv(image: Pick<ResolvedImage, 'definition' | 'ancestors'>): Record<string, string> {
  return { ...factEnv(image), ...image.definition.env };
}

/** Double-quoted Dockerfile value; `$` stays live so ENV can extend inherited values such as ${PATH}. */
function dockerQuote(value: string): string {
  return /^[A-Za-z0-9_./:=+,@-]*$/.test(value) && value !== '' ? value : `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function renderLabels(description: string): string[] {
  const [source, desc, maintainer] = LABEL_KEYS;
  return [
    `LABEL ${source}=${dockerQuote(LABEL_SOURCE)} \\`,
    `      ${desc}=${dockerQuote(description)} \\`,
    `      ${maintainer}=${dockerQuote(LABEL_MAINTAINER)}`,
  ];
}

function renderEnv(env: Record<string, string>): string[] {
  const entries = Object.entries(env);
  if (!entries.length) return [];
  return entries.map(([k, v], i) => `${i === 0 ? 'ENV ' : '    '}${k}=${dockerQuote(v)}${i < entries.length - 1 ? ' \\' : ''}`);
}

/** One RUN per step, each running its script from the context (step-script.ts) as written. */
function renderSteps(steps: Step[]): string[] {
  const out: string[] = [];
  steps.forEach((step, index) => {
    out.push('');
    if (step.comment) out.push(...step.comment.split('\n').map((c) => `# ${c}`));
    // Copy only what this step reads, just before it, so overlay edits elsewhere keep its layer cached.
    for (const need of step.needs) out.push(`COPY ./ROOT/${need} /${need}`);
    out.push(renderStepRun(stepFilePath(index, step)));
  });
  return out;
}

/** Boot env scripts of ancestors that a child's own script supersedes (the child's carries the whole chain). */
function supersededBootEnvScripts(image: ResolvedImage): string[] {
  if (!image.definition.defaultPortalConfig) return [];
  return image.ancestors.filter((a) => a.definition.defaultPortalConfig).map((a) => bootEnvScriptPath(a.definition.name));
}

/**
 * A RUN that removes, in a build of the other profile, the program of each service that one profile ships only (its
 * conf and launch script, and the base's copy for grafts), so no program is left whose command was never installed.
 */
function renderProfileServices(image: ResolvedImage): string[] {
  const limited = image.definition.services.filter((s) => s.profile);
  return limited.flatMap((service) => {
    const files = [supervisorConfPath(service), launchScriptPath(service)];
    if (image.definition.class === 'base') files.push(...files.map((f) => `${GRAFT_DIR}/ROOT${f}`));
    return [
      `# ${service.name} is a program of the ${service.profile} profile only (services.${image.definition.services.indexOf(service)}.profile).`,
      `RUN if [[ "\${${PROFILE_ARG}}" != ${service.profile} ]]; then rm -f ${files.join(' ')}; fi`,
    ];
  });
}

function renderTrailer(image: ResolvedImage): string[] {
  const superseded = supersededBootEnvScripts(image);
  const out = ['', '# The overlay changes most often, so it comes after every install step.', 'COPY ./ROOT /'];
  if (image.definition.class === 'base') {
    out.push('# A copy for external images to graft from (they cannot see this build context).', `COPY ./ROOT ${GRAFT_DIR}/ROOT`);
  }
  out.push(...renderProfileServices(image));
  out.push('');
  if (superseded.length) {
    out.push(`# ${superseded.join(', ')} set the parent's PORTAL_CONFIG default; this image's own script carries the whole chain.`);
    out.push(`RUN rm -f ${superseded.join(' ')} && ${ENV_HASH_STEP}`);
  } else {
    out.push(`RUN ${ENV_HASH_STEP}`);
  }
  if (image.definition.class !== 'derivative') out.push('', `ENTRYPOINT ["${ENTRYPOINT}"]`, 'CMD []');
  return out;
}

/** The SHELL of the base image, which every RUN of it and of the derivatives built on it inherits. */
const BASE_SHELL = [
  '# umask 002 in every RUN: files stay group-writable for `user` (uid 1001, gid 0).',
  'SHELL ["/bin/bash", "-c", "umask 002 && /bin/bash -c \\"$@\\"", "-"]',
  '',
];

/**
 * base and derivative: one stage, FROM the image a build arg names (the base's root image, or the parent's build).
 * They differ only in that arg and in the base setting the SHELL its children inherit.
 */
function renderSingleStageDockerfile(image: ResolvedImage, fromArg: string, shell: string[]): string {
  const def = image.definition;
  return (
    [
      generatedHeader('#', image.file),
      `ARG ${fromArg}`,
      `FROM \${${fromArg}}`,
      '',
      ...renderLabels(def.description),
      '',
      ...shell,
      ...renderArgs(image),
      ...renderEnv(imageEnv(image)),
      ...renderSteps(def.steps),
      ...renderTrailer(image),
    ].join('\n') + '\n'
  );
}

function renderExternalDockerfile(image: ResolvedImage): string {
  const def = image.definition;
  const base = image.ancestors[image.ancestors.length - 1]?.definition;
  // The graft carries the base image's environment; IMAGE_TYPE marks a full base build, which this is not.
  const baseEnv = Object.fromEntries(Object.entries(base?.env ?? {}).filter(([k]) => k !== 'IMAGE_TYPE' && k !== 'PATH'));
  return (
    [
      generatedHeader('#', image.file),
      `ARG ${VAST_BASE_ARG}`,
      `ARG ${UPSTREAM_ARG}`,
      '# The base image comes first: its stage carries the infrastructure this build grafts on.',
      `FROM \${${VAST_BASE_ARG}} AS ${BASE_STAGE}`,
      `FROM \${${UPSTREAM_ARG}}`,
      '',
      "# Graft, first half: the base's apt packages the upstream image lacks. Right after FROM, before any ENV or ARG, and",
      '# copying only the list and its script: the layer depends on the upstream image and the list alone, so a rebuilt',
      '# base (or another external image on the same upstream) reuses it instead of reinstalling hundreds of packages.',
      `COPY --from=${BASE_STAGE} ${GRAFT_APT_LIST} ${GRAFT_PACKAGES_SCRIPT} ${GRAFT_DIR}/`,
      `RUN ["${GRAFT_PACKAGES_SCRIPT}"]`,
      '',
      ...renderLabels(def.description),
      '',
      'SHELL ["/bin/bash", "-c"]',
      ...renderArgs(image),
      ...renderEnv({ ...baseEnv, ...factEnv(image), PATH: `${INSTANCE_TOOLS_BIN}:\${PATH}` }),
      '',
      '# Graft, second half: the base overlay, user, python venv and upstream paths, laid into the upstream image.',
      `COPY --from=${BASE_STAGE} ${GRAFT_DIR} ${GRAFT_DIR}`,
      `RUN ${GRAFT_SCRIPT}`,
      ...(Object.keys(def.env).length ? ['', ...renderEnv(def.env)] : []),
      ...renderSteps(def.steps),
      ...renderTrailer(image),
    ].join('\n') + '\n'
  );
}

export function renderDockerfile(image: ResolvedImage): string {
  switch (image.definition.class) {
    case 'base':
      return renderSingleStageDockerfile(image, BASE_ARG, BASE_SHELL);
    case 'derivative':
      return renderSingleStageDockerfile(image, PARENT_ARG, []);
    case 'external':
      return renderExternalDockerfile(image);
  }
}
