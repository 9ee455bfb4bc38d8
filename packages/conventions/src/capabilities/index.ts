// Capabilities for agents (upstream §5): the image.ts field, the fragment renderer, the manifest and the agent guide.
export * from './definition';
export * from './fragment';
export * from './manifest';
export * from './agent-guide';
