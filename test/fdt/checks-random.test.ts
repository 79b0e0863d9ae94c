/**
 * Differential test of the check pass on generated sources: small random
 * trees built from the names and properties the checks look at (buses,
 * cells, phandle arguments, graphs, aliases, /chosen, labels, references,
 * /omit-if-no-ref/), compiled by dtc 1.6.1 and by us. Diagnostics and the
 * error status must agree; where dtc crashes, aborts or hangs we must throw
 * an FdtError; with -f the output bytes (after the fixups) must agree too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FdtError } from '../../src/fdt/errors.js';
import { parseDts } from '../../src/fdt/dts/parser.js';
import { CHECK_NAMES, formatCheckDiagnostic, parseCheckOption, processChecks } from '../../src/fdt/checks/dtc-checks.js';
import { runDtc } from '../../src/fdt/dtc.js';
import { needTool } from '../support/tools.js';

/** Small deterministic PRNG (mulberry32), so failures reproduce from the seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  private readonly r: () => number;
  private labelCount = 0;
  readonly labels: string[] = [];
  constructor(seed: number) {
    this.r = rng(seed);
  }
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  cells(n: number, max = 4): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(`0x${this.int(max).toString(16)}`);
    return out.join(' ');
  }
  newLabel(): string {
    const l = `l${this.labelCount++}`;
    this.labels.push(l);
    return l;
  }
  ref(): string {
    if (this.labels.length === 0 || this.chance(0.05)) return `&{/${this.pick(['chosen', 'bus@1000', 'nope'])}}`;
    return `&${this.pick(this.labels)}`;
  }
}

const NODE_NAMES = [
  'node', 'n@1', 'n@0x10', 'n@010', 'bus@1000', 'i2c@3', 'i2c-bus', 'spi@4', 'spi-ctl', 'pci@0', 'pcie@1', 'cpus', 'cpu@0',
  'port@0', 'port@1', 'port', 'ports', 'endpoint', 'endpoint@1', 'chosen', 'aliases', 'intc', 'gpio@7', 'clk', 'Bad_Name',
  'a@1@2', 'x@1', 'x@1', 'dev@0,1', 'dev@8', 'child@20', 'ethernet@0', 'dev@1,2', 'n@1',
];

function prop(g: Gen): string {
  switch (g.int(50)) {
    case 0: return `reg = <${g.cells(1 + g.int(4), 0x30)}>;`;
    case 1: return g.chance(0.5) ? 'ranges;' : `ranges = <${g.cells(g.int(7))}>;`;
    case 2: return `dma-ranges = <${g.cells(g.int(7))}>;`;
    case 3: return `#address-cells = <${g.int(4)}>;`;
    case 4: return `#size-cells = <${g.int(3)}>;`;
    case 5: return g.chance(0.7) ? 'compatible = "simple-bus";' : 'compatible = "foo", "simple-bus";';
    case 6: return g.chance(0.8) ? 'device_type = "pci";' : 'device_type = <1>;';
    case 7: return `bus-range = <${g.cells(1 + g.int(2), 0x200)}>;`;
    case 8: return `status = "${g.pick(['okay', 'disabled'])}";`;
    case 9: return `interrupts = <${g.cells(g.int(4))}>;`;
    case 10: return `interrupt-parent = <${g.chance(0.8) ? g.ref() : g.int(3)}>;`;
    case 11: return 'interrupt-controller;';
    case 12: return `#interrupt-cells = <${g.int(3)}>;`;
    case 13: return `clocks = <${g.ref()} ${g.cells(g.int(3))}>;`;
    case 14: return `#clock-cells = <${g.int(3)}>;`;
    case 15: return `${g.pick(['gpios', 'foo-gpios', 'foo-gpio', 'gpio', 'ngpios', 'a,nr-gpios'])} = <${g.ref()} ${g.cells(g.int(3))}>;`;
    case 16: return `#gpio-cells = <${g.int(3)}>;`;
    case 17: return `remote-endpoint = <${g.ref()}>;`;
    case 18: return `phandle = <${g.chance(0.3) ? g.ref() : g.int(5)}>;`;
    case 19: return `linux,phandle = <${g.int(5)}>;`;
    case 20: return `name = "${g.pick(['node', 'x', 'n'])}";`;
    case 21: return `bootargs = ${g.chance(0.5) ? '"quiet"' : '<1>'};`;
    case 22: return `${g.pick(['stdout-path', 'linux,stdout-path'])} = ${g.chance(0.7) ? '"serial0"' : '<2>'};`;
    case 23: return `${g.pick(['serial0', 'Bad_alias', 'eth'])} = ${g.chance(0.5) ? g.ref() : `"/${g.pick(['bus@1000', 'nope', ''])}"`};`;
    case 24: return `path = ${g.ref()};`;
    case 25: return 'spi-max-frequency = <1000>;';
    case 26: return 'spi-slave;';
    case 27: return `model = ${g.chance(0.5) ? '"m"' : '<1>'};`;
    case 28: return `label = ${g.chance(0.5) ? '"x"' : '[01]'};`;
    case 29: return `foo-names = ${g.chance(0.6) ? '"a", "b"' : '[61 62]'};`;
    case 30: return `${g.pick(['foo?bar', 'Foo_Bar', '#foo', 'a,#b', 'device_type2'])} = <1>;`;
    case 31: return `${g.newLabel()}: lab = <1 ${g.newLabel()}: 2>;`;
    case 32: return `dmas = <${g.ref()} ${g.cells(g.int(2))}>;`;
    case 33: return `#dma-cells = <${g.int(2)}>;`;
    case 34: return `msi-parent = <${g.ref()}>;`;
    case 35: return `interrupt-map = <${g.cells(g.int(3))}>;`;
    case 36: return `compatible = "${g.pick(['a', 'b'])}";`;
    case 37: return `interrupts-extended = <${g.ref()} ${g.cells(g.int(2))}>;`;
    case 38: return `mixed = <1 ${g.ref()}>, ${g.ref()};`;
    case 40: return `reg = <${g.pick(['0x80000050', '0x800003ff', '0x80000400', '0x40000010', '0x7f', '0x80'])}>;`;
    case 41: return `#address-cells = <${g.pick(['0xffffffff', '0x80000000', '5', '1'])}>;`;
    case 42: return `${g.pick(['#clock-cells', '#gpio-cells', '#interrupt-cells'])} = <${g.pick(['0xfffffffe', '0x7fffffff', '0x1'])}>;`;
    case 43: return `/delete-property/ ${g.pick(['reg', 'ranges', 'compatible', 'clocks', 'name'])};`;
    case 44: return `reg = <0x${(g.int(4) << 16 | g.int(32) << 11 | g.int(8) << 8).toString(16)} 0 0 ${g.cells(2)}>;`;
    case 45: return `${g.newLabel()}: dup = <1>;`;
    case 46: return `reg = <${g.cells(g.int(3))}>, <${g.ref()}>;`;
    case 47: return `gpio-hog;`;
    case 48: return `#address-cells = [00 01];`;
    default: return 'empty;';
  }
}

function node(g: Gen, depth: number, out: string[], indent: string): void {
  const name = g.pick(NODE_NAMES);
  const prefix = `${g.chance(0.1) ? '/omit-if-no-ref/ ' : ''}${g.chance(0.6) ? `${g.newLabel()}: ` : ''}${g.chance(0.05) && g.labels.length > 0 ? `${g.pick(g.labels)}: ` : ''}`;
  out.push(`${indent}${prefix}${name} {`);
  const nprops = g.int(5);
  for (let i = 0; i < nprops; i++) out.push(`${indent}\t${prop(g)}`);
  if (depth < 3) {
    const nkids = g.int(depth === 0 ? 5 : 3);
    for (let i = 0; i < nkids; i++) node(g, depth + 1, out, `${indent}\t`);
    if (g.chance(0.1)) out.push(`${indent}\t/delete-node/ ${g.pick(NODE_NAMES)};`);
    if (g.chance(0.05)) out.push(`${indent}\t__overlay__ { };`);
  }
  out.push(`${indent}};`);
}

function source(seed: number): string {
  const g = new Gen(seed);
  const out = [seed % 5 === 1 ? '/dts-v1/;\n/plugin/;' : '/dts-v1/;', '/ {'];
  for (let i = 0; i < g.int(3); i++) out.push(`\t${prop(g)}`);
  const kids = 1 + g.int(5);
  for (let i = 0; i < kids; i++) node(g, 1, out, '\t');
  out.push('};');
  if (g.chance(0.3) && g.labels.length > 0) out.push(`&${g.pick(g.labels)} { ${prop(g)} };`);
  return out.join('\n') + '\n';
}

/** A few -W/-E flags for some seeds (levels raised and lowered, with dtc's propagation along prerequisites). */
function checkFlags(seed: number): string[] {
  const g = new Gen(seed * 7919);
  if (!g.chance(0.4)) return [];
  const out: string[] = [];
  for (let i = 0, n = 1 + g.int(3); i < n; i++) {
    out.push(`-${g.pick(['W', 'E'])}${g.chance(0.5) ? 'no-' : ''}${g.pick(CHECK_NAMES.filter((c) => c !== 'always_fail'))}`);
  }
  return out;
}

function checkLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /: (Warning|ERROR) \([a-z0-9_]+\): /.test(l) || l.startsWith('  also defined at '));
}

const SEEDS = Number(process.env.CHECKS_RANDOM_SEEDS ?? 400);

test('checks: random trees agree with dtc 1.6.1 (diagnostics, status, forced output bytes)', (t) => {
  if (!needTool(t, 'dtc')) return;
  const dir = mkdtempSync(join(tmpdir(), 'checks-random-'));
  const misses: string[] = [];
  let same = 0;
  let bytesSame = 0;
  let bytesTotal = 0;
  let crashes = 0;
  try {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const src = source(seed);
      const file = join(dir, 'r.dts');
      writeFileSync(file, src);
      const symbols = seed % 4 === 0;
      const phandleFormat = (['epapr', 'legacy', 'both'] as const)[seed % 3]!;
      const flags = checkFlags(seed);
      const settings = flags.map((f) => parseCheckOption(f, f[1] as 'W' | 'E'));
      const args = [...flags, '-I', 'dts', '-O', 'dtb', '-o', 'r.dtb', '-f', '-H', phandleFormat, ...(symbols ? ['-@'] : []), 'r.dts'];
      const dtc = spawnSync('dtc', args, { cwd: dir, encoding: 'latin1', timeout: 5000 });
      let tree;
      try {
        tree = parseDts(src, { file: 'r.dts' });
      } catch (e) {
        if (!(e instanceof FdtError)) throw e;
        if (dtc.status !== 1) misses.push(`seed ${seed}: we reject while parsing (${e.message}) but dtc exits ${dtc.status}`);
        else same++;
        continue;
      }
      let ours;
      try {
        ours = processChecks(tree, { generateSymbols: symbols, phandleFormat, settings });
      } catch (e) {
        if (!(e instanceof FdtError)) throw e;
        if (dtc.status === 0 || dtc.status === 2 || dtc.status === 1) misses.push(`seed ${seed}: we throw ${e.code} (${e.message}) but dtc exits ${dtc.status}`);
        else {
          crashes++;
          same++;
        }
        continue;
      }
      if (dtc.status !== 0 && dtc.status !== 2) {
        misses.push(`seed ${seed}: dtc ended with status ${dtc.status} signal ${dtc.signal}, we finished`);
        continue;
      }
      const lines = ours.diagnostics.flatMap((d) => formatCheckDiagnostic(d, 'r.dtb').split('\n')).filter((l) => l !== '');
      const dtcLines = checkLines(dtc.stderr);
      // -f turns "hasErrors" into a forced-output warning, so compare it through that line
      const dtcErrors = dtc.stderr.includes('Warning: Input tree has errors, output forced');
      if (JSON.stringify(lines) === JSON.stringify(dtcLines) && ours.hasErrors === dtcErrors) same++;
      else misses.push(`seed ${seed}:\n${src}\n  dtc:  ${dtcLines.join('\n        ')}\n  ours: ${lines.join('\n        ')} (hasErrors=${ours.hasErrors})`);
      const expected = readFileSync(join(dir, 'r.dtb'));
      const run = runDtc(new TextEncoder().encode(src), { file: 'r.dts', force: true, symbols, phandleFormat, checks: settings });
      bytesTotal++;
      if (run.output && Buffer.from(run.output).equals(expected)) bytesSame++;
      else misses.push(`seed ${seed}: forced output bytes differ (exit ${run.exitCode})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`checks-random: ${same}/${SEEDS} sources agree (${crashes} where dtc crashes and we stop cleanly); output bytes ${bytesSame}/${bytesTotal}`);
  if (misses.length > 0) console.log(`checks-random: ${misses.length} misses: ${misses.map((m) => m.split(':')[0]).join(', ')}`);
  assert.deepEqual(misses.slice(0, 3), []);
});
