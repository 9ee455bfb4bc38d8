// The typed image definition that every packages/images/<name>/image.ts exports, and its parser.
// Parsing never throws: callers get the definition or a list of `path: what. fix.` errors as data.
import { z } from 'zod';
import { DOCKER_TAG_PATTERN } from './tags';
import { currentUpstreamVersion, trackingSchema } from './release-tracking';
import { unsafeStringProblems, USER_NAME } from './safe-strings';
import { capabilitiesDefinitionSchema } from './capabilities/definition';

export const IMAGE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const PROGRAM_NAME = /^[a-z][a-z0-9_-]*$/;
const ARG_NAME = /^[A-Z][A-Z0-9_]*$/;
const VARIANT_KEY = /^[a-z0-9][a-z0-9._-]*$/;
/** A path that is safe inside double quotes: literal characters and `${NAME}` / `$NAME` references only. */
const VAR_REF = String.raw`\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*`;
const WORKDIR = new RegExp(String.raw`^(?:\/|${VAR_REF})(?:[A-Za-z0-9_./@+:=, -]|${VAR_REF})*$`);
/** A Docker image reference with an explicit tag or digest: `org/name:tag` or `org/name@sha256:...`. */
export const IMAGE_REFERENCE = new RegExp(
  `^(?:[a-z0-9.-]+(?::[0-9]+)?\\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::${DOCKER_TAG_PATTERN}|@sha256:[a-f0-9]{64})$`,
);

const port = z
  .number({ error: 'must be a port number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be between 1 and 65535' })
  .max(65535, { error: 'must be between 1 and 65535' });

/** One application in PORTAL_CONFIG: `hostname:externalPort:internalPort:path:label`. */
export const portalEntrySchema = z.strictObject({
  label: z.string().min(1, { error: 'must not be empty' }),
  externalPort: port,
  internalPort: port,
  path: z.string().startsWith('/', { error: "must start with '/'" }).default('/'),
  hostname: z
    .string()
    .min(1)
    .regex(/^[^:]*$/, {
      error:
        "must not contain ':', which separates PORTAL_CONFIG fields (an IPv6 backend can only be set in /etc/portal.yaml). Use localhost or 127.0.0.1",
    })
    .default('localhost'),
  /**
   * A direct entry (externalPort == internalPort) that no proxied entry shares its port with is served by the app
   * itself, with no authentication in front. Lint rule VL031 refuses one unless this says it is meant to be public.
   */
  public: z.boolean().optional(),
  /**
   * Left out of the image's default PORTAL_CONFIG: the service behind it runs only when a template lists the entry
   * (upstream's Syncthing and TensorBoard programs wait for the template's PORTAL_CONFIG to name them).
   */
  optIn: z.boolean().optional(),
});
export type PortalEntry = z.output<typeof portalEntrySchema>;

