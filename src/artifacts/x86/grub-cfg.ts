/**
 * A GRUB configuration booting Xen with multiboot2: one menu entry, Xen and
 * its command line, then one `module2` per module in the plan's order. The
 * same file serves BIOS and EFI GRUB (multiboot2 works under both), and the
 * serial terminal lets a headless machine or QEMU's -nographic see it.
 */
import type { X86BootPaths, X86BootPlan } from './boot-plan.js';

/** A word GRUB's parser gives back unchanged: plain characters bare, anything else single-quoted. */
export function grubWord(w: string): string {
  if (/^[A-Za-z0-9_.,:=+/@%-]+$/.test(w)) return w;
  return `'${w.replace(/'/g, `'\\''`)}'`;
}

function grubLine(words: string[], cmdline: string | undefined): string {
  const args = (cmdline ?? '').split(/\s+/).filter(Boolean);
  return [...words, ...args].map(grubWord).join(' ');
}

export interface GrubCfgOptions {
  /** Menu entry title (default `Xen + <dom0>`). */
  title?: string;
  /** Seconds before the entry boots (default 0: a test or headless boot never waits). */
  timeout?: number;
}

export function writeGrubCfg(plan: X86BootPlan, paths: X86BootPaths, opts: GrubCfgOptions = {}): string {
  if (paths.modules.length !== plan.modules.length) throw new RangeError(`${plan.modules.length} modules but ${paths.modules.length} paths`);
  const title = opts.title ?? `Xen + ${plan.dom0.name}`;
  const lines = [
    `set timeout=${opts.timeout ?? 0}`,
    'set default=0',
    'serial --unit=0 --speed=115200',
    'terminal_input serial',
    'terminal_output serial',
    'insmod multiboot2',
    'insmod gzio',
    `menuentry ${grubWord(title)} {`,
    `    ${grubLine(['multiboot2', paths.xen], plan.xenCmdline)}`,
    ...plan.modules.map((m, i) => `    ${grubLine(['module2', paths.modules[i]!], m.cmdline)}`),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
