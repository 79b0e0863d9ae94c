/**
 * The devicetree library: no dependencies, no Xen vocabulary. Reads and
 * writes DTB and DTS as dtc 1.6.1 does, runs dtc's checks, generates and
 * applies overlays as dtc and fdtoverlay do.
 */
export * from './errors.js';
export * from './srcpos.js';
export * from './tree/data.js';
export * from './tree/livetree.js';
export * from './tree/phandles.js';
export { readDtb, readDtbHeader, type DtbReadOptions, type DtbHeader } from './dtb/read.js';
export { openDtb, DtbNodeView, type DtbView, type DtbPropertyView } from './dtb/view.js';
export { writeDtb, type DtbWriteOptions } from './dtb/write.js';
export { FDT_MAGIC, DEFAULT_BLOB_VERSION } from './dtb/format.js';
export { parseDts, type DtsParseOptions } from './dts/parser.js';
export { printDts, printDtsBytes, printDtsChunks, encodeDtsText, type DtsPrintOptions } from './dts/print.js';
export {
  processChecks,
  parseCheckOption,
  formatCheckDiagnostic,
  CHECK_NAMES,
  // dtc's checks; "Dtc" keeps them apart from the boot-configuration rules in src/check.
  type DtcCheckSetting,
  type DtcCheckOptions,
  type DtcCheckDiagnostic,
  type DtcCheckResult,
} from './checks/dtc-checks.js';
export { generateLabelTree, generateFixupsTree, generateLocalFixupsTree } from './overlay/generate.js';
export { applyOverlays } from './fdtoverlay.js';
export { sortTree } from './tree/sort.js';
export * from './tree/property-views.js';
export * from './tree/addresses.js';
export * from './tree/summary.js';
export * from './dtc.js';
