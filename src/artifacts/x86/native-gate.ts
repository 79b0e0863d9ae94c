/**
 * The native x86 Hyperlaunch boot: the compiled devicetree as the first
 * multiboot module, read by Xen's domain builder. That builder is a patch
 * series outside any release, so no version passes the gate yet; the plan
 * still writes the form on request, with this warning.
 */
import { type XenVersion, isSupportedBy } from '../../model/version.js';

/** First release whose x86 boot reads a Hyperlaunch devicetree; undefined while none does. */
export const NATIVE_X86_SINCE: XenVersion | undefined = undefined;

export function readsNativeDtb(version: XenVersion): boolean {
  return NATIVE_X86_SINCE !== undefined && isSupportedBy(NATIVE_X86_SINCE, version);
}

export function nativeWarning(version: XenVersion): string {
  if (readsNativeDtb(version)) return `Xen ${version} reads the Hyperlaunch devicetree given as the first module`;
  return `no Xen release reads a Hyperlaunch devicetree on x86 (the domain builder series is not merged); Xen ${version} would take the DTB for dom0's kernel and fail to boot`;
}
