import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, runScript } from '../../support/cli';

/**
 * Every CLI answers a bad argument the same way: one line on stderr naming what is wrong, exit 2,
 * no stack trace; `--help` prints the usage on stdout and exits 0. None of these reaches a network.
 */
const SOLVE = 'shared/solver/cli/solve.ts';
const FIXTURE = 'test/fixtures/solver/C101-25.txt';
const empty = mkdtempSync(join(tmpdir(), 'cli-args-'));

function expectUsageError(result: CliResult, names: RegExp) {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(names);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stdout).toBe('');
}

const cases: [string, string, string[], RegExp, (Record<string, string> | undefined)?][] = [
  ['solve', SOLVE, [FIXTURE, '--time-limit', 'abc'], /--time-limit .*'abc'/],
  ['solve', SOLVE, [FIXTURE, '--time-limit', '0'], /--time-limit/],
  ['solve', SOLVE, [FIXTURE, '--seed', '1.5'], /--seed/],
  ['solve', SOLVE, ['test/fixtures/solver/NO-SUCH.txt'], /NO-SUCH\.txt: no such file/],
  ['solve', SOLVE, ['package.json'], /package\.json is not a Solomon or VRPLIB instance/],
  ['solve', SOLVE, [FIXTURE, '--out', join(empty, 'missing-dir', 'out.json')], /--out .*missing-dir/],
  ['solve', SOLVE, [FIXTURE, '--tim-limit', '1'], /Unknown option '--tim-limit'/],
  ['solve', SOLVE, [], /missing argument/],
  ['bench:solver', 'test/bench/solver-bench.ts', ['--set', 'nope'], /--set .*solomon, x, abp/],
  ['bench:solver', 'test/bench/solver-bench.ts', ['--time-limit', '-1'], /--time-limit/],
  ['bench:pipeline', 'test/bench/pipeline-bench.ts', ['--shipments', 'many'], /--shipments .*'many'/],
  ['bench:pipeline', 'test/bench/pipeline-bench.ts', ['--budget-ms'], /--budget-ms/],
  ['scm:fake', 'local/cli/fake-scm.ts', ['--port', '70000'], /--port .*65535/],
  ['scm:fake', 'local/cli/fake-scm.ts', [], /SCM_FAKE_PORT .*'four'/, { SCM_FAKE_PORT: 'four' }],
  ['scm:fake', 'local/cli/fake-scm.ts', ['extra'], /unexpected argument 'extra'/],
  ['dlq:redrive', 'local/cli/dlq-redrive.ts', [], /--queue NAME is required/],
  ['dlq:redrive', 'local/cli/dlq-redrive.ts', ['--queue', 'X-dlq', '--max', '0'], /--max .*'0'/],
  ['dlq:redrive', 'local/cli/dlq-redrive.ts', ['--queue', 'X-dlq', '--data-dir', empty], /no SQS endpoint/],
  ['replay', 'local/cli/replay.ts', [], /one of --shipment, --region or --since \(or --until\)/],
  ['replay', 'local/cli/replay.ts', ['--until', '26/11/2026'], /--until .*'26\/11\/2026'/],
  [
    'replay',
    'local/cli/replay.ts',
    ['--since', '2026-11-26T10:00:00Z', '--until', '2026-11-26T09:00:00Z'],
    /--until .* is before --since/,
  ],
  ['replay', 'local/cli/replay.ts', ['--shipment', 'A', '--until', '2026-11-26'], /not with --region/],
  ['replay', 'local/cli/replay.ts', ['--region', 'r', '--resend-applied'], /goes with --redrive/],
  ['replay', 'local/cli/replay.ts', ['--since', 'yesterday'], /--since .*'yesterday'/],
  ['replay', 'local/cli/replay.ts', ['--shipment', 'A', '--region', 'B'], /not with --region/],
  ['simulate', 'test/sim/simulate.ts', ['--volume', '3x'], /--volume must be 1x, 10x or 100x, got '3x'/],
  ['simulate', 'test/sim/simulate.ts', ['--faults', 'scm-down@1h'], /scm-down needs a duration/],
  ['simulate', 'test/sim/simulate.ts', ['--faults', 'meteor@1h'], /unknown fault 'meteor'/],
  ['simulate', 'test/sim/simulate.ts', ['--hours', '30'], /--hours .*<= 24/],
];

describe('CLI arguments', () => {
  it.each(
    cases.map(([name, script, args, message, env]) => [
      `${name} ${args.join(' ')}${env ? ` (${Object.entries(env).map(([k, v]) => `${k}=${v}`)})` : ''}`,
      script,
      args,
      message,
      env,
    ]),
  )(
    '%s: one line on stderr, exit 2',
    async (_title, script, args, message, env) => {
      expectUsageError(await runScript(script, args, env ? { env } : {}), message);
    },
    30_000,
  );

  it.each([
    ['solve', SOLVE],
    ['bench:solver', 'test/bench/solver-bench.ts'],
    ['bench:pipeline', 'test/bench/pipeline-bench.ts'],
    ['scm:fake', 'local/cli/fake-scm.ts'],
    ['dlq:redrive', 'local/cli/dlq-redrive.ts'],
    ['replay', 'local/cli/replay.ts'],
    ['simulate', 'test/sim/simulate.ts'],
  ])(
    '%s --help prints the usage and exits 0',
    async (name, script) => {
      const result = await runScript(script, ['--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^usage: npm run (-s )?${name} --`));
      expect(result.stderr).toBe('');
    },
    30_000,
  );
});
