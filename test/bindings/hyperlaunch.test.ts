/**
 * Hyperlaunch: detection as Xen does it, both published forms read into the
 * model (expectations written from reference §2.2 / §2.3), the 2025 form
 * written back, and the located errors of the 2025 series' parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { detectInterface, readBootConfig, readHyperlaunch, writeHyperlaunch, versionFlags } from '../../src/bindings/index.js';
import { printDts } from '../../src/fdt/dts/print.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { getNodeByPath } from '../../src/fdt/tree/livetree.js';
import { BootConfigError, type BootConfigWarning } from '../../src/model/errors.js';
import { skipNotice } from '../support/skip.js';
import { toolMissing } from '../support/tools.js';
import { HYPERLAUNCH_FIXTURES, dts, parsed, semantic, shapes } from './support.js';

function hl(domains: string, chosenExtra = ''): string {
  return `/dts-v1/;\n/ {\nchosen {\n${chosenExtra}\nhypervisor {\ncompatible = "hypervisor,xen";\n${domains}\n};\n};\n};\n`;
}

function errorOf(f: () => unknown): BootConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof BootConfigError) return e;
    throw e;
  }
  assert.fail('expected a BootConfigError');
}

test('detection: /chosen/hypervisor first, then xen,domain children of /chosen, else none', () => {
  assert.deepEqual(detectInterface(parsed('hyperlaunch-x86-dom0.dts')), { interface: 'hyperlaunch', path: '/chosen/hypervisor' });
  assert.deepEqual(detectInterface(parsed('dom0less-full.dts')), { interface: 'dom0less', path: '/chosen' });
  assert.deepEqual(detectInterface(dts('/dts-v1/;\n/ { chosen { k { compatible = "multiboot,kernel", "multiboot,module"; reg = <0 1 2>; }; }; };')), { interface: 'dom0less', path: '/chosen' });
  assert.deepEqual(detectInterface(dts('/dts-v1/;\n/ { chosen { stdout-path = "x"; }; };')), { interface: 'none' });
  assert.deepEqual(detectInterface(dts('/dts-v1/;\n/ { };')), { interface: 'none' });
});

test('a tree mixing both interfaces is refused at the dom0less domain, with its position', () => {
  const text = hl('', 'domU1 {\ncompatible = "xen,domain";\nmemory = <0 1024>;\n};');
  const e = errorOf(() => readBootConfig(dts(text, 'mixed.dts')));
  assert.equal(e.code, 'MIXED_INTERFACES');
  assert.equal(e.path, '/chosen/domU1:compatible');
  assert.equal(e.position?.file, 'mixed.dts');
  assert.equal(text.split('\n')[e.position!.firstLine - 1], 'compatible = "xen,domain";');
  assert.match(e.hint!, /move domU1 into \/chosen\/hypervisor/);
  assert.equal(errorOf(() => readHyperlaunch(dts(text))).code, 'MIXED_INTERFACES');
  assert.equal(errorOf(() => detectInterface(dts(text))).code, 'MIXED_INTERFACES');
});

test('/chosen/hypervisor with another compatible is a located error', () => {
  const e = errorOf(() => detectInterface(dts('/dts-v1/;\n/ { chosen { hypervisor { compatible = "xen,hypervisor"; }; }; };', 'c.dts')));
  assert.equal(e.code, 'HL_BAD_COMPATIBLE');
  assert.equal(e.path, '/chosen/hypervisor:compatible');
  assert.equal(e.position?.firstLine, 2);
});

test('no configuration at all: NO_BOOT_CONFIG; reading with the wrong reader: WRONG_INTERFACE', () => {
  assert.equal(errorOf(() => readBootConfig(dts('/dts-v1/;\n/ { chosen { }; };'))).code, 'NO_BOOT_CONFIG');
  assert.equal(errorOf(() => readHyperlaunch(parsed('dom0less-full.dts'))).code, 'WRONG_INTERFACE');
});

test('design-document form: permissions/functions/mode bitfields, module,* compatibles, mb-index', () => {
  const m = readBootConfig(parsed('hyperlaunch-design.dts'));
  assert.equal(m.interface, 'hyperlaunch');
  assert.equal(m.hyperlaunchForm, 'design');
  assert.deepEqual(m.hypervisor.modules.map((x) => [x.name, x.kind, x.location]), [
    ['microcode', 'microcode', { type: 'multiboot-index', index: 1 }],
    ['policy', 'xsm-policy', { type: 'multiboot-index', index: 2 }],
  ]);
  assert.equal(m.hypervisor.config?.name, 'config');
  const [d] = m.domains;
  assert.equal(m.domains.length, 1);
  assert.equal(d!.isDom0, true);
  assert.equal(d!.domid, 0);
  // permissions 3 = control|hardware; functions 0xC0000006 = legacy dom0 | xenstore | console | crash.
  assert.deepEqual(d!.capabilities, { control: true, hardware: true, xenstore: true });
  assert.deepEqual(d!.functions, { boot: false, crash: true, console: true, legacyDom0: true });
  assert.deepEqual(d!.mode, { guest: 'pv', longMode: true }); // <5> = 64-bit PV
  assert.equal(d!.uuid, 'b3fb98fb8f9f67a38a7e3b4dc69f2c2a');
  assert.equal(d!.vcpus, 1);
  assert.equal(d!.memoryKiB, 0x20000n);
  assert.equal(d!.securityId, 'dom0_t');
  assert.deepEqual(d!.modules.map((x) => [x.kind, x.location, x.bootargs]), [
    ['kernel', { type: 'multiboot-index', index: 3 }, 'console=hvc0'],
    ['ramdisk', { type: 'multiboot-index', index: 4 }, undefined],
  ]);
});

test('2025 series form: domid, mode, capabilities, memory bounds, module-index or reg', () => {
  const m = readHyperlaunch(parsed('hyperlaunch-x86-dom0.dts'));
  assert.equal(m.hyperlaunchForm, 'series-2025');
  const [d] = m.domains;
  assert.equal(d!.isDom0, true);
  assert.deepEqual(d!.mode, { guest: 'pvh' });
  assert.deepEqual(d!.capabilities, { control: true, hardware: true, xenstore: true });
  assert.equal(d!.memoryKiB, 0x100000n);
  assert.equal(d!.memoryMinKiB, 0x80000n);
  assert.equal(d!.memoryMaxKiB, 0x200000n);
  assert.equal(d!.vcpus, 4);
  assert.deepEqual(d!.modules.map((x) => [x.kind, x.location]), [
    ['kernel', { type: 'multiboot-index', index: 1 }],
    ['ramdisk', { type: 'range', address: 0x2000000n, size: 0x800000n }],
  ]);
  assert.equal(d!.modules[0]!.bootargs, 'console=hvc0 root=/dev/sda1');
});

test('disaggregated: control, hardware and xenstore domains, no dom0', () => {
  const m = readHyperlaunch(parsed('hyperlaunch-disaggregated.dts'));
  assert.deepEqual(m.domains.map((d) => [d.name, d.domid, d.isDom0, d.mode?.guest, d.capabilities]), [
    ['control', 1, false, 'pvh', { control: true, hardware: false, xenstore: false }],
    ['hardware', 2, false, 'pv', { control: false, hardware: true, xenstore: false }],
    ['xenstore', 3, false, 'pvh', { control: false, hardware: false, xenstore: true }],
  ]);
});

test('a lone domain without domid is dom0 in the 2025 form (the initial domain id is 0)', () => {
  const m = readHyperlaunch(dts(hl('d {\ncompatible = "xen,domain";\nmemory = <0 1024>;\n};')));
  assert.equal(m.domains[0]!.isDom0, true);
  assert.equal(m.domains[0]!.domid, undefined);
});

test('parsed DTS, dtc-checked DTS and DTB give the same Hyperlaunch model', () => {
  for (const name of HYPERLAUNCH_FIXTURES) {
    const [first, ...rest] = shapes(name).map(([label, t]) => [label, semantic(readHyperlaunch(t))] as const);
    for (const [label, view] of rest) assert.deepEqual(view, first![1], `${name}: ${label}`);
  }
});

test('2025-form trees round-trip byte for byte', () => {
  for (const name of ['hyperlaunch-x86-dom0.dts', 'hyperlaunch-disaggregated.dts']) {
    for (const [label, tree] of shapes(name)) {
      const out = writeHyperlaunch(readHyperlaunch(tree));
      assert.equal(printDts(out), printDts(tree), `${name} (${label})`);
      assert.deepEqual(writeDtb(out), writeDtb(tree));
    }
  }
});

test('the design form is written in the 2025 form (capabilities, module-index, multiboot,* compatibles)', () => {
  const out = writeHyperlaunch(readHyperlaunch(parsed('hyperlaunch-design.dts')));
  const dom0 = getNodeByPath(out.root, '/chosen/hypervisor/dom0')!;
  assert.deepEqual(Array.from(dom0.liveProperties(), (p) => p.name), ['compatible', 'domid', 'functions', 'mode', 'domain-uuid', 'cpus', 'memory', 'security-id', 'capabilities']);
  assert.deepEqual(Array.from(dom0.getProperty('capabilities')!.bytes), [0, 0, 0, 7]);
  assert.deepEqual(Array.from(dom0.getProperty('functions')!.bytes), [0xc0, 0, 0, 6]);
  const kernel = dom0.getChild('kernel')!;
  assert.deepEqual(Array.from(kernel.liveProperties(), (p) => p.name), ['compatible', 'bootargs', 'module-index']);
  assert.equal(new TextDecoder().decode(kernel.getProperty('compatible')!.bytes), 'multiboot,kernel\0multiboot,module\0');
  // and it reads back to the same meaning
  assert.deepEqual(semantic(readHyperlaunch(out)), semantic(readHyperlaunch(parsed('hyperlaunch-design.dts'))));
});

const BAD: [string, string, string, string][] = [
  ['domid at DOMID_FIRST_RESERVED', 'd {\ncompatible = "xen,domain";\ndomid = <0x7ff0>;\n};', 'DOMID_INVALID', '/chosen/hypervisor/d:domid'],
  ['duplicate domid', 'a {\ncompatible = "xen,domain";\ndomid = <1>;\n};\nb {\ncompatible = "xen,domain";\ndomid = <1>;\n};', 'DOMID_DUPLICATE', '/chosen/hypervisor/b:domid'],
  ['mode PV + device model', 'd {\ncompatible = "xen,domain";\nmode = <3>;\n};', 'MODE_INVALID', '/chosen/hypervisor/d:mode'],
  ['one-cell memory', 'd {\ncompatible = "xen,domain";\nmemory = <0x20000>;\n};', 'PROP_NOT_U64', '/chosen/hypervisor/d:memory'],
  ['memory as the prototype\'s string', 'd {\ncompatible = "xen,domain";\nmemory = "2048MiB";\n};', 'PROP_NOT_U64', '/chosen/hypervisor/d:memory'],
  ['one-cell mem-max', 'd {\ncompatible = "xen,domain";\nmem-max = <0x20000>;\n};', 'PROP_NOT_U64', '/chosen/hypervisor/d:mem-max'],
  ['module located twice', 'd {\ncompatible = "xen,domain";\nk {\ncompatible = "multiboot,kernel", "multiboot,module";\nmodule-index = <1>;\nreg = <0 0x1000 0x1000>;\n};\n};', 'MODULE_LOCATION_TWICE', '/chosen/hypervisor/d/k:reg'],
];

for (const [what, body, code, path] of BAD) {
  test(`2025 series rule: ${what} → ${code} at ${path}`, () => {
    const text = hl(body);
    const e = errorOf(() => readHyperlaunch(dts(text, 'hl.dts')));
    assert.equal(e.code, code);
    assert.equal(e.path, path);
    assert.equal(e.position?.file, 'hl.dts');
  });
}

test('a reserved domid is a warning in the design form (its boot domain uses 0x7FF5)', () => {
  const warnings: BootConfigWarning[] = [];
  const m = readHyperlaunch(dts(hl('boot {\ncompatible = "xen,domain";\ndomid = <0x7ff5>;\nfunctions = <1>;\n};')), { warnings });
  assert.equal(m.hyperlaunchForm, 'design');
  assert.equal(m.domains[0]!.domid, 0x7ff5);
  assert.deepEqual(m.domains[0]!.functions, { boot: true, crash: false, console: false, legacyDom0: false });
  assert.deepEqual(warnings.map((w) => [w.code, w.path]), [['DOMID_RESERVED', '/chosen/hypervisor/boot:domid']]);
});

test('unknown capability bits are a warning in Hyperlaunch (masked off), and Hyperlaunch itself is flagged for released Xen', () => {
  const warnings: BootConfigWarning[] = [];
  const m = readHyperlaunch(dts(hl('d {\ncompatible = "xen,domain";\ncapabilities = <0xf>;\nx {\ncompatible = "vendor,thing";\n};\n};\nother {\n};')), { warnings, target: { xenVersion: '4.22' } });
  assert.deepEqual(m.domains[0]!.capabilities, { control: true, hardware: true, xenstore: true });
  assert.deepEqual(warnings.map((w) => w.code), ['CAPS_UNKNOWN_BITS', 'HL_UNKNOWN_NODE', 'NEWER_THAN_TARGET']);
  assert.deepEqual(versionFlags(m).map((f) => [f.path, f.since]), [['/chosen/hypervisor', 'unreleased']]);
  assert.deepEqual(m.domains[0]!.unknownNodes.map((u) => u.node.name), ['x']);
  assert.deepEqual(m.hypervisor.container?.unknownNodes.map((u) => u.node.name), ['other']);
});

test('Hyperlaunch trees we write compile with dtc', (t) => {
  const missing = toolMissing('dtc');
  if (missing) return skipNotice(t, missing);
  for (const name of HYPERLAUNCH_FIXTURES) {
    const out = writeHyperlaunch(readHyperlaunch(parsed(name)));
    const blob = execFileSync('dtc', ['-q', '-I', 'dts', '-O', 'dtb'], { input: printDts(out) });
    assert.deepEqual(new Uint8Array(blob), writeDtb(out), name);
  }
});
