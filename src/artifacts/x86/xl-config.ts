/**
 * One xl.cfg (docs/man/xl.cfg.5.pod) per late-launched domain: what dom0
 * passes to `xl create`. Strings are double-quoted with xl's backslash
 * escapes; numbers are bare.
 */
import type { LateDomain } from './boot-plan.js';

export const DEFAULT_EXTRA = 'console=hvc0';

export function xlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function uuidText(hex: string): string {
  const h = hex.toLowerCase();
  return h.length === 32 ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` : h;
}

export function writeXlConfig(d: LateDomain): string {
  const lines: string[] = [`name = ${xlString(d.name)}`, `type = ${xlString(d.type)}`];
  if (d.uuid !== undefined) lines.push(`uuid = ${xlString(uuidText(d.uuid))}`);
  lines.push(`kernel = ${xlString(d.kernelPath)}`);
  if (d.ramdiskPath !== undefined) lines.push(`ramdisk = ${xlString(d.ramdiskPath)}`);
  lines.push(`extra = ${xlString(d.extra ?? DEFAULT_EXTRA)}`);
  lines.push(`memory = ${d.memoryMiB}`);
  if (d.maxMemoryMiB !== undefined && d.maxMemoryMiB !== d.memoryMiB) lines.push(`maxmem = ${d.maxMemoryMiB}`);
  lines.push(`vcpus = ${d.vcpus}`);
  if (d.cpuAffinity) lines.push(`cpus = [${d.cpuAffinity.map(xlString).join(', ')}]`);
  if (d.maxGrantFrames !== undefined) lines.push(`max_grant_frames = ${d.maxGrantFrames}`);
  if (d.maxMaptrackFrames !== undefined) lines.push(`max_maptrack_frames = ${d.maxMaptrackFrames}`);
  if (d.maxGrantVersion !== undefined) lines.push(`max_grant_version = ${d.maxGrantVersion}`);
  // A boot configuration's domains are not restarted by anyone: as Xen does for boot-time domUs.
  lines.push('on_poweroff = "destroy"', 'on_reboot = "destroy"', 'on_crash = "destroy"');
  return `${lines.join('\n')}\n`;
}
