/**
 * DTB reader and writer beyond dtc's own output: libfdt layouts (QEMU
 * dumpdtb, fdtput edits, a hand-made libfdt-style blob), version 16 and
 * legacy headers, writer options and errors, deep trees, and the strings
 * table's suffix sharing — each checked against dtc run at test time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDtb, readDtbHeader } from '../../src/fdt/dtb/read.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { sortTree } from '../../src/fdt/tree/sort.js';
import { FdtError } from '../../src/fdt/errors.js';
import { DeviceTree, Node, Property } from '../../src/fdt/tree/livetree.js';
import { PropertyValue } from '../../src/fdt/tree/data.js';
import { StructBuilder, assemble, cells, str, stringsBlock } from './blob-builder.js';
import { firstDiff, sameBytes, tempDir } from './dtb-oracle.js';
import { type Skippable, skipLine, skipNotice } from '../support/skip.js';
import { needTool } from '../support/tools.js';

function skipWithoutDtc(t: Skippable): boolean {
  return !needTool(t, 'dtc');
}

function dtcNormalise(blob: Uint8Array, args: string[] = []): Uint8Array {
  return new Uint8Array(execFileSync('dtc', ['-q', '-f', '-I', 'dtb', '-O', 'dtb', ...args, '-'], { input: blob, stdio: 'pipe' }));
}

function dtcCompile(dts: string, args: string[] = []): Uint8Array {
  return new Uint8Array(execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb', ...args, '-'], { input: dts }));
}

function assertSameAsDtc(ours: Uint8Array, theirs: Uint8Array, what: string): void {
  assert.ok(sameBytes(ours, theirs), `${what}: differs from dtc at byte ${firstDiff(ours, theirs)} (ours ${ours.length}, dtc ${theirs.length})`);
}

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

test('QEMU dumpdtb blobs (libfdt layout, 1 MiB) read and normalise like dtc', (t) => {
  if (skipWithoutDtc(t)) return;
  const dir = tempDir();
  const blobs: [string, Uint8Array][] = [];
  const machines: [string, string[]][] = [
    ['qemu-system-aarch64', ['-machine', 'virt', '-cpu', 'cortex-a57', '-smp', '4', '-m', '2G']],
    ['qemu-system-aarch64', ['-machine', 'virt,gic-version=3,virtualization=on,secure=on', '-cpu', 'cortex-a57']],
    ['qemu-system-arm', ['-machine', 'virt']],
  ];
  machines.forEach(([cmd, args], i) => {
    if (!has(cmd)) {
      // one machine fewer, the others still compared: a notice, not a skip of the test
      console.log(skipLine(`QEMU ${args.join(' ')} blob`, `${cmd} is not installed`));
      return;
    }
    const out = join(dir, `q${i}.dtb`);
    const m = args.indexOf('-machine');
    const a = args.slice();
    a[m + 1] = `${a[m + 1]},dumpdtb=${out}`;
    // -nic none: the default NIC needs iPXE's efi-virtio.rom (ipxe-qemu, a package a fresh machine may lack) and is no part of the DTB
    execFileSync(cmd, [...a, '-nic', 'none', '-nographic', '-display', 'none'], { stdio: 'pipe' });
    blobs.push([`${cmd} ${args.join(' ')}`, new Uint8Array(readFileSync(out))]);
  });
  for (const f of ['/usr/share/qemu/bamboo.dtb', '/usr/share/qemu/canyonlands.dtb']) {
    if (existsSync(f)) blobs.push([f, new Uint8Array(readFileSync(f))]);
  }
  if (blobs.length === 0) return skipNotice(t, 'QEMU dumpdtb blobs', 'neither qemu-system-aarch64/-arm nor /usr/share/qemu/*.dtb is installed');
  for (const [what, blob] of blobs) {
    const tree = readDtb(blob);
    assertSameAsDtc(writeDtb(tree), dtcNormalise(blob), what);
    const sorted = readDtb(blob);
    sortTree(sorted);
    assertSameAsDtc(writeDtb(sorted), dtcNormalise(blob, ['-s']), `${what} -s`);
  }
  t.diagnostic(`${blobs.length} QEMU/packaged blobs identical after normalisation`);
});

test('fdtput-edited blobs (libfdt in-place layout) normalise like dtc', (t) => {
  if (skipWithoutDtc(t)) return;
  if (!needTool(t, 'fdtput', ['-h'])) return;
  const dir = tempDir();
  const f = join(dir, 'a.dtb');
  writeFileSync(f, dtcCompile('/dts-v1/; /memreserve/ 0x1000 0x2000; / { compatible = "x"; a { b = <1>; }; };'));
  const edits = [
    ['-c', f, '/new'],
    ['-c', f, '/new/deeper'],
    ['-t', 's', f, '/new', 'compatible', 'vendor,thing'],
    ['-t', 'x', f, '/a', 'zzz-very-long-property-name', '1', '2', '3'],
    ['-t', 's', f, '/a', 'b', 'now a string'],
    ['-d', f, '/', 'compatible'],
    ['-r', f, '/new/deeper'],
  ];
  for (const e of edits) {
    execFileSync('fdtput', e, { stdio: 'pipe' });
    const blob = new Uint8Array(readFileSync(f));
    assertSameAsDtc(writeDtb(readDtb(blob)), dtcNormalise(blob), `after fdtput ${e.join(' ')}`);
  }
});

/** The layout libfdt's sequential writer leaves before fdt_pack: rsvmap at 48, strings last-added first, 1 MiB. */
function libfdtStyleBlob(): Uint8Array {
  const order = ['compatible', '#address-cells', '#size-cells', 'reg', 'phandle', 'interrupt-parent', 'device_type', 'bootargs'];
  const strings = stringsBlock(order.slice().reverse());
  const o = strings.offsetOf;
  const s = new StructBuilder()
    .begin('')
    .prop('interrupt-parent', cells(1), o)
    .prop('#size-cells', cells(2), o)
    .prop('#address-cells', cells(2), o)
    .prop('compatible', str('linux,dummy-virt'), o)
    .nop()
    .begin('chosen')
    .prop('bootargs', str('console=ttyAMA0'), o)
    .end()
    .begin('memory@40000000')
    .prop('reg', cells(0, 0x40000000, 0, 0x8000000), o)
    .prop('device_type', str('memory'), o)
    .end()
    .begin('intc@8000000')
    .nop()
    .prop('phandle', cells(1), o)
    .prop('reg', cells(0, 0x8000000, 0, 0x10000), o)
    .end()
    .end()
    .finish();
  const offStruct = 48 + 2 * 16;
  return assemble({
    version: 17,
    lastComp: 16,
    headerSize: 40,
    offRsvmap: 48,
    offStruct,
    offStrings: offStruct + s.length,
    totalsize: 1 << 20,
    reservations: [[0x48000000n, 0x100000n]],
    struct: s,
    strings: strings.bytes,
  });
}

