import { overlayShellScripts, runScripts } from './helpers';
import type { LintRule } from '../types';

// `curl … | sh`, `wget -qO- … | env X=1 bash`, `bash <(curl …)`, `sh -c "$(curl …)"`: a download run as it arrives.
const PIPED_DOWNLOAD = [
  /\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(env\s+(\S+=\S*\s+)*)?(ba|da|z)?sh\b/,
  /\b(ba|da|z)?sh\s+(-s\s+)?<\(\s*(curl|wget)\b/,
  /\b(ba|da|z)?sh\s+-c\s+["']?\$\(\s*(curl|wget)\b/,
];

/** True when a shell command runs what curl or wget downloads without anything checking it first. */
export function runsPipedDownload(command: string): boolean {
  return PIPED_DOWNLOAD.some((pattern) => pattern.test(command));
}

export const pipedDownloadRule: LintRule = {
  code: 'VL023',
  severity: 'error',
  description: 'Nothing downloaded is run as it arrives (curl | sh): what runs at build or boot is pinned by a checksum or a digest.',
  check(context, report) {
    const message =
      'runs a downloaded script as it arrives (curl | sh), so nothing pins what runs as root. Download a pinned release file ' +
      `and check it (echo "<sha256>  file" | sha256sum --check), or COPY --from an image pinned by @sha256 digest; decide it in ${context.source}.`;
    // What runs at build time (an inline RUN, or the step script a RUN mounts) and at boot (the overlay's scripts), a
    // line at a time: the patterns' `[^|;&]*` would otherwise reach from a curl on one line to a pipe on another.
    const scripts = [...runScripts(context), ...overlayShellScripts(context).map((f) => ({ file: f.path, line: 1, text: f.content }))];
    for (const script of scripts) {
      script.text.split('\n').forEach((text, i) => {
        if (runsPipedDownload(text)) report({ file: script.file, line: script.line + i, message });
      });
    }
  },
};
