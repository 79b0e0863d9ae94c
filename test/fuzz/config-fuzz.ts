/**
 * Boot-configuration fuzzer: the real configurations of the repository
 * (examples/, test/bindings/fixtures/, test/check/fixtures/), compiled with
 * our dtc, mutated at the tree level (tree-mutations.ts) or as DTS text,
 * then taken through everything a user can point at them: the check
 * engine (with no host DTB, the board's, or a mutated one; with and without
 * a Xen target), the report page and its pictures, both readers by detection and each forced, `convert` both
 * ways, the converted tree written and read back. Every step must end in a
 * result or a typed diagnostic.
 */
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  type BootModel, type DeviceTree, type Target, checkModel, checkSource, checkTree, compileTree, convert, parseXenBuild, readBootConfig,
  readDom0less, readDtb, readHyperlaunch, runDtc, writeDtb, planX86Boot, writeGrubCfg, writeXenEfiCfg, writeXlConfig,
  writeLateLaunchScript, parseX86Host, buildReport, reportHtml, reportInputFromCheck, reportSvg,
} from '../../src/index.js';
import { repoRoot } from '../support/paths.js';
import { type DtsMutation, applyDtsMutation, dtsMutationArb } from './dts-fuzz.js';
import { type Crash, type FuzzSummary, type Outcome, Tally, step } from './harness.js';
import { type TreeMutation, type Vocabulary, applyTreeMutation, describeTreeMutation, treeMutationArb, vocabularyOf } from './tree-mutations.js';

interface Seed {
  /** Relative to the repository, also the name messages use. */
  file: string;
  text: string;
  dtb: Uint8Array;
}

/** The concrete input of a case: what a crasher fixture stores. */
export interface ConfigCase {
  format: 'dtb' | 'dts';
  /** Absolute for DTS (so /include/ resolves next to the seed). */
  file: string;
  input: Uint8Array;
  host?: Uint8Array;
  /** `--xen` of check (a build spec such as 4.17 or debian-4.17). */
  xen?: string;
  arch?: 'arm64' | 'x86_64';
}

const SEED_DIRS = ['examples', 'test/bindings/fixtures', 'test/check/fixtures'];
/** Hosts: QEMU virt as the examples and the check fixtures describe it. */
const HOSTS = [
  { file: 'examples/host.dts', text: '/dts-v1/;\n/include/ "qemu-virt-arm64.dtsi"\n' },
  { file: 'test/check/fixtures/host.dts', text: '/include/ "base.dtsi"\n' },
];
const TARGETS: Array<Pick<ConfigCase, 'xen' | 'arch'>> = [
  {}, { xen: '4.17' }, { xen: 'debian-4.17' }, { xen: '4.21', arch: 'arm64' }, { arch: 'x86_64' }, { xen: '4.19', arch: 'x86_64' }, { xen: '4.16' },
];

function compile(file: string, text: string): Uint8Array | undefined {
  const r = runDtc(new TextEncoder().encode(text), { file: join(repoRoot, file), outputFormat: 'dtb', force: true });
  return r.output;
}

interface Seeds {
  configs: Seed[];
  hosts: Uint8Array[];
  vocabulary: Vocabulary;
}

let seedsCache: Seeds | undefined;

/** Every boot configuration of the repository that compiles (partial device trees are not boot configurations). */
export function configSeeds(): Seeds {
  if (seedsCache) return seedsCache;
  const configs: Seed[] = [];
  for (const dir of SEED_DIRS) {
    for (const name of readdirSync(join(repoRoot, dir)).sort()) {
      if (!name.endsWith('.dts') || name.endsWith('.partial.dts')) continue;
      const file = `${dir}/${name}`;
      const text = readFileSync(join(repoRoot, file), 'latin1');
      const dtb = compile(file, text);
      if (dtb) configs.push({ file, text, dtb });
    }
  }
  const hosts = HOSTS.map((h) => compile(h.file, h.text)).filter((b): b is Uint8Array => b !== undefined);
  seedsCache = { configs, hosts, vocabulary: vocabularyOf(configs.map((s) => readDtb(s.dtb))) };
  return seedsCache;
}

// ------------------------------------------------------------------ one case

function targetOf(c: ConfigCase): Target {
  const t: Target = {};
  if (c.xen) t.xenVersion = c.xen.replace(/^debian-/, '');
  if (c.arch) t.arch = c.arch;
  return t;
}

