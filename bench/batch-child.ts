/**
 * One corpus batch of ours in a fresh node process, for the bench's corpus
 * section: `node dist/bench/batch-child.js <job.json>`. The job lists the
 * input files and the runDtc options of each; the child reads and converts
 * them one after the other, as a user's tool would, twice, and prints one
 * JSON line: for each pass the summed wall and CPU time of the conversions
 * (reading each file included, the process start and library load not) and
 * the main thread's share of that CPU time, and each output's SHA-256, for
 * the identity check.
 *
 * A fresh process per batch: run in the bench's own process, a batch found
 * the reader, the checks and the writer already optimised by the sections
 * and batches before it. The second pass is the warm figure. (The warm
 * figure used to come from the bench's own process, a big heap that had just
 * forked hundreds of dtc processes: it cost 1.7–1.9 times this one.)
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runDtc, type DtcOptions } from '../src/fdt/dtc.js';
import { threadCpuMs } from './proc-times.js';

export interface BatchJob {
  items: { path: string; opts: DtcOptions }[];
}

/** The times of one pass over the batch. */
export interface PassTimes {
  ms: number;
  cpuMs: number;
  /**
   * The main thread's CPU time over the pass (Linux: /proc/thread-self/stat,
   * 10 ms ticks; null elsewhere). The rest of cpuMs is V8's own threads: the
   * optimising compiler and the collector's helpers.
   */
  mainCpuMs: number | null;
}

export interface BatchResult {
  /** The first pass: a fresh process, its compiler's warm-up included (what one run of a tool over the batch pays). */
  fresh: PassTimes;
  /** The same batch again in the same process: what a long-lived tool that embeds the library pays. */
  warm: PassTimes;
  /** Each output's SHA-256 in the first pass (null where runDtc gave no output). */
  digests: (string | null)[];
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function pass(job: BatchJob, digests: (string | null)[] | undefined): PassTimes {
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
    if (digests) {
      digests.push(out === undefined ? null : createHash('sha256').update(out).digest('hex'));
      hashCpu += cpuMs() - c1;
    }
  }
  const main1 = threadCpuMs();
  // The hashing ran on the main thread between the timed windows; take it out.
  const mainCpuMs = main0 === null || main1 === null ? null : main1 - main0 - hashCpu;
  return { ms, cpuMs: cpu, mainCpuMs };
}

function main(jobPath: string | undefined): void {
  if (!jobPath) {
    console.error('usage: batch-child <job.json>');
    process.exit(2);
  }
  const job = JSON.parse(readFileSync(jobPath, 'utf8')) as BatchJob;
  const digests: (string | null)[] = [];
  const fresh = pass(job, digests);
  const warm = pass(job, undefined);
  const result: BatchResult = { fresh, warm, digests };
  console.log(JSON.stringify(result));
}

main(process.argv[2]);
