// Sums the vitest JSON reports of a test run into one closing line: "N passed, N failed, N skipped".
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const reports = [];
const visit = (dir, depth) => {
  if (depth > 3 || !existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) visit(path, entry.name === 'test-output' ? 3 : depth + 1);
    else if (dir.endsWith('test-output') && entry.name.endsWith('.json')) reports.push(path);
  }
};
visit('.', 0);

let passed = 0, failed = 0, skipped = 0;
for (const file of reports) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`\n${reports.length} reports`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
