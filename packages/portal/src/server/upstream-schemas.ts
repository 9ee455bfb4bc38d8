// The JSON shapes of upstream's API (§2.3, §2.7, §2.8, §5.2) as zod schemas: the API specs check real answers of
// the portal against them, and a script calling the portal can parse with them. Strict where upstream's keys are
// fixed; `.loose()` where we add keys of our own (noted).
import { z } from 'zod';

const nullableNumber = z.number().nullable();

export const applicationSchema = z.strictObject({
  hostname: z.string(),
  external_port: z.number().int(),
  internal_port: z.number().int(),
  open_path: z.string(),
  name: z.string(),
  target_url: z.string().regex(/^https?:\/\/[^:]+:\d+$/),
  mapped_port: z.string(),
});
export const applicationsSchema = z.record(z.string(), applicationSchema);

export const processSchema = z.strictObject({
  name: z.string(),
  group: z.string(),
  state: z.enum(['STOPPED', 'STARTING', 'RUNNING', 'BACKOFF', 'STOPPING', 'EXITED', 'FATAL', 'UNKNOWN']),
  description: z.string(),
  pid: z.number().int(),
  start: z.number(),
  now: z.number(),
  unstoppable: z.boolean(),
});
export const processesSchema = z.array(processSchema);

export const processActionSchema = z.strictObject({
  status: z.literal('ok'),
  name: z.string(),
  action: z.enum(['start', 'stop', 'restart']),
});
/** FastAPI's error body, which upstream's routes answer with. */
export const errorDetailSchema = z.strictObject({ detail: z.string() });

const usageSchema = z.strictObject({ total: z.number(), used: z.number(), percent: nullableNumber });

/** Ours beyond upstream: `gpus` (each GPU's readings, absent fields where nvidia-smi has none) and `summary`. */
export const gpuReadingSchema = z.strictObject({
  index: z.number().int(),
  name: z.string(),
  utilization_percent: z.number().optional(),
  memory_used_mb: z.number().optional(),
  memory_total_mb: z.number().optional(),
  temperature_c: z.number().optional(),
  power_draw_w: z.number().optional(),
  power_limit_w: z.number().optional(),
});

export const systemMetricsSchema = z.strictObject({
  ram: usageSchema,
  disk: usageSchema,
  environment: z.enum(['container', 'host']),
  cpu: z.strictObject({ percent: nullableNumber, count: z.number().int() }),
  volume: usageSchema.extend({ path: z.string() }).optional(),
  gpu: z.strictObject({
    count: z.number().int(),
    avg_load_percent: nullableNumber,
    memory_used: nullableNumber,
    memory_total: nullableNumber,
    memory_percent: nullableNumber,
    memory_unit: z.literal('MB'),
    nvidia_count: z.number().int().optional(),
    amd_count: z.number().int().optional(),
    errors: z.strictObject({ nvidia: z.string().optional(), rocm: z.string().optional() }).optional(),
    gpus: z.array(gpuReadingSchema),
    summary: z.string(),
  }),
});

export const quickTunnelsSchema = z.array(z.strictObject({ targetUrl: z.string(), tunnelUrl: z.string() }));
export const tunnelUrlSchema = z.strictObject({ tunnel_url: z.string() });
export const directUrlSchema = z.strictObject({ result: z.string().regex(/^https?:\/\/[^:]+:\d+$/) });

export const serviceInfoSchema = z.strictObject({
  name: z.string(),
  hostname: z.string(),
  internal_port: z.number().int(),
  external_port: z.number().int(),
  open_path: z.string(),
  mapped_port: z.string().nullable(),
  internal_url: z.string(),
  direct_url: z.string().nullable(),
  supervisor_process: z.string().nullable(),
  state: z.string(),
  openai_v1_base: z.string().nullable().optional(),
  capabilities: z.array(z.string()).optional(),
});

export const openAiEndpointSchema = z.strictObject({
  service: z.string(),
  base_url: z.string().nullable(),
  internal_base_url: z.string(),
  capabilities: z.array(z.string()),
  models_path: z.string().nullable(),
  auth: z.strictObject({ type: z.literal('bearer'), token_env: z.array(z.string()) }),
});

export const capabilitiesSchema = z.strictObject({
  schema_version: z.literal(1),
  generated_at: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
  image: z.looseObject({ repo: z.string() }),
  credentials: z.strictObject({ huggingface: z.boolean(), civitai: z.boolean(), rclone_configured: z.boolean(), note: z.string() }),
  instance: z.strictObject({
    container_id: z.string().nullable(),
    containerlabel: z.string().nullable(),
    workspace: z.string(),
    workspace_is_volume: z.boolean(),
    scheme: z.enum(['http', 'https']),
    public_ip: z.string().nullable(),
    open_ports: z.array(
      z.looseObject({ proto: z.enum(['tcp', 'udp']), container_port: z.number().int(), public_port: z.string(), in_use: z.boolean() }),
    ),
  }),
  hardware: z.looseObject({ gpu: z.looseObject({ summary: z.string() }) }),
  python_environments: z.array(z.looseObject({ name: z.string(), path: z.string() })),
  tools: z.array(z.looseObject({})),
  services: z.array(serviceInfoSchema),
  endpoints_openai: z.array(openAiEndpointSchema),
  provisioning: z.strictObject({
    status: z.enum(['in_progress', 'failed', 'complete', 'none']),
    how_to: z.string(),
    env_conventions: z.array(z.string()),
    log_file: z.string(),
  }),
  auth: z.strictObject({
    edge: z.literal('caddy'),
    enabled: z.boolean(),
    token_env: z.array(z.string()),
    methods: z.array(z.string()),
    bearer_header: z.string(),
    cookie_name: z.string().nullable(),
    query_param: z.literal('token'),
    excluded_ports: z.array(z.string()),
    note: z.string(),
  }),
  discovery: z.strictObject({
    capabilities_url: z.literal('/capabilities'),
    well_known_url: z.literal('/.well-known/vast-capabilities'),
    openapi_url: z.string().nullable(),
    snapshot_file: z.string(),
    agents_guide: z.strictObject({ combined: z.string(), dir: z.string(), files: z.array(z.string()), instruction: z.string() }),
  }),
});

/** /ws-logs text frames: JSON messages, or the bare `heartbeat` and `pong`. */
export const logMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('system'), html: z.string() }),
  z.strictObject({ type: z.literal('append'), html: z.string(), file: z.string().optional() }),
  z.strictObject({ type: z.literal('overwrite'), html: z.string(), file: z.string() }),
  // Upstream's lines and file, plus ours: how many of the file's last lines the block replaces and whether its last
  // line is still being written (log-hub.ts).
  z.strictObject({
    type: z.literal('overwrite_block'),
    lines: z.array(z.string()),
    file: z.string(),
    replace: z.number().int().nonnegative(),
    pending: z.boolean(),
  }),
]);
