/**
 * The DTS printer on real sources: linux-source-6.1's arm64 DTS (kernel cpp
 * recipe, kernel dtc flags) compiled to DTS by runDtc + printDts and by the
 * real dtc 1.6.1, plain, with -s (our sorted text comes from sortTree on
 * the same tree) and with -T (cpp line markers decide the file names). The corpus is fetched and cached by
 * test/corpus/debian-corpus.ts; without it the test skips with a notice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runDtc } from '../../src/fdt/dtc.js';
import { dtcInitialPath } from '../../src/fdt/dts/annotation.js';
import { encodeDtsText, printDts } from '../../src/fdt/dts/print.js';
import { sortTree } from '../../src/fdt/tree/sort.js';
import { Comparison, bytesDiffer, guarded, skipWithoutTools } from '../corpus/corpus-compare.js';
import { type KernelSource, getKernelSources, isUnavailable, mapLimit, runTool, skipUnavailable } from '../corpus/debian-corpus.js';

function dtcArgs(src: KernelSource, extra: string[]): string[] {
  return ['-q', '-I', 'dts', '-O', 'dts', '-b', '0', ...src.includeDirs.flatMap((d) => ['-i', d]), ...(src.symbols ? ['-@'] : []), ...extra, src.pp];
}

/** Our text plain and sorted: dtc sorts as its very last step, so one pipeline run serves both. */
function ourDts(src: KernelSource): { plain: Uint8Array; annotated: Uint8Array; sorted: Uint8Array } {
  const source = readFileSync(src.pp);
  const r = runDtc(source, {
    inputFormat: 'dts',
    outputFormat: 'dts',
    file: src.pp,
    includeDirs: src.includeDirs,
    bootCpuid: 0,
    symbols: src.symbols,
    quiet: 1,
  });
  if (!r.tree || r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.error?.message ?? ''}`);
  // The printer's own bytes, independent of how the pipeline encodes its output.
  const plain = encodeDtsText(printDts(r.tree));
  const initialPath = dtcInitialPath(source.toString('latin1'), src.pp);
  const annotated = encodeDtsText(printDts(r.tree, { annotate: 1, initialPath }));
  sortTree(r.tree);
  return { plain, annotated, sorted: encodeDtsText(printDts(r.tree)) };
}

test('kernel sources: dts->dts text equals dtc 1.6.1 (plain, -s, -T)', { timeout: 600_000 }, async (t) => {
  if (skipWithoutTools(t, ['dtc', 'cpp'])) return;
  const corpus = await getKernelSources();
  if (isUnavailable(corpus)) return skipUnavailable(t, corpus);
  const plain = new Comparison('kernel .pp.dts→dts printDts');
  const sorted = new Comparison('kernel .pp.dts→dts -s printDts');
  const annotated = new Comparison('kernel .pp.dts→dts -T printDts');
  await mapLimit(corpus.sources, 2, async (src) => {
    const [dtcPlain, dtcSorted, dtcAnnotated] = await Promise.all([
      runTool('dtc', dtcArgs(src, [])),
      runTool('dtc', dtcArgs(src, ['-s'])),
      runTool('dtc', dtcArgs(src, ['-T'])),
    ]);
    if (dtcPlain.code !== 0) return; // not accepted: nothing to compare
    const ours = guarded(() => ourDts(src));
    plain.record(src.name, ours.error ?? bytesDiffer(ours.value?.plain, dtcPlain.stdout));
    sorted.record(src.name, ours.error ?? bytesDiffer(ours.value?.sorted, dtcSorted.stdout));
    annotated.record(src.name, ours.error ?? bytesDiffer(ours.value?.annotated, dtcAnnotated.stdout));
  });
  for (const c of [plain, sorted, annotated]) c.report();
  for (const c of [plain, sorted, annotated]) c.assertNoUnexpected();
  assert.ok(corpus.sources.length > 0);
});
