/** vCPU pinning (`xen,vcpu` nodes) and boot-time cpupools (`xen,cpupool` nodes). */
import type { NodeOrigin } from './origin.js';
import type { UnknownNode, UnknownProperty } from './unknown.js';

export interface VcpuPin {
  /** Node name. */
  name: string;
  /** vCPU number, 0..cpus-1. */
  id: number;
  /** pCPU list as Xen parses it, e.g. `1,4-7`. */
  hardAffinity?: string;
  unknownProperties: UnknownProperty[];
  unknownNodes: UnknownNode[];
  origin?: NodeOrigin;
}

export interface Cpupool {
  /** Node name; domains refer to the pool by it. */
  name: string;
  /** Host DT paths of the `device_type = "cpu"` nodes in the pool. */
  cpus: string[];
  /** Scheduler name (`credit2`, `null`, ...); unset = Xen's default. */
  scheduler?: string;
  unknownProperties: UnknownProperty[];
  unknownNodes: UnknownNode[];
  origin?: NodeOrigin;
}