/** A supervisor program: rendered to /etc/supervisor/conf.d/<name>.conf and /opt/supervisor-scripts/<name>.sh. */
export const serviceSchema = z.strictObject({
  name: z
    .string()
    .regex(PROGRAM_NAME, { error: 'must be lowercase letters, digits, - or _ (it names the supervisor program and its files)' }),
  /**
   * What the service's launch script runs. Bash, several lines allowed. With `pty`, the last line runs under the
   * `pty` shell function, unless the command calls `pty` itself (inside `if`, `eval`, ...: every launch script has it).
   */
  command: z.string().min(1, { error: 'must not be empty: say what the service runs' }),
  /** The service starts only while this label is in /etc/portal.yaml (exit_portal). Omit for always-on services. */
  portalLabel: z
    .string()
    .min(1)
    .refine((label) => !label.includes('"'), {
      error: "must not contain a double quote: supervisord cannot read one in the program's environment= line",
    })
    .optional(),
  /** The PORTAL_CONFIG entries this service exposes (most have one; Jupyter has two). */
  portal: z.array(portalEntrySchema).default([]),
  /**
   * Where the command runs: an absolute path, or one that starts with a variable (`${DATA_DIRECTORY}/app`). It is
   * double-quoted in the launch script, so variables expand and nothing else does.
   */
  workdir: z
    .string()
    .regex(WORKDIR, {
      error:
        'must be an absolute path or start with a variable, e.g. /workspace/app or ${DATA_DIRECTORY}/app, using only letters, digits, ./_-@+:=, spaces and ${NAME} (no quotes, backslashes, backticks or $(...))',
    })
    .optional(),
  /** Bash run before the provisioning wait (after the portal and serverless gates), e.g. a check that must not wait. */
  preWait: z.string().min(1, { error: 'must not be empty: leave it out instead' }).optional(),
  waitForProvisioning: z.boolean().default(true),
  /** Skip the service when SERVERLESS=true (the upstream default for everything but cron). */
  skipOnServerless: z.boolean().default(true),
  user: z.string().regex(USER_NAME, { error: 'must be a login name such as user (lowercase letters, digits, _ and -)' }).optional(),
  /** Exported, literally (no expansion), by the launch script. */
  environment: z.record(z.string().regex(ARG_NAME), z.string()).default({}),
  /**
   * Which wins when /etc/environment or $WORKSPACE/.env (environment.sh) set a name `environment` sets too. `files`:
   * as upstream's supervisor environment= of image services, which environment.sh overrides. `service`: as upstream's
   * provisioning-manifest services, whose exports come after the provisioning wait, just before the command.
   */
  environmentWins: z.enum(['files', 'service']).default('files'),
  startsecs: z.number().int().min(0).default(5),
  autorestart: z.enum(['true', 'false', 'unexpected']).default('unexpected'),
  /** Run the last line of `command` under `pty` (unbuffer) so progress bars reach the log; see `command`. */
  pty: z.boolean().default(true),
  /**
   * Which build profile ships the program (what it runs installs in that profile only); omit for both. A build of the
   * other profile removes its supervisor conf and launch script, so no program is there to fail.
   */
  profile: z.enum(['production', 'local']).optional(),
});
export type Service = z.output<typeof serviceSchema>;

/** One build step: a RUN instruction whose script runs under `set -euo pipefail`. */
export const stepSchema = z.strictObject({
  name: z.string().regex(PROGRAM_NAME, { error: 'must be lowercase letters, digits, - or _' }),
  /** Why the step exists; rendered as a comment above it. */
  comment: z.string().optional(),
  run: z.string().min(1, { error: 'must not be empty' }),
  /** Which build profile runs the step; omit for both. */
  profile: z.enum(['production', 'local']).optional(),
  /** Overlay files (paths inside ROOT/) the step needs at build time; copied just before it. */
  needs: z.array(z.string().regex(/^[^/].*/, { error: 'must be relative to ROOT/' })).default([]),
  /** The step installs or changes torch: wrap it in the torch-version guard. */
  torchGuard: z.boolean().default(false),
});
export type Step = z.output<typeof stepSchema>;

