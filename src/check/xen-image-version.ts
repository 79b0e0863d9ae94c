/**
 * The Xen release an arm64 Image was built from, read from its bytes.
 * Xen prints its banner from a format string (`Xen version %d.%d%s`), so
 * the number is not there as text; but every build carries the compatible
 * string it gives dom0's hypervisor node, `xen,xen-MAJOR.MINOR`
 * (xen/arch/arm/domain_build.c), and usually the full release
 * as a string of its own (`4.17.7+13-g...` in Debian's, `Xen 4.22.0` upstream).
 */
import { XenConfigError } from './xen-config-error.js';

export interface XenImageVersion {
  /** `4.22`: what the checker compares. */
  version: string;
  /** `4.22.0`, `4.17.7+13-g2445b30a44-0+deb12u1`: the first NUL-delimited string that is, or is `Xen ` and, version + `.N...`. */
  release?: string;
}

const ARM64_MAGIC = 0x644d5241; // "ARM\x64" at offset 56 of every arm64 Image header

const COMPATIBLE = /xen,xen-(\d+)\.(\d+)\0/g;

/** Whether the bytes are an arm64 Image (Linux boot protocol header, as Xen's own Image has). */
export function isArm64Image(bytes: Uint8Array): boolean {
  return bytes.length >= 64 && new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(56, true) === ARM64_MAGIC;
}

/** The release of a Xen arm64 Image; throws XenConfigError when the bytes say none (or two). */
export function xenImageVersion(bytes: Uint8Array, file: string): XenImageVersion {
  if (!isArm64Image(bytes)) {
    throw new XenConfigError('XEN_IMAGE_FORMAT', `${file} is not an arm64 Image (no "ARM\\x64" magic at offset 56)`, {
      file, hint: 'give the xen binary of an arm64 build (xen/xen, or /boot/xen-*-arm64 of a distribution package)',
    });
  }
  // latin1 keeps one character per byte, so regex offsets are byte offsets.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const found = new Set([...text.matchAll(COMPATIBLE)].map((m) => `${Number(m[1])}.${Number(m[2])}`));
  if (found.size !== 1) {
    throw new XenConfigError('XEN_IMAGE_VERSION', found.size === 0
      ? `${file}: no "xen,xen-N.M" string, so the Xen release cannot be read from the Image`
      : `${file}: several Xen releases named in the Image (${[...found].join(', ')})`, {
      file, hint: 'say the release with --xen VERSION (e.g. --xen 4.22)',
    });
  }
  const version = [...found][0]!;
  const release = new RegExp(`\\0(?:Xen )?(${version.replace('.', '\\.')}\\.\\d+[\\x21-\\x7e]*)\\n?\\0`).exec(text)?.[1];
  return { version, release };
}
