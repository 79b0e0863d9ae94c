/**
 * hyperlaunch — library entry point.
 *
 * The devicetree layer (`src/fdt`) is usable on its own: read and write DTB
 * and DTS exactly as dtc 1.6.1 does, apply overlays as fdtoverlay does.
 */
export * from './fdt/index.js';
/** Pre-boot checks over the boot model. */
export * from './check/index.js';
/** ImageBuilder configs and boot artifacts (layout, U-Boot script, boot.scr, FIT). */
export * from './bindings/imagebuilder/index.js';
export * from './build/index.js';
/** Boot under QEMU and read the serial log. */
export * from './qemu/index.js';
/** The boot model shared by every interface. */
export * from './model/index.js';
/** dom0less and Hyperlaunch devicetree interfaces <-> the boot model. */
export * from './bindings/index.js';
/** What this machine can run: external tools, versions, install commands. */
export * from './doctor/index.js';
