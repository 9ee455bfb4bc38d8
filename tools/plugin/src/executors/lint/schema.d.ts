export interface LintExecutorOptions {
  warningsAsErrors?: boolean;
  shellcheck?: boolean;
}
