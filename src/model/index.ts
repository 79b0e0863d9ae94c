/** The boot model: what Xen builds at boot, independent of the devicetree interface. */
export * from './version.js';
export * from './target.js';
export * from './unknown.js';
export * from './origin.js';
export * from './memory.js';
export * from './module.js';
export * from './roles.js';
export * from './cpus.js';
export * from './sharing.js';
export * from './domain.js';
export * from './hypervisor.js';
export * from './boot-model.js';
export * from './errors.js';
export * from './loss.js';
export * from './passthrough.js';
export * from './plain.js';
