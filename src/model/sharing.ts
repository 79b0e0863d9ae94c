/** Static inter-domain resources: shared memory regions and event channels fixed at boot. */
import type { NodeOrigin } from './origin.js';
import type { UnknownNode, UnknownProperty } from './unknown.js';

export interface SharedMemory {
  name: string;
  /** `xen,shm-id`: at most 15 characters (16 with the NUL). */
  id: string;
  /** Host physical address; unset lets Xen allocate. */
  hostAddress?: bigint;
  guestAddress: bigint;
  size: bigint;
  /** Unset = borrower. */
  role?: 'owner' | 'borrower';
  unknownProperties: UnknownProperty[];
  unknownNodes: UnknownNode[];
  origin?: NodeOrigin;
}

/** The other end of a static event channel: a channel node of some domain. */
export interface ChannelRef {
  domain: string;
  channel: string;
}

export interface EventChannel {
  name: string;
  localPort: number;
  remote: ChannelRef;
  unknownProperties: UnknownProperty[];
  unknownNodes: UnknownNode[];
  origin?: NodeOrigin;
}
