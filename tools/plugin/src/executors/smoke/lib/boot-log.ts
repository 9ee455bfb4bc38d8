// Reading BOOT_LOG (`<timestamp> <line>`, one boot after another), shared by the boot and layout checks.

/** The stage lines of the latest boot in BOOT_LOG: `<timestamp> <stage>[ failed ...]`. */
export function latestBootLines(log: string): string[] {
  const lines = log.split('\n').filter((l) => l.trim() !== '');
  let start = -1;
  lines.forEach((line, i) => {
    if (/^\S+ boot-start\b/.test(line)) start = i;
  });
  return lines.slice(start + 1).map((line) => line.replace(/^\S+ /, ''));
}
