/** The header and memory reservation map, checked as libfdt's fdt_ro/fdt_check_header do. */
import type { FdtCode } from '../../codes.js';
import { FdtError } from '../../errors.js';
import { FDT_MAGIC, RESERVE_ENTRY_SIZE } from '../format.js';
import { be32 } from './bytes.js';

/** libfdt's packed header size: FDT_ALIGN(sizeof(struct fdt_header), 8). */
export const HEADER_SIZE = 40;
const RSV_ENTRY = RESERVE_ENTRY_SIZE;

export interface FdtHeader {
  magic: number;
  totalsize: number;
  offDtStruct: number;
  offDtStrings: number;
  offMemRsvmap: number;
  version: number;
  lastCompVersion: number;
  bootCpuidPhys: number;
  sizeDtStrings: number;
  sizeDtStruct: number;
}

export function readHeader(blob: Uint8Array): FdtHeader {
  if (blob.length < 40) {
    throw new FdtError('FDT_ERR_TRUNCATED', `FDT_ERR_TRUNCATED: blob of ${blob.length} bytes is shorter than a header`, { offset: 0 });
  }
  const f = (i: number) => be32(blob, i * 4);
  return {
    magic: f(0), totalsize: f(1), offDtStruct: f(2), offDtStrings: f(3), offMemRsvmap: f(4),
    version: f(5), lastCompVersion: f(6), bootCpuidPhys: f(7), sizeDtStrings: f(8), sizeDtStruct: f(9),
  };
}

/** libfdt's FDT_RO_PROBE, plus the bounds checks of fdt_check_header. */
export function probeHeader(blob: Uint8Array, h: FdtHeader, checkBlocks = true): void {
  const fail = (code: FdtCode, why: string, offset = 0) => {
    throw new FdtError(code, `${code}: ${why}`, { offset });
  };
  if (h.magic !== FDT_MAGIC) fail('FDT_ERR_BADMAGIC', `bad magic 0x${h.magic.toString(16)}`);
  if (h.version < 16) fail('FDT_ERR_BADVERSION', `version ${h.version} is older than 16 (not supported here)`, 20);
  if (h.lastCompVersion > 17) fail('FDT_ERR_BADVERSION', `last_comp_version ${h.lastCompVersion} > 17`, 24);
  if (h.totalsize >= 0x7fffffff) fail('FDT_ERR_TRUNCATED', `totalsize ${h.totalsize} too large`, 4);
  if (h.totalsize > blob.length) fail('FDT_ERR_TRUNCATED', `totalsize ${h.totalsize} exceeds the ${blob.length} bytes given`, 4);
  // fdt_overlay_apply only probes the overlay (magic, versions, size): every read is bounded instead.
  if (!checkBlocks) return;
  const inside = (off: number) => off >= HEADER_SIZE - (h.version < 17 ? 4 : 0) && off <= h.totalsize;
  if (!inside(h.offMemRsvmap)) fail('FDT_ERR_TRUNCATED', 'memory reservation block out of bounds', 16);
  if (!inside(h.offDtStruct) || (h.version >= 17 && !inside(h.offDtStruct + h.sizeDtStruct))) {
    fail('FDT_ERR_TRUNCATED', 'structure block out of bounds', 8);
  }
  if (!inside(h.offDtStrings) || !inside(h.offDtStrings + h.sizeDtStrings)) {
    fail('FDT_ERR_TRUNCATED', 'strings block out of bounds', 12);
  }
}

/** Size of the reservation map including its terminating entry. */
export function memRsvSize(blob: Uint8Array, h: FdtHeader): number {
  for (let off = h.offMemRsvmap; off + RSV_ENTRY <= h.totalsize; off += RSV_ENTRY) {
    if (be32(blob, off + 8) === 0 && be32(blob, off + 12) === 0) return off + RSV_ENTRY - h.offMemRsvmap;
  }
  throw new FdtError('FDT_ERR_TRUNCATED', 'FDT_ERR_TRUNCATED: memory reservation map has no terminating entry', {
    offset: h.offMemRsvmap,
  });
}
