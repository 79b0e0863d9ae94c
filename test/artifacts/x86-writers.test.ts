/**
 * The x86 writers against what booted: the GRUB entry, the xen.cfg and the
 * xl.cfg of ../shared/reference/x86-xen-boot.md (measured on Debian's Xen
 * 4.17 under QEMU) are the oracle, read from the reference file itself; a
 * model describing the same system must give the same lines. The start-up
 * script is held to the reference's "late launch — what it took" steps.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { planX86Boot } from '../../src/artifacts/x86/plan-x86.js';
import { writeGrubCfg } from '../../src/artifacts/x86/grub-cfg.js';
import { writeXenEfiCfg } from '../../src/artifacts/x86/xen-efi-cfg.js';
import { writeXlConfig } from '../../src/artifacts/x86/xl-config.js';
import { XEN_DOM0_MODULES, writeLateLaunchScript } from '../../src/artifacts/x86/late-launch-script.js';
import type { BootModel } from '../../src/model/boot-model.js';
import { newDomain } from '../../src/model/domain.js';
import { newHypervisor } from '../../src/model/hypervisor.js';
import { newModule } from '../../src/model/module.js';
import { needShared } from '../support/shared.js';
import { needTool } from '../support/tools.js';
import { inTempDir } from '../support/temp-dir.js';

const REFERENCE = 'reference/x86-xen-boot.md';

/** The fenced block that follows `heading` in the reference. */
function block(text: string, heading: RegExp): string[] {
  const at = text.search(heading);
  assert.ok(at >= 0, `the reference has a section ${heading}`);
  const m = /```\n([\s\S]*?)```/.exec(text.slice(at));
  assert.ok(m, `a fenced block after ${heading}`);
  return m[1]!.split('\n').filter((l) => l.trim() !== '');
}

/** The system the reference booted: PV dom0, 512 MiB, 1 vCPU, kernel + initrd; and its PVH guest. */
function referenceModel(): BootModel {
  const dom0 = newDomain('dom0', {
    isDom0: true, memoryKiB: 512n * 1024n, vcpus: 1,
    modules: [newModule('kernel', { bootargs: 'console=hvc0 earlyprintk=xen panic=-1' }), newModule('ramdisk')],
  });
  const domu = newDomain('domu1', {
    mode: { guest: 'pvh' }, memoryKiB: 128n * 1024n, vcpus: 1,
    modules: [newModule('kernel', { bootargs: 'console=hvc0 panic=-1' }), newModule('ramdisk')],
  });
  return { interface: 'hyperlaunch', target: { arch: 'x86_64' }, hypervisor: newHypervisor(), domains: [dom0, domu], cpupools: [], hostPassthrough: [] };
}

const GRUB_PATHS = { xen: '/boot/xen.gz', modules: ['/boot/vmlinuz', '/boot/initrd.img'] };
const EFI_PATHS = { xen: 'xen.efi', modules: ['vmlinuz', 'initrd.img'] };

