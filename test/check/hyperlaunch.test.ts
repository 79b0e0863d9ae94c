/** Rules only Hyperlaunch trees can trigger (domid, mode), and reader notes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSource } from '../../src/check/engine.js';

function hl(domains: string): string {
  return `/dts-v1/;\n/ { chosen { hypervisor { compatible = "hypervisor,xen";\n${domains}\n}; }; };\n`;
}

function dom(name: string, props: string): string {
  return `${name} { compatible = "xen,domain"; ${props} memory = <0x0 0x40000>; cpus = <1>;
  kernel { compatible = "multiboot,kernel", "multiboot,module"; module-index = <1>; }; };`;
}

function rules(src: string): string[] {
  return checkSource(new TextEncoder().encode(src), { file: 'hl.dts' }).findings.map((f) => f.ruleId);
}

test('domid-unique: two Hyperlaunch domains with one domid; distinct ids pass', () => {
  assert.deepEqual(rules(hl(dom('a', 'domid = <1>;') + dom('b', 'domid = <1>;'))), ['domid-unique']);
  assert.deepEqual(rules(hl(dom('a', 'domid = <1>;') + dom('b', 'domid = <2>;'))), []);
});

test('domid-range: a domid of DOMID_FIRST_RESERVED; one below passes', () => {
  assert.deepEqual(rules(hl(dom('a', 'domid = <0x7ff0>;'))), ['domid-range']);
  assert.deepEqual(rules(hl(dom('a', 'domid = <0x7fef>;'))), []);
});

test('mode-invalid: PV and HVM bits together; PV alone passes', () => {
  assert.deepEqual(rules(hl(dom('a', 'domid = <1>; mode = <3>;'))), ['mode-invalid']);
  assert.deepEqual(rules(hl(dom('a', 'domid = <1>; mode = <1>;'))), []);
});

test('newer-than-target: a Hyperlaunch tree for a released Xen is flagged once as unreleased', async () => {
  const { parseXenBuild } = await import('../../src/check/target.js');
  // Modules by multiboot index make it an x86 tree; an Arm one is checked here.
  const f = checkSource(new TextEncoder().encode(hl(dom('a', 'domid = <1>;'))), { file: 'hl.dts', build: parseXenBuild('4.21'), arch: 'arm64' }).findings;
  assert.deepEqual(f.map((x) => x.ruleId), ['newer-than-target']);
  assert.match(f[0]!.message, /no Xen release reads Hyperlaunch/);
  // On x86 the tree is what `build --arch x86_64` translates into GRUB + xl; the x86 rules judge that instead.
  const x86 = checkSource(new TextEncoder().encode(hl(dom('a', 'domid = <1>;'))), { file: 'hl.dts', build: parseXenBuild('4.21') }).findings;
  assert.deepEqual(x86.map((x) => x.ruleId), []);
});

test('config-note: a reader warning without a rule of its own (extra reg cells)', () => {
  const src = `/dts-v1/;\n/ { chosen { #address-cells = <1>; #size-cells = <1>;
    k { compatible = "multiboot,kernel", "multiboot,module"; reg = <0x50000000 0x1000 0x0>; }; }; };\n`;
  const f = checkSource(new TextEncoder().encode(src), { file: 'x.dts' }).findings;
  assert.ok(f.some((x) => x.ruleId === 'config-note' && x.severity === 'warning'), JSON.stringify(f));
});
