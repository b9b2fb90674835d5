import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (version?: string) =>
  spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `${version ? `Object.defineProperty(process.versions, 'node', { value: '${version}' });` : ''} await import('./scripts/require-node.mjs');`,
    ],
    { encoding: 'utf8' },
  );

describe('Node version guard of every npm script', () => {
  it('runs this suite on Node 22 or newer (the pinned devDependency)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22);
  });
  it('passes on the current Node', () => {
    expect(run().status).toBe(0);
  });
  it('fails loudly on an older Node, saying what to do', () => {
    const result = run('20.20.2');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Node 20.20.2 is too old');
    expect(result.stderr).toContain('npm ci');
  });
});
