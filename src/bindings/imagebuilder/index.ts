/** ImageBuilder config files (uboot-script-gen's), read as data and written back. */
export * from './shell-config.js';
export * from './arithmetic.js';
export * from './config.js';
export * from './plan.js';
export * from './write-config.js';
export * from './model.js';