/** Convert both ways; each output written as a DTB and read back. */
function convertBothWays(model: BootModel, name: string, arm: boolean | undefined): void {
  for (const to of ['dom0less', 'hyperlaunch'] as const) {
    const result = step(`${name}: convert --to ${to}`, () => convert(model, to, { arm }));
    if (!result) continue;
    const bytes = step(`${name}: convert --to ${to}: writeDtb`, () => writeDtb(result.tree));
    if (!bytes) continue;
    step(`${name}: convert --to ${to}: read back`, () => readBootConfig(readDtb(bytes), { file: 'converted.dtb', warnings: [] }));
  }
}

/** What `build --arch x86_64` and `check --arch x86_64` do with a model: the plan, every writer, the x86 rules. */
function x86Steps(model: BootModel, name: string, tree: DeviceTree): void {
  const plan = step(`${name}: planX86Boot`, () => planX86Boot(model, { allowLoss: true }));
  if (plan) {
    const paths = { xen: '/boot/xen.gz', modules: plan.modules.map((_, i) => `/boot/module${i}`) };
    step(`${name}: x86 writers`, () => [writeGrubCfg(plan, paths), writeXenEfiCfg(plan, paths), writeLateLaunchScript(plan), ...plan.lateLaunch.map(writeXlConfig)]);
  }
  step(`${name}: checkModel --arch x86_64`, () => checkModel(model, { tree, arch: 'x86_64', build: parseXenBuild('debian-4.17'), x86: { host: parseX86Host('qemu') } }));
}

/** Everything the CLI's check, show and convert do with the input; 'ok' when `check` got a model. */
export function runConfigCase(c: ConfigCase): Outcome {
  const build = step('parseXenBuild', () => (c.xen ? parseXenBuild(c.xen) : undefined));
  let host: DeviceTree | undefined;
  if (c.host) {
    const compiled = step('check --host: compile', () => compileTree(c.host!, 'host.dtb'));
    if (compiled && 'tree' in compiled) host = compiled.tree;
  }
  const checked = step('check', () => checkSource(c.input, { file: c.file, host, hostName: c.host ? 'host.dtb' : undefined, build }));
  step('report', () => {
    if (!checked) return;
    const input = reportInputFromCheck(checked, { file: c.file, host: host && { tree: host, name: 'host.dtb' }, build });
    if (!('model' in input)) return;
    const data = buildReport(input);
    reportHtml(data);
    for (const view of ['memory', 'cpus', 'graph'] as const) reportSvg(data, view);
  });
  // show / convert load through dtc without -f.
  const loaded = step('dtc', () => runDtc(c.input, { file: c.file, outputFormat: 'dtb' }));
  if (loaded?.tree && loaded.exitCode === 0) {
    const tree = loaded.tree;
    // checkSource's own compile, without host and target, on a tree dtc accepted.
    step('check without host or target', () => checkTree(tree, { file: c.file }));
    const target = targetOf(c);
    const arm = c.arch ? c.arch !== 'x86_64' : undefined;
    const readers: Array<[string, (t: DeviceTree) => BootModel]> = [
      ['readBootConfig', (t) => readBootConfig(t, { file: c.file, target, warnings: [] })],
      ['readDom0less', (t) => readDom0less(t, { file: c.file, target, warnings: [] })],
      ['readHyperlaunch', (t) => readHyperlaunch(t, { file: c.file, target, warnings: [] })],
    ];
    for (const [name, read] of readers) {
      const model = step(name, () => read(tree));
      if (!model) continue;
      convertBothWays(model, name, arm);
      step(`${name}: checkModel`, () => checkModel(model, { host, build, tree }));
      x86Steps(model, name, tree);
    }
  }
  return checked?.model ? 'ok' : 'typed';
}

// ------------------------------------------------------------------ generating cases

