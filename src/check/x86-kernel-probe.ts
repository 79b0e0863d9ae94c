/**
 * What Xen 4.17 on x86 will find in a dom0 kernel image, read the way Xen
 * reads it: a bzImage (boot protocol header `HdrS`) carries a compressed
 * ELF vmlinux at `payload_offset` (xen/arch/x86/bzimage.c); Xen reads the
 * ELF's `Xen` notes (xen/common/libelf/libelf-dominfo.c). The PV builder
 * refuses a kernel whose SUPPORTED_FEATURES note lacks XENFEAT_dom0
 * ("Kernel does not support Dom0 operation"); the PVH builder needs the
 * PHYS32_ENTRY note. Debian's cloud kernel is built without
 * CONFIG_XEN_DOM0, so its note lacks the bit. Where the notes cannot be
 * read (a compression without a decompressor here), the `config-<release>`
 * file Debian installs beside `vmlinuz-<release>` answers instead, and
 * failing that the probe says it could not tell: a note, never a guess.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** xen/include/public/elfnote.h */
export const XEN_ELFNOTE_ENTRY = 1;
export const XEN_ELFNOTE_VIRT_BASE = 3;
export const XEN_ELFNOTE_PADDR_OFFSET = 4;
export const XEN_ELFNOTE_BSD_SYMTAB = 11;
export const XEN_ELFNOTE_INIT_P2M = 15;
export const XEN_ELFNOTE_MOD_START_PFN = 16;
export const XEN_ELFNOTE_FEATURES = 10;
export const XEN_ELFNOTE_SUPPORTED_FEATURES = 17;
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
/** xen/include/public/features.h */
export const XENFEAT_DOM0 = 11;

export interface KernelProbe {
  file: string;
  format?: 'bzImage' | 'elf';
  /** The bzImage's kernel_version string (`6.1.0-28-cloud-amd64 (debian-kernel@...) ...`). */
  version?: string;
  /** From the Xen ELF notes; undefined when they could not be read. */
  notes?: XenNotes;
  /** From `config-<release>` beside the image. */
  config?: { file: string; xenDom0: boolean; xenPvh: boolean };
  /** Why nothing could be read. */
  unreadable?: string;
}

type Decompressor = (data: Uint8Array) => Uint8Array | undefined;

function viaTool(cmd: string, args: string[]): Decompressor {
  return (data) => {
    // A kernel's payload may carry trailing bytes (the decompressed size), so the tool's exit status is not trusted: the ELF magic is.
    const r = spawnSync(cmd, args, { input: data, maxBuffer: 1 << 30 });
    return r.stdout && r.stdout.length > 4 ? new Uint8Array(r.stdout) : undefined;
  };
}

const DECOMPRESSORS: { name: string; magic: number[]; run: Decompressor }[] = [
  { name: 'gzip', magic: [0x1f, 0x8b], run: (d) => new Uint8Array(gunzipSync(d, { finishFlush: 2 })) },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], run: viaTool('xz', ['-dc']) },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], run: viaTool('zstd', ['-dcq']) },
];

function startsWith(b: Uint8Array, magic: number[], at = 0): boolean {
  return magic.every((x, i) => b[at + i] === x);
}

function cString(b: Uint8Array, at: number, max = 200): string {
  let end = at;
  while (end < b.length && end < at + max && b[end] !== 0) end++;
  return Buffer.from(b.subarray(at, end)).toString('latin1');
}

/**
 * What the PV dom0 builder places from the ELF: its loadable span by
 * physical address (libelf's pstart/pend) and the notes that move things
 * in or out of the bootstrap mapping (x86-dom0-fit.ts).
 */
export interface PvImageLayout {
  elf64: boolean;
  /** Lowest p_paddr and highest p_paddr + p_memsz over the loadable segments. */
  pstart: bigint;
  pend: bigint;
  /** Undefined: the note is absent (Xen then takes 0). */
  virtBase?: bigint;
  paddrOffset?: bigint;
  /** INIT_P2M: the kernel maps its own p2m there, so it is not in the bootstrap span. */
  p2mBase?: bigint;
  /** MOD_START_PFN non-zero: the initrd is left unmapped (given by frame number). */
  unmappedInitrd: boolean;
  /** BSD_SYMTAB: Xen appends a symbol table after the image (not modelled here). */
  bsdSymtab: boolean;
}

