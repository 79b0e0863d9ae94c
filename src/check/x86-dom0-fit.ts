/**
 * Whether a 64-bit PV dom0's memory holds what Xen 4.17's PV builder maps
 * for it before the kernel runs (xen/arch/x86/pv/dom0_build.c). Xen lays
 * out one virtual span from the ELF's VIRT_BASE: the kernel image, the
 * initrd (unless the kernel takes it unmapped, MOD_START_PFN), the p2m
 * table of 8 bytes per page (unless the kernel places it itself,
 * INIT_P2M), one page of start info, the page tables covering the span,
 * one stack page, then padding to a 4 MiB boundary with at least 512 KiB
 * of it. It allocates that span, less a mapped initrd (already in memory),
 * as ONE power-of-two block, and panics "Domain 0 allocation is too small
 * for kernel image" when that block plus the initrd's pages exceed dom0's
 * pages. A power of two: a kernel needing 76 MiB takes a 128 MiB block.
 */
import type { PvImageLayout } from './x86-kernel-probe.js';

const PAGE = 4096n;
const MIB_PAGES = 256n;
const M64 = (1n << 64n) - 1n;
/** sizeof(struct start_info) for a 64-bit guest (xen/include/public/xen.h): under a page, so it takes one. */
const START_INFO_BYTES = 1168n;
const SUPERPAGE_4M = 1n << 22n;
const MIN_PADDING = 512n << 10n;
/** Shifts of what one L3, L2 and L1 table covers (4-level paging). */
const L4_SHIFT = 39n;
const L3_SHIFT = 30n;
const L2_SHIFT = 21n;

/** C's unsigned long arithmetic: the span sits at the top of the address space, where sums wrap. */
const u64 = (x: bigint): bigint => x & M64;
const pageUp = (x: bigint): bigint => u64(x + PAGE - 1n) & ~(PAGE - 1n);
const pagesOf = (bytes: bigint): bigint => (bytes + PAGE - 1n) / PAGE;

/** Tables of one level needed to cover [low, high) at 2^shift bytes each. */
function tablesCovering(low: bigint, high: bigint, shift: bigint): bigint {
  const size = 1n << shift;
  const top = u64(high + size - 1n) & ~(size - 1n);
  return u64(top - (low & ~(size - 1n))) >> shift;
}

/** The end of the bootstrap span once page tables, stack and padding are added after `ptStart`. */
function spanEnd(vStart: bigint, ptStart: bigint): bigint {
  for (let ptPages = 2n; ; ptPages++) {
    const stackEnd = u64(ptStart + (ptPages + 1n) * PAGE);
    let vEnd = u64(stackEnd + SUPERPAGE_4M - 1n) & ~(SUPERPAGE_4M - 1n);
    if (u64(vEnd - stackEnd) < MIN_PADDING) vEnd = u64(vEnd + SUPERPAGE_4M);
    const tables = 1n + tablesCovering(vStart, vEnd, L4_SHIFT) + tablesCovering(vStart, vEnd, L3_SHIFT) + tablesCovering(vStart, vEnd, L2_SHIFT);
    if (tables <= ptPages) return vEnd;
  }
}

/** get_order_from_bytes: the smallest order whose block of 2^order pages holds `bytes`. */
function orderFor(bytes: bigint): number {
  let order = 0;
  while (PAGE << BigInt(order) < bytes) order++;
  return order;
}

export interface Dom0Fit {
  /** The bootstrap block's order (2^order pages). */
  order: number;
  /** Pages Xen needs for dom0: the block plus the initrd's pages. */
  neededPages: bigint;
  /** The span from VIRT_BASE to its padded end, in bytes (initrd included when mapped). */
  spanBytes: bigint;
}

/** What Xen needs for a 64-bit PV dom0 of `nrPages` pages with an initrd of `initrdBytes`. */
export function pvDom0Fit(l: PvImageLayout, initrdBytes: bigint, nrPages: bigint): Dom0Fit {
  const vStart = l.virtBase ?? 0n;
  // With notes Xen's ELF_PADDR_OFFSET defaults to 0 (libelf-dominfo.c).
  const kernEnd = u64(l.pend + u64(vStart - (l.paddrOffset ?? 0n)));
  const p2mStart = l.unmappedInitrd ? pageUp(kernEnd) : pageUp(pageUp(kernEnd) + initrdBytes);
  const p2mEnd = l.p2mBase !== undefined ? p2mStart : u64(p2mStart + nrPages * 8n);
  const ptStart = pageUp(pageUp(p2mEnd) + START_INFO_BYTES);
  const spanBytes = u64(spanEnd(vStart, ptStart) - vStart);
  const block = l.unmappedInitrd ? spanBytes : spanBytes - pageUp(initrdBytes);
  const order = orderFor(block);
  return { order, neededPages: (1n << BigInt(order)) + pagesOf(initrdBytes), spanBytes };
}

/** Whether Xen panics "Domain 0 allocation is too small for kernel image". */
export function pvDom0TooSmall(l: PvImageLayout, initrdBytes: bigint, nrPages: bigint): boolean {
  return pvDom0Fit(l, initrdBytes, nrPages).neededPages > nrPages;
}

/**
 * The smallest dom0 size in whole MiB that Xen accepts. Without INIT_P2M
 * the p2m grows with dom0, so the need is found by iterating to the fixed
 * point (the need only grows with the size, in power-of-two steps).
 */
export function smallestDom0MiB(l: PvImageLayout, initrdBytes: bigint): bigint {
  let mib = 1n;
  for (let i = 0; i < 64; i++) {
    const need = pvDom0Fit(l, initrdBytes, mib * MIB_PAGES).neededPages;
    const needMib = (need + MIB_PAGES - 1n) / MIB_PAGES;
    if (needMib <= mib) return mib;
    mib = needMib;
  }
  return mib;
}