test('hand-made libfdt-style blob: rsvmap at 48, reversed strings, NOPs, 1 MiB', (t) => {
  const blob = libfdtStyleBlob();
  const tree = readDtb(blob);
  assert.deepEqual(tree.reservations.map((r) => [r.address, r.size]), [[0x48000000n, 0x100000n]]);
  assert.equal(tree.root.children.length, 3);
  assert.equal(tree.root.children[2]!.phandle, 1);
  assert.deepEqual(tree.root.properties.map((p) => p.name), ['interrupt-parent', '#size-cells', '#address-cells', 'compatible']);
  if (skipWithoutDtc(t)) return;
  assertSameAsDtc(writeDtb(tree), dtcNormalise(blob), 'libfdt-style blob');
});

function v16Blob(): Uint8Array {
  const strings = stringsBlock(['model', 'reg']);
  const s = new StructBuilder()
    .begin('')
    .prop('model', str('v16 board'), strings.offsetOf)
    .begin('cpus')
    .begin('cpu@0')
    .prop('reg', cells(0), strings.offsetOf)
    .end()
    .end()
    .end()
    .finish();
  // 36-byte header: no size_dt_struct; rsvmap 8-aligned at 40.
  return assemble({ version: 16, lastComp: 16, headerSize: 36, offRsvmap: 40, offStruct: 56, offStrings: 56 + s.length, totalsize: 56 + s.length + strings.bytes.length, bootCpuid: 3, reservations: [], struct: s, strings: strings.bytes });
}

