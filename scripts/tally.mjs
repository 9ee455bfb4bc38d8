// Sums the vitest JSON reports of a test run into one closing line: "N passed, N failed, N skipped".
//
// Counted from each file's own results (vitest 4's totals do not count a file that failed outside a test):
// a file that failed without a failing test (an import error, a throwing beforeAll/afterAll) counts each of its
// tests that did not pass as failed, and at least one; a run that reports failure (an unhandled error) with
// nothing failed counts one.
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

const SKIPPED = new Set(['skipped', 'pending', 'todo', 'disabled']);

function tallyReport(report) {
  const count = { passed: 0, failed: 0, skipped: 0 };
  for (const file of report.testResults ?? []) {
    const tests = file.assertionResults ?? [];
    const of = (pick) => tests.filter((t) => pick(t.status)).length;
    const passed = of((s) => s === 'passed');
    const failed = of((s) => s === 'failed');
    const skipped = of((s) => SKIPPED.has(s));
    count.passed += passed;
    if (file.status === 'failed' && failed === 0) {
      // Its tests never ran, or ran and the file broke after them: the file failed, not its tests skipped.
      count.failed += Math.max(1, tests.length - passed);
    } else {
      count.failed += failed;
      count.skipped += skipped;
    }
  }
  if (report.success === false && count.failed === 0) count.failed = 1;
  return count;
}

let passed = 0,
  failed = 0,
  skipped = 0;
for (const file of reports) {
  const count = tallyReport(JSON.parse(readFileSync(file, 'utf8')));
  passed += count.passed;
  failed += count.failed;
  skipped += count.skipped;
}
console.log(`\n${reports.length} reports`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
