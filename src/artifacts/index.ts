/** Boot artifacts: load layout, U-Boot script, boot.scr, FIT, edited host DTB. */
export * from './imagebuilder-plan/resolve.js';
export * from './layout.js';
export * from './dt-edits.js';
export * from './chosen-edits.js';
export * from './fdtput-apply.js';
export * from './file-types.js';
export * from './file-source.js';
export * from './crc32.js';
export * from './uimage.js';
export * from './fit.js';
export * from './reserved.js';
export * from './uboot-build.js';
export * from './from-devicetree.js';
export * from './fit-sign.js';
export * from './build-from-config.js';
export * from './output-write.js';
export * from './x86/index.js';
