/**
 * Load addresses as uboot-script-gen computes them (reference §3.1): the
 * script 2 MiB above MEMORY_START (never below 0xC00000), 2 MiB reserved
 * for it, then each image at the next 2 MiB boundary after the previous
 * one ends. Optionally (newer ImageBuilder) a slot overlapping a reserved
 * range jumps past it.
 */
export const SLOT = 0x200000n;
const MASK = ~(SLOT - 1n);

export interface Range {
  address: bigint;
  size: bigint;
}

export function alignUp(v: bigint): bigint {
  return (v + SLOT - 1n) & MASK;
}

/** Where boot.scr goes, and the first image address. */
export function scriptAddress(memoryStart: bigint): { script: bigint; first: bigint } {
  let script = memoryStart + SLOT;
  if (script < 0xc00000n) script = 0xc00000n;
  return { script, first: script + SLOT };
}

/** The slot for an image of `size` at `memaddr`, moved past reserved ranges it would overlap. */
export function placeImage(memaddr: bigint, size: bigint, reserved: readonly Range[]): bigint {
  let at = memaddr;
  for (let moved = true; moved;) {
    moved = false;
    for (const r of reserved) {
      const end = r.address + r.size;
      // inclusive compare, as the upstream patch does
      if (at <= end && at + size >= r.address) {
        at = (end + SLOT) & MASK;
        moved = true;
      }
    }
  }
  return at;
}

export function nextSlot(address: bigint, size: bigint): bigint {
  return alignUp(address + size);
}
