/**
 * Xen 4.17's PV dom0 bootstrap block (x86-dom0-fit.ts) on layouts whose
 * answers were worked out by hand from xen/arch/x86/pv/dom0_build.c: the
 * span from VIRT_BASE, page tables (1 L4 + 1 L3 + 1 L2 + one L1 per 2 MiB
 * here), the 4 MiB padding with its 512 KiB minimum, the power-of-two
 * order, and the initrd inside or outside the block.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pvDom0Fit, pvDom0TooSmall, smallestDom0MiB } from '../../src/check/x86-dom0-fit.js';
import type { PvImageLayout } from '../../src/check/x86-kernel-probe.js';

const MIB = 1n << 20n;
/** Debian 6.1's notes: VIRT_BASE __START_KERNEL_map, PADDR_OFFSET 0, INIT_P2M set, MOD_START_PFN 1. */
function linux(pend: bigint, over: Partial<PvImageLayout> = {}): PvImageLayout {
  return { elf64: true, pstart: 0x1000000n, pend, virtBase: 0xffffffff80000000n, paddrOffset: 0n, p2mBase: 0x8000000000n, unmappedInitrd: true, bsdSymtab: false, ...over };
}

test('Debian 6.1.0-57 (image to 74 MiB): a 76 MiB span, so a 128 MiB block; 128 MiB fits without a ramdisk, 127 MiB does not', () => {
  // stack end 0x4a2b000 (start info, 41 table pages, stack) -> padded to 0x4c00000.
  const f = pvDom0Fit(linux(0x4a00000n), 0n, 32768n);
  assert.equal(f.spanBytes, 76n * MIB);
  assert.equal(f.order, 15);
  assert.equal(f.neededPages, 32768n);
  assert.equal(pvDom0TooSmall(linux(0x4a00000n), 0n, 32768n), false);
  assert.equal(pvDom0TooSmall(linux(0x4a00000n), 0n, 32767n), true);
  assert.equal(smallestDom0MiB(linux(0x4a00000n), 0n), 128n);
});

test('an unmapped initrd is outside the block but its pages count: 1051216 bytes = 257 pages, so 130 MiB', () => {
  assert.equal(pvDom0Fit(linux(0x4a00000n), 1051216n, 33024n).neededPages, 33025n);
  assert.equal(smallestDom0MiB(linux(0x4a00000n), 1051216n), 130n);
});

test('a smaller image (to 42 MiB): 44 MiB span, order 14 (64 MiB)', () => {
  const f = pvDom0Fit(linux(0x2a00000n), 0n, 16384n);
  assert.equal(f.spanBytes, 44n * MIB);
  assert.equal(f.order, 14);
  assert.equal(smallestDom0MiB(linux(0x2a00000n), 0n), 64n);
});

test('less than 512 KiB of padding left: Xen adds 4 MiB, and 68 MiB takes order 15, not 14', () => {
  // Image to 63.5 MiB: stack end 0x3fa7000 is 356 KiB under 64 MiB.
  const f = pvDom0Fit(linux(0x3f80000n), 0n, 65536n);
  assert.equal(f.spanBytes, 68n * MIB);
  assert.equal(f.order, 15);
});

test('a mapped initrd sits in the span but is taken out of the block: 8 MiB after a 42 MiB image, 52 - 8 = 44 MiB, order 14, + 2048 pages', () => {
  const f = pvDom0Fit(linux(0x2a00000n, { unmappedInitrd: false }), 8n * MIB, 18432n);
  assert.equal(f.spanBytes, 52n * MIB);
  assert.equal(f.order, 14);
  assert.equal(f.neededPages, 16384n + 2048n);
  assert.equal(smallestDom0MiB(linux(0x2a00000n, { unmappedInitrd: false }), 8n * MIB), 72n);
});

test('without INIT_P2M the p2m (8 bytes a page) is in the span: a 4 GiB dom0 adds 8 MiB and crosses 64 MiB', () => {
  const noP2m = linux(0x3800000n, { p2mBase: undefined });
  assert.equal(pvDom0Fit(noP2m, 0n, 262144n).spanBytes, 60n * MIB);
  assert.equal(pvDom0Fit(noP2m, 0n, 262144n).order, 14);
  assert.equal(pvDom0Fit(noP2m, 0n, 1048576n).spanBytes, 68n * MIB);
  assert.equal(pvDom0Fit(noP2m, 0n, 1048576n).order, 15);
  // 64 MiB: 16384 pages of p2m is 128 KiB, still in a 60 MiB span.
  assert.equal(smallestDom0MiB(noP2m, 0n), 64n);
});
