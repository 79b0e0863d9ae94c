/**
 * Every arm64 board DTB Debian ships, and every board DTS of its kernel
 * source, goes through readDom0less and writeDom0less unchanged: real /chosen nodes (stdout-path, bootargs,
 * kaslr-seed, framebuffers...) are kept as unknown and written back in
 * place, and the rest of the tree is left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDom0less, writeDom0less } from '../../src/bindings/index.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { parseDts } from '../../src/fdt/dts/parser.js';
import { printDts } from '../../src/fdt/dts/print.js';
import { getKernelDtbs, getKernelSources, isUnavailable, skipUnavailable } from '../corpus/debian-corpus.js';

test('Debian kernel DTBs: dom0less read + write gives the same blob', async (t) => {
  const corpus = await getKernelDtbs();
  if (isUnavailable(corpus)) {
    skipUnavailable(t, corpus);
    return;
  }
  let checked = 0;
  for (const f of corpus.files.filter((f) => f.endsWith('.dtb'))) {
    const tree = readDtb(new Uint8Array(readFileSync(join(corpus.dir, f))));
    if (!tree.root.getChild('chosen')) continue;
    const out = writeDom0less(readDom0less(tree, { file: f }));
    assert.deepEqual(writeDtb(out), writeDtb(tree), f);
    checked++;
  }
  assert.ok(checked > 100, `only ${checked} DTBs with /chosen`);
});

test('Debian kernel DTS (parsed, references unresolved): dom0less read + write prints the same source', async (t) => {
  const corpus = await getKernelSources();
  if (isUnavailable(corpus)) {
    skipUnavailable(t, corpus);
    return;
  }
  let checked = 0;
  for (const src of corpus.sources.filter((s) => !s.overlay)) {
    const tree = parseDts(readFileSync(src.pp), { file: src.pp, includeDirs: src.includeDirs });
    if (!tree.root.getChild('chosen')) continue;
    const out = writeDom0less(readDom0less(tree, { file: src.name }));
    assert.equal(printDts(out), printDts(tree), src.name);
    checked++;
  }
  assert.ok(checked > 100, `only ${checked} sources with /chosen`);
});
