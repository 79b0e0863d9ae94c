/**
 * Boot modules: blobs loaded next to Xen (kernels, ramdisks, partial device
 * trees, the XSM policy, microcode). Both interfaces describe them as child
 * nodes; they differ in compatible strings and in how the blob is located.
 */
import type { NodeOrigin } from './origin.js';
import type { UnknownNode, UnknownProperty } from './unknown.js';

export type ModuleKind = 'kernel' | 'ramdisk' | 'device-tree' | 'xsm-policy' | 'microcode' | 'config' | 'unspecified';

/**
 * Where the blob is: a physical range (`reg`, HL design `module-addr`), or
 * an index into the multiboot module list (HL `module-index`, design `mb-index`).
 */
export type ModuleLocation =
  | { type: 'range'; address: bigint; size: bigint }
  | { type: 'multiboot-index'; index: number };

export interface BootModule {
  /** Node name; writers invent one when absent. */
  name?: string;
  kind: ModuleKind;
  /** Kind inferred from the module's position (dom0less dom0 modules without a specific compatible). */
  implicitKind?: boolean;
  /** Compatible strings exactly as written, when read from a tree. */
  compatible?: string[];
  location?: ModuleLocation;
  /** dom0less UEFI: file name the EFI stub loads (it then creates `reg`). */
  uefiBinary?: string;
  /** Guest command line (kernel modules). */
  bootargs?: string;
  unknownProperties: UnknownProperty[];
  unknownNodes: UnknownNode[];
  origin?: NodeOrigin;
}

export function newModule(kind: ModuleKind, fields: Partial<BootModule> = {}): BootModule {
  return { kind, unknownProperties: [], unknownNodes: [], ...fields };
}
