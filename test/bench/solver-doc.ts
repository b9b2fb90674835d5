/** Writes/replaces one `## ` section of docs/benchmarks.md, keeping every other section intact. */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

export function machine(): string {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // keep os.cpus()
  }
  let nproc = String(cpus().length);
  try {
    nproc = execSync('nproc').toString().trim();
  } catch {
    // keep os.cpus()
  }
  return `${nproc} CPUs (nproc), ${cpu}; Node ${process.version}`;
}

export function writeSection(docFile: string, title: string, body: string): void {
  const section = `${title}\n\n${body.replace(/\n*$/, '\n')}`;
  let doc = existsSync(docFile) ? readFileSync(docFile, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf(`${title}\n`);
  if (start >= 0) {
    const next = doc.indexOf('\n## ', start + title.length);
    doc = doc.slice(0, start) + section + (next >= 0 ? `\n${doc.slice(next + 1)}` : '');
  } else {
    doc = `${doc.replace(/\n*$/, '\n\n')}${section}`;
  }
  writeFileSync(docFile, doc);
}

export function now(): string {
  return `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
