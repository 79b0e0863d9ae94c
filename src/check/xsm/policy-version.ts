/**
 * Binary FLASK policy versions: what a Xen release reads
 * (POLICYDB_VERSION_MIN..MAX in xen/xsm/flask/include/security.h) and what
 * a compiled policy's header says.
 */
import { compareXenVersions } from '../../model/version.js';

/** XSM_MAGIC (xen/include/xsm/xsm.h), little-endian at the start of a binary policy. */
export const XSM_MAGIC = 0xf97cff8c;
export const POLICY_VERSION_MIN = 15;

/**
 * Highest version the hypervisor reads: 30 (POLICYDB_VERSION_XEN_DEVICETREE)
 * since Xen 4.5, through 4.22; earlier releases stop at 24 (BOUNDARY).
 */
export function policyVersionFor(xenVersion: string | undefined): number {
  return xenVersion === undefined || compareXenVersions(xenVersion, '4.5') >= 0 ? 30 : 24;
}

/** The version in a binary policy's header (magic, length, "XenFlask", version), or undefined when it is not one. */
export function binaryPolicyVersion(bytes: Uint8Array): number | undefined {
  if (bytes.length < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== XSM_MAGIC) return undefined;
  const len = view.getUint32(4, true);
  if (len > 64 || 8 + len + 4 > bytes.length) return undefined;
  return view.getUint32(8 + len, true);
}
