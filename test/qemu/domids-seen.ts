/**
 * The domid each domain had in a real boot, read from the serial log
 * without the project's parser: our initramfs prints its marker on the
 * domain's own console, which Xen prefixes with `(XEN) DOM<n>:` for a domU
 * and leaves bare for dom0's hvc0.
 */
const DOMU_MARKER = /\(XEN\) DOM(\d+): HYPERLAUNCH-MARKER (\S+) up/g;
const DOM0_MARKER = /^HYPERLAUNCH-MARKER (\S+) up/gm;

export function domidsSeen(serial: string): Map<string, number> {
  const seen = new Map<string, number>();
  for (const m of serial.matchAll(DOM0_MARKER)) seen.set(m[1]!, 0);
  for (const m of serial.matchAll(DOMU_MARKER)) seen.set(m[2]!, Number(m[1]));
  return seen;
}
