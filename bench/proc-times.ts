/**
 * CPU times from Linux's /proc, which process.cpuUsage() does not give: the
 * waited-for children's (dtc's side of the bench) and one thread's own (our
 * main thread apart from V8's compiler and collector threads). Tick
 * resolution (USER_HZ, 10 ms), so only sums over long runs mean much.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second for /proc's times (USER_HZ; 100 on every Linux that matters). */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** Fields of a /proc stat file from field 3 (state) on: the command name in parentheses may hold spaces. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** This process's waited-for children: cutime + cstime (fields 16, 17); NaN without /proc. */
export function childCpuMs(): number {
  try {
    const f = statFields('/proc/self/stat');
    return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** The calling thread's own utime + stime (fields 14, 15); null without /proc. */
export function threadCpuMs(): number | null {
  try {
    const f = statFields('/proc/thread-self/stat');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}
