import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedClock } from '../../local/services/clock';

export interface RuntimeDescriptor {
  pid: number;
  url: string;
  apiKey: string;
  endpoints: { dynamodb: string; sqs: string; eventbridge: string };
  queues: Record<'p0' | 'p1' | 'p2', { url: string; dlqUrl: string }>;
}

/**
 * Starts the local runtime as `npm start` does (tsx local/main.ts) in a child process, on a free
 * port, and waits until /health answers. `stop` sends SIGTERM and waits for the exit.
 */
export async function startRuntimeProcess(
  options: {
    dataDir?: string;
    env?: Record<string, string>;
    readyTimeoutMs?: number;
    /**
     * Where a new DATA_DIR's service clock starts (ms; never before the wall clock), so a test's
     * outcome does not depend on the hour it is run at: at 23:55 UTC, SAME_DAY shipments of a
     * default fleet (shift 00:00–24:00 local) have minutes of their day left.
     */
    startAt?: number;
    /**
     * Its own process group: a Ctrl-C in the caller's terminal does not reach it (the caller stops
     * it; it is killed when the caller exits, however it exits).
     */
    ownGroup?: boolean;
  } = {},
) {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'runtime-'));
  if (options.startAt !== undefined)
    seedClock(dataDir, options.startAt, Number(options.env?.TIME_SCALE ?? process.env.TIME_SCALE ?? 1));
  // One process (node --import tsx), so its pid is the runtime's and signals reach it directly.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'WARN', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.ownGroup ? { detached: true } : {}),
  });
  if (options.ownGroup) {
    const kill = () => child.exitCode === null && child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.off('exit', kill));
  }
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const descriptorFile = join(dataDir, 'runtime.json');
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let descriptor: RuntimeDescriptor | undefined;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`runtime exited with ${child.exitCode}:\n${output}`);
    if (existsSync(descriptorFile)) {
      try {
        const d = JSON.parse(readFileSync(descriptorFile, 'utf8')) as RuntimeDescriptor;
        if (d.pid === child.pid && (await fetch(`${d.url}/health`)).ok) {
          descriptor = d;
          break;
        }
      } catch {
        // not ready yet
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!descriptor) {
    child.kill('SIGKILL');
    throw new Error(`runtime did not become ready:\n${output}`);
  }
  return {
    ...descriptor,
    dataDir,
    output: () => output,
    /** The runtime's service clock now (ms), from the anchor it wrote at start. */
    serviceNow(): number {
      const { clock } = JSON.parse(readFileSync(descriptorFile, 'utf8')) as {
        clock?: { timeScale: number; wallMs: number; clockMs: number };
      };
      return clock ? clock.clockMs + (Date.now() - clock.wallMs) * clock.timeScale : Date.now();
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type RuntimeProcess = Awaited<ReturnType<typeof startRuntimeProcess>>;

export function api(runtime: Pick<RuntimeDescriptor, 'url' | 'apiKey'>) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${runtime.url}${path}`, {
      method,
      headers: {
        'x-api-key': runtime.apiKey,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
}

/**
 * The next instant at `hour`:00 UTC on a weekday (the default calendar's working days) at or after
 * `now`: a start for a service clock that is the same hour whenever a test is run.
 */
export function nextUtcHour(hour: number, now: number = Date.now()): number {
  const day = 86_400_000;
  let at = Math.floor(now / day) * day + hour * 3_600_000;
  if (at < now) at += day;
  while ([0, 6].includes(new Date(at).getUTCDay())) at += day;
  return at;
}
