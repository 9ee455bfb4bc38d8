// Capabilities for agents (upstream §5): the fragment renderer, the manifest and the agent guide (the image.ts field,
// which needs zod, is capabilities/definition.ts, exported by the package index; the portal bundles this entry).
export * from './fragment';
export * from './manifest';
export * from './agent-guide';
