/**
 * U-Boot legacy images (`image_header_t`), written as `mkimage -l` expects:
 * a 64-byte big-endian header with CRC32s of itself and of the payload.
 * boot.scr is type script (payload: a size table, then the text); the
 * bootm path wraps Xen as type kernel.
 */
import { crc32 } from './crc32.js';

export const IH_MAGIC = 0x27051956;
export const IH_OS_LINUX = 5;
export const IH_ARCH_ARM = 2;
export const IH_ARCH_ARM64 = 22;
export const IH_TYPE_KERNEL = 2;
export const IH_TYPE_SCRIPT = 6;
export const IH_COMP_NONE = 0;
const HEADER = 64;
const NAME_LEN = 32;

export interface LegacyImageOptions {
  arch: number;
  type: number;
  os?: number;
  load: bigint;
  entry: bigint;
  /** Seconds since the epoch; mkimage takes SOURCE_DATE_EPOCH, so builds use 0. */
  time?: number;
  /** At most 32 bytes; ImageBuilder passes none. */
  name?: string;
}

export function legacyImage(payload: Uint8Array, o: LegacyImageOptions): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, IH_MAGIC);
  v.setUint32(8, o.time ?? 0);
  v.setUint32(12, payload.length);
  v.setUint32(16, Number(BigInt.asUintN(32, o.load)));
  v.setUint32(20, Number(BigInt.asUintN(32, o.entry)));
  v.setUint32(24, crc32(payload));
  out[28] = o.os ?? IH_OS_LINUX;
  out[29] = o.arch;
  out[30] = o.type;
  out[31] = IH_COMP_NONE;
  out.set(new TextEncoder().encode(o.name ?? '').subarray(0, NAME_LEN), 32);
  out.set(payload, HEADER);
  // the header CRC is taken with its own field zero
  v.setUint32(4, crc32(out.subarray(0, HEADER)));
  return out;
}

/** mkimage -T script: a multi-file payload of one file (size, 0 terminator, data). */
export function scriptImage(source: Uint8Array, address: bigint, time = 0): Uint8Array {
  const payload = new Uint8Array(8 + source.length);
  new DataView(payload.buffer).setUint32(0, source.length);
  payload.set(source, 8);
  return legacyImage(payload, { arch: IH_ARCH_ARM64, type: IH_TYPE_SCRIPT, load: address, entry: address, time });
}

/** bootm: `mkimage -A arm -T kernel -C none -a A -e A -d xen xen.ub` (arm: see reference §3.5). */
export function kernelImage(kernel: Uint8Array, address: bigint, arch = IH_ARCH_ARM, time = 0): Uint8Array {
  return legacyImage(kernel, { arch, type: IH_TYPE_KERNEL, load: address, entry: address, time });
}
