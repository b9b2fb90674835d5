import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScript } from '../support/cli';

/**
 * The short form of `npm run simulate`: two simulated hours of the generated day at TIME_SCALE
 * 120 with an SCM outage, 409s, a slow SCM, a kill -9 and restart, duplicates, out-of-order
 * versions and malformed requests. Nothing lost, nothing applied twice, and the report written with
 * queue depths sampled from the runtime and the distance comparison.
 */
describe('npm run simulate (short form)', () => {
  it('2 simulated hours with faults: exit 0, lost 0, applied twice 0, report.md and report.html', async () => {
    const report = mkdtempSync(join(tmpdir(), 'simulate-report-'));
    const result = await runScript(
      'test/sim/simulate.ts',
      [
        '--hours',
        '2',
        '--start-hour',
        '6',
        '--time-scale',
        '120',
        '--settle-s',
        '60',
        '--day-budget-s',
        '2',
        '--faults',
        'scm-down@20m+15m,scm-409@0h+2h:0.1,kill@1h,scm-slow@1h20m+5m,duplicates,out-of-order,malformed:0.05',
        '--report',
        report,
        '--png',
      ],
      { timeoutMs: 280_000 },
    );
    expect(result.code, `${result.stdout}\n${result.stderr.slice(-3000)}`).toBe(0);
    expect(result.stdout).toMatch(/simulate: PASS accepted \d+, lost 0, applied twice 0/);
    const md = readFileSync(join(report, 'report.md'), 'utf8');
    expect(md).toMatch(/\| \*\*lost\*\* .* \| \*\*0\*\* \|/);
    // The runtime's clock starts at the simulated hour (06:00 local), whatever hour the test runs at:
    // run in the evening on the wall clock, its SAME_DAY shipments came after the shifts had ended.
    expect(md).toMatch(/service clock started at \d{4}-\d\d-\d\dT0[45]:00:00\.000Z, 06:00 Europe\/Stockholm/);
    expect(md).toMatch(/\| \*\*versions applied at the SCM more than once\*\* .* \| \*\*0\*\* \|/);
    expect(md).toMatch(/\| API ingest .* \| \d+ \| \d+ \| \d+ \|/);
    expect(md).toMatch(/\| API URGENT .* \| \d+ \| \d+ \| \d+ \|/);
    expect(md).toMatch(/\| end-to-end accepted .* \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
    expect(md).toMatch(/\| ROUTE_APPLIED \| \d+ \|/);
    // Every accepted shipment was told at least once (route_optimized, or unassigned with a reason).
    const perShipment = /\| callbacks taken per accepted shipment [^|]* \| ([\d.]+) \(([^)]*)\) \|/.exec(md);
    expect(Number(perShipment?.[1])).toBeGreaterThanOrEqual(0.5);
    expect(perShipment?.[2]).toMatch(/route_optimized [1-9]\d*/);
    expect(md).toMatch(/\| cancelled \| [1-9]\d* \|/);
    expect(md).toMatch(/malformed requests \(answered 4xx \/ otherwise\) \| [1-9]\d* \/ 0 \|/);
    expect(existsSync(join(report, 'report.html'))).toBe(true);
    const html = readFileSync(join(report, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(5);
    expect(html).toContain('Callbacks by outcome at the SCM');
    expect(html).toContain('Queue depths (messages visible + in flight)');
    // Queue depths sampled from the runtime, and the distance comparison with its three rows.
    expect(md).toMatch(/Queue depths \(messages visible \+ in flight, [1-9]\d* samples/);
    expect(md).toMatch(/\| p1 \| \d+ \| \d+ \| 0 \| \d+ \|/);
    expect(md).toMatch(/\| p0 DLQ \| 0 \|/);
    expect(md).toMatch(/\| each shipment routed alone .* \| [1-9][\d.]* \| — \|/);
    expect(md).toMatch(
      /\| \*\*the simulated day's planned routes\*\* \([1-9]\d* routes, [1-9]\d* stops\) \| \*\*[1-9][\d.]*\*\* \| \*\*[\d.]+ % less\*\* \|/,
    );
    expect(md).toMatch(/\| whole day known in advance .* \| [1-9][\d.]* \| [\d.]+ % less \|/);
    expect(result.stdout).toMatch(/distance planned\/alone 0\.\d+, planned\/whole day \d+\.\d+/);
    expect(html).not.toMatch(/<script[^>]+src=|https?:\/\/(?!www\.w3\.org)/);
    // --png: the whole page rendered by chromium (a PNG taller than one screen: tables and 5 charts).
    const png = readFileSync(join(report, 'report.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.readUInt32BE(16)).toBe(1000);
    expect(png.readUInt32BE(20)).toBeGreaterThan(5 * 260);
  }, 300_000);
});
