/** What the configuration is for: the CPU architecture and the Xen release that will read it. */
import type { XenVersion } from './version.js';

export type Architecture = 'arm64' | 'x86_64';

export interface Target {
  arch?: Architecture;
  /** Unset: no version gating. */
  xenVersion?: XenVersion;
}