test('grub.cfg: the reference\'s multiboot2 entry that booted, line for line and in order', (t) => {
  const ref = needShared(t, 'x86 reference', REFERENCE);
  if (!ref) return;
  const want = block(readFileSync(ref, 'utf8'), /## GRUB entry that booted/).map((l) => l.trim());
  const got = writeGrubCfg(planX86Boot(referenceModel()), GRUB_PATHS).split('\n').map((l) => l.trim());
  // Our file may add lines (timeout, default), but every line of the entry that booted is there, in its order.
  let from = 0;
  for (const line of want) {
    const i = got.indexOf(line, from);
    assert.ok(i >= 0, `missing or out of order: ${line}\n--- ours:\n${got.join('\n')}`);
    from = i + 1;
  }
});

test('xen.cfg: exactly the reference\'s EFI configuration that booted', (t) => {
  const ref = needShared(t, 'x86 reference', REFERENCE);
  if (!ref) return;
  const want = block(readFileSync(ref, 'utf8'), /## Xen EFI config that booted/);
  assert.deepEqual(writeXenEfiCfg(planX86Boot(referenceModel()), EFI_PATHS).trimEnd().split('\n'), want);
});

function xlPairs(lines: string[]): Map<string, string> {
  return new Map(lines.map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean).map((l) => {
    const [k, ...v] = l.split('=');
    return [k!.trim(), v.join('=').trim()];
  }));
}

test('xl.cfg: the reference\'s guest config, key for key (image paths are where the build puts them)', (t) => {
  const ref = needShared(t, 'x86 reference', REFERENCE);
  if (!ref) return;
  const want = xlPairs(block(readFileSync(ref, 'utf8'), /xl\.cfg that worked/));
  const plan = planX86Boot(referenceModel());
  assert.equal(plan.lateLaunch.length, 1);
  const got = xlPairs(writeXlConfig(plan.lateLaunch[0]!).trimEnd().split('\n'));
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
  for (const [k, v] of want) {
    if (k === 'kernel' || k === 'ramdisk') assert.match(got.get(k)!, /^"\/boot\/domu1\/(vmlinuz|initrd\.img)"$/, k);
    else assert.equal(got.get(k), v, k);
  }
});

test('late-launch script: the modules, mounts and daemons of the reference, in its order', (t) => {
  const ref = needShared(t, 'x86 reference', REFERENCE);
  if (!ref) return;
  const text = readFileSync(ref, 'utf8');
  const late = text.slice(text.search(/late launch"\) — what it took/));
  const modules = /`insmod` ([^;]+?);/.exec(late)![1]!.split(',').map((s) => s.trim());
  assert.deepEqual([...XEN_DOM0_MODULES], modules, 'the modules the reference loads, in its order');
  const script = writeLateLaunchScript(planX86Boot(referenceModel()));
  // Step 5's order (xenstored → xen-init-dom0 → xenconsoled → xl create), after the mounts of steps 3 and 4.
  const order = ['mount -t xenfs xenfs /proc/xen', 'mount -t devpts devpts /dev/pts', 'xenstored --pid-file', 'xen-init-dom0', 'xenconsoled --log=guest --log-dir=/var/log/xen/console', 'start domu1'];
  // The reference wraps its lines: compare with whitespace collapsed.
  const steps = /Order: ([\s\S]+?)\n\d\./.exec(late)![1]!.replace(/\s+/g, ' ');
  for (const daemon of ['xenstored --pid-file', 'xen-init-dom0', 'xenconsoled --log=guest --log-dir=/var/log/xen/console', 'xl create']) assert.ok(steps.includes(daemon), `reference step 5 names ${daemon}`);
  const at = order.map((s) => script.indexOf(s));
  assert.ok(at.every((i) => i >= 0), `every step is in the script: ${order.filter((_, i) => at[i]! < 0).join(', ')}`);
  assert.deepEqual([...at].sort((a, b) => a - b), at, 'in the reference\'s order');
  for (const dir of ['/var/lib/xen', '/var/lib/xenstored', '/var/run/xen', '/var/log/xen/console']) {
    assert.ok(late.includes(dir), `reference names ${dir}`);
    assert.ok(script.indexOf(dir) < script.indexOf('xenstored --pid-file'), `${dir} is created before xenstored`);
  }
  assert.match(script, /\/usr\/lib\/xen-4\.17\/bin/, 'the real binaries, not Debian\'s /usr/sbin/xl wrapper');
});

test('late-launch script: POSIX sh accepts it (sh -n)', (t) => {
  if (!needTool(t, 'sh', ['-c', 'true'])) return;
  inTempDir('x86-late-', (dir) => {
    const file = join(dir, 'late.sh');
    writeFileSync(file, writeLateLaunchScript(planX86Boot(referenceModel())));
    const r = spawnSync('sh', ['-n', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
});

test('grub.cfg: GRUB\'s own parser accepts it (grub-script-check), quoting included', (t) => {
  if (!needTool(t, 'grub-script-check', ['--version'])) return;
  const m = referenceModel();
  m.domains[0]!.modules[0]!.bootargs = 'console=hvc0 root="/dev/xvda 1" it\'s $x;y';
  inTempDir('x86-grub-', (dir) => {
    const file = join(dir, 'grub.cfg');
    writeFileSync(file, writeGrubCfg(planX86Boot(m), GRUB_PATHS));
    const r = spawnSync('grub-script-check', [file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });
});

test('the writers are deterministic: same plan, same bytes', () => {
  const a = planX86Boot(referenceModel());
  const b = planX86Boot(referenceModel());
  assert.equal(writeGrubCfg(a, GRUB_PATHS), writeGrubCfg(b, GRUB_PATHS));
  assert.equal(writeXenEfiCfg(a, EFI_PATHS), writeXenEfiCfg(b, EFI_PATHS));
  assert.equal(writeLateLaunchScript(a), writeLateLaunchScript(b));
});
