/**
 * ImageBuilder config fuzzer: real configs (test/fuzz/seeds/*.config; the
 * golden runs of ../shared when present) mutated line by line and token by
 * token — variables dropped, duplicated, renamed, re-indexed, values
 * replaced by numbers, paths, quotes, arrays and the bash constructs the
 * reader refuses (`$(...)`, backticks, `;`, pipes, redirections) — then
 * taken where `hyperlaunch build --dry-run` takes a config: read, written
 * back and re-read, resolved with random -t/-o/-f/-k/-p, built against
 * in-memory input files, the built boot model checked against the host
 * DTB. Each step must end in a result or a typed diagnostic, and nothing
 * may run: every command the mutations write would create MARKER.
 */
import fc from 'fast-check';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DOMU_FIELDS, GLOBAL_FIELDS, type FileSource, type ImageBuilderOverrides, type NamingStyle, applyFdtput, buildUboot, checkModel,
  formatFinding, imageBuilderToModel, parseShellConfig, readDtb, readImageBuilderConfig, resolveImageBuilder, runDtc,
  writeImageBuilderConfig,
} from '../../src/index.js';
import { repoRoot } from '../support/paths.js';
import { type Crash, type FuzzSummary, type Outcome, Tally, step } from './harness.js';

/** Created by any command a config could run; it must never exist. */
export const MARKER = join(tmpdir(), 'hyperlaunch-fuzz-MARKER');

export interface ImageBuilderCase {
  text: string;
  overrides: ImageBuilderOverrides;
  prefix?: string;
  naming: NamingStyle;
  avoidReserved: boolean;
}

// ------------------------------------------------------------------ input files

function compiled(text: string): Uint8Array {
  const r = runDtc(new TextEncoder().encode(text), { file: join(repoRoot, 'examples', 'fuzz-input.dts'), outputFormat: 'dtb' });
  if (!r.output) throw new Error(`fuzz input does not compile: ${r.error?.message}`);
  return r.output;
}

function arm64Image(size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set([0, 0, 0, 0x14]);
  b.set(new TextEncoder().encode('ARM\x64'), 56);
  return b;
}

function cpio(size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set(new TextEncoder().encode('070701'.padEnd(110, '0')));
  return b;
}

let filesCache: Map<string, Uint8Array> | undefined;

/** Every file the seeds name, small: what matters is the kind (magic numbers), not the size. */
function inputFiles(): Map<string, Uint8Array> {
  if (filesCache) return filesCache;
  const image = arm64Image(8192);
  const ramdisk = cpio(2048);
  const bit = new Uint8Array(1024);
  bit.set([0x00, 0x09, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x00, 0x00, 0x01, 0x61]);
  filesCache = new Map<string, Uint8Array>([
    ['host.dtb', compiled('/dts-v1/;\n/include/ "qemu-virt-arm64.dtsi"\n')],
    ['xen', image], ['Image-dom0', image], ['Image', image], ['domU0/Image', image], ['domU1/Image', image],
    ['dom0-ramdisk.cpio', ramdisk], ['domU0/rootfs.cpio', ramdisk], ['initrd.cpio', ramdisk], ['rootfs.cpio.gz', gzipSync(ramdisk)],
    ['domU0/passthrough.dtb', compiled('/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>; passthrough { }; };\n')],
    ['overlay.dtbo', compiled('/dts-v1/;\n/plugin/;\n&{/} { fuzz = <1>; };\n')],
    ['design.bit', bit], ['extra.txt', new TextEncoder().encode('echo extra\n')],
  ]);
  return filesCache;
}

