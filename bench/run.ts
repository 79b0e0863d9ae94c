/**
 * `npm run bench [-- --only startup,throughput,corpus,large,scaling,build]`
 *
 * Compares this library with dtc 1.6.1 on the same machine in the same run:
 *  - start-up: `node -e 0` and `dtc` on an empty tree (fork/exec included);
 *  - throughput: readDtb on the largest kernel DTB, MB/s, and openDtb's lazy walk to /chosen;
 *  - large: the 100,000-device compile in a fresh process (CPU, peak RSS), and 2× nodes vs time;
 *  - corpus: the whole Debian arm64 DTB set (dtb→dts, dtb→dtb) and the
 *    kernel's preprocessed arm64 sources (dts→dtb) in ONE node process,
 *    against the sum of one dtc process per file;
 *  - scaling: synthetic trees of 1,000 … 100,000 devices (dtc up to 16,000,
 *    where its quadratic steps already cost seconds), plus a 12,000-sibling
 *    node that dtc 1.6.1's parser cannot take.
 * Ratios are dtc time / our time (> 1: we are faster). Each output is also
 * checked for byte-identity with dtc's, so both sides do the same work.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDtc, type DtcOptions } from '../src/fdt/dtc.js';
import { readDtb } from '../src/fdt/dtb/read.js';
import { openDtb } from '../src/fdt/dtb/view.js';
import { fileURLToPath } from 'node:url';
import {
  getKernelDtbs,
  getKernelSources,
  isUnavailable,
  kernelDtcArgs,
  type KernelDtbCorpus,
  type KernelSourceCorpus,
} from '../test/corpus/debian-corpus.js';
import { syntheticDts } from './synthetic-tree.js';
import { childCpuMs } from './proc-times.js';
import type { BatchJob, BatchResult } from './batch-child.js';
import { benchCheckScaling } from './check-scaling.js';
import { skipLine } from '../test/support/skip.js';

const SECTIONS = ['startup', 'throughput', 'corpus', 'large', 'scaling', 'build'] as const;
type Section = (typeof SECTIONS)[number];

interface Timed {
  /** Wall-clock time, fork/exec included for a child. */
  ms: number;
  /** CPU time (user + system): what the work costs, whatever else the machine is doing. */
  cpuMs: number;
  code: number;
  stdout: Buffer;
  stderr: string;
}

function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function execTimed(cmd: string, args: string[]): Timed {
  const cpu0 = childCpuMs();
  const start = performance.now();
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 30 });
  const ms = performance.now() - start;
  const cpuMs = childCpuMs() - cpu0;
  return { ms, cpuMs, code: r.status ?? 1, stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr?.toString() ?? String(r.error) };
}

interface OursTimed {
  ms: number;
  cpuMs: number;
  out: Uint8Array | undefined;
}

function timeOurs(fn: () => Uint8Array | undefined): OursTimed {
  const cpu0 = ownCpuMs();
  const start = performance.now();
  const out = fn();
  return { ms: performance.now() - start, cpuMs: ownCpuMs() - cpu0, out };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), b) === 0;
}

const fmtMs = (ms: number): string =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 1 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(1)} µs`;
const fmtRatio = (r: number): string => `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('');
}

// ---------------------------------------------------------------- start-up

let nodeStartMs = 0;

function benchStartup(tmp: string): void {
  console.log('## Start-up (median of 20, fork/exec included)\n');
  const empty = join(tmp, 'empty.dts');
  writeFileSync(empty, '/dts-v1/;\n/ { };\n');
  const runs = (cmd: string, args: string[]): number => median(Array.from({ length: 20 }, () => execTimed(cmd, args).ms));
  nodeStartMs = runs(process.execPath, ['-e', '0']);
  const dtcEmpty = runs('dtc', ['-O', 'dtb', '-o', join(tmp, 'empty.dtb'), empty]);
  table(['process', 'time'], [
    ['node -e 0', fmtMs(nodeStartMs)],
    ['dtc empty.dts → dtb', fmtMs(dtcEmpty)],
  ]);
}

// ---------------------------------------------------------------- throughput

/** Per-call CPU time of `fn`, warmed, each sample at least 0.5 s of CPU; the median of 5 samples. */
function cpuPerCall(fn: () => void): number {
  for (let i = 0; i < 50; i++) fn(); // warm the JIT
  const samples: number[] = [];
  for (let k = 0; k < 5; k++) {
    const c0 = ownCpuMs();
    let n = 0;
    let spent = 0;
    do {
      fn();
      n++;
      spent = ownCpuMs() - c0;
    } while (spent < 500);
    samples.push(spent / n);
  }
  return median(samples);
}

