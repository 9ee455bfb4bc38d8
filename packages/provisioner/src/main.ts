// provisioner [manifest|URL] [--dry-run] [--force]: runs a provisioning manifest (boot stage 75 calls it).
import { provision } from './run';

const USAGE = 'usage: provisioner [manifest|URL] [--dry-run] [--force]';

export function parseArgs(argv: string[]): { source?: string; dryRun: boolean; force: boolean } | string {
  const result: { source?: string; dryRun: boolean; force: boolean } = { dryRun: false, force: false };
  for (const arg of argv) {
    if (arg === '--dry-run') result.dryRun = true;
    else if (arg === '--force') result.force = true;
    else if (arg === '-h' || arg === '--help') return USAGE;
    else if (arg.startsWith('-')) return `provisioner: unknown option ${arg}\n${USAGE}`;
    else if (result.source !== undefined) return `provisioner: one manifest at a time (got ${result.source} and ${arg})\n${USAGE}`;
    else result.source = arg;
  }
  return result;
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(args);
    process.exit(args === USAGE ? 0 : 2);
  }
  provision(args).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`provisioner: ${error instanceof Error ? error.stack : String(error)}`);
      process.exit(1);
    },
  );
}
