/**
 * Constants of the flattened devicetree format (DTB) and dtc's table of
 * blob versions with the layout features each one implies.
 */

export const FDT_MAGIC = 0xd00dfeed;

export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;

/** Header sizes: v1 has 7 words, v2 adds boot_cpuid_phys, v3 size_dt_strings, v17 size_dt_struct. */
export const FDT_V1_SIZE = 28;
export const FDT_V2_SIZE = 32;
export const FDT_V3_SIZE = 36;
export const FDT_V17_SIZE = 40;

/** Size of one memory reservation entry (two u64). */
export const RESERVE_ENTRY_SIZE = 16;

export interface BlobVersion {
  version: number;
  lastCompVersion: number;
  headerSize: number;
  /** Node names are full paths (v1–3). */
  fullPath: boolean;
  /** Property values of 8 bytes or more start 8-aligned (v1–3). */
  varAlign: boolean;
  /** Every node carries a `name` property (v1–3). */
  nameProps: boolean;
  bootCpuid: boolean;
  strtabSize: boolean;
  structSize: boolean;
}

const LEGACY = { fullPath: true, varAlign: true, nameProps: true } as const;
const MODERN = { fullPath: false, varAlign: false, nameProps: false } as const;

/** The versions dtc can write (its version_table). */
export const BLOB_VERSIONS: readonly BlobVersion[] = [
  { version: 1, lastCompVersion: 1, headerSize: FDT_V1_SIZE, ...LEGACY, bootCpuid: false, strtabSize: false, structSize: false },
  { version: 2, lastCompVersion: 1, headerSize: FDT_V2_SIZE, ...LEGACY, bootCpuid: true, strtabSize: false, structSize: false },
  { version: 3, lastCompVersion: 1, headerSize: FDT_V3_SIZE, ...LEGACY, bootCpuid: true, strtabSize: true, structSize: false },
  { version: 16, lastCompVersion: 16, headerSize: FDT_V3_SIZE, ...MODERN, bootCpuid: true, strtabSize: true, structSize: false },
  { version: 17, lastCompVersion: 16, headerSize: FDT_V17_SIZE, ...MODERN, bootCpuid: true, strtabSize: true, structSize: true },
];

export const DEFAULT_BLOB_VERSION = 17;

export function findBlobVersion(version: number): BlobVersion | undefined {
  return BLOB_VERSIONS.find((v) => v.version === version);
}

/** dtc's join_path: `prefix/name`, without doubling a trailing slash. */
export function joinNodePath(prefix: string, name: string): string {
  return prefix.endsWith('/') ? prefix + name : `${prefix}/${name}`;
}
