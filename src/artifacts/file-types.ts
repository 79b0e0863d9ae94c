/**
 * uboot-script-gen checks each input with `file -L X | grep PATTERN`. We
 * cannot run `file`, so the same decisions come from magic numbers; a
 * gzip file is judged by its decompressed content, as the script does.
 */
import { gunzipSync } from 'node:zlib';

export type FileRole = 'kernel' | 'ramdisk' | 'dtb' | 'text' | 'bitstream' | 'xsm-policy';

/** The `grep` pattern uboot-script-gen names in its message. */
export const ROLE_PATTERN: Record<FileRole, string> = {
  kernel: 'executable\\|data\\|ARM OpenFirmware',
  ramdisk: 'cpio archive',
  dtb: 'Device Tree Blob\\|data',
  text: 'ASCII text',
  bitstream: 'BIT data',
  'xsm-policy': 'data',
};

const ascii = (b: Uint8Array, off: number, s: string): boolean =>
  b.length >= off + s.length && [...s].every((ch, i) => b[off + i] === ch.charCodeAt(0));

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** What `file` calls plain text: printable ASCII, tabs and newlines only. */
export function isAsciiText(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  for (const c of b) if (!(c === 9 || c === 10 || c === 12 || c === 13 || (c >= 32 && c < 127))) return false;
  return true;
}

function isCpio(b: Uint8Array): boolean {
  return ascii(b, 0, '070701') || ascii(b, 0, '070702') || ascii(b, 0, '070707')
    || (b.length >= 2 && ((b[0] === 0xc7 && b[1] === 0x71) || (b[0] === 0x71 && b[1] === 0xc7)));
}

function isFdt(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0xd0 && b[1] === 0x0d && b[2] === 0xfe && b[3] === 0xed;
}

/** Xilinx .bit: the fixed 13-byte preamble, then field 'a'. */
function isXilinxBit(b: Uint8Array): boolean {
  const head = [0x00, 0x09, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x00, 0x00, 0x01, 0x61];
  return b.length >= head.length && head.every((v, i) => b[i] === v);
}

/**
 * `file`'s "data" is its answer for anything it does not recognise; a text
 * file, an empty file or a recognised non-kernel format is not "data".
 */
function isOpaqueData(b: Uint8Array): boolean {
  return b.length > 0 && !isAsciiText(b) && !isCpio(b) && !isGzip(b);
}

function matchesRole(b: Uint8Array, role: FileRole): boolean {
  switch (role) {
    case 'kernel':
      return ascii(b, 56, 'ARM\x64') || ascii(b, 0, 'MZ') || b[0] === 0x7f && ascii(b, 1, 'ELF') || isOpaqueData(b);
    case 'ramdisk':
      return isCpio(b);
    case 'dtb':
      return isFdt(b) || isOpaqueData(b);
    case 'text':
      return isAsciiText(b);
    case 'bitstream':
      return isXilinxBit(b);
    case 'xsm-policy':
      // XSM_MAGIC, little-endian: what Xen checks before reading the policy.
      return b.length >= 4 && b[0] === 0x8c && b[1] === 0xff && b[2] === 0x7c && b[3] === 0xf9;
  }
}

/** check_compressed_file_type: gunzip first for kernels, ramdisks and partial DTBs. */
export function fileTypeMatches(bytes: Uint8Array, role: FileRole, compressedOk: boolean): boolean {
  if (compressedOk && isGzip(bytes)) {
    try {
      return matchesRole(gunzipSync(bytes), role);
    } catch {
      return false;
    }
  }
  return matchesRole(bytes, role);
}
