import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/**
 * The command-line conventions every CLI of the project follows (solve, bench:*, scm:fake,
 * dlq:redrive, replay): `--help` prints the usage and exits 0; a bad argument is one line on
 * stderr and exit 2; any other failure is one line on stderr and exit 1 (the stack only with
 * `DEBUG` set). Pure Node: the solver's CLI uses it too.
 */

/** A bad argument: the user's fault, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CliSpec<O extends ParseArgsOptionsConfig> {
  /** The full usage text printed by `--help`; its first line is the synopsis. */
  usage: string;
  options: O;
  /** How many positional arguments the command takes (default none). */
  positionals?: { min: number; max: number };
}

/** Parses `argv` strictly against `spec`; `--help` prints the usage and exits 0. */
export function parseCli<O extends ParseArgsOptionsConfig>(spec: CliSpec<O>, argv = process.argv.slice(2)) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${spec.usage.trimEnd()}\n`);
    process.exit(0);
  }
  const { min, max } = spec.positionals ?? { min: 0, max: 0 };
  let parsed: ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: spec.options, strict: true, allowPositionals: true });
  } catch (error) {
    // Node's hint on positionals that start with '-' does not help here: keep the first sentence.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const { positionals } = parsed;
  if (positionals.length > max) throw new UsageError(`unexpected argument '${positionals[max]}'`);
  if (positionals.length < min) throw new UsageError(`missing argument: ${synopsis(spec.usage)}`);
  return parsed;
}

/** A number from an option's text, within bounds; `what` says what it is ("seconds", "port"). */
export function numberOption(
  name: string,
  text: string,
  bounds: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean; what?: string } = {},
): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  const ok =
    Number.isFinite(value) &&
    (!bounds.integer || Number.isInteger(value)) &&
    (bounds.min === undefined || (bounds.exclusiveMin ? value > bounds.min : value >= bounds.min)) &&
    (bounds.max === undefined || value <= bounds.max);
  if (!ok) {
    const kind = bounds.integer ? 'an integer' : 'a number';
    const range = [
      bounds.min !== undefined ? `${bounds.exclusiveMin ? '>' : '>='} ${bounds.min}` : '',
      bounds.max !== undefined ? `<= ${bounds.max}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    throw new UsageError(
      `${name} must be ${kind}${range ? ` ${range}` : ''}${bounds.what ? ` (${bounds.what})` : ''}, got '${text}'`,
    );
  }
  return value;
}

/**
 * Runs a CLI's main function: a UsageError is one line on stderr and exit 2, any other error one
 * line and exit 1. On success the process ends on its own (main sets `process.exitCode` if need be).
 */
export function runCli(command: string, main: () => unknown): void {
  try {
    const result = main();
    if (result instanceof Promise) result.catch((error: unknown) => fail(command, error));
  } catch (error) {
    fail(command, error);
  }
}

/**
 * For a script that parses its arguments at the top level (the benchmarks): the value of `parse`,
 * or, on a UsageError, one line on stderr and exit 2.
 */
export function argumentsOrExit<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UsageError) fail(command, error);
    throw error;
  }
}

function fail(command: string, error: unknown): never {
  const usage = error instanceof UsageError;
  const message = oneLine(error instanceof Error ? error.message : String(error));
  process.stderr.write(`${command}: ${message}${usage ? ' (--help for usage)' : ''}\n`);
  if (!usage && process.env.DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  process.exit(usage ? 2 : 1);
}

function synopsis(usage: string): string {
  return oneLine(usage.split('\n')[0] ?? usage);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Where a progress line is written: stderr, so that `--json` output on stdout stays one object. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** What is counted ("replay", "hourly reconciliation"). */
  label: string;
  stream?: ProgressStream;
  /** Milliseconds, monotonic (default performance.now). */
  now?: () => number;
  /** Runs shorter than this many items show no progress (default 20). */
  minTotal?: number;
  /** Not a TTY: one plain line at most this often, ms (default 5000). */
  intervalMs?: number;
}

export interface Progress {
  update(done: number, total: number): void;
  /** Ends the line (TTY) or prints the last one (if any was printed). */
  finish(): void;
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** `done/total (p%), r/s, ETA m:ss` after `elapsedMs`. */
export function formatProgress(done: number, total: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  const eta = rate > 0 ? formatDuration((total - done) / rate) : '?';
  return `${done}/${total} (${percent}%), ${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s, ETA ${eta}`;
}

/**
 * Progress of a long run on one line: on a TTY a bar redrawn in place (at most every 100 ms),
 * otherwise a plain line every `intervalMs` (logs, CI), each with done/total, rate and ETA.
 */
export function progressLine(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const minTotal = options.minTotal ?? 20;
  const interval = stream.isTTY ? 100 : (options.intervalMs ?? 5000);
  const started = now();
  let lastAt = started;
  let last: { done: number; total: number } | undefined;
  let printed = false;
  let finished = false;
  const render = (done: number, total: number) => {
    const text = formatProgress(done, total, now() - started);
    if (stream.isTTY) {
      const width = 24;
      const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
      stream.write(`\r${options.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
    } else stream.write(`${options.label}: ${text}\n`);
    printed = true;
    lastAt = now();
  };
  return {
    update(done, total) {
      if (finished) return;
      last = { done, total };
      if (total < minTotal) return;
      if (now() - lastAt >= interval || (stream.isTTY && done === total)) render(done, total);
    },
    finish() {
      if (finished) return;
      finished = true;
      if (!printed || !last) return;
      if (stream.isTTY) {
        render(last.done, last.total);
        stream.write('\n');
      } else render(last.done, last.total);
    },
  };
}
