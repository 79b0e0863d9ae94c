/**
 * dom0less → model → dom0less gives the same tree: same nodes in the same
 * order, same property bytes (and dtc markers, so labels and references
 * print the same), for every input shape; and what we write compiles with
 * the real dtc to the bytes our writer gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDom0less, writeDom0less } from '../../src/bindings/index.js';
import { printDts } from '../../src/fdt/dts/print.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { getNodeByPath } from '../../src/fdt/tree/livetree.js';
import { skipNotice } from '../support/skip.js';
import { toolMissing } from '../support/tools.js';
import { DOM0LESS_FIXTURES, compiled, dts, parsed, semantic, shapes } from './support.js';

for (const name of DOM0LESS_FIXTURES) {
  for (const [label, tree] of shapes(name)) {
    test(`round trip ${name} (${label}): equal DTS text and DTB bytes`, () => {
      const out = writeDom0less(readDom0less(tree));
      assert.equal(printDts(out), printDts(tree));
      assert.deepEqual(writeDtb(out), writeDtb(tree));
    });
  }
}

test('an edited value is re-encoded; everything else keeps its source bytes', () => {
  const tree = parsed('imagebuilder-dom0less.dts');
  const m = readDom0less(tree);
  m.domains[1]!.memoryKiB = 0x80000n;
  const out = writeDom0less(m);
  const before = printDts(tree).split('\n');
  const after = printDts(out).split('\n');
  const changed = after.filter((l, i) => l !== before[i]);
  assert.deepEqual(changed, ['\t\t\tmemory = <0x00 0x80000>;']);
  // vpl011 = <0x1> (ImageBuilder's spelling) survives.
  assert.ok(after.includes('\t\t\tvpl011 = <0x01>;'));
});

test('a new domain is written canonically and gets the next position', () => {
  const tree = parsed('examples/qemu-dom0less.dts');
  const m = readDom0less(tree);
  const extra = { ...m.domains[2]!, name: 'domU3', origin: undefined, modules: [] };
  extra.vpl011 = true;
  m.domains.push(extra);
  const out = writeDom0less(m);
  const chosen = getNodeByPath(out.root, '/chosen')!;
  assert.deepEqual(Array.from(chosen.liveChildren(), (c) => c.name).slice(-3), ['domU1', 'domU2', 'domU3']);
  const node = chosen.getChild('domU3')!;
  assert.deepEqual(Array.from(node.liveProperties(), (p) => p.name), ['compatible', '#address-cells', '#size-cells', 'memory', 'cpus', 'vpl011']);
  assert.equal(node.getProperty('vpl011')!.bytes.length, 0);
});

test('written trees compile with dtc 1.6.1 to the bytes of our writer', (t) => {
  const missing = toolMissing('dtc');
  if (missing) return skipNotice(t, missing);
  const dir = mkdtempSync(join(tmpdir(), 'hl-rt-'));
  try {
    for (const name of DOM0LESS_FIXTURES) {
      const out = writeDom0less(readDom0less(compiled(name)));
      const src = join(dir, 'out.dts');
      writeFileSync(src, printDts(out));
      execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', '-o', join(dir, 'out.dtb'), src]);
      assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'out.dtb'))), writeDtb(out), name);
      const back = execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', join(dir, 'out.dtb')]).toString();
      assert.equal(back, printDts(readDtb(writeDtb(out))), `${name}: dtc decompiles our blob as we do`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writing into a board tree replaces its boot configuration and keeps the rest of its /chosen', () => {
  const board = dts('/dts-v1/;\n/ {\nmodel = "board";\nchosen {\nstdout-path = "serial0";\nxen,xen-bootargs = "old";\nold-domU {\ncompatible = "xen,domain";\nmemory = <0 1024>;\n};\nfb {\ncompatible = "simple-framebuffer";\n};\n};\nmemory@40000000 {\ndevice_type = "memory";\nreg = <0 0x40000000 0 0x40000000>;\n};\n};\n');
  const model = readDom0less(parsed('examples/qemu-dom0less.dts'));
  const out = writeDom0less(model, board);
  const chosen = getNodeByPath(out.root, '/chosen')!;
  assert.deepEqual(Array.from(chosen.liveProperties(), (p) => p.name), ['#address-cells', '#size-cells', 'stdout-path', 'xen,xen-bootargs', 'xen,dom0-bootargs']);
  assert.equal(new TextDecoder().decode(chosen.getProperty('stdout-path')!.bytes), 'serial0:115200n8\0'); // the model's value wins
  assert.deepEqual(Array.from(chosen.liveChildren(), (c) => c.name), ['fb', 'dom0-kernel@42000000', 'dom0-ramdisk@43000000', 'domU1', 'domU2']);
  assert.ok(getNodeByPath(out.root, '/memory@40000000'));
  assert.equal(getNodeByPath(out.root, '/cpus'), undefined); // the board's tree, not the example's
  assert.deepEqual((semantic(readDom0less(out)) as { domains: unknown }).domains, (semantic(model) as { domains: unknown }).domains);
});

/** A tree whose domain node's cells (1 + 1) differ from the cells Xen reads xen,static-mem with. */
function staticMemTree(chosenCells: string, staticMem: string): string {
  return `/dts-v1/;\n/ {\n#address-cells = <2>;\n#size-cells = <2>;\nchosen {\n${chosenCells}\ndomU1 {\ncompatible = "xen,domain";\n#address-cells = <1>;\n#size-cells = <1>;\nmemory = <0x0 0x40000>;\ncpus = <1>;\nxen,static-mem = <${staticMem}>;\nkernel {\ncompatible = "multiboot,kernel", "multiboot,module";\nreg = <0x44000000 0x1000000>;\n};\n};\n};\n};\n`;
}

