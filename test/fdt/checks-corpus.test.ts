/**
 * The check pass against dtc 1.6.1 on dtc's own test sources: for every
 * corpus file (DTS, and the DTB dtc makes from it) our diagnostics, printed
 * as dtc prints them, must equal dtc's stderr check lines in order, and
 * hasErrors must match dtc's exit status 2. Also under -W/-E/-q/-H
 * variants, and (through runDtc) the bytes after the fixups.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FdtError } from '../../src/fdt/errors.js';
import { parseDts } from '../../src/fdt/dts/parser.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import type { DeviceTree } from '../../src/fdt/tree/livetree.js';
import { type DtcCheckOptions, formatCheckDiagnostic, parseCheckOption, processChecks } from '../../src/fdt/checks/dtc-checks.js';
import { runDtc as runDtcApi } from '../../src/fdt/dtc.js';
import { DTC_TESTS, needShared, sharedPath } from '../support/shared.js';
import type { Skippable } from '../support/skip.js';
import { needDtcCorpus } from './dtb-oracle.js';

const CORPUS = sharedPath(DTC_TESTS);
/** dtc 1.6.1 segfaults, aborts or loops on these. */
const CRASHERS = new Set(['bad-graph-root1', 'bad-graph-root2', 'bad-graph-root3', 'bad-graph-root4', 'bad-graph-reg-cells', 'phandle-args-overflow']);

interface DtcRun {
  status: number | null;
  lines: string[];
}

function runDtc(args: string[], cwd: string): DtcRun {
  const r = spawnSync('dtc', args, { cwd, encoding: 'latin1', timeout: 10_000 });
  return { status: r.status, lines: checkLines(r.stderr ?? '') };
}

/** dtc's check output: the diagnostic lines, their "also defined at" continuations and the blank lines some messages end with. */
function checkLines(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.split('\n')) {
    if (/: (Warning|ERROR) \([a-z0-9_]+\): /.test(line) || line.startsWith('  also defined at ')) out.push(line);
  }
  return out;
}

function ourLines(tree: DeviceTree, opts: DtcCheckOptions, outName: string): { lines: string[]; hasErrors: boolean } {
  const r = processChecks(tree, opts);
  const lines = r.diagnostics.flatMap((d) => formatCheckDiagnostic(d, outName).split('\n')).filter((l) => l !== '');
  return { lines, hasErrors: r.hasErrors };
}

function sources(): string[] {
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.dts'))
    .map((f) => f.slice(0, -4))
    .sort();
}

function parse(name: string): DeviceTree | undefined {
  try {
    return parseDts(readFileSync(join(CORPUS, `${name}.dts`)), { file: `${name}.dts`, includeDirs: [] });
  } catch (e) {
    if (e instanceof FdtError) return undefined;
    throw e;
  }
}

function skipWithoutOracle(t: Skippable): boolean {
  return needDtcCorpus(t, 'dtc checks over the dtc corpus') === undefined;
}

interface Variant {
  id: string;
  args: string[];
  opts: DtcCheckOptions;
}

function variant(id: string, args: string[]): Variant {
  const opts: DtcCheckOptions = { settings: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-q') opts.quiet = (opts.quiet ?? 0) + 1;
    else if (a === '-H') opts.phandleFormat = args[++i] as DtcCheckOptions['phandleFormat'];
    else if (a.startsWith('-W')) opts.settings!.push(parseCheckOption(a, 'W'));
    else if (a.startsWith('-E')) opts.settings!.push(parseCheckOption(a, 'E'));
  }
  return { id, args, opts };
}

const VARIANTS: Variant[] = [
  variant('default', []),
  variant('strict', ['-Wnode_name_chars_strict', '-Wproperty_name_chars_strict', '-Wdeprecated_gpio_property', '-Wunique_unit_address_if_enabled']),
  variant('errors', ['-Eunit_address_vs_reg', '-Ereg_format', '-Egpios_property', '-Ealways_fail']),
  variant('disabled', ['-Wno-unit_address_vs_reg', '-Wno-addr_size_cells', '-Eno-duplicate_node_names', '-Wno_simple_bus_reg']),
  variant('noexplicit', ['-Eno-explicit_phandles', '-Wno-avoid_default_addr_size']),
  variant('quiet1', ['-q', '-Eunit_address_vs_reg']),
  variant('quiet2', ['-q', '-q']),
  variant('legacy', ['-H', 'legacy']),
];

/** Blobs carry no markers or positions, so fewer option mixes tell us something new. */
const DTB_VARIANTS = VARIANTS.filter((v) => ['default', 'strict', 'disabled', 'quiet1'].includes(v.id));

