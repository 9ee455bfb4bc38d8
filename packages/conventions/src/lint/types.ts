// What a lint rule sees and what it reports.
import type { ImageClass, PortalEntry, Variant } from '../schema';

export interface LintFile {
  /** Path inside the assembled context, e.g. `ROOT/opt/supervisor-scripts/jupyter.sh`. */
  path: string;
  content: string;
  mode: number;
}

export interface LintContext {
  image: string;
  class: ImageClass;
  /** Where the definition lives, for fixes that point at it. */
  source: string;
  files: LintFile[];
  /** A FROM ancestor's variants pin torch, so installs here must not change it. */
  torchInParent: boolean;
  /** The chain's PORTAL_CONFIG entries as the definitions declare them, with their `public` opt-ins (none if absent). */
  portalEntries?: readonly PortalEntry[];
  /** ENV names the images this one is built FROM set: its steps may read them without declaring them. */
  inheritedEnv: readonly string[];
  /** The variants as image.ts declares them (none if absent). */
  variants?: readonly Variant[];
}

export type Severity = 'error' | 'warning';

export interface LintFinding {
  code: string;
  severity: Severity;
  /** Context path (and line) the finding is about. */
  file: string;
  line?: number;
  message: string;
  /** Where the author fixes it when that is not a hand-written file, e.g. `packages/images/x/image.ts steps[2] (name "foo") line 3`. */
  at?: string;
}

export interface LintRule {
  code: string;
  severity: Severity;
  /** One line: the invariant the rule holds. */
  description: string;
  check(context: LintContext, report: (finding: Omit<LintFinding, 'code' | 'severity'>) => void): void;
}
