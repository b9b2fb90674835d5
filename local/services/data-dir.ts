import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/**
 * DATA_DIR holds the API key, the webhook secret and the database: owner-only. Everything this
 * process creates from now on is 0600/0700 (umask 077, so LevelDB's files too), and what an
 * older version left readable (0644 in a 0755 folder) is tightened at start.
 */
export function ownerOnlyDataDir(dataDir: string): void {
  // Worker threads share the process's umask and may not change it.
  if (isMainThread) process.umask(0o077);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tighten = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
      for (const name of readdirSync(path)) tighten(join(path, name));
    } else if ((stat.mode & 0o077) !== 0) {
      chmodSync(path, stat.mode & 0o700);
    }
  };
  tighten(dataDir);
}