/** Like directorySource, in memory: a missing file fails as fs does (an untyped Error the build must not reach). */
function memorySource(files: Map<string, Uint8Array>): FileSource {
  const get = (p: string): Uint8Array => {
    const b = files.get(p.replace(/^\.\//, ''));
    if (!b) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
    return b;
  };
  return {
    size: (p) => (files.has(p.replace(/^\.\//, '')) ? BigInt(get(p).length) : undefined),
    head: (p, n) => get(p).subarray(0, n),
    read: (p) => get(p),
  };
}

// ------------------------------------------------------------------ one case

/** read, write back and re-read, resolve, build, check: what `build --dry-run` (and -o, --final-dtb) does. */
export function runImageBuilderCase(c: ImageBuilderCase): Outcome {
  const files = memorySource(inputFiles());
  const outcome = ((): Outcome => {
    const shell = step('parseShellConfig', () => parseShellConfig(c.text, 'config'));
    if (!shell) return 'typed';
    const config = step('readImageBuilderConfig', () => readImageBuilderConfig(shell));
    if (!config) return 'typed';
    const written = step('writeImageBuilderConfig', () => writeImageBuilderConfig(config));
    if (written !== undefined) step('re-read the written config', () => readImageBuilderConfig(parseShellConfig(written, 'written')));
    const plan = step('resolveImageBuilder', () => resolveImageBuilder(config, c.overrides));
    if (!plan) return 'typed';
    const build = step('buildUboot', () => buildUboot(plan, { dir: '/fuzz-build', files, prefix: c.prefix, naming: c.naming, avoidReserved: c.avoidReserved, time: 0 }));
    if (!build) return 'typed';
    if (plan.mode === 'xen' && plan.deviceTree) {
      const hostDtb = files.read(plan.deviceTree);
      step('--final-dtb: applyFdtput', () => applyFdtput(hostDtb, build.edits));
      const at = (label: string) => build.images.find((i) => i.label === label);
      const model = step('imageBuilderToModel', () => imageBuilderToModel(plan, at).model);
      const host = step('host DTB', () => readDtb(hostDtb));
      if (model && host) {
        model.host = host;
        const findings = step('checkModel', () => checkModel(model, { host, hostName: plan.deviceTree, file: 'config' }));
        for (const f of findings ?? []) step('formatFinding', () => formatFinding(f));
      }
    }
    return 'ok';
  })();
  if (existsSync(MARKER)) {
    rmSync(MARKER, { force: true });
    step('nothing executed', () => {
      throw new Error(`${MARKER} was created: the config was executed`);
    });
  }
  return outcome;
}

// ------------------------------------------------------------------ mutations

/** A command that would create MARKER, in each form bash offers. */
const EXECUTING = [`$(touch ${MARKER})`, `\`touch ${MARKER}\``, `; touch ${MARKER}`, `| touch ${MARKER}`, `&& touch ${MARKER}`, `|| touch ${MARKER}`,
  `> ${MARKER}`, `>> ${MARKER}`, `& touch ${MARKER}`, `<(touch ${MARKER})`, `\${X:-$(touch ${MARKER})}`, `$(( $(touch ${MARKER}) ))`,
  `"$(touch ${MARKER})"`, `"\`touch ${MARKER}\`"`, `$'\\x41'; touch ${MARKER}`];
const EXECUTING_LINES = [`touch ${MARKER}`, `eval "touch ${MARKER}"`, `source ${MARKER}`, `. ${MARKER}`, `exec touch ${MARKER}`,
  `export A=1; touch ${MARKER}`, `A=1 touch ${MARKER}`, `if true; then touch ${MARKER}; fi`, `f() { touch ${MARKER}; }; f`, `{ touch ${MARKER}; }`,
  `(touch ${MARKER})`, `declare -a A=($(touch ${MARKER}))`, `A+=x`, `A=(a b c)`, `A[1]+=x`, `readonly A=1`, `local A=1`, `unset A`, `: \${A:=1}`];
const VALUES = ['', '0', '1', '2', '3', '-1', '0x', '0x0', '0x10', '0x40000000', '0x80000000', '0xFFFFFFFFFFFFFFFF', '99999999999999999999', '4096', '1.5',
  'xen', 'Image', 'domU0/Image', 'host.dtb', 'overlay.dtbo', 'rootfs.cpio.gz', 'extra.txt', 'design.bit', 'missing', '/etc/passwd', '../x', '.', 'domU0', '/',
  '"a b"', '"a\'b"', "'x y'", '"unterminated', "'", '""', "''", '"\\"', '\\', '(a b c)', '()', '"$XEN"', '${DOMU_KERNEL[0]}', '$NUM_DOMUS',
  '$((NUM_DOMUS + 1))', '$((1/0))', '$((2**64))', '$((-1))', '$(( ))', '${UNSET}', '$', '${', '${A[', '4-7', '7-4', '0-1023', 'cpu@0', 'cpu@1 null',
  'cpu@9', '/pl061@9030000', '/nonexistent', 'control|xenstore', 'hardware', 'tftp', 'bootm', 'booti', 'none', 'bootz', 'load mmc 0:1',
  '0x50000000 0x10000000', '0x50000000', '0x0 0x10000000 0x0', 'x'.repeat(600), '# comment', 'a#b', 'é', '\t'];
const INDEXES = ['0', '1', '2', '3', '4095', '4096', '-1', 'x', '0,1', '', '$((1))', 'NUM_DOMUS', '00', '99999999999999999999'];
const NAMES = [...GLOBAL_FIELDS.map(([, n]) => n), ...DOMU_FIELDS.map(([, n]) => `${n}[0]`), ...DOMU_FIELDS.map(([, n]) => `${n}[1]`), 'CPUPOOL[0]',
  'DT_OVERLAY[0]', 'DOMU_KERNEL', 'UNKNOWN', 'PATH', 'BASH_ENV', 'IFS', '_', 'A'];

type Mutation =
  | { kind: 'dropLine' | 'duplicateLine' | 'swapLines'; a: number; b: number }
  | { kind: 'setValue' | 'appendToValue' | 'rename' | 'reindex' | 'insertLine' | 'insertCommand'; a: number; b: number; c: number }
  | { kind: 'insertChar'; a: number; ch: string }
  | { kind: 'truncate'; a: number };

const CHARS = [...'"\'$`{}()[];&|<>\\#= \t\n,+-*/!~'];

/** Edits a user makes: the config still reads, mostly. */
const editArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('dropLine' as const, 'duplicateLine' as const, 'swapLines' as const), a: fc.nat(), b: fc.nat() }),
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('setValue' as const, 'setValue' as const, 'rename' as const, 'reindex' as const, 'insertLine' as const), a: fc.nat(), b: fc.nat(), c: fc.nat() }) },
);