const STATIC_MEM_TREES: [string, string][] = [
  ['/chosen 2 + 1', staticMemTree('#address-cells = <2>;\n#size-cells = <1>;', '0x0 0x60000000 0x10000000')],
  ['/chosen without cells (the root\'s 2 + 2)', staticMemTree('', '0x0 0x60000000 0x0 0x10000000')],
  ['written in the domain\'s own cells (kept as it is)', staticMemTree('#address-cells = <2>;\n#size-cells = <1>;', '0x60000000 0x8000000 0x68000000 0x8000000')],
];

for (const [label, text] of STATIC_MEM_TREES) {
  test(`round trip xen,static-mem, ${label}: equal DTS text and DTB bytes`, () => {
    const tree = dts(text);
    const out = writeDom0less(readDom0less(tree));
    assert.equal(printDts(out), printDts(tree));
    assert.deepEqual(writeDtb(out), writeDtb(tree));
  });
}

test('a static bank edited in the model is written in /chosen\'s cells, not the domain node\'s', () => {
  const m = readDom0less(dts(STATIC_MEM_TREES[0]![1]));
  m.domains[0]!.staticMemory = [{ address: 0x70000000n, size: 0x8000000n }];
  m.domains[0]!.memoryKiB = 0x20000n;
  const node = getNodeByPath(writeDom0less(m).root, '/chosen/domU1')!;
  // 2 address cells + 1 size cell, as Xen will read it.
  assert.deepEqual(Array.from(node.getProperty('xen,static-mem')!.bytes), [0, 0, 0, 0, 0x70, 0, 0, 0, 0x08, 0, 0, 0]);
});

test('a static bank wider than the size cells /chosen passes down: #size-cells = <2> on /chosen, unless /chosen sets its own', () => {
  const bank = [{ address: 0x100000000n, size: 0x100000000n }];
  // The root's 2 + 1 reach xen,static-mem through a /chosen without cells.
  const inherited = readDom0less(dts(staticMemTree('', '0x0 0x60000000 0x10000000').replace('/ {\n#address-cells = <2>;\n#size-cells = <2>;', '/ {\n#address-cells = <2>;\n#size-cells = <1>;')));
  assert.deepEqual(inherited.domains[0]!.staticMemory, [{ address: 0x60000000n, size: 0x10000000n }]);
  inherited.domains[0]!.staticMemory = bank;
  const out = writeDom0less(inherited);
  assert.deepEqual(Array.from(getNodeByPath(out.root, '/chosen')!.getProperty('#size-cells')!.bytes), [0, 0, 0, 2]);
  assert.deepEqual(readDom0less(out).domains[0]!.staticMemory, bank);
  // /chosen's own #size-cells = <1> is the user's: the writer says the bank does not fit rather than change it.
  const own = readDom0less(dts(STATIC_MEM_TREES[0]![1]));
  own.domains[0]!.staticMemory = bank;
  assert.throws(() => writeDom0less(own), (e: Error & { code?: string }) => e.code === 'VALUE_TOO_WIDE' && /xen,static-mem: 0x100000000 does not fit in 1 cell/.test(e.message));
});
