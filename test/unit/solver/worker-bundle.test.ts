import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'solver-bundle-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('worker entry bundled by esbuild (Lambda layout)', () => {
  it('uses solver-worker.mjs next to the bundle, and falls back in-thread without it', async () => {
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      [
        `import { planRoutes } from ${JSON.stringify(join(root, 'shared/solver'))};`,
        `import { realisticInput } from ${JSON.stringify(join(root, 'test/fixtures/solver/realistic'))};`,
        'let ticks = 0;',
        'const timer = setInterval(() => ticks++, 2);',
        'const plan = await planRoutes(realisticInput({ shipments: 25, seed: 4 }), { timeLimitMs: 60000, maxIterations: 3000, seed: 1 });',
        'clearInterval(timer);',
        'console.log(JSON.stringify({ cost: plan.cost, ticks }));',
      ].join('\n'),
    );
    const common = {
      bundle: true,
      platform: 'node' as const,
      format: 'esm' as const,
      logLevel: 'silent' as const,
    };
    await build({ ...common, entryPoints: [entry], outfile: join(dir, 'index.mjs') });
    await build({
      ...common,
      entryPoints: [join(root, 'shared/solver/worker/solver-worker.ts')],
      outfile: join(dir, 'solver-worker.mjs'),
    });
    const run = (): { cost: number; ticks: number } =>
      JSON.parse(execFileSync(process.execPath, [join(dir, 'index.mjs')], { encoding: 'utf8' }).trim());
    const withWorker = run();
    rmSync(join(dir, 'solver-worker.mjs'));
    const inThread = run();
    expect(withWorker.ticks).toBeGreaterThan(0);
    expect(inThread.ticks).toBe(0);
    expect(withWorker.cost).toBe(inThread.cost);
  }, 30_000);
});
