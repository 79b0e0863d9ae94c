/**
 * The images `build --arch x86_64` takes when the user names none: the seam
 * where the QEMU layer's cache (Debian's Xen 4.17 amd64, kernel, generated
 * initramfs per domain) plugs in. Undefined: every image must be named.
 */
import type { X86ImageSupplier } from '../artifacts/x86/x86-images.js';

export const defaultX86ImageSupplier: X86ImageSupplier | undefined = undefined;