/** What a caller that only wants /chosen reads: its name and every property value. */
function chosenOnly(blob: Uint8Array): number {
  let sum = 0;
  const chosen = openDtb(blob).node('/chosen');
  for (const p of chosen?.properties() ?? []) sum += p.bytes.length + p.name.length;
  return sum;
}

/** A whole-tree walk through the lazy view: every name, every property. */
function viewWalk(blob: Uint8Array): number {
  let sum = 0;
  const stack = [openDtb(blob).root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    sum += n.name.length;
    for (const p of n.properties()) sum += p.bytes.length + p.name.length;
    for (const c of n.children()) stack.push(c);
  }
  return sum;
}

function benchThroughput(dtbs: KernelDtbCorpus): void {
  const largest = dtbs.files
    .map((f) => ({ f, size: statSync(join(dtbs.dir, f)).size }))
    .sort((a, b) => b.size - a.size)[0]!;
  const blob = readFileSync(join(dtbs.dir, largest.f));
  const mbps = (ms: number): string => `${(largest.size / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
  const eager = cpuPerCall(() => readDtb(blob));
  const chosen = cpuPerCall(() => chosenOnly(blob));
  const walk = cpuPerCall(() => viewWalk(blob));
  const dtcRuns = Array.from({ length: 10 }, () => execTimed('dtc', ['-I', 'dtb', '-O', 'dtb', join(dtbs.dir, largest.f)]));
  const dtcMs = median(dtcRuns.map((r) => r.ms));
  console.log(`## DTB parse throughput: ${largest.f} (${(largest.size / 1024).toFixed(0)} KiB)\n`);
  table(['measure (CPU per call, warm, median of 5 samples of ≥ 0.5 s)', 'per call', 'throughput'], [
    ['readDtb (whole live tree)', fmtMs(eager), mbps(eager)],
    ['openDtb + /chosen and its properties (lazy)', fmtMs(chosen), mbps(chosen)],
    ['openDtb + walk of every node and property (lazy)', fmtMs(walk), mbps(walk)],
    ['dtc -I dtb -O dtb, whole process (wall, median of 10)', fmtMs(dtcMs), '–'],
  ]);
}

// ---------------------------------------------------------------- large

interface ChildCompile {
  cpuMs: number;
  maxRssKiB: number;
  inBytes: number;
  outBytes: number;
}

