/**
 * One corpus batch of ours in a fresh node process, for the bench's corpus
 * section: `node dist/bench/batch-child.js <job.json>`. The job lists the
 * input files and the runDtc options of each; the child reads and converts
 * them one after the other, as a user's tool would, and prints one JSON line:
 * the summed wall and CPU time of the conversions (reading each file
 * included, the process start and library load not) and each output's
 * SHA-256 (null where runDtc gave no output), for the identity check.
 *
 * A fresh process per batch: run in the bench's own process, a batch found
 * the reader, the checks and the writer already optimised by the sections
 * and batches before it (the sources batch cost 0.3–0.5 s less CPU there).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runDtc, type DtcOptions } from '../src/fdt/dtc.js';

export interface BatchJob {
  items: { path: string; opts: DtcOptions }[];
}

export interface BatchResult {
  ms: number;
  cpuMs: number;
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
  const outputs: (Uint8Array | undefined)[] = [];
  let ms = 0;
  let cpu = 0;
  for (const item of job.items) {
    const c0 = cpuMs();
    const t0 = performance.now();
    const out = runDtc(readFileSync(item.path), { file: item.path, ...item.opts }).output;
    ms += performance.now() - t0;
    cpu += cpuMs() - c0;
    outputs.push(out);
  }
  // Digests after the timed loop: hashing is the bench's work, not the conversion's.
  const digests = outputs.map((o) => (o === undefined ? null : createHash('sha256').update(o).digest('hex')));
  const result: BatchResult = { ms, cpuMs: cpu, digests };
  console.log(JSON.stringify(result));
}

main(process.argv[2]);
