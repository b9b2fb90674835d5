import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleShipment } from '../support/arbitraries';
import { api, type RuntimeProcess, startRuntimeProcess } from '../support/runtime-process';

let runtime: RuntimeProcess | undefined;

afterAll(async () => {
  await runtime?.stop();
  runtime?.cleanup();
});

/** Every path under `dir` whose mode lets anyone but the owner in. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const stat = statSync(path);
    if ((stat.mode & 0o077) !== 0) found.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return found;
}

describe('DATA_DIR is owner-only (issue 8.10)', () => {
  it('keeps the data folder 0700 and every file in it 0600, also one made by an older version', async () => {
    // As an older version left it: a 0755 folder with a 0644 key file.
    const dataDir = mkdtempSync(join(tmpdir(), 'runtime-perm-'));
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'api-key'), 'local_data-dir-test-key\n', { mode: 0o644 });
    chmodSync(join(dataDir, 'api-key'), 0o644);
    mkdirSync(join(dataDir, 'dynamodb'), { mode: 0o755 });
    chmodSync(join(dataDir, 'dynamodb'), 0o755);
    runtime = await startRuntimeProcess({ dataDir, env: { TIME_SCALE: '60' } });
    expect(runtime.apiKey).toBe('local_data-dir-test-key');
    const tomorrow = new Date(Date.now() + 24 * 3600_000).toISOString().slice(0, 10);
    const created = await api(runtime)(
      'POST',
      '/v1/shipments',
      sampleShipment({
        shipmentId: 'PERM-1',
        timeWindow: { start: `${tomorrow}T08:00:00Z`, end: `${tomorrow}T16:00:00Z` },
      }),
    );
    expect(created.status).toBe(202);
    expect(readdirSync(join(dataDir, 'dynamodb')).length).toBeGreaterThan(0);
    expect(openToOthers(dataDir)).toEqual([]);
    await runtime.stop();
    expect(openToOthers(dataDir)).toEqual([]);
  });
});
