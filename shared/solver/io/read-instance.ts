import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { BenchmarkInstance } from './benchmark-instance';
import { parseSolomon } from './solomon';
import { parseVrplib } from './vrplib';

/** Reads a Solomon (.txt) or VRPLIB (.vrp) file. */
export function readInstance(file: string): BenchmarkInstance {
  const text = readFileSync(file, 'utf8');
  const name = basename(file).replace(/\.(txt|vrp)$/i, '');
  const inst =
    /\.vrp$/i.test(file) || /NODE_COORD_SECTION/.test(text)
      ? parseVrplib(text, name)
      : parseSolomon(text, name);
  return { ...inst, name };
}
