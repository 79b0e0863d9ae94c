/**
 * dom0less → model. Expected values are written by hand from the fixture
 * text and the reference (xen-bindings.md §1), not produced by the code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDom0less, versionFlags, writeDom0less } from '../../src/bindings/index.js';
import { printDts } from '../../src/fdt/dts/print.js';
import { BootConfigError, type BootConfigWarning } from '../../src/model/errors.js';
import { commandLines, isTrueDom0less } from '../../src/model/boot-model.js';
import { dts, parsed, semantic, shapes } from './support.js';

function wrap(chosenBody: string, rootExtra = ''): string {
  return `/dts-v1/;\n/ {\n#address-cells = <2>;\n#size-cells = <2>;\n${rootExtra}\nchosen {\n#address-cells = <2>;\n#size-cells = <1>;\n${chosenBody}\n};\n};\n`;
}

function domU(body: string, name = 'domU1'): string {
  return `${name} {\ncompatible = "xen,domain";\n#address-cells = <1>;\n#size-cells = <1>;\n${body}\nkernel {\ncompatible = "multiboot,kernel", "multiboot,module";\nreg = <0x44000000 0x1000000>;\n};\n};`;
}

test('the bundled QEMU example reads into the model described by its text', () => {
  const m = readDom0less(parsed('examples/qemu-dom0less.dts'));
  assert.equal(m.interface, 'dom0less');
  assert.equal(m.hypervisor.xenBootargs, 'console=dtuart dtuart=serial0 dom0_mem=512M bootscrub=0');
  assert.equal(m.hypervisor.dom0Bootargs, 'console=hvc0 earlycon=xen rdinit=/init');
  assert.equal(m.hypervisor.chosenAddressCells, 2);
  assert.equal(m.hypervisor.chosenSizeCells, 2);
  assert.deepEqual(m.hypervisor.unknownProperties.map((p) => p.name), ['stdout-path']);
  assert.deepEqual(m.domains.map((d) => [d.name, d.isDom0]), [['dom0', true], ['domU1', false], ['domU2', false]]);
  const [dom0, u1, u2] = m.domains;
  assert.deepEqual(dom0!.modules.map((x) => [x.kind, x.location]), [
    ['kernel', { type: 'range', address: 0x42000000n, size: 0x01000000n }],
    ['ramdisk', { type: 'range', address: 0x43000000n, size: 0x00400000n }],
  ]);
  for (const [d, k] of [[u1!, 0x44000000n], [u2!, 0x46000000n]] as const) {
    assert.equal(d.memoryKiB, 131072n); // 128 MiB in KiB
    assert.equal(d.vcpus, 1);
    assert.equal(d.vpl011, true);
    assert.equal(d.addressCells, 1);
    assert.equal(d.sizeCells, 1);
    assert.deepEqual(d.modules.map((x) => x.kind), ['kernel', 'ramdisk']);
    assert.deepEqual(d.modules[0]!.location, { type: 'range', address: k, size: 0x01000000n });
    assert.equal(d.modules[0]!.bootargs, 'console=ttyAMA0 rdinit=/init');
  }
  assert.deepEqual(commandLines(m), { xen: m.hypervisor.xenBootargs, xenFrom: 'xen,xen-bootargs', dom0: m.hypervisor.dom0Bootargs, dom0From: 'xen,dom0-bootargs' });
  assert.ok(m.host);
});

test('every dom0less property of the full fixture lands in its field', () => {
  const warnings: BootConfigWarning[] = [];
  const m = readDom0less(parsed('dom0less-full.dts'), { warnings });
  const h = m.hypervisor;
  assert.equal(h.bootargs, 'console=hvc0');
  assert.equal(h.uefiCfgLoad, true);
  assert.deepEqual(h.staticHeap, [{ address: 0x70000000n, size: 0x08000000n }]);
  assert.deepEqual(h.modules.map((x) => [x.name, x.kind]), [['xsm', 'xsm-policy']]);
  assert.deepEqual(h.unknownNodes.map((u) => u.node.name), ['framebuffer@f0000000']);
  assert.deepEqual(m.hostPassthrough, ['/ethernet@a000000']);
  assert.deepEqual(m.cpupools.map((p) => [p.name, p.cpus, p.scheduler]), [['cpupool1', ['/cpus/cpu@1', '/cpus/cpu@2'], 'null']]);

  const [dom0, u1, u2] = m.domains;
  // First unspecific /chosen module is the kernel (implicit); legacy xen,linux-initrd is the ramdisk.
  assert.deepEqual(dom0!.modules.map((x) => [x.name, x.kind, x.implicitKind ?? false]), [['dom0', 'kernel', true], ['dom0-ramdisk', 'ramdisk', false]]);
  assert.equal(dom0!.modules[0]!.bootargs, 'console=hvc0 rdinit=/init');
  assert.deepEqual(dom0!.modules[0]!.location, { type: 'range', address: 0x42000000n, size: 0x01000000n }); // /chosen cells 2 + 1
  assert.equal(commandLines(m).dom0, 'console=hvc0 rdinit=/init');
  assert.equal(commandLines(m).xen, 'console=dtuart dom0_mem=512M');
  assert.deepEqual(dom0!.sharedMemory.map((s) => [s.id, s.hostAddress, s.guestAddress, s.size, s.role]), [['dom0-shared', 0x7a000000n, 0x10000000n, 0x1000n, 'owner']]);
  assert.deepEqual(dom0!.eventChannels.map((e) => [e.localPort, e.remote]), [[10, { domain: 'domU1', channel: 'evtchn-b' }]]);

  assert.equal(u1!.memoryKiB, 0x40000n);
  assert.equal(u1!.vcpus, 2);
  assert.equal(u1!.vpl011, true); // `vpl011 = <1>`: Xen only tests presence
  assert.deepEqual(u1!.capabilities, { control: false, hardware: false, xenstore: true });
  assert.equal(u1!.enhanced, 'enabled'); // empty value
  assert.equal(u1!.cpupool, 'cpupool1');
  assert.equal(u1!.nrSpis, 32);
  assert.deepEqual(u1!.staticMemory, [{ address: 0x60000000n, size: 0x10000000n }]);
  assert.equal(u1!.directMap, true);
  assert.equal(u1!.p2mPoolMiB, 16);
  assert.equal(u1!.maxGrantVersion, 2);
  assert.equal(u1!.maxGrantFrames, 32);
  assert.equal(u1!.maxMaptrackFrames, 512);
  assert.equal(u1!.sve, 256);
  assert.equal(u1!.llcColors, '0-3,5');
  assert.equal(u1!.trapUnmappedAccesses, 0);
  assert.equal(u1!.sciType, 'none');
  assert.equal(u1!.passthrough, 'enabled');
  assert.deepEqual(u1!.unknownProperties.map((p) => [p.name, Array.from(p.value.bytes)]), [['vendor,extra', [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]]]);
  assert.deepEqual(u1!.unknownNodes.map((u) => u.node.name), ['notes']);
  assert.deepEqual(u1!.modules.map((x) => x.kind), ['kernel', 'ramdisk', 'device-tree']);
  assert.deepEqual(u1!.vcpuPins.map((v) => [v.id, v.hardAffinity]), [[0, '1'], [1, '1-2']]);
  assert.deepEqual(u1!.sharedMemory.map((s) => [s.id, s.hostAddress, s.guestAddress, s.size, s.role]), [['u1-u2', 0x79000000n, 0x79000000n, 0x1000000n, 'owner']]);
  assert.deepEqual(u1!.eventChannels.map((e) => [e.name, e.localPort, e.remote]), [
    ['evtchn-a', 1, { domain: 'domU2', channel: 'evtchn' }],
    ['evtchn-b', 2, { domain: 'dom0', channel: 'dom0-evtchn' }],
  ]);

  assert.equal(u2!.sve, 'max'); // empty `sve`
  assert.equal(u2!.enhanced, 'no-xenstore');
  assert.deepEqual(u2!.modules[0]!.location, { type: 'range', address: 0x46000000n, size: 0x01000000n }); // cells 2 + 2
  assert.deepEqual(u2!.sharedMemory.map((s) => [s.hostAddress, s.guestAddress, s.size, s.role]), [[0x79000000n, 0x50000000n, 0x1000000n, undefined]]);
  assert.deepEqual(warnings, []);
});

test('parsed DTS, dtc-checked DTS and DTB give the same model', () => {
  for (const name of ['dom0less-full.dts', 'examples/qemu-dom0less.dts', 'imagebuilder-dom0less.dts']) {
    const [first, ...rest] = shapes(name).map(([label, t]) => [label, semantic(readDom0less(t))] as const);
    for (const [label, view] of rest) assert.deepEqual(view, first![1], `${name}: ${label} vs ${first![0]}`);
  }
});

test('ImageBuilder trees: legacy dom0 compatibles, 2+2 cells', () => {
  const m = readDom0less(parsed('imagebuilder-dom0less.dts'));
  const [dom0, u] = m.domains;
  assert.deepEqual(dom0!.modules.map((x) => [x.kind, x.compatible]), [
    ['kernel', ['xen,linux-zimage', 'xen,multiboot-module']],
    ['ramdisk', ['xen,linux-initrd', 'xen,multiboot-module']],
  ]);
  assert.deepEqual(dom0!.modules[0]!.location, { type: 'range', address: 0x40400000n, size: 0x1600000n });
  assert.equal(u!.memoryKiB, 0x40000n);
  assert.deepEqual(u!.modules[1]!.location, { type: 'range', address: 0x45600000n, size: 0x200000n });
});

test('booting.txt example: true dom0less, two domUs, 2 + 1 cells', () => {
  const m = readDom0less(parsed('booting-txt-example.dts'));
  assert.deepEqual(
    m.domains.map((d) => [d.name, d.isDom0, d.memoryKiB, d.vcpus, d.vpl011, d.modules.map((x) => [x.kind, x.location, x.bootargs])]),
    [
      ['domU1', false, 131072n, 2, true, [['kernel', { type: 'range', address: 0x4a000000n, size: 0xffffffn }, 'console=ttyAMA0 init=/bin/sh'], ['ramdisk', { type: 'range', address: 0x4b000000n, size: 0xffffffn }, undefined]]],
      ['domU2', false, 65536n, 1, undefined, [['kernel', { type: 'range', address: 0x4c000000n, size: 0xffffffn }, 'console=ttyAMA0 init=/bin/sh'], ['ramdisk', { type: 'range', address: 0x4d000000n, size: 0xffffffn }, undefined]]],
    ],
  );
  assert.equal(isTrueDom0less(m), true);
});

test('Xen 4.16 static-mem cell properties are kept and warned about; 4.17+ reads the bank list with /chosen\'s cells', () => {
  // A 4.16 tree: one bank in the 1 + 1 cells it names. /chosen is 2 + 1, so Xen 4.17+ finds no whole bank.
  const warnings: BootConfigWarning[] = [];
  const m = readDom0less(dts(wrap(domU('memory = <0 0x80000>;\n#xen,static-mem-address-cells = <0x1>;\n#xen,static-mem-size-cells = <0x1>;\nxen,static-mem = <0x30000000 0x20000000>;'))), { warnings });
  assert.equal(m.domains[0]!.staticMemory, undefined);
  assert.deepEqual(warnings.map((w) => [w.code, w.path]), [
    ['STATIC_MEM_OWN_CELLS', '/chosen/domU1:xen,static-mem'],
    ['STATIC_MEM_LEGACY_CELLS', '/chosen/domU1:#xen,static-mem-address-cells'],
  ]);
  assert.match(warnings[1]!.message, /reads xen,static-mem with \/chosen's #address-cells/);
  // Kept as written, so that converting the tree does not change it.
  assert.deepEqual(m.domains[0]!.unknownProperties.map((p) => p.name), ['#xen,static-mem-address-cells', '#xen,static-mem-size-cells', 'xen,static-mem']);
});

// /chosen 2 + 1 (wrap), the domain node 1 + 1 (domU): the cases where the two readings part.
test('xen,static-mem is read with /chosen\'s cells, not the domain node\'s', () => {
  const warnings: BootConfigWarning[] = [];
  const m = readDom0less(dts(wrap(domU('memory = <0 0x40000>;\nxen,static-mem = <0x0 0x60000000 0x10000000>;'))), { warnings });
  assert.deepEqual(m.domains[0]!.staticMemory, [{ address: 0x60000000n, size: 0x10000000n }]);
  assert.deepEqual(warnings, []);
});

test('/chosen without cells passes the root\'s down to xen,static-mem, as Xen\'s FDT walker does', () => {
  const tree = `/dts-v1/;\n/ {\n#address-cells = <2>;\n#size-cells = <2>;\nchosen {\n${domU('memory = <0 0x40000>;\nxen,static-mem = <0x0 0x60000000 0x0 0x10000000>;')}\n};\n};\n`;
  const warnings: BootConfigWarning[] = [];
  const m = readDom0less(dts(tree), { warnings });
  assert.deepEqual(m.domains[0]!.staticMemory, [{ address: 0x60000000n, size: 0x10000000n }]);
  assert.deepEqual(warnings, []);
});

test('a module under a domain node without cells is read with the cells Xen\'s walker inherits (/chosen\'s), and written back so', () => {
  const tree = `/dts-v1/;\n/ {\nchosen {\n#address-cells = <1>;\n#size-cells = <1>;\ndomU1 {\ncompatible = "xen,domain";\nmemory = <0 0x40000>;\ncpus = <1>;\nmodule@50000000 {\ncompatible = "multiboot,kernel", "multiboot,module";\nreg = <0x50000000 0x2000000>;\n};\n};\n};\n};\n`;
  const m = readDom0less(dts(tree));
  assert.deepEqual(m.domains[0]!.modules[0]!.location, { type: 'range', address: 0x50000000n, size: 0x2000000n });
  const again = readDom0less(writeDom0less(m));
  assert.deepEqual(again.domains[0]!.modules[0]!.location, { type: 'range', address: 0x50000000n, size: 0x2000000n });
});

test('xen,static-mem written in the domain node\'s own cells is flagged, and read as Xen reads it', () => {
  // Two banks in 1 + 1 cells are 4 cells: under /chosen's 2 + 1 Xen reads one bank and ignores a cell.
  const odd: BootConfigWarning[] = [];
  const m1 = readDom0less(dts(wrap(domU('memory = <0 0x40000>;\nxen,static-mem = <0x60000000 0x8000000 0x68000000 0x8000000>;'))), { warnings: odd });
  assert.deepEqual(odd.map((w) => [w.code, w.path]), [['STATIC_MEM_OWN_CELLS', '/chosen/domU1:xen,static-mem']]);
  assert.match(odd[0]!.message, /own cells \(1 \+ 1: 0x60000000 size 0x8000000, 0x68000000 size 0x8000000\), but Xen reads it with \/chosen's \(2 \+ 1: 0x6000000008000000 size 0x68000000, the rest ignored\)/);
  assert.equal(odd[0]!.hint, "write it in /chosen's cells: xen,static-mem = <0x0 0x60000000 0x8000000 0x0 0x68000000 0x8000000>");
  assert.equal(m1.domains[0]!.staticMemory, undefined);
  // Under 2 + 2 the same 4 cells are one whole bank, far outside RAM: the model holds what Xen holds.
  const whole: BootConfigWarning[] = [];
  const chosen22 = wrap(domU('memory = <0 0x40000>;\nxen,static-mem = <0x60000000 0x8000000 0x68000000 0x8000000>;')).replace(/chosen \{\n#address-cells = <2>;\n#size-cells = <1>;/, 'chosen {\n#address-cells = <2>;\n#size-cells = <2>;');
  const m2 = readDom0less(dts(chosen22), { warnings: whole });
  assert.deepEqual(whole.map((w) => w.code), ['STATIC_MEM_OWN_CELLS']);
  assert.deepEqual(m2.domains[0]!.staticMemory, [{ address: 0x6000000008000000n, size: 0x6800000008000000n }]);
});

test('a bank list that fits both cells is Xen\'s reading when it adds up to memory', () => {
  // <0x0 0x60000000 0x0 0x10000000>: in 2 + 2 one 256 MiB bank (= memory); in 1 + 1 two banks at 0 that do not add up.
  const tree = wrap(domU('memory = <0 0x40000>;\nxen,static-mem = <0x0 0x60000000 0x0 0x10000000>;')).replace(/chosen \{\n#address-cells = <2>;\n#size-cells = <1>;/, 'chosen {\n#address-cells = <2>;\n#size-cells = <2>;');
  const warnings: BootConfigWarning[] = [];
  const m = readDom0less(dts(tree), { warnings });
  assert.deepEqual(m.domains[0]!.staticMemory, [{ address: 0x60000000n, size: 0x10000000n }]);
  assert.deepEqual(warnings, []);
});

interface BadCase {
  what: string;
  chosen: string;
  code: string;
  path: string;
}

const BAD: BadCase[] = [
  { what: 'one-cell memory (Xen cannot read it: "cannot read memory")', chosen: domU('memory = <131072>;\ncpus = <1>;'), code: 'PROP_NOT_U64', path: '/chosen/domU1:memory' },
  { what: 'capabilities outside DOMAIN_CAPS_MASK (Arm panics)', chosen: domU('memory = <0 1024>;\ncapabilities = <0x8>;'), code: 'CAPS_INVALID', path: '/chosen/domU1:capabilities' },
  { what: 'cpus shorter than a cell', chosen: domU('memory = <0 1024>;\ncpus = [01];'), code: 'PROP_NOT_U32', path: '/chosen/domU1:cpus' },
  { what: 'trap-unmapped-accesses = 2', chosen: domU('memory = <0 1024>;\ntrap-unmapped-accesses = <2>;'), code: 'TRAP_UNMAPPED_VALUE', path: '/chosen/domU1:trap-unmapped-accesses' },
  { what: 'unknown xen,sci_type', chosen: domU('memory = <0 1024>;\nxen,sci_type = "scmi";'), code: 'SCI_TYPE_INVALID', path: '/chosen/domU1:xen,sci_type' },
  { what: 'unknown v8r_el1_msa', chosen: domU('memory = <0 1024>;\nv8r_el1_msa = "pmsa";'), code: 'V8R_MSA_INVALID', path: '/chosen/domU1:v8r_el1_msa' },
  { what: 'static-mem not in (address, size) pairs', chosen: domU('memory = <0 1024>;\nxen,static-mem = <0x60000000>;'), code: 'BANKS_BAD_LENGTH', path: '/chosen/domU1:xen,static-mem' },
  // Found by the fuzzer (test/fuzz/regressions/config-module-reg-no-cells.json): was a TypeError
  { what: 'module reg under a parent that gives it no cells', chosen: 'domU2 {\ncompatible = "xen,domain";\n#address-cells = <0>;\n#size-cells = <0>;\nmemory = <0 1024>;\ncpus = <1>;\nk {\ncompatible = "multiboot,kernel", "multiboot,module";\nreg = <0x42000000>;\n};\n};', code: 'MODULE_REG_CELLS', path: '/chosen/domU2/k:reg' },
  { what: 'module reg shorter than one entry', chosen: 'k {\ncompatible = "multiboot,kernel", "multiboot,module";\nreg = <0x0 0x42000000>;\n};', code: 'MODULE_REG_SHORT', path: '/chosen/k:reg' },
  { what: 'shm id of 16 characters', chosen: 'shm {\ncompatible = "xen,domain-shared-memory-v1";\nxen,shm-id = "0123456789abcdef";\nxen,shared-mem = <0x0 0x1000 0x0 0x2000 0x1000>;\n};', code: 'SHM_ID_INVALID', path: '/chosen/shm:xen,shm-id' },
  { what: 'shm region of the wrong length', chosen: 'shm {\ncompatible = "xen,domain-shared-memory-v1";\nxen,shm-id = "a";\nxen,shared-mem = <0x1000>;\n};', code: 'SHM_REGION_INVALID', path: '/chosen/shm:xen,shared-mem' },
  { what: 'shm role other than owner/borrower', chosen: 'shm {\ncompatible = "xen,domain-shared-memory-v1";\nxen,shm-id = "a";\nxen,shared-mem = <0x0 0x1000 0x1000>;\nrole = "lender";\n};', code: 'SHM_ROLE_INVALID', path: '/chosen/shm:role' },
  { what: 'evtchn pointing to a non-channel node', chosen: 'other: other {\n};\nev {\ncompatible = "xen,evtchn-v1";\nxen,evtchn = <1 &other>;\n};', code: 'EVTCHN_REMOTE', path: '/chosen/ev:xen,evtchn' },
  { what: 'domain-cpupool to a non-pool node', chosen: `notpool: notpool {\n};\n${domU('memory = <0 1024>;\ndomain-cpupool = <&notpool>;')}`, code: 'CPUPOOL_REF', path: '/chosen/domU1:domain-cpupool' },
  { what: 'shm without xen,shared-mem', chosen: 'shm {\ncompatible = "xen,domain-shared-memory-v1";\nxen,shm-id = "a";\n};', code: 'SHM_REGION_MISSING', path: '/chosen/shm' },
  { what: 'cpupool without cpupool-cpus', chosen: 'pool {\ncompatible = "xen,cpupool";\n};', code: 'CPUPOOL_CPUS_EMPTY', path: '/chosen/pool' },
  { what: 'xen,vcpu without id', chosen: domU('memory = <0 1024>;\ncpus = <1>;\nv {\ncompatible = "xen,vcpu";\n};'), code: 'VCPU_ID_MISSING', path: '/chosen/domU1/v' },
];

for (const c of BAD) {
  test(`type rule: ${c.what} → ${c.code} at ${c.path}, with a source position and a hint`, () => {
    const text = wrap(c.chosen);
    const err = (() => {
      try {
        readDom0less(dts(text, 'bad.dts'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof BootConfigError, `expected BootConfigError, got ${String(err)}`);
    assert.equal(err.code, c.code);
    assert.equal(err.path, c.path);
    assert.equal(err.position?.file, 'bad.dts');
    const line = text.split('\n')[err.position!.firstLine - 1]!;
    const prop = c.path.includes(':') ? c.path.split(':').pop()! : c.path.split('/').pop()!;
    assert.ok(line.includes(prop), `position line "${line}" should show ${prop}`);
    assert.ok(err.location?.startsWith('bad.dts:'));
  });
}

test('things Xen accepts with a different meaning are warnings, and odd values stay unknown', () => {
  const warnings: BootConfigWarning[] = [];
  const text = wrap(
    `k {\ncompatible = "multiboot,module";\nreg = <0x0 0x42000000 0x1000>;\n};\nr {\ncompatible = "multiboot,module";\nreg = <0x0 0x43000000 0x1000>;\n};\n${domU('memory = <0 1024>;\ncpus = <1 2>;\nxen,enhanced = "sometimes";\nlegacy {\ncompatible = "xen,linux-zimage", "xen,multiboot-module";\nreg = <0x1000 0x1000>;\n};')}`,
  );
  const m = readDom0less(dts(text), { warnings });
  assert.deepEqual(warnings.map((w) => [w.code, w.path]), [
    ['MODULE_IMPLICIT_KIND', '/chosen/r:compatible'],
    ['PROP_EXTRA_CELLS', '/chosen/domU1:cpus'],
    ['PROP_UNKNOWN_VALUE', '/chosen/domU1:xen,enhanced'],
    ['MODULE_LEGACY_IN_DOMU', '/chosen/domU1/legacy:compatible'],
  ]);
  const u = m.domains[1]!;
  assert.equal(u.vcpus, 1);
  assert.equal(u.enhanced, undefined);
  assert.deepEqual(u.unknownProperties.map((p) => p.name), ['xen,enhanced']);
  assert.deepEqual(m.domains[0]!.modules.map((x) => [x.kind, x.implicitKind]), [['kernel', true], ['ramdisk', true]]);
});

test('a shared-memory node without xen,shm-id (Xen 4.19+ stops its early FDT parse on it) is kept as an unknown node and reported', () => {
  const warnings: BootConfigWarning[] = [];
  const text = wrap('shm {\ncompatible = "xen,domain-shared-memory-v1";\nxen,shared-mem = <0x0 0x1000 0x1000>;\n};');
  const m = readDom0less(dts(text), { warnings });
  assert.deepEqual(warnings.map((w) => [w.code, w.path]), [['SHM_ID_MISSING', '/chosen/shm']]);
  assert.deepEqual(m.hypervisor.unknownNodes.map((u) => u.node.name), ['shm']);
  assert.deepEqual(m.domains, []);
  assert.equal(printDts(writeDom0less(m)), printDts(dts(text)));
});

test('target version: properties newer than Xen 4.17 are kept and flagged with their path', () => {
  const text = wrap(domU('memory = <0 1024>;\ncpus = <1>;\ncapabilities = <4>;\nxen,enhanced = "legacy";\nmax_grant_frames = <8>;\nvpl011;\nv0 {\ncompatible = "xen,vcpu";\nid = <0>;\nhard-affinity = "1";\n};'));
  const warnings: BootConfigWarning[] = [];
  const m = readDom0less(dts(text), { target: { xenVersion: '4.17' }, warnings });
  assert.equal(m.domains[0]!.maxGrantFrames, 8);
  assert.deepEqual(versionFlags(m).map((f) => [f.path, f.property, f.since]), [
    ['/chosen/domU1', 'capabilities', '4.21'],
    ['/chosen/domU1', 'max_grant_frames', '4.18'],
    ['/chosen/domU1', 'xen,enhanced = "legacy"', '4.21'],
    ['/chosen/domU1/v0', 'compatible', '4.21'],
  ]);
  assert.deepEqual(warnings.map((w) => w.code), ['NEWER_THAN_TARGET', 'NEWER_THAN_TARGET', 'NEWER_THAN_TARGET', 'NEWER_THAN_TARGET']);
  assert.deepEqual(versionFlags(m, '4.21'), []);
  assert.deepEqual(versionFlags(m, '4.18').map((f) => f.property), ['capabilities', 'xen,enhanced = "legacy"', 'compatible']);
});

test('a tree without /chosen is a located error', () => {
  assert.throws(() => readDom0less(dts('/dts-v1/;\n/ { };\n')), (e: unknown) => e instanceof BootConfigError && e.code === 'NO_CHOSEN' && e.path === '/');
});
