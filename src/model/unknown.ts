/**
 * Properties and nodes the model has no field for. Xen ignores what it does
 * not know, so a tool must not drop them either: they are kept verbatim
 * (bytes, dtc markers, labels, position) and written back unchanged.
 */
import type { PropertyValue } from '../fdt/tree/data.js';
import type { Node } from '../fdt/tree/livetree.js';
import type { SourcePosition } from '../fdt/srcpos.js';

export interface UnknownProperty {
  name: string;
  value: PropertyValue;
  position?: SourcePosition;
}

/** A whole child node kept as a subtree (detached copy of the source node). */
export interface UnknownNode {
  node: Node;
}
