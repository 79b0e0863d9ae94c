/** The devicetree library: no dependencies, no Xen vocabulary. */
export * from './errors.js';
export * from './srcpos.js';
export * from './data.js';
export * from './livetree.js';
