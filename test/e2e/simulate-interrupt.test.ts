import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `npm run simulate` interrupted with Ctrl-C (SIGINT to the whole process group, as a terminal
 * sends it): no more arrivals, the report of what was sent is written and marked INTERRUPTED, the
 * exit code is 130, and the runtime it started (its own process group, so the Ctrl-C does not
 * reach it first) is stopped.
 */
describe('npm run simulate interrupted', () => {
  it('Ctrl-C writes the report of what was sent, marked INTERRUPTED, exits 130 and leaves no runtime behind', async () => {
    const report = mkdtempSync(join(tmpdir(), 'simulate-int-'));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/sim/simulate.ts',
        '--hours',
        '2',
        '--start-hour',
        '8',
        '--time-scale',
        '60',
        '--day-budget-s',
        '1',
        '--report',
        report,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Wait until shipments are flowing (the runtime is up and some were accepted).
    const deadline = Date.now() + 120_000;
    let runtimePid = 0;
    while (Date.now() < deadline) {
      const dataDir = /DATA_DIR (\S+)/.exec(output)?.[1];
      const accepted = Number([...output.matchAll(/accepted (\d+)\//g)].at(-1)?.[1] ?? 0);
      if (dataDir && existsSync(join(dataDir, 'runtime.json')) && accepted >= 20) {
        runtimePid = (JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as { pid: number }).pid;
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(runtimePid, output.slice(-2000)).toBeGreaterThan(0);
    process.kill(-(child.pid as number), 'SIGINT'); // the whole group, as a terminal does
    const code = await Promise.race([
      exited,
      new Promise<string>((r) => setTimeout(() => r('timeout'), 120_000)),
    ]);
    expect(code, output.slice(-2000)).toBe(130);
    expect(output).toMatch(/simulate: INTERRUPTED accepted \d+/);
    const md = readFileSync(join(report, 'report.md'), 'utf8');
    expect(md).toContain('Result: **INTERRUPTED**');
    expect(md).toMatch(/\*\*Interrupted\*\* \(SIGINT\) at simulated \S+ of 2h, after \d+ of \d+ arrivals/);
    expect(existsSync(join(report, 'report.html'))).toBe(true);
    const alive = (() => {
      try {
        process.kill(runtimePid, 0);
        return true;
      } catch {
        return false;
      }
    })();
    expect(alive).toBe(false);
  }, 300_000);
});