test('version 16 blob with a 36-byte header', (t) => {
  const blob = v16Blob();
  const tree = readDtb(blob);
  assert.equal(tree.bootCpuidPhys, 3);
  assert.equal(tree.root.getChild('cpus')?.getChild('cpu@0')?.getProperty('reg')?.bytes.length, 4);
  if (skipWithoutDtc(t)) return;
  assertSameAsDtc(writeDtb(tree), dtcNormalise(blob), 'v16 → v17');
  assertSameAsDtc(writeDtb(readDtb(blob), { version: 16 }), dtcNormalise(blob, ['-V', '16']), 'v16 → v16');
});

function v1Blob(): Uint8Array {
  const strings = stringsBlock(['name', 'big', 'small']);
  const o = strings.offsetOf;
  const s = new StructBuilder()
    .begin('/')
    .prop('small', [1, 2, 3], o, true)
    .prop('big', [1, 2, 3, 4, 5, 6, 7, 8, 9], o, true)
    .begin('/a@1')
    .prop('name', str('a'), o, true)
    .begin('/a@1/b')
    .end()
    .end()
    .end()
    .finish();
  // Struct at 36: values of 8+ bytes are 8-aligned relative to the struct start.
  return assemble({ version: 1, lastComp: 1, headerSize: 28, offRsvmap: 32, offStruct: 48, offStrings: 48 + s.length, totalsize: 48 + s.length + strings.bytes.length, reservations: [], struct: s, strings: strings.bytes });
}