/** One entry of the build matrix; its key is the tag suffix (`1.4.2-<key>`). */
export const variantSchema = z.strictObject({
  key: z.string().regex(VARIANT_KEY, { error: "must be lowercase letters, digits, '.', '-' or '_' (it becomes part of a tag)" }),
  /** base class: the image to build FROM (e.g. `ubuntu:24.04`). */
  from: z.string().optional(),
  /** derivative/external: the parent variant this one builds on. */
  parent: z.string().optional(),
  /** external: the upstream image to graft onto. */
  upstream: z
    .string()
    .regex(IMAGE_REFERENCE, { error: 'must be an image reference with a tag or digest, e.g. ollama/ollama:0.17.1' })
    .optional(),
  args: z.record(z.string().regex(ARG_NAME, { error: 'build arg names are UPPER_SNAKE_CASE' }), z.string()).default({}),
  /**
   * The architectures this variant is released for, e.g. both of upstream's. Each is built on its own
   * (`docker-build --platform <p>` or `--platform all`: its own content tag, `<tag>-<arch>`), then docker-push --merge
   * joins them into one manifest list per tag. Omitted: the engine's own only.
   */
  platforms: z
    .array(z.enum(['linux/amd64', 'linux/arm64']))
    .min(1)
    .optional(),
  /** Builds offline from Debian packages (the `local` configuration). */
  local: z.boolean().default(false),
  /**
   * Built, pushed and merged only when named (`--variants <key>`), never by default: not part of the profile's
   * release. For a variant that exists for one job, e.g. base-image's `local-min`, the small local base e2e/multi-arch
   * builds for arm64 under emulation.
   */
  onDemand: z.boolean().optional(),
  /** Facts carried into tags and metadata. */
  cuda: z
    .string()
    .regex(/^\d+\.\d+$/, { error: 'must be MAJOR.MINOR, e.g. 12.9' })
    .optional(),
  python: z
    .string()
    .regex(/^3\.\d+$/, { error: 'must be 3.N, e.g. 3.12' })
    .optional(),
  torch: z.string().optional(),
  torchBackend: z
    .string()
    .regex(/^(cpu|cu\d{3}|rocm\d+\.\d+)$/, { error: "must be a concrete backend such as cu128, cpu or rocm6.2 (never 'auto')" })
    .optional(),
});
export type Variant = z.output<typeof variantSchema>;

const common = {
  name: z.string().regex(IMAGE_NAME, { error: 'must be kebab-case: lowercase letters and digits joined by single dashes' }),
  description: z.string().min(1, { error: 'must not be empty: it becomes the image description LABEL' }),
  /** Registry repository the release tags go to, e.g. `vastai/pytorch`. */
  repository: z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, {
    error: 'must be a lowercase repository path such as vastai/pytorch',
  }),
  /** Build args every variant gets (ARG NAME=default); variants override. */
  args: z.record(z.string().regex(ARG_NAME, { error: 'build arg names are UPPER_SNAKE_CASE' }), z.string()).default({}),
  env: z.record(z.string().regex(ARG_NAME, { error: 'env names are UPPER_SNAKE_CASE' }), z.string()).default({}),
  steps: z.array(stepSchema).default([]),
  services: z.array(serviceSchema).default([]),
  /** Extra PORTAL_CONFIG entries that are links rather than services (e.g. Jupyter Terminal). */
  links: z.array(portalEntrySchema).default([]),
  /** Ship a boot script 05-<name>-env.sh with these default environment values (PORTAL_CONFIG is added from services). */
  bootEnv: z.record(z.string().regex(ARG_NAME), z.string()).default({}),
  /** Whether this image sets a default PORTAL_CONFIG for its whole chain in 05-<name>-env.sh. */
  defaultPortalConfig: z.boolean().default(false),
  variants: z.array(variantSchema).min(1, { error: 'needs at least one variant' }),
  /**
   * Which of upstream's tag names the releases get next to the semver tags (upstream-tags.ts). Default: `base` for a
   * base image, `upstream-version` for an external one, `none` for a derivative.
   */
  upstreamTags: z
    .discriminatedUnion(
      'scheme',
      [
        z.strictObject({ scheme: z.literal('base') }),
        z.strictObject({ scheme: z.literal('pytorch') }),
        z.strictObject({ scheme: z.literal('release'), arg: z.string().regex(ARG_NAME, { error: 'names a build arg, UPPER_SNAKE_CASE' }) }),
        z.strictObject({ scheme: z.literal('upstream-version') }),
        z.strictObject({ scheme: z.literal('none') }),
      ],
      { error: "scheme must be one of 'base', 'pytorch', 'release', 'upstream-version' or 'none'" },
    )
    .optional(),
  /** Upstream releases this image follows (release-tracking.ts): each moves one build arg, or its variants' upstream tags. */
  track: z.array(trackingSchema).default([]),
  /** What agents are told about the image beyond its services (/etc/vast_capabilities.d): tools, venvs, endpoints. */
  capabilities: capabilitiesDefinitionSchema.optional(),
  /** Build outputs of other workspace projects copied into the context's ROOT (e.g. the portal bundle). */
  artifacts: z
    .array(
      z.strictObject({
        /** Workspace-relative folder a dependency's `build` writes, e.g. dist/packages/portal. */
        from: z.string().regex(/^[^/]/, { error: 'must be relative to the workspace root' }),
        /** Where it lands inside ROOT/, e.g. opt/portal. */
        to: z.string().regex(/^[^/]/, { error: 'must be relative to ROOT/' }),
      }),
    )
    .default([]),
};