/** Xen words and awkward values to splice into DTS text, next to dts-fuzz's syntax vocabulary. */
function textTokens(v: Vocabulary): string[] {
  const words = [...v.propertyNames.filter((n) => /^[#A-Za-z0-9,._+-]+$/.test(n)), ...v.nodeNames.map((n) => `${n} { };`)];
  const values = ['<0>', '<0xffffffff>', '<0x80000000 0>', '<0 0 0 0 0>', '<&cpu0>', '<&gic>', '""', '"xen,domain"', '"multiboot,kernel", "multiboot,module"',
    '/bits/ 64 <0xffffffffffffffff>', '[00]', '<1 2>', '"none"'];
  return [...words, ...values.map((x) => ` = ${x};`), ...values];
}

const CASE_ARB = fc.record({
  seed: fc.nat(),
  textLevel: fc.nat(3).map((x) => x === 0),
  treeMutations: fc.array(treeMutationArb, { minLength: 1, maxLength: 4 }),
  textMutations: fc.array(fc.oneof(
    dtsMutationArb,
    fc.record({ kind: fc.constant('insertToken' as const), at: fc.nat(), token: fc.nat().map(String) }),
  ), { minLength: 1, maxLength: 3 }),
  host: fc.constantFrom('none', 'board', 'board', 'mutated'),
  hostMutations: fc.array(treeMutationArb, { minLength: 1, maxLength: 2 }),
  target: fc.nat(TARGETS.length - 1),
});

type CaseRecord = typeof CASE_ARB extends fc.Arbitrary<infer R> ? R : never;

function mutatedDtb(dtb: Uint8Array, ms: TreeMutation[], v: Vocabulary): Uint8Array {
  const tree = readDtb(dtb);
  for (const m of ms) applyTreeMutation(tree, m, v);
  return writeDtb(tree);
}

/** The concrete case a generated record stands for, with a label for reports. */
function makeCase(r: CaseRecord, seeds: Seeds, tokens: string[]): { c: ConfigCase; label: string } {
  const seed = seeds.configs[r.seed % seeds.configs.length]!;
  const v = seeds.vocabulary;
  const base = { ...TARGETS[r.target]! };
  let host: Uint8Array | undefined;
  const board = seeds.hosts[r.seed % Math.max(1, seeds.hosts.length)];
  if (r.host !== 'none' && board) host = r.host === 'mutated' ? mutatedDtb(board, r.hostMutations, v) : board;
  const hostLabel = r.host === 'mutated' ? `mutated host ${r.hostMutations.map(describeTreeMutation).join(' ')}` : `${r.host} host`;
  if (r.textLevel) {
    // Our own insertToken records carry an index into the Xen token list.
    const ms = r.textMutations.map((m): DtsMutation => (m.kind === 'insertToken' && /^\d+$/.test(m.token) ? { ...m, token: tokens[Number(m.token) % tokens.length]! } : m));
    const text = ms.reduce(applyDtsMutation, seed.text);
    const label = `${seed.file} text ${JSON.stringify(ms)}; ${hostLabel}; ${JSON.stringify(base)}`;
    return { c: { format: 'dts', file: join(repoRoot, seed.file), input: Buffer.from(text, 'latin1'), host, ...base }, label };
  }
  const label = `${seed.file} tree ${r.treeMutations.map(describeTreeMutation).join(' ')}; ${hostLabel}; ${JSON.stringify(base)}`;
  return { c: { format: 'dtb', file: `${seed.file.replace(/\.dts$/, '')}.dtb`, input: mutatedDtb(seed.dtb, r.treeMutations, v), host, ...base }, label };
}

/** A case as JSON (DTS as text, blobs as base64) and back: the crasher fixture format. */
export function configCaseToJson(c: ConfigCase): Record<string, unknown> {
  return {
    target: 'config', format: c.format, file: c.format === 'dts' ? relative(repoRoot, c.file) : c.file,
    input: c.format === 'dts' ? Buffer.from(c.input).toString('latin1') : Buffer.from(c.input).toString('base64'),
    host: c.host ? Buffer.from(c.host).toString('base64') : undefined, xen: c.xen, arch: c.arch,
  };
}

export function configCaseFromJson(j: Record<string, unknown>): ConfigCase {
  const dts = j.format === 'dts';
  return {
    format: dts ? 'dts' : 'dtb', file: dts ? join(repoRoot, String(j.file)) : String(j.file),
    input: Buffer.from(String(j.input), dts ? 'latin1' : 'base64'), host: j.host ? Buffer.from(String(j.host), 'base64') : undefined,
    xen: j.xen as string | undefined, arch: j.arch as ConfigCase['arch'],
  };
}

/** `numRuns` cases from `seed`; crashes are collected in the summary. */
export function runConfigFuzz(numRuns: number, seed: number, onCase?: (n: number) => void, onCrash?: (c: Crash) => void): FuzzSummary {
  const seeds = configSeeds();
  const tokens = textTokens(seeds.vocabulary);
  const tally = new Tally('config', onCrash);
  fc.assert(
    fc.property(CASE_ARB, (r) => {
      let made: { c: ConfigCase; label: string } | undefined;
      tally.judge(
        () => {
          made = step('mutate', () => makeCase(r, seeds, tokens));
          return made ? runConfigCase(made.c) : 'typed';
        },
        () => (made ? { label: made.label, replay: configCaseToJson(made.c) } : { label: `seed ${seed}, case ${tally.runs}`, replay: { record: r } }),
      );
      onCase?.(tally.runs);
    }),
    { numRuns, seed },
  );
  return tally.summary();
}