test('legacy version 1 blob: full-path names, 8-aligned values', (t) => {
  const tree = readDtb(v1Blob());
  const a = tree.root.getChild('a@1');
  assert.ok(a?.getChild('b'), 'names are relative to the parent path');
  assert.deepEqual([...tree.root.getProperty('big')!.bytes], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  if (skipWithoutDtc(t)) return;
  // The only `name` property sits where dtc's writer would regenerate it, so
  // dtc's name_properties check (which drops it) does not change the bytes.
  for (const v of [1, 2, 3]) {
    assertSameAsDtc(writeDtb(readDtb(v1Blob()), { version: v }), dtcNormalise(v1Blob(), ['-V', String(v)]), `v1 → v${v}`);
  }
});

test('writer options: errors and the -S warning in dtc words', (t) => {
  const tree = new DeviceTree(new Node(''));
  tree.root.addProperty(new Property('compatible', PropertyValue.fromString('x')));
  assert.throws(() => writeDtb(tree, { version: 5 }), (e: unknown) => e instanceof FdtError && e.code === 'DTB_BAD_VERSION' && e.message === 'Unknown device tree blob version 5');
  assert.throws(() => writeDtb(tree, { align: 3 }), (e: unknown) => e instanceof FdtError && e.code === 'DTB_BAD_OPTION');
  assert.throws(() => writeDtb(tree, { padSize: 1.5 }), (e: unknown) => e instanceof FdtError && e.code === 'DTB_BAD_OPTION');
  assert.throws(() => writeDtb(tree, { align: -4 }), (e: unknown) => e instanceof FdtError && e.code === 'DTB_BAD_OPTION');
  assert.throws(() => writeDtb(tree, { reserveExtra: 2 ** 30 }), (e: unknown) => e instanceof FdtError && e.code === 'DTB_TOO_LARGE');
  assert.throws(() => writeDtb(tree, { padSize: 2 ** 32 }), (e: unknown) => e instanceof FdtError && e.code === 'DTB_TOO_LARGE');
  // dtc ignores zero and negative sizes.
  assert.ok(sameBytes(writeDtb(tree, { padSize: -1, minSize: -5, reserveExtra: -2, align: 0 }), writeDtb(tree)));
  const warnings: string[] = [];
  const blob = writeDtb(tree, { minSize: 16, onWarning: (m) => warnings.push(m) });
  if (skipWithoutDtc(t)) return;
  const stderr = execFileSync('sh', ['-c', 'dtc -I dtb -O dtb -S 16 -o /dev/null - 2>&1 >/dev/null'], { input: blob }).toString();
  assert.deepEqual(warnings, [stderr.trim()]);
  assertSameAsDtc(writeDtb(tree, { padSize: 7, align: 16 }), dtcNormalise(blob, ['-p', '7', '-a', '16']), '-p 7 -a 16');
  assertSameAsDtc(writeDtb(tree, { minSize: 100, align: 32 }), dtcNormalise(blob, ['-S', '100', '-a', '32']), '-S 100 -a 32');
});

test('strings table: exact reuse and earliest suffix sharing, as dtc', (t) => {
  if (skipWithoutDtc(t)) return;
  // Names chosen so that suffix, prefix, exact and long (> 64 chars) cases all occur, in varying order.
  const long = 'x'.repeat(70) + '-tail-name';
  const names = ['linux,phandle', 'phandle', 'handle', 'phandle-ref', 'e', 'ref', 'a-ref', 'b,a-ref', long, long.slice(3), long.slice(70), 'tail-name', long.slice(1), 'le', 'ename', 'me', long];
  const rng = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 0x100000000);
  for (let round = 0; round < 20; round++) {
    const next = rng(round + 1);
    const picked = names.filter(() => next() < 0.7).sort(() => next() - 0.5);
    const body = picked.map((n, i) => `\tn${i} { ${n} = <${i + 1}>; };`).join('\n');
    const blob = dtcCompile(`/dts-v1/;\n/ {\n${body}\n};\n`);
    assertSameAsDtc(writeDtb(readDtb(blob)), blob, `round ${round}: ${picked.join(' ')}`);
  }
});

test('deep and wide trees do not overflow the stack and stay fast', () => {
  const depth = 100_000;
  const root = new Node('');
  let n = root;
  for (let i = 0; i < depth; i++) n = n.addChild(new Node(`n${i % 10}`));
  n.addProperty(new Property('leaf', PropertyValue.fromCells([1])));
  const tree = new DeviceTree(root);
  const t0 = Date.now();
  const blob = writeDtb(tree);
  const back = readDtb(blob);
  sortTree(back);
  assert.ok(sameBytes(writeDtb(back), blob));
  // A guard against quadratic blow-up (minutes), not a benchmark: bench/ measures speed.
  assert.ok(Date.now() - t0 < 30_000, 'linear time');
});

test('dtc-made blob copied from a file reads the same (subarray with offset)', (t) => {
  if (skipWithoutDtc(t)) return;
  const blob = dtcCompile('/dts-v1/; / { a = "b"; c { d = <1 2>; }; };');
  const padded = new Uint8Array(blob.length + 13);
  padded.set(blob, 13);
  assertSameAsDtc(writeDtb(readDtb(padded.subarray(13))), blob, 'offset view');
});

