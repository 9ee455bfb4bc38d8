// @vast/plugin: infers the image targets (createNodesV2); executors and generators are listed in executors.json / generators.json.
import { createNodesV2 } from './plugins/plugin';

export { createNodesV2 };
// Nx 23 prefers the name createNodes for the same (v2) signature.
export const createNodes = createNodesV2;
