/** x86 boot artifacts: the plan (dom0 + late launch) and its writers. */
export * from './boot-plan.js';
export * from './late-order.js';
export * from './module-source.js';
export * from './native-gate.js';
export * from './x86-losses.js';
export * from './xen-cmdline.js';
export * from './plan-x86.js';
export * from './grub-cfg.js';
export * from './xen-efi-cfg.js';
export * from './xl-config.js';
export * from './late-launch-script.js';
export * from './x86-images.js';
export * from './x86-layout.js';
export * from './x86-build.js';
export * from './grub-iso.js';
