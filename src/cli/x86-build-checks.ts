/**
 * The x86 rules over what `build --arch x86_64` is about to write: the
 * plan's dom0 kernel probed from the very file being copied (and its ramdisk's size), PVH needs,
 * the machine's size when `--x86-host` says it. Module order is left out
 * (the build writes 4.17's order itself), and so is `x86-boot-domus`
 * (the plan starts those domains by late launch, or lists them as losses).
 */
import type { X86BootPlan } from '../artifacts/x86/boot-plan.js';
import { checkModel } from '../check/engine.js';
import type { Finding } from '../check/finding.js';
import { RULES } from '../check/rules/index.js';
import { parseXenBuild } from '../check/target.js';
import type { X86Host } from '../check/x86-target.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { BootModel } from '../model/boot-model.js';

const BUILD_RULES = RULES.filter((r) => r.group === 'x86' && r.id !== 'x86-module-order' && r.id !== 'x86-boot-domus');

/** Debian's build facts for 4.17 (what the QEMU boots run); a bare release otherwise. */
function targetBuild(version: string) {
  return version === '4.17' ? parseXenBuild('debian-4.17') : parseXenBuild(version);
}

export function x86BuildFindings(model: BootModel, tree: DeviceTree, plan: X86BootPlan, images: ReadonlyMap<string, string>, file: string, host?: X86Host): Finding[] {
  const kernel = images.get(`${plan.dom0.name}/kernel`);
  const ramdisk = images.get(`${plan.dom0.name}/ramdisk`);
  return checkModel(model, {
    tree, file, arch: 'x86_64', build: targetBuild(plan.xenVersion), rules: BUILD_RULES,
    x86: { host, lateLaunch: true, kernels: kernel === undefined ? undefined : new Map([[plan.dom0.name, kernel]]),
      ramdisks: ramdisk === undefined ? undefined : new Map([[plan.dom0.name, ramdisk]]) },
  });
}
