/** dom0less and Hyperlaunch devicetree bindings ↔ the boot model. */
export { detectInterface, type Detection } from './detect.js';
export { readDom0less } from './dom0less/read.js';
export { writeDom0less, writeDom0lessReport, type WriteResult } from './dom0less/write.js';
export { readHyperlaunch } from './hyperlaunch/read.js';
export { writeHyperlaunch, writeHyperlaunchReport, type HyperlaunchWriteOptions } from './hyperlaunch/write.js';
export { readBootConfig, convert, type ConvertOptions, type Conversion } from './boot-config.js';
export type { ReadOptions } from './read-options.js';
export { versionFlags, versionFlagWarning, type VersionFlag } from './version-flags.js';
export { formatLoss } from './loss-error.js';
export { readPartialDeviceTree } from './partial-device-tree.js';
