/**
 * hyperlaunch — library entry point.
 *
 * The devicetree layer (`src/fdt`) is usable on its own: read and write DTB
 * and DTS exactly as dtc 1.6.1 does, apply overlays as fdtoverlay does.
 */
export * from './fdt/index.js';
/** One Diagnostic shape, one error base class, one printer; the code tables of every layer. */
export * from './diagnostics/diagnostic.js';
export * from './diagnostics/hyperlaunch-error.js';
export * from './diagnostics/print.js';
export { FDT_CODES, type FdtCode } from './fdt/codes.js';
export { checkDiagnostic } from './fdt/checks/diagnostic.js';
export { BOOT_CONFIG_CODES, type BootConfigCode } from './model/codes.js';
export { configErrorDiagnostic, warningDiagnostic } from './model/config-diagnostics.js';
export { QEMU_CODES, type QemuCode } from './qemu/codes.js';
export { REPORT_CODES, type ReportCode } from './report/codes.js';
export { IMAGEBUILDER_CODES, type ImageBuilderCode } from './bindings/imagebuilder/codes.js';
export { ImageBuilderError } from './bindings/imagebuilder/imagebuilder-error.js';
/** Pre-boot checks over the boot model. */
export * from './check/index.js';
/** ImageBuilder configs and boot artifacts (layout, U-Boot script, boot.scr, FIT). */
export * from './bindings/imagebuilder/index.js';
export * from './artifacts/index.js';
/**
 * The picture of a system: `buildReport` gathers the facts (domains and predicted domids,
 * memory ranges, CPUs, devices, links, findings), `reportHtml` / `reportSvg` draw them.
 */
export * from './report/index.js';
/** Boot under QEMU and read the serial log. */
export * from './qemu/index.js';
/** The boot model shared by every interface. */
export * from './model/index.js';
/** dom0less and Hyperlaunch devicetree interfaces <-> the boot model. */
export * from './bindings/index.js';
/** What this machine can run: external tools, versions, install commands. */
export * from './doctor/index.js';
