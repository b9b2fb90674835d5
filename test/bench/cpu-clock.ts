/**
 * CPU time of this process in ms. process.cpuUsage() is a system call (~1-5 µs), so it is sampled
 * at most once per wall millisecond and extrapolated by the wall time in between (an upper bound).
 * A solver budget read on it is CPU time: on a shared, loaded machine a 30 s budget is 30 s of this
 * process's CPU, not of the wall.
 */
export function cpuClock(): () => number {
  let lastWall = -1;
  let lastCpu = 0;
  return () => {
    const w = performance.now();
    if (w - lastWall >= 1) {
      const u = process.cpuUsage();
      lastCpu = (u.user + u.system) / 1000;
      lastWall = w;
      return lastCpu;
    }
    return lastCpu + (w - lastWall);
  };
}
