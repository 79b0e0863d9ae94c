/**
 * Every code a Xen build description raises (XenConfigError): a `.config`,
 * an Image or `--xen` that cannot say which Xen will boot. Check findings
 * carry rule ids instead (docs/rules.md).
 */
import { type CodeInfo, errorCode as e } from '../diagnostics/diagnostic.js';

export const XEN_CONFIG_CODES = {
  KCONFIG_SYNTAX: e('a line of the Xen .config is neither an option, a comment nor blank', 'give the .config of a Xen build (xen/.config after make)'),
  KCONFIG_NOT_XEN: e('the .config names no Xen architecture (no CONFIG_ARM_64, CONFIG_ARM_32 or CONFIG_X86_64)', 'give the xen/.config of the build, not a fragment'),
  XEN_VERSION_UNKNOWN: e('nothing says the Xen release: the .config has no header and no --xen was given', 'add --xen VERSION'),
  XEN_VERSION_MISMATCH: e('two inputs (--xen, the .config header, the Image) name different Xen releases', 'give the .config and --xen of the Image that boots'),
  XEN_TARGET_CONFLICT: e('--xen debian-4.17 brings its own Kconfig facts, which --xen-config would replace', 'give --xen VERSION with --xen-config'),
  XEN_IMAGE_FORMAT: e('the --xen-image file is not an arm64 Image', 'give the xen binary of an arm64 build'),
  XEN_IMAGE_VERSION: e('the Xen release cannot be read from the Image (no, or several, xen,xen-N.M strings)', 'say the release with --xen VERSION'),
} as const satisfies Record<string, CodeInfo>;

export type XenConfigCode = keyof typeof XEN_CONFIG_CODES;
