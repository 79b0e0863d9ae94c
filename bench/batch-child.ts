/**
 * One corpus batch of ours in a fresh node process, for the bench's corpus
 * section: `node dist/bench/batch-child.js <job.json>`. The job lists the
 * input files and the runDtc options of each; the child reads and converts
 * them one after the other, as a user's tool would, and prints one JSON line:
 * the summed wall and CPU time of the conversions (reading each file
 * included, the process start and library load not), the main thread's
 * share of that CPU time, and each output's SHA-256 (null where runDtc gave
 * no output), for the identity check.
 *
 * A fresh process per batch: run in the bench's own process, a batch found
 * the reader, the checks and the writer already optimised by the sections
 * and batches before it (the sources batch cost 0.3–0.5 s less CPU there).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runDtc, type DtcOptions } from '../src/fdt/dtc.js';
import { threadCpuMs } from './proc-times.js';

export interface BatchJob {
  items: { path: string; opts: DtcOptions }[];
}

export interface BatchResult {
  ms: number;
  cpuMs: number;
  /**
   * The main thread's CPU time over the loop (Linux: /proc/thread-self/stat,
   * 10 ms ticks; null elsewhere). The rest of cpuMs is V8's own threads: the
   * optimising compiler and the collector's helpers.
   */
  mainCpuMs: number | null;
  digests: (string | null)[];
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function main(jobPath: string | undefined): void {
  if (!jobPath) {
    console.error('usage: batch-child <job.json>');
    process.exit(2);
  }
  const job = JSON.parse(readFileSync(jobPath, 'utf8')) as BatchJob;
  const digests: (string | null)[] = [];
  let ms = 0;
  let cpu = 0;
  let hashCpu = 0;
  const main0 = threadCpuMs();
  for (const item of job.items) {
    const c0 = cpuMs();
    const t0 = performance.now();
    const out = runDtc(readFileSync(item.path), { file: item.path, ...item.opts }).output;
    ms += performance.now() - t0;
    const c1 = cpuMs();
    cpu += c1 - c0;
    // Hashed now, outside the timed window, and dropped, as a tool writes each
    // output and lets it go, rather than held to the end (up to 60 MB).
    // (Seven alternating pairs of dtb→dts batches showed no CPU difference.)
    digests.push(out === undefined ? null : createHash('sha256').update(out).digest('hex'));
    hashCpu += cpuMs() - c1;
  }
  const main1 = threadCpuMs();
  // The hashing ran on the main thread between the timed windows; take it out.
  const mainCpuMs = main0 === null || main1 === null ? null : main1 - main0 - hashCpu;
  const result: BatchResult = { ms, cpuMs: cpu, mainCpuMs, digests };
  console.log(JSON.stringify(result));
}

main(process.argv[2]);
