import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type BootModel, commandLines, effectiveCapabilities, isTrueDom0less } from '../../src/model/boot-model.js';
import { newDomain } from '../../src/model/domain.js';
import { newHypervisor } from '../../src/model/hypervisor.js';
import { newModule } from '../../src/model/module.js';
import { capabilitiesFromBits, capabilityBits, functionBits, functionsFromBits, modeBits } from '../../src/model/roles.js';
import { compareXenVersions, isSupportedBy, parseXenVersion } from '../../src/model/version.js';
import { totalSize } from '../../src/model/memory.js';

function model(h: Partial<ReturnType<typeof newHypervisor>>, dom0KernelArgs?: string): BootModel {
  const dom0 = newDomain('dom0', { isDom0: true, modules: [newModule('kernel', dom0KernelArgs === undefined ? {} : { bootargs: dom0KernelArgs })] });
  return { interface: 'dom0less', target: {}, hypervisor: newHypervisor(h), domains: [dom0], cpupools: [], hostPassthrough: [] };
}

test('Xen versions compare numerically (4.9 < 4.17 < 4.21)', () => {
  assert.deepEqual(parseXenVersion('4.17'), [4, 17]);
  assert.ok(compareXenVersions('4.9', '4.17') < 0);
  assert.ok(compareXenVersions('4.21', '4.17') > 0);
  assert.equal(compareXenVersions('4.17', '4.17'), 0);
  assert.ok(isSupportedBy('4.12', '4.17'));
  assert.ok(!isSupportedBy('4.18', '4.17'));
  assert.throws(() => parseXenVersion('4.17.7'), RangeError);
});

// booting.txt "Command lines", one case per rule.
test('command lines: xen,xen-bootargs and xen,dom0-bootargs are used as given', () => {
  assert.deepEqual(commandLines(model({ xenBootargs: 'X', dom0Bootargs: 'D', bootargs: 'B' })), { xen: 'X', xenFrom: 'xen,xen-bootargs', dom0: 'D', dom0From: 'xen,dom0-bootargs' });
});

test('command lines: no xen,xen-bootargs but xen,dom0-bootargs: /chosen/bootargs is for Xen', () => {
  const c = commandLines(model({ dom0Bootargs: 'D', bootargs: 'B' }));
  assert.equal(c.xen, 'B');
  assert.equal(c.dom0, 'D');
});

test('command lines: dom0 kernel module bootargs: /chosen/bootargs is for Xen', () => {
  const c = commandLines(model({ bootargs: 'B' }, 'K'));
  assert.equal(c.xen, 'B');
  assert.equal(c.dom0, 'K');
  assert.equal(c.dom0From, 'bootargs (dom0 kernel module)');
});

test('command lines: no Xen-specific properties: /chosen/bootargs is for dom0', () => {
  const c = commandLines(model({ bootargs: 'B' }));
  assert.equal(c.xen, undefined);
  assert.equal(c.dom0, 'B');
});

test('command lines: xen,xen-bootargs without xen,dom0-bootargs: /chosen/bootargs goes to dom0', () => {
  const c = commandLines(model({ xenBootargs: 'X', bootargs: 'B' }));
  assert.equal(c.xen, 'X');
  assert.equal(c.dom0, 'B');
});

test('command lines: the dom0 kernel module beats xen,dom0-bootargs', () => {
  assert.equal(commandLines(model({ dom0Bootargs: 'D' }, 'K')).dom0, 'K');
});

test('capabilities: dom0 has all three by default, other domains none', () => {
  assert.deepEqual(effectiveCapabilities(newDomain('dom0', { isDom0: true })), { control: true, hardware: true, xenstore: true });
  assert.deepEqual(effectiveCapabilities(newDomain('u')), { control: false, hardware: false, xenstore: false });
  assert.deepEqual(effectiveCapabilities(newDomain('xs', { capabilities: capabilitiesFromBits(4) })), { control: false, hardware: false, xenstore: true });
});

test('bitfields: DOMAIN_CAPS_*, design functions (classic dom0 0xC0000006 minus XENSTORE), mode', () => {
  assert.equal(capabilityBits(capabilitiesFromBits(7)), 7);
  assert.deepEqual(capabilitiesFromBits(2), { control: false, hardware: true, xenstore: false });
  const f = functionsFromBits(0xc0000006);
  assert.deepEqual(f, { boot: false, crash: true, console: true, legacyDom0: true });
  assert.equal(functionBits(f), 0x80000006);
  assert.equal(modeBits({ guest: 'pv', longMode: true }), 5);
  assert.equal(modeBits({ guest: 'hvm' }), 2);
  assert.equal(modeBits({ guest: 'pvh' }), 0);
});

test('true dom0less: domains but no dom0; sizes add up as bigint', () => {
  const m = model({});
  assert.equal(isTrueDom0less(m), false);
  m.domains.push(newDomain('domU1'));
  assert.equal(isTrueDom0less(m), false);
  m.domains[0]!.modules = []; // dom0 resources without a dom0 kernel: Xen builds no dom0
  assert.equal(isTrueDom0less(m), true);
  m.domains = [newDomain('domU1')];
  assert.equal(isTrueDom0less(m), true);
  assert.equal(totalSize([{ address: 0n, size: 0x1_0000_0000n }, { address: 0n, size: 0x1000n }]), 0x1_0000_1000n);
});
