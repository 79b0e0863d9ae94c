/**
 * What dom0's /init prints for a late-launched domain (x86-dom0-initramfs.ts)
 * and serial-log.ts reads: that `xl create` made it (with its domid) or
 * failed, and each line of its console, copied from xenconsoled's log.
 */
export const LATE_CREATED_PREFIX = 'HYPERLAUNCH-LATE';
export const LATE_CONSOLE_PREFIX = 'HYPERLAUNCH-CONSOLE';

export type LateEvent =
  | { kind: 'created'; token: string; domid: number }
  | { kind: 'failed'; token: string }
  | { kind: 'console'; domid: number; text: string };

const CREATED = new RegExp(`${LATE_CREATED_PREFIX} (\\S+) (?:created domid=(\\d+)|(failed))`);
const CONSOLE = new RegExp(`^${LATE_CONSOLE_PREFIX} (\\d+) ?(.*)$`);

/** A dom0 console line read as a late-launch event, or undefined for dom0's own text. */
export function lateEvent(dom0Text: string): LateEvent | undefined {
  const c = CONSOLE.exec(dom0Text.replace(/^\s+/, ''));
  if (c) return { kind: 'console', domid: Number(c[1]), text: c[2]!.replace(/\r+$/, '') };
  const m = CREATED.exec(dom0Text);
  if (!m) return undefined;
  return m[3] ? { kind: 'failed', token: m[1]! } : { kind: 'created', token: m[1]!, domid: Number(m[2]) };
}
