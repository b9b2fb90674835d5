import { UsageError } from '../../shared/runtime/cli';

/**
 * The faults of `npm run simulate -- --faults LIST`: comma-separated `name[@START[+DURATION]][:ARG]`,
 * times in simulated time from the start of the run (`1h`, `20m`, `1h30m`, `90s`, `0h`).
 *
 *   scm-down@1h+20m         the SCM drops every connection for 20 minutes
 *   scm-slow@2h+10m         the SCM never answers (the sender's attempt timeout) for 10 minutes
 *   scm-409@0h+3h:0.1       the SCM answers 409 to 10 % of routes for 3 hours
 *   kill@1h30m              kill -9 of the runtime, restarted on the same DATA_DIR
 *   duplicates              every create is sent again (same Idempotency-Key, and once without)
 *   out-of-order            a share of updates sends version 3 before version 2
 *   malformed:0.02          2 % extra requests that are malformed (each must be a 4xx)
 *   burst@2h:5x             10 minutes at 5 times the peak rate on top of the day
 */
export type Fault =
  | { kind: 'scm-down' | 'scm-slow'; at: number; duration: number }
  | { kind: 'scm-409'; at: number; duration: number; share: number }
  | { kind: 'kill'; at: number }
  | { kind: 'duplicates' }
  | { kind: 'out-of-order' }
  | { kind: 'malformed'; share: number }
  | { kind: 'burst'; at: number; duration: number; factor: number };

export const FAULT_NAMES = [
  'scm-down',
  'scm-slow',
  'scm-409',
  'kill',
  'duplicates',
  'out-of-order',
  'malformed',
  'burst',
] as const;

/** Seconds of a duration such as `1h30m`, `20m`, `90s`, `2h`, `0h`. */
export function parseDuration(text: string, what: string): number {
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!text || !m || (m[1] === undefined && m[2] === undefined && m[3] === undefined))
    throw new UsageError(`--faults: ${what} must be a duration such as 1h30m, 20m or 90s, got '${text}'`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function share(text: string | undefined, name: string, fallback?: number): number {
  if (text === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UsageError(`--faults: ${name} needs a share, e.g. ${name}:0.1`);
  }
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || v > 1)
    throw new UsageError(`--faults: ${name} share must be a number in (0, 1], got '${text}'`);
  return v;
}

export function parseFaults(list: string): Fault[] {
  if (list.trim() === '') return [];
  return list.split(',').map((raw) => {
    const item = raw.trim();
    const m = /^([a-z0-9-]+)(?:@([0-9hms.]+)(?:\+([0-9hms.]+))?)?(?::(.+))?$/.exec(item);
    if (!m) throw new UsageError(`--faults: cannot read '${item}' (name[@START[+DURATION]][:ARG])`);
    const [, name = '', start, length, arg] = m;
    if (!(FAULT_NAMES as readonly string[]).includes(name))
      throw new UsageError(`--faults: unknown fault '${name}' (one of ${FAULT_NAMES.join(', ')})`);
    const at = () => {
      if (start === undefined) throw new UsageError(`--faults: ${name} needs a start, e.g. ${name}@1h`);
      return parseDuration(start, `${name} start`);
    };
    const duration = (fallback?: number) => {
      if (length === undefined) {
        if (fallback !== undefined) return fallback;
        throw new UsageError(`--faults: ${name} needs a duration, e.g. ${name}@1h+20m`);
      }
      const d = parseDuration(length, `${name} duration`);
      if (d <= 0) throw new UsageError(`--faults: ${name} duration must be above 0, got '${length}'`);
      return d;
    };
    const noArg = () => {
      if (arg !== undefined) throw new UsageError(`--faults: ${name} takes no argument, got ':${arg}'`);
    };
    switch (name) {
      case 'scm-down':
      case 'scm-slow':
        noArg();
        return { kind: name, at: at(), duration: duration() };
      case 'scm-409':
        return { kind: name, at: at(), duration: duration(), share: share(arg, name) };
      case 'kill':
        noArg();
        if (length !== undefined) throw new UsageError('--faults: kill takes no duration (kill@1h30m)');
        return { kind: name, at: at() };
      case 'duplicates':
      case 'out-of-order':
        noArg();
        if (start !== undefined) throw new UsageError(`--faults: ${name} lasts the whole run (no @)`);
        return { kind: name };
      case 'malformed':
        if (start !== undefined)
          throw new UsageError('--faults: malformed lasts the whole run (malformed:0.02)');
        return { kind: name, share: share(arg, name, 0.02) };
      default: {
        const f = /^(\d+(?:\.\d+)?)x$/.exec(arg ?? '5x');
        if (!f || Number(f[1]) <= 0)
          throw new UsageError(`--faults: burst factor must be like 5x, got '${arg}'`);
        return { kind: 'burst', at: at(), duration: duration(600), factor: Number(f[1]) };
      }
    }
  });
}

/** `1h30m` for a number of seconds. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

export function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'scm-down':
    case 'scm-slow':
      return `${f.kind}@${formatDuration(f.at)}+${formatDuration(f.duration)}`;
    case 'scm-409':
      return `scm-409@${formatDuration(f.at)}+${formatDuration(f.duration)}:${f.share}`;
    case 'kill':
      return `kill@${formatDuration(f.at)}`;
    case 'malformed':
      return `malformed:${f.share}`;
    case 'burst':
      return `burst@${formatDuration(f.at)}+${formatDuration(f.duration)}:${f.factor}x`;
    default:
      return f.kind;
  }
}
