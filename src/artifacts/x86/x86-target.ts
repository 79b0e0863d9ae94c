/**
 * Whether a configuration is meant for x86 without `--arch`: the target says
 * so, the Hyperlaunch container names x86, or its modules are multiboot
 * indexes (GRUB loads them; Arm boots place modules by address).
 */
import type { BootModel } from '../../model/boot-model.js';

export function impliesX86(model: BootModel): boolean {
  if (model.target.arch) return model.target.arch === 'x86_64';
  if (model.interface !== 'hyperlaunch') return false;
  if (model.hypervisor.container?.compatible?.some((c) => /x86/.test(c))) return true;
  const modules = [...model.hypervisor.modules, ...model.domains.flatMap((d) => d.modules)];
  return modules.length > 0 && modules.every((m) => m.location?.type === 'multiboot-index');
}
