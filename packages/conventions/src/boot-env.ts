// The boot stage 05-<image>-env.sh: default environment an image sets before any other stage runs.
import { formatPortalConfig } from './portal-config';
import { generatedHeader, shellDoubleQuote } from './text';
import type { PortalEntry } from './schema';
import { BOOT_DIR } from './runtime-contract';

export const bootEnvScriptName = (image: string) => `05-${image}-env.sh`;
export const bootEnvScriptPath = (image: string) => `${BOOT_DIR}/${bootEnvScriptName(image)}`;

export interface BootEnvInput {
  image: string;
  source: string;
  /** The whole chain's PORTAL_CONFIG default, or undefined when the image sets none. */
  portalEntries?: PortalEntry[];
  env: Record<string, string>;
}

/** Every value is a default: a variable the instance already has (from the template) wins. */
export function renderBootEnvScript(input: BootEnvInput): string {
  const lines = [
    '#!/bin/bash',
    `# Boot stage (sourced by boot_default.sh): default environment of ${input.image}; values set by the template win.`,
    generatedHeader('#', input.source),
    '',
  ];
  if (input.portalEntries?.length) {
    // Inside `${PORTAL_CONFIG:-...}` a bare `}` (a label may hold one) would end the default early: bash reads `\}` as `}`.
    const value = shellDoubleQuote(formatPortalConfig(input.portalEntries)).slice(1, -1).replace(/\}/g, '\\}');
    lines.push(`export PORTAL_CONFIG="\${PORTAL_CONFIG:-${value}}"`);
  }
  for (const [name, value] of Object.entries(input.env).sort(([a], [b]) => a.localeCompare(b))) {
    // Values may expand other variables ($WORKSPACE/...): only quotes, backslashes and backticks are escaped.
    lines.push(`export ${name}="\${${name}:-${value.replace(/[\\"`]/g, (c) => `\\${c}`)}}"`);
  }
  return lines.join('\n') + '\n';
}

/** Whether an image ships a boot env script at all. */
export function hasBootEnvScript(input: { defaultPortalConfig: boolean; bootEnv: Record<string, string> }): boolean {
  return input.defaultPortalConfig || Object.keys(input.bootEnv).length > 0;
}