test('checks: DTS corpus diagnostics match dtc 1.6.1', (t) => {
  if (skipWithoutOracle(t)) return;
  let total = 0;
  let same = 0;
  const misses: string[] = [];
  for (const name of sources()) {
    if (CRASHERS.has(name)) continue;
    const first = parse(name);
    if (!first) continue; // dtc rejects it while parsing (exit 1); not a check matter
    for (const v of VARIANTS) {
      const tree = v.id === 'default' ? first : parse(name)!;
      const dtc = runDtc([...v.args, '-I', 'dts', '-O', 'dtb', '-o', '/dev/null', `${name}.dts`], CORPUS);
      const ours = ourLines(tree, v.opts, '/dev/null');
      total++;
      const ok = JSON.stringify(ours.lines) === JSON.stringify(dtc.lines) && ours.hasErrors === (dtc.status === 2);
      if (ok) same++;
      else misses.push(`${name} [${v.id}] dtc rc=${dtc.status}\n  dtc:  ${dtc.lines.join('\n        ')}\n  ours: ${ours.lines.join('\n        ')} (hasErrors=${ours.hasErrors})`);
    }
  }
  console.log(`checks-corpus dts: ${same}/${total} runs identical`);
  assert.deepEqual(misses, []);
  assert.ok(total > 400, `only ${total} runs compared`);
});

test('checks: DTB inputs (dtc-made blobs) match dtc -I dtb', (t) => {
  if (skipWithoutOracle(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'checks-dtb-'));
  try {
    let total = 0;
    let same = 0;
    const misses: string[] = [];
    for (const name of sources()) {
      if (CRASHERS.has(name) || !parse(name)) continue;
      const blob = join(dir, `${name}.dtb`);
      const made = spawnSync('dtc', ['-f', '-q', '-q', '-q', '-I', 'dts', '-O', 'dtb', '-o', blob, `${name}.dts`], { cwd: CORPUS });
      if (made.status !== 0 || !existsSync(blob)) continue;
      for (const v of DTB_VARIANTS) {
        const dtc = runDtc([...v.args, '-I', 'dtb', '-O', 'dtb', '-o', '/dev/null', blob], CORPUS);
        const ours = ourLines(readDtb(readFileSync(blob), { file: blob }), v.opts, '/dev/null');
        total++;
        const ok = JSON.stringify(ours.lines) === JSON.stringify(dtc.lines) && ours.hasErrors === (dtc.status === 2);
        if (ok) same++;
        else misses.push(`${name}.dtb [${v.id}] dtc rc=${dtc.status}\n  dtc:  ${dtc.lines.join('\n        ')}\n  ours: ${ours.lines.join('\n        ')}`);
      }
    }
    console.log(`checks-corpus dtb: ${same}/${total} runs identical`);
    assert.deepEqual(misses, []);
    assert.ok(total > 200, `only ${total} runs compared`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checks: inputs that crash or hang dtc 1.6.1 end cleanly', (t) => {
  if (!needShared(t, 'inputs that crash dtc, from the dtc corpus', DTC_TESTS)) return;
  for (const name of CRASHERS) {
    const tree = parse(name);
    assert.ok(tree, `${name} parses`);
    assert.throws(
      () => processChecks(tree),
      (e: unknown) => e instanceof FdtError && ['DTC_CHECK_CRASH', 'DTC_CHECK_ASSERT', 'DTC_CHECK_HANG'].includes(e.code),
      name,
    );
  }
});

test('checks: output bytes after the fixups (runDtc) match dtc on the corpus', (t) => {
  if (skipWithoutOracle(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'checks-bytes-'));
  const runs: { id: string; args: string[]; opts: Parameters<typeof runDtcApi>[1] }[] = [
    { id: 'epapr', args: [], opts: {} },
    { id: 'both', args: ['-H', 'both'], opts: { phandleFormat: 'both' } },
    { id: 'symbols', args: ['-@'], opts: { symbols: true } },
  ];
  try {
    let total = 0;
    let same = 0;
    const misses: string[] = [];
    for (const name of sources()) {
      if (CRASHERS.has(name) || !parse(name)) continue;
      for (const r of runs) {
        const out = join(dir, 'o.dtb');
        rmSync(out, { force: true });
        const dtc = spawnSync('dtc', [...r.args, '-f', '-q', '-q', '-q', '-I', 'dts', '-O', 'dtb', '-o', out, `${name}.dts`], { cwd: CORPUS });
        if (dtc.status !== 0 || !existsSync(out)) continue;
        const ours = runDtcApi(readFileSync(join(CORPUS, `${name}.dts`)), {
          ...r.opts,
          file: `${name}.dts`,
          force: true,
          quiet: 3,
          readFile: (p) => readFileSync(join(CORPUS, p)),
        });
        total++;
        if (ours.output && Buffer.from(ours.output).equals(readFileSync(out))) same++;
        else misses.push(`${name} [${r.id}] exit ${ours.exitCode}${ours.error ? ` ${ours.error.message}` : ''}`);
      }
    }
    console.log(`checks-corpus bytes: ${same}/${total} forced outputs identical`);
    assert.deepEqual(misses, []);
    assert.ok(total > 150, `only ${total} outputs compared`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
