import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSolution } from '../../bench/solver-checker';

const root = join(__dirname, '../../..');

describe('solve CLI', () => {
  it('prints exactly one JSON object on stdout with file ids, cost, vehicles, seconds', () => {
    const file = join(root, 'test/fixtures/solver/C101-25.txt');
    const out = execFileSync(
      join(root, 'node_modules/.bin/tsx'),
      ['shared/solver/cli/solve.ts', file, '--time-limit', '0.3', '--seed', '2'],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const res = JSON.parse(lines[0]!) as {
      routes: number[][];
      cost: number;
      vehicles: number;
      seconds: number;
    };
    expect(res.vehicles).toBe(res.routes.length);
    expect(res.seconds).toBeGreaterThan(0);
    const chk = checkSolution(file, res.routes);
    expect(chk.errors).toEqual([]);
    expect(res.cost).toBeCloseTo(chk.cost, 6);
  }, 20_000);

  it('--out FILE writes the JSON object there and nothing on stdout', () => {
    const file = join(root, 'test/fixtures/solver/C101-25.txt');
    const out = join(mkdtempSync(join(tmpdir(), 'solve-out-')), 'solution.json');
    const stdout = execFileSync(
      join(root, 'node_modules/.bin/tsx'),
      ['shared/solver/cli/solve.ts', file, '--time-limit', '0.3', '--out', out],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(stdout).toBe('');
    const res = JSON.parse(readFileSync(out, 'utf8')) as { routes: number[][]; cost: number };
    expect(checkSolution(file, res.routes).errors).toEqual([]);
    expect(res.cost).toBeGreaterThan(0);
  }, 20_000);

  it('`npm run -s solve -- FILE` (as the README says) puts only the JSON on stdout', () => {
    const file = join(root, 'test/fixtures/solver/C101-25.txt');
    const stdout = execFileSync('npm', ['run', '-s', 'solve', '--', file, '--time-limit', '0.3'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const res = JSON.parse(stdout) as { routes: number[][] };
    expect(checkSolution(file, res.routes).errors).toEqual([]);
  }, 30_000);
});
