/**
 * planX86Boot on the bundled examples and on small models: which domain
 * becomes dom0, Xen's command line (xen-command-line.pandoc's dom0_mem,
 * dom0_max_vcpus, dom0=pvh, ucode), the module order Xen 4.17 reads
 * (setup.c: "Dom0 kernel is always first", the initrd the first module
 * nobody claimed), the late-launch order, and each loss by DT path.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { planX86Boot } from '../../src/artifacts/x86/plan-x86.js';
import { readBootConfig } from '../../src/bindings/index.js';
import { runDtc } from '../../src/fdt/dtc.js';
import type { BootModel } from '../../src/model/boot-model.js';
import { newDomain } from '../../src/model/domain.js';
import { BootConfigError } from '../../src/model/errors.js';
import { newHypervisor } from '../../src/model/hypervisor.js';
import { newModule } from '../../src/model/module.js';
import { repoRoot } from '../support/paths.js';

function example(name: string): BootModel {
  const file = join(repoRoot, 'examples', name);
  const r = runDtc(readFileSync(file), { file, includeDirs: [join(repoRoot, 'examples')] });
  assert.equal(r.exitCode, 0);
  return readBootConfig(r.tree!, { file });
}

test('x86-dom0-two-guests: PV dom0 on the command line, both guests by late launch, nothing lost', () => {
  const plan = planX86Boot(example('x86-dom0-two-guests.dts'));
  assert.equal(plan.xenCmdline, 'console=com1 com1=115200,8n1 dom0_mem=512M,max:512M dom0_max_vcpus=1');
  assert.deepEqual(plan.dom0, { name: 'dom0', mode: 'pv', cmdline: 'console=hvc0 earlyprintk=xen panic=-1', memoryMiB: 512, memoryMaxMiB: undefined, vcpus: 1 });
  assert.deepEqual(plan.modules.map((m) => `${m.domain}/${m.kind}@${m.source.type === 'multiboot-index' ? m.source.index : '?'}`), ['dom0/kernel@1', 'dom0/ramdisk@2']);
  assert.deepEqual(plan.lateLaunch.map((d) => [d.name, d.type, d.memoryMiB, d.vcpus, d.extra, d.kernelPath, d.ramdiskPath]), [
    ['guest-pv', 'pv', 128, 1, 'console=hvc0 panic=-1', '/boot/guest-pv/vmlinuz', '/boot/guest-pv/initrd.img'],
    ['guest-pvh', 'pvh', 128, 1, 'console=hvc0 panic=-1', '/boot/guest-pvh/vmlinuz', '/boot/guest-pvh/initrd.img'],
  ]);
  assert.deepEqual(plan.losses, []);
});

test('hyperlaunch-x86-dom0: modules rewritten to kernel, ramdisk, microcode (ucode=2); XSM policy, label and uuid are losses', () => {
  const model = example('hyperlaunch-x86-dom0.dts');
  assert.throws(() => planX86Boot(model), (e: unknown) => e instanceof BootConfigError && e.code === 'LOSSY_CONVERSION');
  const plan = planX86Boot(model, { allowLoss: true });
  // The design document orders them microcode (1), policy (2), kernel (3), initrd (4).
  assert.deepEqual(plan.modules.map((m) => `${m.domain ?? 'xen'}/${m.kind}@${m.source.type === 'multiboot-index' ? m.source.index : '?'}`), ['dom0/kernel@3', 'dom0/ramdisk@4', 'xen/microcode@1']);
  assert.match(plan.xenCmdline, / ucode=2$/);
  assert.match(plan.xenCmdline, /dom0_mem=128M,max:128M dom0_max_vcpus=1/);
  assert.deepEqual(plan.losses.map((l) => l.path), [
    '/chosen/hypervisor/config/policy',
    '/chosen/hypervisor/dom0:security-id',
    '/chosen/hypervisor/dom0:domain-uuid',
  ]);
  assert.ok(plan.losses.every((l) => l.to === 'xen-x86' && l.position !== undefined), 'each loss has its source position');
});

test('hyperlaunch-disaggregated: the hardware domain is dom0; xenstore is started before control; the split roles are losses', () => {
  const plan = planX86Boot(example('hyperlaunch-disaggregated.dts'), { allowLoss: true });
  assert.equal(plan.dom0.name, 'hardware');
  assert.equal(plan.dom0.cmdline, 'console=hvc0');
  assert.deepEqual(plan.lateLaunch.map((d) => [d.name, d.after]), [['xenstore', []], ['control', ['xenstore']]]);
  assert.deepEqual(plan.losses.map((l) => l.path), [
    '/chosen/hypervisor/hardware:capabilities',
    '/chosen/hypervisor/xenstore:capabilities',
    '/chosen/hypervisor/control:capabilities',
  ]);
});

test('--no-late-launch: every other domain is a loss', () => {
  const plan = planX86Boot(example('x86-dom0-two-guests.dts'), { lateLaunch: false, allowLoss: true });
  assert.deepEqual(plan.lateLaunch, []);
  assert.deepEqual(plan.losses.map((l) => l.item), ['guest-pv', 'guest-pvh']);
});

function model(domains: BootModel['domains'], fields: Partial<BootModel> = {}): BootModel {
  return { interface: 'dom0less', target: { arch: 'x86_64' }, hypervisor: newHypervisor(), domains, cpupools: [], hostPassthrough: [], ...fields };
}

test('PVH dom0: dom0=pvh; the user\'s own Xen arguments come last and are not repeated', () => {
  const d0 = newDomain('dom0', { isDom0: true, mode: { guest: 'pvh' }, memoryKiB: 1536n * 1024n, memoryMaxKiB: 2048n * 1024n, vcpus: 2, modules: [newModule('kernel')] });
  const plan = planX86Boot(model([d0], { hypervisor: newHypervisor({ xenBootargs: 'console=vga loglvl=all' }) }));
  assert.equal(plan.xenCmdline, 'dom0_mem=1536M,max:2048M dom0_max_vcpus=2 dom0=pvh console=vga loglvl=all');
  assert.equal(plan.dom0.cmdline, 'console=hvc0', 'a dom0 without a command line gets the hvc0 console');
});

test('a size that is not whole MiB is written in KiB', () => {
  const d0 = newDomain('dom0', { isDom0: true, memoryKiB: 1000n, modules: [newModule('kernel')] });
  assert.match(planX86Boot(model([d0])).xenCmdline, /dom0_mem=1000K,max:1000K/);
});

test('dom0 without a size but with late domains gets 512 MiB, said in a note', () => {
  const d0 = newDomain('dom0', { isDom0: true, modules: [newModule('kernel')] });
  const u = newDomain('domU1', { modules: [newModule('kernel')] });
  const plan = planX86Boot(model([d0, u]));
  assert.match(plan.xenCmdline, /dom0_mem=512M,max:512M/);
  assert.ok(plan.notes.some((n) => /512 MiB/.test(n)));
  assert.equal(plan.lateLaunch[0]!.memoryMiB, 128);
});

test('a late domain with more vCPUs than Xen on x86 allows its type: VCPUS_TOO_MANY, not an xl list that long', () => {
  const d0 = newDomain('dom0', { isDom0: true, modules: [newModule('kernel')] });
  const tooMany = (e: unknown): boolean => e instanceof BootConfigError && e.code === 'VCPUS_TOO_MANY' && /at most 128/.test(e.message);
  const pvh = newDomain('domU1', { mode: { guest: 'pvh' }, vcpus: 129, modules: [newModule('kernel')] });
  assert.throws(() => planX86Boot(model([d0, pvh])), tooMany);
  // a fuzzed cpus of 0x7fffffff once made the planner build a 2^31-entry affinity list
  const huge = newDomain('domU1', { mode: { guest: 'pvh' }, vcpus: 0x7fffffff, vcpuPins: [{ name: 'vcpu0', id: 0, hardAffinity: '1', unknownProperties: [], unknownNodes: [] }], modules: [newModule('kernel')] });
  assert.throws(() => planX86Boot(model([d0, huge])), (e: unknown) => e instanceof BootConfigError && e.code === 'VCPUS_TOO_MANY');
  const pv = newDomain('domU1', { vcpus: 129, modules: [newModule('kernel')] });
  assert.equal(planX86Boot(model([d0, pv])).lateLaunch[0]!.vcpus, 129, 'a PV guest may have up to 8192');
});

test('a model without any kernel has no dom0: NO_DOM0_KERNEL', () => {
  assert.throws(() => planX86Boot(model([newDomain('domU1')])), (e: unknown) => e instanceof BootConfigError && e.code === 'NO_DOM0_KERNEL');
});

test('Arm dom0less settings are losses on x86 (qemu-dom0less.dts: vpl011 on each domU)', () => {
  const plan = planX86Boot(example('qemu-dom0less.dts'), { allowLoss: true });
  assert.equal(plan.dom0.name, 'dom0');
  assert.ok(plan.losses.length > 0);
  assert.ok(plan.losses.some((l) => l.item === 'vpl011'));
});

test('shared-memory owners are started before their borrowers', () => {
  const shm = (role: 'owner' | 'borrower') => ({ name: 'shm', id: 'x', guestAddress: 0n, size: 0x1000n, role, unknownProperties: [], unknownNodes: [] });
  const d0 = newDomain('dom0', { isDom0: true, modules: [newModule('kernel')] });
  const b = newDomain('borrower', { sharedMemory: [shm('borrower')], modules: [newModule('kernel')] });
  const o = newDomain('owner', { sharedMemory: [shm('owner')], modules: [newModule('kernel')] });
  const plan = planX86Boot(model([d0, b, o]), { allowLoss: true });
  assert.deepEqual(plan.lateLaunch.map((d) => d.name), ['owner', 'borrower']);
});

test('--native: the DTB first, with the warning that no release reads it; ucode counts it', () => {
  const plan = planX86Boot(example('hyperlaunch-x86-dom0.dts'), { allowLoss: true, native: true });
  assert.equal(plan.modules[0]!.kind, 'hyperlaunch-dtb');
  assert.match(plan.native!.warning, /no Xen release reads a Hyperlaunch devicetree on x86/);
  assert.match(plan.xenCmdline, / ucode=3$/);
});

test('dom0\'s other modules follow its kernel and ramdisk; a late domain\'s are losses (xl takes one kernel and one ramdisk)', () => {
  const d0 = newDomain('dom0', { isDom0: true, modules: [newModule('kernel'), newModule('ramdisk'), newModule('unspecified', { name: 'blob' })] });
  const u = newDomain('domU1', { modules: [newModule('kernel'), newModule('ramdisk'), newModule('microcode', { name: 'ucode' })] });
  const plan = planX86Boot(model([d0, u]), { allowLoss: true });
  assert.deepEqual(plan.modules.map((m) => `${m.domain}/${m.kind}`), ['dom0/kernel', 'dom0/ramdisk', 'dom0/other']);
  assert.deepEqual(plan.losses.map((l) => [l.path, l.item]), [['/chosen/domU1/ucode', 'ucode']]);
});

test('vCPU pins become xl\'s positional cpus list: element i is vCPU i, unpinned ones "all"', () => {
  const d0 = newDomain('dom0', { isDom0: true, modules: [newModule('kernel')] });
  const pin = (id: number, hardAffinity: string) => ({ name: `vcpu${id}`, id, hardAffinity, unknownProperties: [], unknownNodes: [] });
  const u = newDomain('domU1', { vcpus: 3, vcpuPins: [pin(2, '1'), pin(0, '0-1')], modules: [newModule('kernel')] });
  const plan = planX86Boot(model([d0, u]), { allowLoss: true });
  assert.deepEqual(plan.lateLaunch[0]!.cpuAffinity, ['0-1', 'all', '1']);
});

test('late order: xenstore domains, then backends (hardware), then the rest; an event channel\'s later peer after the earlier', () => {
  const k = () => [newModule('kernel')];
  const none = { control: false, hardware: false, xenstore: false };
  const d0 = newDomain('dom0', { isDom0: true, modules: k() });
  const guest = newDomain('guest', { capabilities: none, modules: k(), eventChannels: [{ name: 'ch', localPort: 1, remote: { domain: 'peer', channel: 'ch' }, unknownProperties: [], unknownNodes: [] }] });
  const drv = newDomain('drv', { capabilities: { ...none, hardware: true }, modules: k() });
  const xs = newDomain('xs', { capabilities: { ...none, xenstore: true }, modules: k() });
  const peer = newDomain('peer', { capabilities: none, modules: k(), eventChannels: [{ name: 'ch', localPort: 1, remote: { domain: 'guest', channel: 'ch' }, unknownProperties: [], unknownNodes: [] }] });
  const plan = planX86Boot(model([d0, guest, drv, xs, peer]), { allowLoss: true });
  assert.deepEqual(plan.lateLaunch.map((d) => [d.name, d.after]), [['xs', []], ['drv', ['xs']], ['guest', ['xs', 'drv']], ['peer', ['xs', 'drv', 'guest']]]);
});

test('dom0=pvh on the configuration\'s own Xen line makes dom0 PVH (Xen reads that, not the mode), said in a note', () => {
  const d0 = newDomain('dom0', { isDom0: true, memoryKiB: 512n * 1024n, modules: [newModule('kernel')] });
  const plan = planX86Boot(model([d0], { hypervisor: newHypervisor({ xenBootargs: 'dom0=pvh,verbose dom0_mem=1G' }) }));
  assert.equal(plan.dom0.mode, 'pvh');
  assert.equal(plan.xenCmdline, 'console=com1 com1=115200,8n1 dom0=pvh,verbose dom0_mem=1G');
  assert.ok(plan.notes.some((n) => /dom0=pvh, which beats dom0's mode/.test(n)));
  assert.ok(plan.notes.some((n) => /sets dom0_mem, dom0: it is used as written/.test(n)));
});
