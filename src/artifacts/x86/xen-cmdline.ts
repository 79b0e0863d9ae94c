/**
 * Xen's command line for an x86 boot: the serial console unless the user
 * chose one, dom0's size and mode (xen-command-line.pandoc: dom0_mem,
 * dom0_max_vcpus, dom0=pvh), `ucode=` for a microcode module, then the
 * user's own Xen arguments last so that they win.
 */
import type { X86Dom0 } from './boot-plan.js';

export const DEFAULT_CONSOLE = 'console=com1 com1=115200,8n1';

/** `512M` when whole MiB, else `N K` (Xen's parse_size_and_unit takes both). */
export function sizeArg(kib: bigint): string {
  return kib % 1024n === 0n ? `${kib / 1024n}M` : `${kib}K`;
}

export interface Dom0Sizes {
  memoryKiB?: bigint;
  minKiB?: bigint;
  maxKiB?: bigint;
}

/** `dom0_mem=512M,max:512M`: a fixed size, as the reference boots did (no ballooning up). */
export function dom0MemArg(s: Dom0Sizes): string | undefined {
  if (s.memoryKiB === undefined) return undefined;
  const parts = [sizeArg(s.memoryKiB)];
  if (s.minKiB !== undefined) parts.push(`min:${sizeArg(s.minKiB)}`);
  parts.push(`max:${sizeArg(s.maxKiB ?? s.memoryKiB)}`);
  return `dom0_mem=${parts.join(',')}`;
}

function hasOption(cmdline: string | undefined, name: string): boolean {
  return (cmdline ?? '').split(/\s+/).some((w) => w === name || w.startsWith(`${name}=`));
}

export function xenCommandLine(dom0: X86Dom0, sizes: Dom0Sizes, opts: { ucodeIndex?: number; userArgs?: string }): string {
  const words: string[] = [];
  if (!hasOption(opts.userArgs, 'console')) words.push(DEFAULT_CONSOLE);
  const mem = dom0MemArg(sizes);
  if (mem && !hasOption(opts.userArgs, 'dom0_mem')) words.push(mem);
  if (dom0.vcpus !== undefined && !hasOption(opts.userArgs, 'dom0_max_vcpus')) words.push(`dom0_max_vcpus=${dom0.vcpus}`);
  if (dom0.mode === 'pvh' && !hasOption(opts.userArgs, 'dom0')) words.push('dom0=pvh');
  if (opts.ucodeIndex !== undefined && !hasOption(opts.userArgs, 'ucode')) words.push(`ucode=${opts.ucodeIndex}`);
  if (opts.userArgs?.trim()) words.push(opts.userArgs.trim());
  return words.join(' ');
}

/** The dom0 mode Xen's own `dom0=` option asks for (`dom0=pvh`, `dom0=pv,verbose`), if any: it beats the configuration's. */
export function dom0ModeFromArgs(userArgs: string | undefined): 'pv' | 'pvh' | undefined {
  const words = (userArgs ?? '').split(/\s+/).filter((w) => w.startsWith('dom0='));
  const last = words.at(-1)?.slice('dom0='.length).split(',');
  if (last?.includes('pvh')) return 'pvh';
  if (last?.includes('pv')) return 'pv';
  return undefined;
}

/** Options the plan would derive but the user's own Xen arguments already set (theirs win): for a note. */
export function userOverrides(userArgs: string | undefined): string[] {
  return ['console', 'dom0_mem', 'dom0_max_vcpus', 'dom0', 'ucode'].filter((o) => hasOption(userArgs, o));
}
