/** What this machine can run: every external tool and file, its version, and the command that installs it. */
export { runDoctor, type DoctorOptions } from './run-doctor.js';
export { PROBES, type Probe, type CommandProbe, type FileProbe, type ArchitectureProbe, type CacheProbe } from './probes.js';
export { findOnPath } from './path-lookup.js';
export type { DoctorItem, DoctorReport, ItemKind, ItemStatus } from './item.js';
