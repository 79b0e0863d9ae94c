/**
 * How an entity was written in its source tree. Writers use it to give back
 * the same bytes for values the model did not change: the property order,
 * the original encoding of an equal value (`vpl011 = <1>` rather than an
 * empty `vpl011`, legacy compatibles, labels, phandle references), and the
 * order of child nodes. An origin only applies to the interface it was read
 * from; a conversion writes canonical forms.
 */
import type { PropertyValue } from '../fdt/tree/data.js';
import type { SourcePosition } from '../fdt/srcpos.js';

export type BindingInterface = 'dom0less' | 'hyperlaunch';

export interface PropertyOrigin {
  name: string;
  value: PropertyValue;
  /** Fingerprint of the model value decoded from `value`; equal fingerprint ⇒ reuse `value`. */
  fingerprint: string;
  position?: SourcePosition;
}

export interface NodeOrigin {
  interface: BindingInterface;
  path: string;
  position?: SourcePosition;
  labels: string[];
  properties: PropertyOrigin[];
  /** Child node names in source order. */
  children: string[];
}