export const imageDefinitionSchema = z.discriminatedUnion(
  'class',
  [
    z.strictObject({ ...common, class: z.literal('base') }),
    z.strictObject({
      ...common,
      class: z.literal('derivative'),
      /** The Nx project name of the image this one is built FROM. */
      parent: z.string().regex(IMAGE_NAME, { error: 'must name an image project, e.g. base-image' }),
    }),
    z.strictObject({
      ...common,
      class: z.literal('external'),
      /** The base-image project whose infrastructure is grafted on. */
      parent: z.string().regex(IMAGE_NAME, { error: 'must name an image project, e.g. base-image' }),
    }),
  ],
  { error: "must be one of 'base', 'derivative' or 'external'" },
);

export type ImageDefinitionInput = z.input<typeof imageDefinitionSchema>;
export type ImageDefinition = z.output<typeof imageDefinitionSchema>;
export type ImageClass = ImageDefinition['class'];

export interface DefinitionError {
  /** Dotted path to the field, e.g. `services.0.portal.0.externalPort`. */
  path: string;
  message: string;
}

export type ParseResult = { success: true; definition: ImageDefinition } | { success: false; errors: DefinitionError[] };

/** Identity helper that gives image.ts authors type checking and completion. */
export function defineImage<const T extends ImageDefinitionInput>(definition: T): T {
  return definition;
}

/** zod's issues as `path: message` errors; a missing field reads "is required" rather than zod's type wording. */
export function definitionErrorsOf(error: z.ZodError): DefinitionError[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
  }));
}

/** Validates an unknown value (the default export of an image.ts) into a definition, or errors as data. */
export function parseImageDefinition(value: unknown): ParseResult {
  const result = imageDefinitionSchema.safeParse(value);
  if (!result.success) return { success: false, errors: definitionErrorsOf(result.error) };
  const errors = checkDefinition(result.data);
  return errors.length ? { success: false, errors } : { success: true, definition: result.data };
}