export interface XenNotes {
  /** Undefined: no SUPPORTED_FEATURES note, so Xen does not check. */
  dom0?: boolean;
  pvhEntry: boolean;
  pvEntry: boolean;
  layout: PvImageLayout;
}

/** The Xen notes of an ELF64 (or ELF32) image, from its PT_NOTE segments; undefined when it is not one or is cut short. */
export function readXenNotes(elf: Uint8Array): XenNotes | undefined {
  if (!startsWith(elf, [0x7f, 0x45, 0x4c, 0x46])) return undefined;
  try {
    return xenNotes(elf);
  } catch (e) {
    // A header or note that points past the end: DataView's RangeError, i.e. a malformed image.
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

/** libelf's numeric note: a 1, 2, 4 or 8 byte little-endian value; any other size reads as 0. */
function numericNote(v: DataView, at: number, size: number): bigint {
  if (size === 8) return v.getBigUint64(at, true);
  if (size === 4) return BigInt(v.getUint32(at, true));
  if (size === 2) return BigInt(v.getUint16(at, true));
  if (size === 1) return BigInt(v.getUint8(at));
  return 0n;
}

const PT_LOAD = 1;
const PT_NOTE = 4;
/** PF_X | PF_W | PF_R: libelf skips a PT_LOAD with none of them. */
const PF_RWX = 7;

function xenNotes(elf: Uint8Array): XenNotes {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const is64 = elf[4] === 2;
  const phoff = is64 ? Number(v.getBigUint64(0x20, true)) : v.getUint32(0x1c, true);
  const phentsize = v.getUint16(is64 ? 0x36 : 0x2a, true);
  const phnum = v.getUint16(is64 ? 0x38 : 0x2c, true);
  const layout: PvImageLayout = { elf64: is64, pstart: 0n, pend: 0n, unmappedInitrd: false, bsdSymtab: false };
  const out: XenNotes = { pvhEntry: false, pvEntry: false, layout };
  let low: bigint | undefined;
  let features = '';
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + phentsize > elf.length) continue;
    const ptype = v.getUint32(ph, true);
    if (ptype === PT_LOAD && (v.getUint32(is64 ? ph + 4 : ph + 24, true) & PF_RWX) !== 0) {
      const paddr = is64 ? v.getBigUint64(ph + 24, true) : BigInt(v.getUint32(ph + 12, true));
      const memsz = is64 ? v.getBigUint64(ph + 40, true) : BigInt(v.getUint32(ph + 20, true));
      if (low === undefined || paddr < low) low = paddr;
      if (paddr + memsz > layout.pend) layout.pend = paddr + memsz;
    }
    if (ptype !== PT_NOTE) continue;
    const off = is64 ? Number(v.getBigUint64(ph + 8, true)) : v.getUint32(ph + 4, true);
    const size = is64 ? Number(v.getBigUint64(ph + 32, true)) : v.getUint32(ph + 16, true);
    for (let p = off; p + 12 <= Math.min(off + size, elf.length);) {
      const nsz = v.getUint32(p, true);
      const dsz = v.getUint32(p + 4, true);
      const type = v.getUint32(p + 8, true);
      const desc = p + 12 + ((nsz + 3) & ~3);
      if (cString(elf, p + 12, nsz) === 'Xen') {
        if (type === XEN_ELFNOTE_SUPPORTED_FEATURES && dsz >= 4) out.dom0 = ((v.getUint32(desc, true) >>> XENFEAT_DOM0) & 1) === 1 || out.dom0 === true;
        if (type === XEN_ELFNOTE_FEATURES) features = cString(elf, desc, dsz);
        if (type === XEN_ELFNOTE_PHYS32_ENTRY) out.pvhEntry = true;
        if (type === XEN_ELFNOTE_ENTRY) out.pvEntry = true;
        if (type === XEN_ELFNOTE_VIRT_BASE) layout.virtBase = numericNote(v, desc, dsz);
        if (type === XEN_ELFNOTE_PADDR_OFFSET) layout.paddrOffset = numericNote(v, desc, dsz);
        if (type === XEN_ELFNOTE_INIT_P2M) layout.p2mBase = numericNote(v, desc, dsz);
        if (type === XEN_ELFNOTE_MOD_START_PFN) layout.unmappedInitrd = numericNote(v, desc, dsz) !== 0n;
        if (type === XEN_ELFNOTE_BSD_SYMTAB) layout.bsdSymtab = true;
      }
      p = desc + ((dsz + 3) & ~3);
    }
  }
  layout.pstart = low ?? 0n;
  // The FEATURES string form names supported features too ("!" marks required ones); libelf ORs both.
  if (features.split('|').some((f) => f.replace(/^!/, '') === 'dom0')) out.dom0 = true;
  return out;
}

