/**
 * Ranges boot modules must not land on: every /reserved-memory child's
 * `reg` and every /memreserve/ entry of the host DTB (Xen crashes silently
 * when a module overlaps one; upstream ImageBuilder skips them since 2025).
 */
import { decodeReg } from '../fdt/tree/addresses.js';
import { readDtb } from '../fdt/dtb/read.js';
import { getNodeByPath } from '../fdt/tree/livetree.js';
import type { Range } from './layout.js';

export function reservedRanges(dtb: Uint8Array): Range[] {
  const tree = readDtb(dtb);
  const out: Range[] = tree.reservations.map((r) => ({ address: r.address, size: r.size }));
  const rm = getNodeByPath(tree.root, '/reserved-memory');
  if (rm) {
    for (const child of rm.liveChildren()) {
      for (const r of decodeReg(child)) out.push({ address: r.address, size: r.size });
    }
  }
  return out;
}
