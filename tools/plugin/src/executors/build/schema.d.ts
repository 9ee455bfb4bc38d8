// No options: the context is fully determined by image.ts, package.json and ROOT/.
export type BuildExecutorOptions = Record<string, never>;
