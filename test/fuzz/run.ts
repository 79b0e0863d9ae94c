/**
 * `npm run fuzz [-- --runs N --seed S --only dtb|dts|config|imagebuilder]`:
 * runs the fuzz targets (N cases in total, split evenly; default 100,000),
 * each in a worker thread watched for hangs, prints the counts per target,
 * writes each distinct crash as a replayable JSON file, and exits 1 on any
 * crash or hang with the seed and the command that reproduces it. Lives
 * outside `npm test` because of its length (a slice of each target is in it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Crash, FuzzSummary } from './harness.js';
import { TARGET_IDS, type TargetId } from './targets.js';

/** No case finished for this long: the current one is stuck (a case's own bound is 1 s). */
const STALL_SECONDS = 120;
const PROGRESS_SECONDS = 60;

interface Args {
  runs: number;
  seed: number;
  only?: TargetId[];
}

const USAGE = `usage: npm run fuzz -- [--runs N] [--seed S] [--only ${TARGET_IDS.join('|')}[,...]]`;

function usage(msg: string): never {
  console.error(`fuzz: ${msg}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 100_000, seed: Date.now() % 0x7fffffff };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (flag === '--runs' || flag === '--seed') {
      const n = Number(value);
      if (value === undefined || !Number.isSafeInteger(n) || n < 0) usage(`${flag} needs a non-negative integer`);
      if (flag === '--runs') args.runs = n;
      else args.seed = n;
      i++;
    } else if (flag === '--only') {
      const ids = (value ?? '').split(',');
      if (!ids.every((id): id is TargetId => (TARGET_IDS as readonly string[]).includes(id))) usage(`--only takes ${TARGET_IDS.join(', ')} (comma-separated)`);
      args.only = ids;
      i++;
    } else if (flag === '-h' || flag === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else usage(`unknown argument ${flag}`);
  }
  return args;
}

type Result = { summary: FuzzSummary } | { thrown: string } | { stalled: number } | { outOfMemory: number };

/**
 * The worker's heap bound: a case that allocates without bound (a size taken
 * from the input) ends the worker with ERR_WORKER_OUT_OF_MEMORY, reported
 * with its case number, instead of killing the whole run.
 */
const WORKER_HEAP_MB = 1024;

/** One target in a worker; stopped when no case finishes for STALL_SECONDS. */
function runTarget(id: TargetId, runs: number, seed: number): Promise<Result> {
  const progress = new SharedArrayBuffer(4);
  const done = new Int32Array(progress);
  const worker = new Worker(new URL('./fuzz-worker.js', import.meta.url), {
    workerData: { id, runs, seed, progress },
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  const start = performance.now();
  return new Promise((resolve, reject) => {
    let last = 0;
    let lastChange = performance.now();
    let lastReport = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const n = Atomics.load(done, 0);
      if (n !== last) {
        last = n;
        lastChange = now;
      } else if (now - lastChange > STALL_SECONDS * 1000) {
        clearInterval(timer);
        void worker.terminate().then(() => resolve({ stalled: n + 1 }));
        return;
      }
      if (now - lastReport > PROGRESS_SECONDS * 1000) {
        lastReport = now;
        console.log(`fuzz ${id}: ${n} / ${runs} cases (${((now - start) / 1000).toFixed(0)} s)`);
      }
    }, 1000);
    worker.on('message', (m: Result | { crash: Crash }) => {
      if ('crash' in m) {
        console.error(`fuzz ${id}: found a crash in step '${m.crash.step}' (details at the end): ${m.crash.error.split('\n')[0]}`);
        return;
      }
      clearInterval(timer);
      void worker.terminate().then(() => resolve(m));
    });
    worker.once('error', (e) => {
      clearInterval(timer);
      if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') resolve({ outOfMemory: Atomics.load(done, 0) + 1 });
      else reject(e);
    });
  });
}

function report(id: TargetId, summary: FuzzSummary, secs: number, crashDir: string): void {
  const crashCases = summary.crashes.reduce((s, c) => s + c.count, 0);
  console.log(`fuzz ${id}: ${summary.runs} cases, ${summary.ok} ok, ${summary.errors} typed errors, ${crashCases} crashes (${summary.crashes.length} distinct) (${secs.toFixed(1)} s)`);
  summary.crashes.forEach((c, k) => {
    mkdirSync(crashDir, { recursive: true });
    const file = join(crashDir, `${id}-${k + 1}.json`);
    writeFileSync(file, `${JSON.stringify({ step: c.step, count: c.count, label: c.label, error: c.error, case: c.replay }, null, 2)}\n`);
    console.error(`fuzz ${id}: CRASH in step '${c.step}' (${c.count} cases), first: ${c.label.slice(0, 300)}`);
    console.error(`  ${c.error.split('\n').slice(0, 10).join('\n  ')}`);
    console.error(`  replayable case: ${file}`);
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const chosen = TARGET_IDS.filter((id) => !args.only || args.only.includes(id));
  const crashDir = join(tmpdir(), `hyperlaunch-fuzz-${args.seed}`);
  console.log(`fuzz: ${args.runs} cases over ${chosen.join(' + ')}, seed ${args.seed}`);
  let total = 0;
  let failed = false;
  for (const [k, id] of chosen.entries()) {
    // Even split; the first targets take the odd cases.
    const runs = Math.floor(args.runs / chosen.length) + (k < args.runs % chosen.length ? 1 : 0);
    const start = performance.now();
    const r = await runTarget(id, runs, args.seed);
    const secs = (performance.now() - start) / 1000;
    const again = `reproduce: npm run fuzz -- --only ${id} --runs ${runs} --seed ${args.seed}`;
    if ('summary' in r) {
      total += r.summary.runs;
      report(id, r.summary, secs, crashDir);
      if (r.summary.crashes.length) {
        failed = true;
        console.error(again);
      }
    } else if ('thrown' in r) {
      failed = true;
      console.error(`fuzz ${id}: CRASH (seed ${args.seed}, ${runs} runs)\n${r.thrown}\n${again}`);
    } else if ('outOfMemory' in r) {
      failed = true;
      console.error(`fuzz ${id}: OUT OF MEMORY: case ${r.outOfMemory} took the worker past ${WORKER_HEAP_MB} MB of heap\n${again.replace(`--runs ${runs}`, `--runs ${r.outOfMemory}`)}`);
    } else {
      failed = true;
      console.error(`fuzz ${id}: HANG: case ${r.stalled} did not finish in ${STALL_SECONDS} s; stopped\n${again.replace(`--runs ${runs}`, `--runs ${r.stalled}`)}`);
    }
  }
  console.log(failed ? `fuzz: ${total} cases; crashes above (seed ${args.seed})` : `fuzz: ${total} cases in total, no crash`);
  process.exit(failed ? 1 : 0);
}

await main();
