// Formats definition and graph errors: one line each, file, field and fix.
import type { GraphError } from '@vast/conventions';

export function formatChainErrors(image: string, errors: GraphError[]): string {
  if (!errors.length) return `${image}: no image definition found at packages/images/${image}/image.ts.`;
  return [`${image}: the image definition is invalid:`, ...errors.map((e) => `  ${e.file}: ${e.path}: ${e.message}`)].join('\n');
}