function childCompile(path: string): ChildCompile | undefined {
  const script = fileURLToPath(new URL('./compile-child.js', import.meta.url));
  const r = spawnSync(process.execPath, [script, path], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    console.log(`compile-child ${path} failed: ${(r.stderr || String(r.error)).slice(0, 200)}`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildCompile;
}

/** Median by CPU of three fresh-process runs (a fresh heap each time, so RSS is the compile's own). */
function medianChild(path: string): ChildCompile | undefined {
  const runs = [childCompile(path), childCompile(path), childCompile(path)];
  if (runs.some((r) => !r)) return undefined;
  return [...(runs as ChildCompile[])].sort((a, b) => a.cpuMs - b.cpuMs)[1];
}

function benchLarge(tmp: string): void {
  console.log('## Large compile: 50,000 and 100,000 synthetic devices dts→dtb, each in a fresh process (median of 3)\n');
  const base = medianChild('-');
  const rows: string[][] = [];
  const results = new Map<number, ChildCompile>();
  for (const devices of [50_000, 100_000]) {
    const path = join(tmp, `large-${devices}.dts`);
    writeFileSync(path, syntheticDts({ devices, perBus: 1000 }));
    const r = medianChild(path);
    rmSync(path, { force: true });
    if (!r || !base) continue;
    results.set(devices, r);
    const overMiB = (r.maxRssKiB - base.maxRssKiB) / 1024;
    rows.push([
      devices.toLocaleString('en-US'),
      `${(r.inBytes / 1e6).toFixed(1)} MB`,
      fmtMs(r.cpuMs),
      `${(r.maxRssKiB / 1024).toFixed(0)} MiB`,
      `${overMiB.toFixed(0)} MiB`,
      `${((r.maxRssKiB - base.maxRssKiB) * 1024 / r.inBytes).toFixed(2)}×`,
    ]);
  }
  if (!base) return;
  table(['devices', 'dts size', 'compile CPU', 'peak RSS', 'RSS over baseline', '÷ dts size'], rows);
  const a = results.get(50_000);
  const b = results.get(100_000);
  console.log(`node + library baseline RSS: ${(base.maxRssKiB / 1024).toFixed(0)} MiB`);
  if (a && b) console.log(`linearity: 2× the devices took ${(b.cpuMs / a.cpuMs).toFixed(2)}× the CPU (target ≤ 2.2×)`);
  console.log('');
  benchLargeAgainstDtc(tmp, base);
}

/** GNU time, which reports a child's peak RSS (`%M`, KiB); the row that needs it is skipped, with a notice, without it. */
const GNU_TIME = '/usr/bin/time';

/** dtc's CPU and peak RSS for one compile (one run: it is the slow side), or undefined with a printed reason. */
function dtcCompile(path: string): { cpuMs: number; maxRssKiB: number } | undefined {
  const cpu0 = childCpuMs();
  const r = spawnSync(GNU_TIME, ['-f', '%M', 'dtc', '-q', '-I', 'dts', '-O', 'dtb', '-o', '/dev/null', path], { encoding: 'utf8' });
  const cpuMs = childCpuMs() - cpu0;
  const kib = Number(r.stderr?.trim().split('\n').pop());
  if (r.status !== 0 || !Number.isFinite(kib)) {
    console.log(skipLine(`dtc's peak RSS row: ${GNU_TIME} -f %M dtc failed (${(r.stderr || String(r.error)).trim().slice(0, 120)}); install Debian's "time" package`));
    return undefined;
  }
  return { cpuMs, maxRssKiB: kib };
}

/**
 * The memory target beside the reference tool: dtc cannot compile 100,000
 * devices in reasonable time (it is quadratic), so both compile 10,000 and
 * the table gives each one's peak RSS over its own baseline (dtc's is an
 * empty tree's compile) per byte of source.
 */
function benchLargeAgainstDtc(tmp: string, base: ChildCompile | undefined): void {
  const devices = 10_000;
  const path = join(tmp, `large-${devices}.dts`);
  const empty = join(tmp, 'empty.dts');
  writeFileSync(path, syntheticDts({ devices, perBus: 1000 }));
  writeFileSync(empty, '/dts-v1/;\n/ { };\n');
  console.log(`### The same measure at ${devices.toLocaleString('en-US')} devices, beside dtc (one dtc run: ~3 s; ours median of 3)\n`);
  const dtc = dtcCompile(path);
  const dtcBase = dtc ? dtcCompile(empty) : undefined;
  const ours = medianChild(path);
  const inBytes = statSync(path).size;
  rmSync(path, { force: true });
  rmSync(empty, { force: true });
  const rows: string[][] = [];
  const row = (who: string, cpuMs: number, rssKiB: number, baseKiB: number): string[] => [
    who,
    fmtMs(cpuMs),
    `${(rssKiB / 1024).toFixed(1)} MiB`,
    `${(baseKiB / 1024).toFixed(1)} MiB`,
    `${(((rssKiB - baseKiB) * 1024) / inBytes).toFixed(2)}×`,
  ];
  if (dtc && dtcBase) rows.push(row('dtc', dtc.cpuMs, dtc.maxRssKiB, dtcBase.maxRssKiB));
  if (ours && base) rows.push(row('ours', ours.cpuMs, ours.maxRssKiB, base.maxRssKiB));
  if (rows.length === 0) return;
  console.log(`dts size ${(inBytes / 1e6).toFixed(1)} MB\n`);
  table(['compiler', 'compile CPU', 'peak RSS', 'baseline RSS', '(RSS − baseline) ÷ dts size'], rows);
  console.log('');
}

// ---------------------------------------------------------------- corpus

interface BatchRow {
  workload: string;
  files: number;
  mb: number;
  dtc: { ms: number; cpuMs: number };
  /** In a fresh node process: what one run of a tool over the batch pays, its compiler's warm-up included. */
  ours: { ms: number; cpuMs: number; mainCpuMs: number | null };
  /** The same batch again in that process: what a long-lived tool pays. */
  oursWarm: { ms: number; cpuMs: number; mainCpuMs: number | null };
  identical: number;
}

/**
 * dtc over every other file (one process per file), then ours over every
 * file in one fresh node process (bench/batch-child.ts), then dtc over the
 * files it skipped; sums of both. The child runs the batch a second time
 * for the warm figure. The two sides run apart because a fork from the
 * process that converts is charged to it: the kernel marks the whole V8 heap
 * copy-on-write at each fork, and the next conversion takes a page fault per
 * heap page it writes (interleaved in one process, ~0.4 s of system time on
 * a 579-file batch; docs/benchmarks.md, "Fourth pass"). Until the sixth pass
 * ours ran in the bench's own process, after the sections and batches before
 * it had optimised the shared code; until the seventh, the warm figure came
 * from the bench's process too.
 */
function batch(workload: string, tmp: string, files: { path: string; dtcArgs: string[]; opts: DtcOptions }[]): BatchRow {
  const row: BatchRow = {
    workload,
    files: files.length,
    mb: 0,
    dtc: { ms: 0, cpuMs: 0 },
    ours: { ms: NaN, cpuMs: NaN, mainCpuMs: null },
    oursWarm: { ms: NaN, cpuMs: NaN, mainCpuMs: null },
    identical: 0,
  };
  const dtcDigests: (string | undefined)[] = new Array<string | undefined>(files.length).fill(undefined);
  const runDtcOn = (parity: number): void => {
    for (let i = parity; i < files.length; i += 2) {
      const f = files[i]!;
      row.mb += statSync(f.path).size / 1e6;
      const dtc = execTimed('dtc', f.dtcArgs);
      row.dtc.ms += dtc.ms;
      row.dtc.cpuMs += dtc.cpuMs;
      dtcDigests[i] = dtc.code === 0 ? digest(dtc.stdout) : undefined;
    }
  };
  // dtc's half of the files on either side of ours: the machine's speed drifts
  // over the minutes a batch takes, and a drift then weighs on both sides alike.
  runDtcOn(0);
  const ours = childBatch(tmp, { items: files.map((f) => ({ path: f.path, opts: f.opts })) });
  runDtcOn(1);
  if (ours) {
    row.ours = ours.fresh;
    row.oursWarm = ours.warm;
    ours.digests.forEach((d, i) => {
      if (d !== null && dtcDigests[i] === d) row.identical++;
    });
  }
  return row;
}

function childBatch(tmp: string, job: BatchJob): BatchResult | undefined {
  const jobPath = join(tmp, 'batch-job.json');
  writeFileSync(jobPath, JSON.stringify(job));
  const script = fileURLToPath(new URL('./batch-child.js', import.meta.url));
  const r = spawnSync(process.execPath, [script, jobPath], { encoding: 'utf8', maxBuffer: 1 << 26 });
  rmSync(jobPath, { force: true });
  if (r.status !== 0) {
    console.log(`batch-child failed: ${(r.stderr || String(r.error)).slice(0, 300)}`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as BatchResult;
}

/** Output identity by digest, so the dtc side's outputs need not stay in memory while ours run. */
function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function benchCorpus(tmp: string, dtbs: KernelDtbCorpus | undefined, sources: KernelSourceCorpus | undefined): void {
  const rows: BatchRow[] = [];
  if (dtbs) {
    const paths = dtbs.files.map((f) => join(dtbs.dir, f));
    rows.push(
      batch(
        'kernel DTBs dtb→dts',
        tmp,
        paths.map((p) => ({ path: p, dtcArgs: ['-I', 'dtb', '-O', 'dts', p], opts: { inputFormat: 'dtb', outputFormat: 'dts' } })),
      ),
    );
    rows.push(
      batch(
        'kernel DTBs dtb→dtb',
        tmp,
        paths.map((p) => ({ path: p, dtcArgs: ['-I', 'dtb', '-O', 'dtb', p], opts: { inputFormat: 'dtb', outputFormat: 'dtb' } })),
      ),
    );
  }
  if (sources) {
    rows.push(
      batch(
        'kernel sources .pp.dts→dtb',
        tmp,
        sources.sources.map((s) => ({
          path: s.pp,
          dtcArgs: kernelDtcArgs(s),
          opts: { inputFormat: 'dts', outputFormat: 'dtb', includeDirs: s.includeDirs, bootCpuid: 0, symbols: s.symbols },
        })),
      ),
    );
  }
  if (rows.length === 0) return;
  console.log('## Corpus: sum of one dtc process per file vs one fresh node process for the batch\n');
  table(
    ['workload', 'files', 'input', 'identical', 'dtc wall (sum)', 'ours wall', 'ratio', 'ours + node start', 'ratio', 'dtc CPU', 'ours CPU', 'CPU ratio'],
    rows.map((r) => [
      r.workload,
      String(r.files),
      `${r.mb.toFixed(1)} MB`,
      `${r.identical}/${r.files}`,
      fmtMs(r.dtc.ms),
      fmtMs(r.ours.ms),
      fmtRatio(r.dtc.ms / r.ours.ms),
      fmtMs(r.ours.ms + nodeStartMs),
      fmtRatio(r.dtc.ms / (r.ours.ms + nodeStartMs)),
      fmtMs(r.dtc.cpuMs),
      fmtMs(r.ours.cpuMs),
      fmtRatio(r.dtc.cpuMs / r.ours.cpuMs),
    ]),
  );
  const split = (t: { cpuMs: number; mainCpuMs: number | null }): string[] => {
    if (t.mainCpuMs === null) return ['–', '–'];
    const other = t.cpuMs - t.mainCpuMs;
    return [fmtMs(t.mainCpuMs), `${fmtMs(other)} (${((100 * other) / t.cpuMs).toFixed(0)} %)`];
  };
  console.log(
    '\nOur CPU time by thread: the main thread (the conversions) and V8\'s others (mostly the optimising compiler;' +
      ' the collector\'s helpers are a few per cent). Fresh: the first pass of the batch in a new process, warm: the same batch' +
      ' again in that process, as a long-lived tool that embeds the library pays it:\n',
  );
  table(
    ['workload', 'fresh CPU', 'main thread', 'other threads', 'warm CPU', 'main thread', 'other threads', 'warm CPU ratio'],
    rows.map((r) => [
      r.workload,
      fmtMs(r.ours.cpuMs),
      ...split(r.ours),
      fmtMs(r.oursWarm.cpuMs),
      ...split(r.oursWarm),
      fmtRatio(r.dtc.cpuMs / r.oursWarm.cpuMs),
    ]),
  );
}

// ---------------------------------------------------------------- scaling

interface ScaleCase {
  label: string;
  devices: number;
  perBus: number;
  runDtcToo: boolean;
}

const SCALE_CASES: ScaleCase[] = [
  { label: '1,000 (1 bus × 1,000)', devices: 1_000, perBus: 1000, runDtcToo: true },
  { label: '4,000 (4 × 1,000)', devices: 4_000, perBus: 1000, runDtcToo: true },
  { label: '16,000 (16 × 1,000)', devices: 16_000, perBus: 1000, runDtcToo: true },
  { label: '100,000 (100 × 1,000)', devices: 100_000, perBus: 1000, runDtcToo: false },
  { label: '12,000 siblings in one node', devices: 12_000, perBus: 0, runDtcToo: true },
];

function benchScaling(tmp: string): void {
  console.log('## Scaling: synthetic trees (4 properties + 1 phandle reference per device)\n');
  const rows: string[][] = [];
  for (const c of SCALE_CASES) {
    const text = syntheticDts({ devices: c.devices, perBus: c.perBus });
    const dtsPath = join(tmp, `syn-${c.devices}-${c.perBus}.dts`);
    writeFileSync(dtsPath, text);
    const source = Buffer.from(text, 'latin1');
    // Small trees run in milliseconds: take the median of a few runs so one GC pause does not decide.
    const reps = c.devices <= 4_000 ? 5 : 1;
    const oursMedian = (fn: () => Uint8Array | undefined): OursTimed => {
      const runs = Array.from({ length: reps }, () => timeOurs(fn));
      return { ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs)), out: runs[0]!.out };
    };
    const compile = oursMedian(() => runDtc(source, { inputFormat: 'dts', outputFormat: 'dtb', file: dtsPath }).output);
    const blob = compile.out;
    const blobPath = join(tmp, `syn-${c.devices}-${c.perBus}.dtb`);
    if (blob) writeFileSync(blobPath, blob);
    const decompile = blob ? oursMedian(() => runDtc(blob, { inputFormat: 'dtb', outputFormat: 'dts', file: blobPath }).output) : undefined;
    const rewrite = blob ? oursMedian(() => runDtc(blob, { inputFormat: 'dtb', outputFormat: 'dtb', file: blobPath }).output) : undefined;
    const cell = (ours: OursTimed | undefined, dtcArgs: string[]): string[] => {
      if (!ours) return ['failed', '–', '–', '–', '–', '–'];
      const mine = [fmtMs(ours.ms), fmtMs(ours.cpuMs)];
      if (!c.runDtcToo) return [...mine, 'not run', '–', '–', '–'];
      const runs = Array.from({ length: reps }, () => execTimed('dtc', dtcArgs));
      const dtc = { ...runs[0]!, ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpuMs)) };
      if (dtc.code !== 0) {
        // e.g. "Error: f.dts:69891.11-19 memory exhausted": keep the message, not the position.
        const first = dtc.stderr.split('\n').find((l) => l.trim()) ?? '';
        const why = /\d+\.\d+(?:-[\d.]+)? (.+)$/.exec(first)?.[1] ?? `exit ${dtc.code}`;
        return [...mine, `exit ${dtc.code} "${why.slice(0, 40)}"`, fmtMs(dtc.cpuMs), '–', '–'];
      }
      const same = sameBytes(ours.out, dtc.stdout) ? '' : ' (DIFFERENT bytes!)';
      return [...mine, fmtMs(dtc.ms) + same, fmtMs(dtc.cpuMs), fmtRatio(dtc.ms / ours.ms), fmtRatio(dtc.cpuMs / ours.cpuMs)];
    };
    rows.push([c.label, `${(text.length / 1e6).toFixed(1)} MB`, 'dts→dtb', ...cell(compile, ['-O', 'dtb', dtsPath])]);
    rows.push(['', '', 'dtb→dts', ...cell(decompile, ['-I', 'dtb', '-O', 'dts', blobPath])]);
    rows.push(['', '', 'dtb→dtb', ...cell(rewrite, ['-I', 'dtb', '-O', 'dtb', blobPath])]);
    rmSync(dtsPath, { force: true });
    rmSync(blobPath, { force: true });
  }
  table(['devices', 'dts size', 'step', 'ours wall', 'ours CPU', 'dtc wall', 'dtc CPU', 'ratio', 'CPU ratio'], rows);
  console.log('(up to 4,000 devices: median of 5 runs on both sides; larger: one run)\n');
}