/** Debian installs `config-<release>` beside `vmlinuz-<release>`. */
function configBeside(file: string): KernelProbe['config'] {
  const m = /^vmlinu[xz]-(.+)$/.exec(basename(file));
  if (!m) return undefined;
  const cfg = join(dirname(file), `config-${m[1]}`);
  if (!existsSync(cfg)) return undefined;
  const text = readFileSync(cfg, 'utf8');
  return { file: cfg, xenDom0: /^CONFIG_XEN_DOM0=y$/m.test(text), xenPvh: /^CONFIG_XEN_PVH=y$/m.test(text) };
}

/** The ELF inside a bzImage, or a reason it could not be had. */
function bzPayload(img: Uint8Array): { elf?: Uint8Array; version?: string; reason?: string } {
  const v = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const protocol = v.getUint16(0x206, true);
  const versionPtr = v.getUint16(0x20e, true);
  const version = versionPtr ? cString(img, versionPtr + 0x200) : undefined;
  // payload_offset/length appear in boot protocol 2.08; Xen's bzimage_parse needs them.
  if (protocol < 0x208) return { version, reason: `boot protocol ${protocol >> 8}.${protocol & 0xff} has no payload fields (Xen needs 2.08+)` };
  const setupSects = img[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + v.getUint32(0x248, true);
  const payload = img.subarray(start, start + v.getUint32(0x24c, true));
  const d = DECOMPRESSORS.find((x) => startsWith(payload, x.magic));
  if (!d) return { version, reason: 'the payload\'s compression is not one this probe reads (gzip, xz, zstd)' };
  let elf: Uint8Array | undefined;
  try {
    elf = d.run(payload);
  } catch {
    elf = undefined;
  }
  return elf ? { elf, version } : { version, reason: `could not decompress the ${d.name} payload (is ${d.name} installed?)` };
}

export function probeX86Kernel(file: string): KernelProbe {
  const probe: KernelProbe = { file, config: configBeside(file) };
  let img: Uint8Array;
  try {
    img = readFileSync(file);
  } catch (e) {
    return { ...probe, unreadable: `cannot read ${file}: ${(e as Error).message}` };
  }
  if (img.length > 0x250 && startsWith(img, [0x48, 0x64, 0x72, 0x53], 0x202)) {
    const p = bzPayload(img);
    probe.format = 'bzImage';
    probe.version = p.version;
    if (!p.elf) return { ...probe, unreadable: probe.config ? undefined : p.reason };
    probe.notes = readXenNotes(p.elf);
    if (!probe.notes && !probe.config) probe.unreadable = 'the payload is not an ELF image';
    return probe;
  }
  probe.notes = readXenNotes(img);
  if (probe.notes) probe.format = 'elf';
  else if (!probe.config) probe.unreadable = 'neither a bzImage nor an ELF image';
  return probe;
}

/** Whether the kernel can be a PV dom0: the note first (what Xen reads), then the config beside it. */
export function supportsDom0(p: KernelProbe): boolean | undefined {
  if (p.notes) return p.notes.dom0 ?? true;
  return p.config?.xenDom0;
}

export function supportsPvhEntry(p: KernelProbe): boolean | undefined {
  if (p.notes) return p.notes.pvhEntry;
  return p.config?.xenPvh;
}
