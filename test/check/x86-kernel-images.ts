/**
 * Small kernel images for the x86 kernel rules: an ELF64 whose PT_NOTE
 * segment holds `Xen` notes laid out as Linux's arch/x86/xen/xen-head.S
 * emits them (name "Xen", 4-byte aligned descriptors), and a bzImage shell
 * around a gzip'd ELF with the boot protocol fields Xen's bzimage.c reads.
 * The notes are the ones a real Debian 6.1 amd64 kernel carries (ENTRY 1,
 * SUPPORTED_FEATURES 17 = 0x8801, PHYS32_ENTRY 18); the variants drop what
 * the cloud kernel (no XENFEAT_dom0, bit 11) or a non-PVH kernel lacks.
 * `span` adds what the PV builder lays out from: one PT_LOAD from physical
 * 16 MiB to `pend` (no file bytes) and the VIRT_BASE, PADDR_OFFSET,
 * INIT_P2M and MOD_START_PFN notes with Debian 6.1's values.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

function note(type: number, desc: Buffer): Buffer {
  const name = Buffer.from('Xen\0');
  const head = Buffer.alloc(12);
  head.writeUInt32LE(name.length, 0);
  head.writeUInt32LE(desc.length, 4);
  head.writeUInt32LE(type, 8);
  const pad = Buffer.alloc((4 - (desc.length % 4)) % 4);
  return Buffer.concat([head, name, desc, pad]);
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

function u64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}

export interface NoteSet {
  dom0: boolean;
  pvh: boolean;
  /** The end of the loadable image by physical address (Debian 6.1.0-57: 0x4a00000). */
  pend?: bigint;
}

/** Debian 6.1's amd64 values (readelf -n): __START_KERNEL_map, 0, the p2m at 512 GiB, an unmapped initrd. */
function spanNotes(): Buffer[] {
  return [note(3, u64(0xffffffff80000000n)), note(4, u64(0n)), note(15, u64(0x8000000000n)), note(16, u32(1))];
}

export function xenElf(n: NoteSet): Buffer {
  const notes = Buffer.concat([
    note(1, Buffer.alloc(8, 0x11)),
    note(17, u32(0x8001 | (n.dom0 ? 1 << 11 : 0))),
    ...(n.pvh ? [note(18, u32(0x1000850))] : []),
    ...(n.pend === undefined ? [] : spanNotes()),
  ]);
  const phnum = n.pend === undefined ? 1 : 2;
  const eh = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(eh);
  eh.writeUInt16LE(2, 16); // ET_EXEC
  eh.writeUInt16LE(0x3e, 18); // x86-64
  eh.writeUInt32LE(1, 20);
  eh.writeBigUInt64LE(64n, 0x20); // e_phoff
  eh.writeUInt16LE(64, 0x34);
  eh.writeUInt16LE(56, 0x36);
  eh.writeUInt16LE(phnum, 0x38);
  const ph = Buffer.alloc(56);
  ph.writeUInt32LE(4, 0); // PT_NOTE
  ph.writeBigUInt64LE(BigInt(64 + 56 * phnum), 8);
  ph.writeBigUInt64LE(BigInt(notes.length), 32);
  ph.writeBigUInt64LE(BigInt(notes.length), 40);
  return Buffer.concat([eh, ph, ...(n.pend === undefined ? [] : [loadSegment(n.pend)]), notes]);
}

/** A PT_LOAD R+X from physical 16 MiB (virtual __START_KERNEL_map + 16 MiB) to `pend`, all of it bss. */
function loadSegment(pend: bigint): Buffer {
  const ph = Buffer.alloc(56);
  ph.writeUInt32LE(1, 0); // PT_LOAD
  ph.writeUInt32LE(5, 4); // PF_R | PF_X
  ph.writeBigUInt64LE(0xffffffff81000000n, 16);
  ph.writeBigUInt64LE(0x1000000n, 24);
  ph.writeBigUInt64LE(pend - 0x1000000n, 40);
  return ph;
}

/** A bzImage (boot protocol 2.15) whose payload is the gzip'd `elf`, with a kernel_version string. */
export function bzImage(elf: Buffer, version: string): Buffer {
  const setupSects = 4;
  const payload = gzipSync(elf);
  const setup = Buffer.alloc((setupSects + 1) * 512);
  setup[0x1f1] = setupSects;
  setup.write('HdrS', 0x202, 'latin1');
  setup.writeUInt16LE(0x20f, 0x206);
  setup.writeUInt16LE(0x400 - 0x200, 0x20e); // kernel_version: offset from 0x200
  setup.write(`${version}\0`, 0x400, 'latin1');
  setup.writeUInt32LE(0, 0x248); // payload_offset (from the protected-mode code)
  setup.writeUInt32LE(payload.length, 0x24c);
  return Buffer.concat([setup, payload]);
}

/** `synthetic:NAME` in expectations.json: the image NAME written into `dir`. */
export const SYNTHETIC_KERNELS: Record<string, () => Buffer> = {
  generic: () => bzImage(xenElf({ dom0: true, pvh: true }), '6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP'),
  cloud: () => bzImage(xenElf({ dom0: false, pvh: true }), '6.1.0-28-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP'),
  'no-pvh': () => xenElf({ dom0: true, pvh: false }),
  // Debian 6.1.0-57-amd64's layout: a 76 MiB bootstrap span, so a 128 MiB block.
  'generic-span': () => bzImage(xenElf({ dom0: true, pvh: true, pend: 0x4a00000n }), '6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1 SMP'),
  garbage: () => Buffer.from('this is not a kernel image\n'),
};

export function writeSyntheticKernel(dir: string, name: string): string {
  const make = SYNTHETIC_KERNELS[name];
  if (!make) throw new Error(`no synthetic kernel '${name}'`);
  const file = join(dir, `${name}.img`);
  writeFileSync(file, make());
  return file;
}
