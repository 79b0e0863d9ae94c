/**
 * The domid each domain had in a real boot, read from the serial log
 * without the project's parser: our initramfs prints its marker on the
 * domain's own console, which Xen prefixes with `(XEN) DOM<n>:` for a domU
 * and leaves bare for dom0's hvc0.
 */
const DOMU_MARKER = /\(XEN\) DOM(\d+): HYPERLAUNCH-MARKER (\S+) up/g;
const DOM0_MARKER = /^HYPERLAUNCH-MARKER (\S+) up/gm;

/**
 * dom0's console, read without the parser: Xen writes its own lines and the
 * domUs' whole, sometimes in the middle of a dom0 line (a full run saw dom0's
 * "Kernel panic" line cut so); taking out each "(XEN) …" up to its newline
 * puts dom0's lines back together.
 */
export function dom0Console(serial: string): string {
  return serial.replace(/\(XEN\) [^\n]*(?:\n|$)/g, '');
}

export function domidsSeen(serial: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const m of dom0Console(serial).matchAll(DOM0_MARKER)) seen.set(m[1]!, 0);
  for (const m of serial.matchAll(DOMU_MARKER)) seen.set(m[2]!, Number(m[1]));
  return seen;
}
