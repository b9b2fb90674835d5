import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cachedLiveShare, type LiveShareSource, parseLiveShare } from '../../domain/callbacks/rollout';

/** The local store of the live share: `{"liveShare": 0.1}` in a file (DATA_DIR/rollout.json). */
export const LIVE_SHARE_FILE = 'rollout.json';

/** Reads the stored share; `fallback` when the file does not exist yet. */
export function readLiveShareFile(path: string, fallback: number): number {
  if (!existsSync(path)) return fallback;
  const stored = JSON.parse(readFileSync(path, 'utf8')) as { liveShare?: unknown };
  return parseLiveShare(stored.liveShare, `${path}: liveShare`);
}

/** Writes the share (validated), atomically: a reader never sees half a file. */
export function writeLiveShareFile(path: string, share: number): void {
  const value = parseLiveShare(share);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ liveShare: value })}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/**
 * The local runtime's live share, the same port as SSM in AWS: the file read at most once per
 * `maxAgeMs` of the service clock, so `npm run rollout:set -- 0.5` reaches a running runtime within
 * that time.
 */
export function fileLiveShare(
  path: string,
  clock: { now(): number },
  options: { maxAgeMs: number; fallback: number },
): LiveShareSource {
  return cachedLiveShare(async () => readLiveShareFile(path, options.fallback), clock, options.maxAgeMs);
}
