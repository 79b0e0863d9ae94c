/**
 * What a conversion could not carry over. Every dropped property, node or
 * value is one entry, located by the DT path it came from, so that a user
 * can decide whether the converted configuration still means the same.
 */
import type { SourcePosition } from '../fdt/srcpos.js';
import type { BootConfigCode } from './codes.js';
import type { BindingInterface } from './origin.js';

/** What a loss is measured against: a devicetree interface, or what Xen on x86 boots today (GRUB/EFI + xl). */
export type LossTarget = BindingInterface | 'xen-x86';

export interface Loss {
  /** One of BOOT_CONFIG_CODES (the conversion losses). */
  code: BootConfigCode;
  /** DT path of the node (and `:property`) that is dropped, as read. */
  path: string;
  /** Model field or DT property name. */
  item: string;
  /** Why the target interface cannot express it. */
  reason: string;
  to: LossTarget;
  position?: SourcePosition;
}
