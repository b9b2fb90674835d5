// Runs every test tier once and ends with one plain summary line ("tests: N passed, N failed").
// Exit code: non-zero when any test failed or when no test ran at all.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = join(mkdtempSync(join(tmpdir(), 'vitest-')), 'report.json');
const args = [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${out}`,
  ...process.argv.slice(2),
];
const run = spawnSync('vitest', args, { stdio: 'inherit', shell: false });
let report;
try {
  report = JSON.parse(readFileSync(out, 'utf8'));
} catch {
  console.error('no test report was written');
  process.exit(run.status || 1);
}
const passed = report.numPassedTests ?? 0;
// Failed tests, plus files that failed without a failed test (an error while loading or in a hook).
const brokenFiles = (report.testResults ?? []).filter(
  (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (passed === 0) {
  console.error('no test ran');
  process.exit(1);
}
process.exit(failed > 0 || run.status !== 0 ? 1 : 0);
