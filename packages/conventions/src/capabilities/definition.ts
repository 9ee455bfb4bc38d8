// What an image.ts says about itself for agents (upstream's /etc/vast_capabilities.d keys), beyond what its services
// already say: the tools it adds, its Python environments, its OpenAI-compatible endpoints, notes on the image.
import { z } from 'zod';

const text = z.string().min(1, { error: 'must not be empty' });

export const capabilitiesDefinitionSchema = z.strictObject({
  /** Merged per key into the manifest's `image` (a later fragment wins): e.g. readme, note, preinstalled. */
  image: z.record(z.string().regex(/^[a-z_]+$/, { error: 'keys are lower_snake_case' }), text).default({}),
  tools: z.array(z.strictObject({ name: text, path: text.optional(), description: text })).default([]),
  pythonEnvironments: z
    .array(
      z.strictObject({
        name: text,
        path: z.string().startsWith('/', { error: 'must be an absolute path' }),
        activate: text.optional(),
        kind: z.enum(['venv', 'conda', 'uv', 'system']).optional(),
        description: text,
        packagesOfInterest: z.array(text).default([]),
      }),
    )
    .default([]),
  openaiEndpoints: z
    .array(
      z.strictObject({
        /** The portal label of the service that serves it, exactly (checked against the chain's PORTAL_CONFIG). */
        service: text,
        path: z.string().startsWith('/', { error: "must start with '/'" }),
        capabilities: z.array(z.enum(['chat', 'completions', 'embeddings', 'models'])).min(1),
        modelsPath: z.string().startsWith('/', { error: "must start with '/'" }),
      }),
    )
    .default([]),
});
export type CapabilitiesDefinition = z.output<typeof capabilitiesDefinitionSchema>;