test('explicit phandles set node.phandle as dtc does (first wins, phandle over linux,phandle)', () => {
  const names = ['phandle', 'linux,phandle', 'x'];
  const strings = stringsBlock(names);
  const o = strings.offsetOf;
  const s = new StructBuilder()
    .begin('')
    .begin('a').prop('phandle', cells(5), o).end()
    .begin('b').prop('linux,phandle', cells(5), o).end()
    .begin('c').prop('phandle', cells(0), o).prop('linux,phandle', cells(7), o).end()
    .begin('d').prop('linux,phandle', cells(9), o).prop('phandle', cells(8), o).end()
    .begin('e').prop('phandle', [1, 2], o).end()
    .begin('f').prop('phandle', cells(0xffffffff), o).end()
    // Property after a subnode: p still comes before q in depth-first order.
    .begin('p').begin('q').prop('phandle', cells(3), o).end().prop('phandle', cells(3), o).end()
    .end()
    .finish();
  const blob = assemble({ version: 17, lastComp: 16, headerSize: 40, offRsvmap: 40, offStruct: 56, offStrings: 56 + s.length, totalsize: 56 + s.length + strings.bytes.length, reservations: [], struct: s, strings: strings.bytes });
  const warnings: string[] = [];
  const tree = readDtb(blob, { onWarning: (m) => warnings.push(m) });
  const ph = Object.fromEntries(tree.root.children.map((c) => [c.name, c.phandle]));
  assert.deepEqual(ph, { a: 5, b: 0, c: 7, d: 8, e: 0, f: 0, p: 3 });
  assert.equal(tree.root.getChild('p')!.getChild('q')!.phandle, 0);
  assert.deepEqual(warnings, ['Warning: Flat tree input has subnodes preceding a property.']);
});

test('property values do not alias the caller\'s blob', () => {
  const strings = stringsBlock(['v']);
  const s = new StructBuilder().begin('').prop('v', cells(1), strings.offsetOf).end().finish();
  const blob = assemble({ version: 17, lastComp: 16, headerSize: 40, offRsvmap: 40, offStruct: 56, offStrings: 56 + s.length, totalsize: 56 + s.length + strings.bytes.length, reservations: [], struct: s, strings: strings.bytes });
  const tree = readDtb(blob);
  blob.fill(0xee);
  assert.deepEqual([...tree.root.getProperty('v')!.bytes], [0, 0, 0, 1]);
});

test('sortTree is stable on duplicate names and sorts reservations, like dtc -s', (t) => {
  const strings = stringsBlock(['b', 'a', 'c']);
  const o = strings.offsetOf;
  const sb = new StructBuilder().begin('');
  for (let i = 0; i < 40; i++) sb.prop(['b', 'a', 'c'][i % 3]!, cells(i), o);
  for (let i = 0; i < 30; i++) sb.begin(['x', 'y@1', 'x', 'X', 'x@0'][i % 5]!).prop('a', cells(i), o).end();
  const s = sb.end().finish();
  const R = 40 + 16 * 5;
  const blob = assemble({
    version: 17, lastComp: 16, headerSize: 40, offRsvmap: 40, offStruct: R, offStrings: R + s.length, totalsize: R + s.length + strings.bytes.length,
    reservations: [[5n, 1n], [1n, 9n], [0xffff_ffff_0000_0000n, 1n], [1n, 2n]], struct: s, strings: strings.bytes,
  });
  const tree = readDtb(blob);
  sortTree(tree);
  assert.deepEqual(tree.reservations.map((r) => [r.address, r.size]), [[1n, 2n], [1n, 9n], [5n, 1n], [0xffff_ffff_0000_0000n, 1n]]);
  if (skipWithoutDtc(t)) return;
  assertSameAsDtc(writeDtb(tree), dtcNormalise(blob, ['-s']), 'duplicates sorted');
});

test('readDtbHeader gives the checked header fields', () => {
  const v16 = readDtbHeader(v16Blob());
  assert.equal(v16.version, 16);
  assert.equal(v16.lastCompVersion, 16);
  assert.equal(v16.bootCpuidPhys, 3);
  assert.equal(v16.offMemRsvmap, 40);
  assert.equal(v16.sizeDtStruct, undefined);
  assert.equal(typeof v16.sizeDtStrings, 'number');
  const lib = readDtbHeader(libfdtStyleBlob());
  assert.deepEqual([lib.offMemRsvmap, lib.offDtStruct, lib.totalsize], [48, 80, 1 << 20]);
  assert.throws(() => readDtbHeader(new Uint8Array(3)), (e: unknown) => e instanceof FdtError && e.code === 'DTB_TRUNCATED');
});
