/**
 * Xen's EFI configuration file (docs/misc/efi.pandoc): read by xen.efi from
 * beside itself. `options` is Xen's command line, `kernel` dom0's kernel
 * followed by its command line, `ramdisk` its initrd, `ucode` a microcode
 * blob; file names are relative to the directory of xen.efi. Modules with
 * no key (Xen ignores them at boot anyway) are listed as comments.
 */
import type { X86BootPaths, X86BootPlan } from './boot-plan.js';

/** The options line without `ucode=N`: under EFI the blob is the `ucode=` file instead. */
function efiOptions(cmdline: string): string {
  return cmdline.split(/\s+/).filter((w) => w && !/^ucode=-?\d+$/.test(w)).join(' ');
}

export function writeXenEfiCfg(plan: X86BootPlan, paths: X86BootPaths, section = 'xen'): string {
  if (paths.modules.length !== plan.modules.length) throw new RangeError(`${plan.modules.length} modules but ${paths.modules.length} paths`);
  const lines = ['[global]', `default=${section}`, `[${section}]`, `options=${efiOptions(plan.xenCmdline)}`];
  const ignored: string[] = [];
  plan.modules.forEach((m, i) => {
    const file = paths.modules[i]!;
    if (m.kind === 'kernel' && m.domain === plan.dom0.name) lines.push(`kernel=${[file, m.cmdline].filter(Boolean).join(' ')}`);
    else if (m.kind === 'ramdisk' && m.domain === plan.dom0.name) lines.push(`ramdisk=${file}`);
    else if (m.kind === 'microcode') lines.push(`ucode=${file}`);
    else ignored.push(file);
  });
  for (const f of ignored) lines.push(`# not loaded under EFI (no xen.cfg key; Xen 4.17 ignores it at boot): ${f}`);
  return `${lines.join('\n')}\n`;
}