/** What the reader must refuse or survive: commands, stray characters, a cut file. */
const breakArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('appendToValue' as const, 'insertCommand' as const), a: fc.nat(), b: fc.nat(), c: fc.nat() }),
  fc.record({ kind: fc.constant('insertChar' as const), a: fc.nat(), ch: fc.constantFrom(...CHARS) }),
  fc.record({ kind: fc.constant('truncate' as const), a: fc.nat() }),
);

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof({ weight: 4, arbitrary: editArb }, { weight: 1, arbitrary: breakArb });

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?=(.*)$/;

function quoteAs(v: string, style: number): string {
  if (style % 3 === 1) return `"${v}"`;
  if (style % 3 === 2) return `'${v}'`;
  return v;
}

function applyMutation(text: string, m: Mutation): string {
  if (m.kind === 'insertChar' || m.kind === 'truncate') {
    const at = m.a % (text.length + 1);
    return m.kind === 'truncate' ? text.slice(0, at) : text.slice(0, at) + m.ch + text.slice(at);
  }
  const lines = text.split('\n');
  const i = m.a % lines.length;
  const line = lines[i]!;
  const a = ASSIGNMENT.exec(line);
  switch (m.kind) {
    case 'dropLine':
      lines.splice(i, 1);
      break;
    case 'duplicateLine':
      lines.splice(m.b % (lines.length + 1), 0, line);
      break;
    case 'swapLines': {
      const j = m.b % lines.length;
      [lines[i], lines[j]] = [lines[j]!, line];
      break;
    }
    case 'setValue':
      if (a) lines[i] = `${a[1]}${a[2] ?? ''}=${quoteAs(VALUES[m.b % VALUES.length]!, m.c)}`;
      break;
    case 'appendToValue':
      lines[i] = `${line}${m.c % 2 ? EXECUTING[m.b % EXECUTING.length] : VALUES[m.b % VALUES.length]}`;
      break;
    case 'rename':
      if (a) lines[i] = `${NAMES[m.b % NAMES.length]}=${a[3]}`;
      break;
    case 'reindex':
      if (a) lines[i] = `${a[1]}[${INDEXES[m.b % INDEXES.length]}]=${a[3]}`;
      break;
    case 'insertLine':
      lines.splice(i, 0, `${NAMES[m.b % NAMES.length]}=${quoteAs(VALUES[m.c % VALUES.length]!, m.c >>> 8)}`);
      break;
    case 'insertCommand':
      lines.splice(i, 0, m.c % 2 ? EXECUTING_LINES[m.b % EXECUTING_LINES.length]! : `${NAMES[m.b % NAMES.length]}=${EXECUTING[m.c % EXECUTING.length]}`);
      break;
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------ seeds and cases

const GOLDEN = join(repoRoot, '..', 'shared', 'reference', 'imagebuilder-golden');

/** The configs in test/fuzz/seeds, plus any golden config of ../shared not copied there. */
export function imageBuilderSeeds(): string[] {
  const dir = join(repoRoot, 'test', 'fuzz', 'seeds');
  const seeds = readdirSync(dir).filter((f) => f.endsWith('.config')).sort().map((f) => readFileSync(join(dir, f), 'utf8'));
  if (existsSync(GOLDEN)) {
    for (const d of readdirSync(GOLDEN).sort()) {
      const f = join(GOLDEN, d, 'config');
      if (existsSync(f) && !seeds.includes(readFileSync(f, 'utf8'))) seeds.push(readFileSync(f, 'utf8'));
    }
  }
  return seeds;
}

/** null seven times in eight. */
function rarely<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
}

const CASE_ARB = fc.record({
  seed: fc.nat(),
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
  // -t as the golden runs give it, often; unset (null) now and then.
  loadCmd: fc.option(fc.constantFrom('tftp', 'tftp', 'scsi', 'scsi', 'sd', 'usb', 'load mmc 1:1', '', 'tftpb; reset'), { freq: 8 }),
  fit: fc.nat(3).map((x) => x === 0),
  outputName: fc.option(fc.constantFrom('linuxboot', 'a/b', '', 'host', 'xen'), { freq: 2 }),
  keyDir: rarely(fc.constantFrom('keys/dev', 'dev', '')),
  ubootDtb: rarely(fc.constantFrom('u-boot.dtb', 'host.dtb')),
  verbatim: fc.boolean(),
  prefix: rarely(fc.constantFrom('p', '/abs/', '', 'a b')),
  naming: fc.constantFrom<NamingStyle>('current', 'imagebuilder-2023'),
  avoidReserved: fc.boolean(),
});

type CaseRecord = typeof CASE_ARB extends fc.Arbitrary<infer R> ? R : never;

function makeCase(r: CaseRecord, seeds: string[]): ImageBuilderCase {
  const overrides: ImageBuilderOverrides = { fit: r.fit, verbatimCommandLines: r.verbatim };
  if (r.loadCmd !== null) overrides.loadCmd = r.loadCmd;
  if (r.outputName !== null) overrides.outputName = r.outputName;
  if (r.keyDir !== null) overrides.keyDir = r.keyDir;
  if (r.ubootDtb !== null) overrides.ubootDtb = r.ubootDtb;
  const text = r.mutations.reduce(applyMutation, seeds[r.seed % seeds.length]!);
  return { text, overrides, prefix: r.prefix ?? undefined, naming: r.naming, avoidReserved: r.avoidReserved };
}

export function imageBuilderCaseToJson(c: ImageBuilderCase): Record<string, unknown> {
  return { target: 'imagebuilder', ...c };
}

export function imageBuilderCaseFromJson(j: Record<string, unknown>): ImageBuilderCase {
  return { text: String(j.text), overrides: (j.overrides ?? {}) as ImageBuilderOverrides, prefix: j.prefix as string | undefined, naming: j.naming as NamingStyle, avoidReserved: Boolean(j.avoidReserved) };
}

export function runImageBuilderFuzz(numRuns: number, seed: number, onCase?: (n: number) => void, onCrash?: (c: Crash) => void): FuzzSummary {
  const seeds = imageBuilderSeeds();
  rmSync(MARKER, { force: true });
  const tally = new Tally('imagebuilder', onCrash);
  fc.assert(
    fc.property(CASE_ARB, (r) => {
      const c = makeCase(r, seeds);
      tally.judge(() => runImageBuilderCase(c), () => ({ label: `seed ${r.seed % seeds.length} ${JSON.stringify(r.mutations)}`, replay: imageBuilderCaseToJson(c) }));
      onCase?.(tally.runs);
    }),
    { numRuns, seed },
  );
  return tally.summary();
}

/** The cases a run of `count` from `seed` would see (for looking at what the mutations make). */
export function sampleImageBuilderCases(count: number, seed: number): ImageBuilderCase[] {
  const seeds = imageBuilderSeeds();
  return fc.sample(CASE_ARB, { numRuns: count, seed }).map((r) => makeCase(r, seeds));
}
