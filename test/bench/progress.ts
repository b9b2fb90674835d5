/**
 * A live progress line with an ETA for the long-running commands of the benchmarks and the
 * simulator (bench:pipeline, simulate). On a terminal the line is rewritten in place (at most every
 * `ttyEveryMs`); otherwise (CI, a log file) a full line is written every `logEveryMs`, so a log
 * shows progress without flooding. Lines logged meanwhile (`log`) go above the live line.
 *
 * No dependency: cli-progress is not installed, and the ETA wanted here is not always
 * `done / total` (the simulator's is the simulated time left plus the drain of what is in flight).
 */

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** Written first on every line, e.g. `bench:pipeline`. */
  label: string;
  stream?: ProgressStream;
  /** Wall-clock ms (injected by tests). */
  now?: () => number;
  ttyEveryMs?: number;
  logEveryMs?: number;
}

/** Seconds as `1h02m`, `3m05s`, `42s`. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return 'ETA ?';
  const s = Math.round(seconds);
  if (s >= 3600)
    return `ETA ${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `ETA ${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `ETA ${s}s`;
}

/**
 * Seconds left for `total` units at the rate seen so far (`done` units in `elapsedS` seconds);
 * undefined until there is a rate to go by.
 */
export function etaByRate(done: number, total: number, elapsedS: number): number | undefined {
  if (done <= 0 || elapsedS <= 0) return total <= done ? 0 : undefined;
  return Math.max(0, ((total - done) * elapsedS) / done);
}

export interface ProgressLine {
  /** The current figures and the seconds left (undefined: not known yet). */
  update(text: string, etaSeconds: number | undefined): void;
  /** A permanent line, written above the live line. */
  log(line: string): void;
  /** Writes the last figures as a permanent line and stops. */
  end(text?: string): void;
}

export function progressLine(options: ProgressOptions): ProgressLine {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const every = tty ? (options.ttyEveryMs ?? 500) : (options.logEveryMs ?? 10_000);
  const started = now();
  let lastWrite = Number.NEGATIVE_INFINITY;
  let current = '';
  let shown = false;
  const render = (text: string, eta: number | undefined) =>
    `${options.label} ${text}  elapsed ${formatEta((now() - started) / 1000).slice(4)}  ${formatEta(eta)}`;
  const clear = () => {
    if (tty && shown) stream.write('\r\x1b[K');
    shown = false;
  };
  return {
    update(text, eta) {
      current = render(text, eta);
      const t = now();
      if (t - lastWrite < every) return;
      lastWrite = t;
      if (tty) {
        stream.write(`\r\x1b[K${current}`);
        shown = true;
      } else stream.write(`${current}\n`);
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
      if (tty && current) {
        stream.write(current);
        shown = true;
      }
    },
    end(text) {
      clear();
      const last = text === undefined ? current : render(text, 0);
      if (last) stream.write(`${last}\n`);
      current = '';
    },
  };
}

/** Progress with an ETA on stderr for long benchmarks (no dependency): `label 3/10 (30 %), 1m02s, ETA 2m04s`. */
export function progress(label: string, total: number, weight: (done: number) => number = (d) => d) {
  const started = performance.now();
  const fmt = (ms: number) => {
    const s = Math.round(ms / 1000);
    return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
  };
  return {
    /** `done` of `total` steps finished; the ETA extrapolates the elapsed time by `weight` (default: steps). */
    tick(done: number, note = ''): void {
      const elapsed = performance.now() - started;
      const share = weight(done) / Math.max(1e-9, weight(total));
      const eta = share > 0 ? (elapsed / share) * (1 - share) : Number.NaN;
      const pct = Math.round(share * 100);
      process.stderr.write(
        `${label} ${done}/${total} (${pct} %), ${fmt(elapsed)}${Number.isFinite(eta) ? `, ETA ${fmt(eta)}` : ''}${note ? `  ${note}` : ''}\n`,
      );
    },
  };
}