// ---------------------------------------------------------------- main

function parseSections(argv: string[]): Set<Section> {
  const i = argv.indexOf('--only');
  if (i < 0) return new Set(SECTIONS);
  const picked = (argv[i + 1] ?? '').split(',').filter(Boolean);
  for (const p of picked) {
    if (!(SECTIONS as readonly string[]).includes(p)) {
      console.error(`bench: unknown section ${p}; choose from ${SECTIONS.join(',')}`);
      process.exit(2);
    }
  }
  return new Set(picked as Section[]);
}

async function main(): Promise<void> {
  const sections = parseSections(process.argv.slice(2));
  if (spawnSync('dtc', ['--version']).error) {
    console.error('bench: dtc is not installed (apt-get install device-tree-compiler)');
    process.exit(1);
  }
  const dtcVersion = spawnSync('dtc', ['--version']).stdout.toString().trim();
  console.log(`# hyperlaunch fdt benchmark\n`);
  console.log(`node ${process.version}, ${dtcVersion}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log('ratio = dtc time / our time (> 1: we are faster). CPU = user + system time (dtc: its child processes; ours: the process that did the work),');
  console.log('which stays meaningful when other work shares the machine; wall = elapsed time.\n');
  const tmp = mkdtempSync(join(tmpdir(), 'hl-bench-'));
  try {
    benchStartup(tmp);
    const wantCorpus = sections.has('corpus') || sections.has('throughput');
    const dtbs = wantCorpus ? await getKernelDtbs() : undefined;
    const sources = sections.has('corpus') ? await getKernelSources() : undefined;
    for (const c of [dtbs, sources]) if (c && isUnavailable(c)) console.log(`${skipLine('Debian kernel corpus', c.reason)}\n`);
    const dtbCorpus = dtbs && !isUnavailable(dtbs) ? dtbs : undefined;
    const sourceCorpus = sources && !isUnavailable(sources) ? sources : undefined;
    if (sections.has('throughput') && dtbCorpus) benchThroughput(dtbCorpus);
    if (sections.has('corpus')) benchCorpus(tmp, dtbCorpus, sourceCorpus);
    if (sections.has('large')) benchLarge(tmp);
    if (sections.has('scaling')) benchScaling(tmp);
    if (sections.has('scaling')) benchCheckScaling();
    // The ImageBuilder-parity build against fdtput + mkimage (a script that runs on import).
    if (sections.has('build')) await import('./imagebuilder-build.js');
    console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
