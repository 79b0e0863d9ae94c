/**
 * The check pass on real sources: linux-source-6.1's arm64 DTS (through the
 * kernel's cpp recipe, fetched and cached by test/corpus/debian-corpus.ts)
 * with dtc's default checks and with the opt-in style checks enabled, and
 * the arm64 kernel image's DTBs read back with `-I dtb`. A sample by default
 * (every CHECKS_KERNEL_STRIDE-th file, default 8) to keep the run short.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDts } from '../../src/fdt/dts/parser.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import type { DeviceTree } from '../../src/fdt/tree/livetree.js';
import { type DtcCheckSetting, formatCheckDiagnostic, parseCheckOption, processChecks } from '../../src/fdt/checks/dtc-checks.js';
import { getKernelDtbs, getKernelSources, isUnavailable, skipUnavailable } from '../corpus/debian-corpus.js';
import { needTool } from '../support/tools.js';

const STRIDE = Math.max(1, Number(process.env['CHECKS_KERNEL_STRIDE'] ?? 8));
const STYLE = ['-Wnode_name_chars_strict', '-Wproperty_name_chars_strict', '-Wunique_unit_address_if_enabled', '-Wdeprecated_gpio_property'];

function dtcLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /: (Warning|ERROR) \([a-z0-9_]+\): /.test(l) || l.startsWith('  also defined at '));
}

function ours(tree: DeviceTree, settings: DtcCheckSetting[], generateSymbols: boolean): { lines: string[]; hasErrors: boolean } {
  const r = processChecks(tree, { settings, generateSymbols });
  return { lines: r.diagnostics.flatMap((d) => formatCheckDiagnostic(d, '/dev/null').split('\n')).filter((l) => l !== ''), hasErrors: r.hasErrors };
}

function compare(misses: string[], id: string, dtc: ReturnType<typeof spawnSync>, mine: { lines: string[]; hasErrors: boolean }): boolean {
  const expected = dtcLines(String(dtc.stderr));
  const ok = JSON.stringify(expected) === JSON.stringify(mine.lines) && mine.hasErrors === (dtc.status === 2);
  if (!ok) {
    const i = expected.findIndex((l, k) => l !== mine.lines[k]);
    misses.push(`${id}: first difference at line ${i}:\n  dtc:  ${expected[i] ?? '(none)'}\n  ours: ${mine.lines[i] ?? '(none)'}`);
  }
  return ok;
}

test('checks: kernel arm64 sources match dtc 1.6.1 (default and style checks)', { timeout: 600_000 }, async (t) => {
  if (!needTool(t, 'dtc')) return;
  const corpus = await getKernelSources();
  if (isUnavailable(corpus)) return skipUnavailable(t, corpus);
  const misses: string[] = [];
  let same = 0;
  let total = 0;
  let lines = 0;
  const sample = corpus.sources.filter((_, i) => i % STRIDE === 0);
  for (const src of sample) {
    for (const extra of [[], STYLE]) {
      const args = [...extra, '-O', 'dtb', '-o', '/dev/null', '-b', '0', ...src.includeDirs.flatMap((d) => ['-i', d]), ...(src.symbols ? ['-@'] : []), src.pp];
      const dtc = spawnSync('dtc', args, { encoding: 'latin1' });
      const tree = parseDts(readFileSync(src.pp), { file: src.pp, includeDirs: src.includeDirs });
      const mine = ours(tree, extra.map((a) => parseCheckOption(a, 'W')), src.symbols);
      total++;
      lines += mine.lines.length;
      if (compare(misses, `${src.name}${extra.length ? ' [style]' : ''}`, dtc, mine)) same++;
    }
  }
  console.log(`checks-kernel sources: ${same}/${total} runs identical (${lines} diagnostic lines; ${sample.length} of ${corpus.sources.length} files)`);
  assert.deepEqual(misses, []);
});

test('checks: kernel arm64 DTBs match dtc 1.6.1 -I dtb', { timeout: 600_000 }, async (t) => {
  if (!needTool(t, 'dtc')) return;
  const corpus = await getKernelDtbs();
  if (isUnavailable(corpus)) return skipUnavailable(t, corpus);
  const misses: string[] = [];
  let same = 0;
  let total = 0;
  const sample = corpus.files.filter((_, i) => i % STRIDE === 0);
  for (const f of sample) {
    const file = join(corpus.dir, f);
    for (const extra of [[], STYLE]) {
      const dtc = spawnSync('dtc', [...extra, '-I', 'dtb', '-O', 'dtb', '-o', '/dev/null', file], { encoding: 'latin1' });
      const mine = ours(readDtb(readFileSync(file), { file }), extra.map((a) => parseCheckOption(a, 'W')), false);
      total++;
      if (compare(misses, `${f}${extra.length ? ' [style]' : ''}`, dtc, mine)) same++;
    }
  }
  console.log(`checks-kernel dtbs: ${same}/${total} runs identical (${sample.length} of ${corpus.files.length} files)`);
  assert.deepEqual(misses, []);
});
