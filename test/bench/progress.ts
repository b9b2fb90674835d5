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
