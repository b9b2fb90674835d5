import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, type ClockAnchor, scaledClock } from '../../shared/domain/clock';

/** The file in DATA_DIR that keeps the service clock across restarts. */
export const CLOCK_FILE = 'clock.json';

interface ClockFile {
  /** No time the service handed out before this file was written is later than this (epoch ms). */
  notBeforeMs: number;
  notBefore: string;
  timeScale: number;
  writtenAt: string;
}

export interface PersistentClock {
  clock: Clock;
  anchor: ClockAnchor;
  /** The anchor as the functions read it (CLOCK_ANCHOR_MS, CLOCK_ANCHOR_WALL_MS). */
  env: Record<string, string>;
  /** Writes where the clock stands now (a clean stop) and stops keeping it. */
  close(): void;
}

/**
 * The local runtime's service clock, kept with the data (DATA_DIR/clock.json) so that time never
 * goes backwards across restarts, whatever TIME_SCALE each run uses: a restart continues from where
 * the clock stood when the previous run stopped, or from the wall clock if that is later. At scale
 * 60 a minute of running moves the clock an hour ahead of the wall clock, and a restart must not
 * bring it back (stored windows, leases, retries and audit trails are on this clock).
 *
 * A process killed with SIGKILL writes nothing at the end, so the file always holds a time a little
 * ahead of the clock (`leadMs` of wall time, scaled): it is rewritten whenever the clock comes
 * within half of that lead, both when the clock is read and by a timer (the functions of this
 * process read clocks of their own, built from the same anchor: they read the same time). After a
 * kill the clock goes on from that point, at most `leadMs × scale` later than where it stood.
 */
export function startPersistentClock(
  dataDir: string,
  scale: number,
  options: { leadMs?: number } = {},
): PersistentClock {
  const file = join(dataDir, CLOCK_FILE);
  const saved = readClockFile(file);
  const wallMs = Date.now();
  const anchor: ClockAnchor = { wallMs, clockMs: Math.max(wallMs, saved?.notBeforeMs ?? wallMs) };
  const base = scaledClock(scale, anchor);
  const leadMs = Math.max(1, Math.round((options.leadMs ?? 2000) * scale));
  let ceiling = Number.NEGATIVE_INFINITY;
  const write = (notBeforeMs: number) => {
    const content: ClockFile = {
      notBeforeMs,
      notBefore: new Date(notBeforeMs).toISOString(),
      timeScale: scale,
      writtenAt: new Date(Date.now()).toISOString(),
    };
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  };
  const keep = (now: number) => {
    if (now + leadMs / 2 <= ceiling) return;
    ceiling = now + leadMs;
    write(ceiling);
  };
  const clock: Clock = {
    now: () => {
      const now = base.now();
      keep(now);
      return now;
    },
    sleep: (ms, signal) => base.sleep(ms, signal),
    wallMs: () => base.wallMs(),
  };
  keep(anchor.clockMs);
  const timer = setInterval(() => clock.now(), Math.max(50, Math.round((options.leadMs ?? 2000) / 4)));
  timer.unref();
  return {
    clock,
    anchor,
    env: { CLOCK_ANCHOR_MS: String(anchor.clockMs), CLOCK_ANCHOR_WALL_MS: String(anchor.wallMs) },
    close() {
      clearInterval(timer);
      write(base.now());
    },
  };
}

/**
 * Sets where a new DATA_DIR's service clock starts (it never starts before the wall clock): a
 * simulation of a day from 08:00 local starts its runtime at 08:00, whatever the hour it is run at.
 */
export function seedClock(dataDir: string, atMs: number, scale: number): void {
  const content: ClockFile = {
    notBeforeMs: atMs,
    notBefore: new Date(atMs).toISOString(),
    timeScale: scale,
    writtenAt: new Date().toISOString(),
  };
  writeFileSync(join(dataDir, CLOCK_FILE), `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
}

function readClockFile(file: string): ClockFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClockFile>;
    return typeof parsed.notBeforeMs === 'number' && Number.isFinite(parsed.notBeforeMs)
      ? (parsed as ClockFile)
      : undefined;
  } catch {
    // A torn or foreign file: start from the wall clock rather than refuse to start.
    return undefined;
  }
}
