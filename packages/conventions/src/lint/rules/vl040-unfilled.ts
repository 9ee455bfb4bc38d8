import { matchingLines } from './helpers';
import type { LintRule } from '../types';

/** What generators write where the author must still decide; lint fails until each is replaced. */
export const UNFILLED_MARKER = 'CHANGEME';
/** The marker as a word of its own. */
export const UNFILLED_PATTERN = new RegExp(`\\b${UNFILLED_MARKER}\\b`);

export const unfilledRule: LintRule = {
  code: 'VL040',
  severity: 'error',
  description: `No ${UNFILLED_MARKER} markers are left: every decision a generator left to the author is made.`,
  check(context, report) {
    // The project's own manifests too (LintContext.projectFiles): a generated manifest leaves its markers there.
    const files = [
      ...context.files.map((file) => ({ file, inProject: false })),
      ...(context.projectFiles ?? []).map((file) => ({ file, inProject: true })),
    ];
    for (const { file, inProject } of files) {
      for (const line of matchingLines(file.content, UNFILLED_PATTERN)) {
        const text = file.content.split('\n')[line - 1].trim();
        report({
          file: file.path,
          ...(inProject ? { inProject } : {}),
          line,
          message: `still says ${UNFILLED_MARKER} ('${text.length > 100 ? text.slice(0, 97) + '...' : text}'). ${inProject ? 'Decide it in this file.' : `Decide it in ${context.source} (or the ROOT/ file), then rebuild.`}`,
        });
      }
    }
  },
};