/** Checks within one definition that a schema cannot express. Cross-image checks live in graph.ts. */
function checkDefinition(def: ImageDefinition): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const seen = new Map<string, number>();
  def.variants.forEach((variant, i) => {
    const first = seen.get(variant.key);
    if (first !== undefined) {
      errors.push({
        path: `variants.${i}.key`,
        message: `'${variant.key}' is already the key of variants.${first}. Give each variant its own key.`,
      });
    }
    seen.set(variant.key, i);
    if (def.class === 'base' && !variant.from) {
      errors.push({
        path: `variants.${i}.from`,
        message: 'is required for a base image: name the image to build FROM, e.g. ubuntu:24.04.',
      });
    }
    if (def.class !== 'base' && !variant.parent) {
      errors.push({ path: `variants.${i}.parent`, message: `is required: name the ${def.parent} variant this one builds on.` });
    }
    if (def.class === 'external' && !variant.upstream) {
      errors.push({
        path: `variants.${i}.upstream`,
        message: 'is required for an external image: the upstream image to graft onto, e.g. ollama/ollama:0.17.1.',
      });
    }
    if (def.class !== 'external' && variant.upstream) {
      errors.push({
        path: `variants.${i}.upstream`,
        message: `is only for external images; a ${def.class} image is built FROM its parent.`,
      });
    }
  });
  def.track.forEach((tracking, i) => {
    if ('upstream' in tracking) {
      const current = def.class === 'external' ? currentUpstreamVersion(def.variants, tracking.upstream) : undefined;
      if (!current || 'error' in current) {
        errors.push({
          path: `track.${i}.upstream`,
          message: current
            ? current.error
            : `only an external image names upstream images; a ${def.class} image tracks a build arg ({ arg: 'NAME', source }).`,
        });
      }
    } else if (!(tracking.arg in def.args)) {
      errors.push({
        path: `track.${i}.arg`,
        message: `'${tracking.arg}' is not in args (the image-wide build args, where tracking moves it). Track one of: ${Object.keys(def.args).join(', ') || '(none)'}, or add it to args.`,
      });
    }
  });
  const tagged = def.upstreamTags;
  if (tagged?.scheme === 'release' && !(tagged.arg in def.args) && !def.variants.every((v) => tagged.arg in v.args)) {
    errors.push({
      path: 'upstreamTags.arg',
      message: `'${tagged.arg}' is not a build arg of every variant. Name one of: ${Object.keys(def.args).join(', ') || '(none)'}, or add it to args.`,
    });
  }
  errors.push(...duplicateServiceNames(def.services));
  const entries = [
    ...def.services.flatMap((service, i) => service.portal.map((entry, j) => ({ entry, path: `services.${i}.portal.${j}` }))),
    ...def.links.map((entry, j) => ({ entry, path: `links.${j}` })),
  ];
  for (const { entry, path } of entries) {
    if (entry.public && entry.externalPort !== entry.internalPort) {
      errors.push({
        path: `${path}.public`,
        message: `is only for direct entries (externalPort == internalPort); port ${entry.externalPort} is proxied by Caddy, with authentication. Remove it.`,
      });
    }
  }
  errors.push(...unsafeStringProblems(def));
  errors.push(...checkServices(def.services));
  return errors;
}

/** The word `pty` as a command anywhere in a script (not inside another word such as DISABLE_PTY or --pty). */
export const CALLS_PTY = /(^|[\s;&|(`{])pty(\s|$)/m;

/** Services that share a name, which names one supervisor program and its files; shared by image and provisioning definitions. */
export function duplicateServiceNames(services: readonly Pick<Service, 'name'>[]): DefinitionError[] {
  const errors: DefinitionError[] = [];
  const first = new Map<string, number>();
  services.forEach((service, i) => {
    const at = first.get(service.name);
    if (at !== undefined) {
      errors.push({
        path: `services.${i}.name`,
        message: `'${service.name}' is already the name of services.${at}. Each supervisor program needs its own name.`,
      });
    }
    first.set(service.name, i);
  });
  return errors;
}

/** Checks of services that a schema cannot express; shared by image and provisioning definitions. */
export function checkServices(services: readonly Service[]): DefinitionError[] {
  const errors: DefinitionError[] = [];
  services.forEach((service, i) => {
    const last = service.command.trimEnd().split('\n').pop()?.trim() ?? '';
    if (service.pty && !CALLS_PTY.test(service.command) && /^(fi|done|esac|\}|\)|;;)\b|\\$/.test(last)) {
      errors.push({
        path: `services.${i}.command`,
        message: `its last line '${last}' ends a compound command, so it cannot run under pty. Call pty where the program starts (it is a shell function in every launch script, e.g. 'if ...; then pty my-app; fi'), or set pty: false.`,
      });
    }
  });
  return errors;
}

/** `path: message` lines, each naming the file. */
export function formatDefinitionErrors(file: string, errors: DefinitionError[]): string {
  return errors.map((e) => `${file}: ${e.path}: ${e.message}`).join('\n');
}
