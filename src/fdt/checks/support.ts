/**
 * Shared vocabulary of the check groups: the shape of one check, the context
 * a check body sees, and the byte-level readers the bodies use. The readers
 * follow how dtc looks at a value (a big-endian cell, a C string that stops
 * at the first NUL) but never read outside the value: where dtc would read
 * past the end we read zero, and where dtc would abort on an assertion we
 * throw an FdtError instead.
 */
import { FdtError } from '../errors.js';
import type { DeviceTree, Node, Property } from '../tree/livetree.js';
import type { PropertyValue, ValueArena } from '../tree/data.js';
import { bytesToByteString, nameToByteString } from '../dtb/string-table.js';
import type { TreeLookup } from '../tree/phandle-index.js';
import type { PhandleFormat } from '../tree/phandles.js';

export type { PhandleFormat };

/** What a check body can see and do while it runs. */
export interface DtcCheckContext {
  readonly tree: DeviceTree;
  readonly lookup: TreeLookup;
  readonly phandleFormat: PhandleFormat;
  readonly generateSymbols: boolean;
  /** Name of the running check, for assertion errors. */
  readonly checkName: string;
  /** Nodes the run's fixups deleted (they still have the paths dtc filled in before the checks). */
  readonly deletedInRun: Set<Node>;
  /** Where values the fixups add (phandle properties) keep their bytes. */
  readonly values: ValueArena;
  /** Memo space that lives for one run of one check (e.g. per-parent name sets); made on first use. */
  readonly scratch: Map<object, unknown>;
  /** dtc's FAIL: report against a node. */
  fail(node: Node, message: string): void;
  /** dtc's FAIL_PROP: report against a property (which may be absent, as in dtc). */
  failProp(node: Node, prop: Property | undefined, message: string): void;
}

export type DtcCheckBody = (ctx: DtcCheckContext, node: Node) => void;

/**
 * One row of the check table. N is its name and P the names of its
 * prerequisites, kept as literal types so that the table can prove at
 * compile time that every prerequisite is a row of it (dtc-checks.ts).
 */
export interface DtcCheckSpec<N extends string = string, P extends string = string> {
  readonly name: N;
  /** Enabled-by-default level: dtc's WARNING, ERROR or CHECK (off). */
  readonly level: 'warning' | 'error' | 'off';
  readonly prereqs: readonly P[];
  /** Called for every live node, parents first; absent for always-passing rows. */
  readonly visit?: DtcCheckBody;
  /**
   * Set when `visit` can only act on some nodes that the runner can list
   * cheaply (see Candidates): the runner then calls it on those nodes alone,
   * in visiting order, instead of on every node.
   */
  readonly only?: Candidates;
  /**
   * Called once when the check runs, before `visit`, with every node in
   * visiting order (deleted ones included: skip them): the part of a fixup
   * that touches every node, done in one plain loop so that `visit` can be
   * left to the candidates.
   */
  readonly prepare?: (nodes: readonly Node[]) => void;
}

/**
 * Which nodes a check body can act on: a superset is fine, since the body
 * still tests everything itself, but a node it could act on must never be
 * left out. The runner lists them all in one pass over the properties, made
 * once per run (dtc-checks.ts says why the fixup checks' edits leave the
 * lists valid).
 */
export type Candidates =
  /**
   * Nodes with a live property of one of these names (`deletedToo`: or a
   * deleted one), or whose base name (before any `@`) is one of `baseNames`.
   */
  | { readonly kind: 'property'; readonly names: readonly string[]; readonly deletedToo?: boolean; readonly baseNames?: readonly string[] }
  /** Nodes with two or more children (deleted ones counted): the checks that compare siblings. */
  | { readonly kind: 'siblings' }
  /** Nodes with a live property whose name passes the test (a pure function of the name: its answer is kept across runs). */
  | { readonly kind: 'propertyName'; readonly test: (name: string) => boolean }
  /** Nodes with two live properties of one name. */
  | { readonly kind: 'duplicatePropertyName' }
  /** Nodes with a live property whose value has a marker of this type. */
  | { readonly kind: 'marker'; readonly type: 'ref-phandle' | 'ref-path' }
  /** Nodes with a label: their own, a live property's, or a label marker in a live property's value. */
  | { readonly kind: 'label' }
  /** Nodes marked /omit-if-no-ref/. */
  | { readonly kind: 'omitIfUnused' }
  /** Nodes with this full name. */
  | { readonly kind: 'nodeName'; readonly name: string }
  /** The root node. */
  | { readonly kind: 'root' };

export function spec<const N extends string, const P extends string = never>(name: N, level: DtcCheckSpec['level'], visit: DtcCheckBody | undefined, ...prereqs: P[]): DtcCheckSpec<N, P> {
  return { name, level, prereqs, visit };
}

/** The same row, visiting only `only` (see Candidates). */
export function visiting<S extends DtcCheckSpec>(only: Candidates, row: S): S {
  return { ...row, only };
}

/** A check row whose body only acts on nodes carrying `propName`. */
export function propertySpec<const N extends string, const P extends string = never>(
  name: N, level: DtcCheckSpec['level'], propName: string, visit: DtcCheckBody, ...prereqs: P[]
): DtcCheckSpec<N, P> {
  return { name, level, prereqs, visit, only: { kind: 'property', names: [propName] } };
}

const WHAT_DTC_DOES: Record<string, string> = {
  DTC_CHECK_ASSERT: 'fails an assertion (abort)',
  DTC_CHECK_CRASH: 'crashes (segmentation fault)',
  DTC_CHECK_HANG: 'loops forever',
};

/**
 * Where dtc 1.6.1 would abort on an assertion, crash or loop forever, we stop
 * with this error instead (exit status 1 semantics: no output).
 */
export function dtcWouldFail(
  ctx: DtcCheckContext,
  node: Node,
  what: string,
  code: 'DTC_CHECK_ASSERT' | 'DTC_CHECK_CRASH' | 'DTC_CHECK_HANG' = 'DTC_CHECK_ASSERT',
): FdtError {
  return new FdtError(code, `check ${ctx.checkName}: ${what}; dtc 1.6.1 ${WHAT_DTC_DOES[code]} on this input`, {
    path: fullPath(node),
    hint: 'fix the property named in the message; dtc 1.6.1 cannot process this tree either',
  });
}

/** dtc's propval_cell, which asserts the value is exactly one cell. */
export function propvalCell(ctx: DtcCheckContext, node: Node, prop: Property): number {
  if (prop.value.length !== 4) {
    throw dtcWouldFail(ctx, node, `property ${prop.name} of ${fullPath(node)} is ${prop.value.length} bytes, not one cell`);
  }
  return prop.value.cellAt(0);
}

/** A cell read as C `int`. */
export function asInt(v: number): number {
  return v | 0;
}

/**
 * The value as a C string for `%s`: up to the first NUL (or the end);
 * `(null)` for an empty value, whose buffer dtc leaves NULL.
 */
export function cString(bytes: Uint8Array): string {
  if (bytes.length === 0) return '(null)';
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  return latin1(bytes.subarray(0, end));
}

/** The value as C `streq` sees it; empty values compare unequal to everything (dtc would crash). */
export function valueEquals(value: PropertyValue, s: string): boolean {
  const len = value.length;
  if (len === 0) return false;
  let end = value.indexOf(0, 0);
  if (end < 0) end = len;
  return entryEquals(value, 0, end, s);
}

/** Whether the value's bytes from `start` to `end` are `s`, one char per byte (a string-list entry, without its NUL). */
export function entryEquals(value: PropertyValue, start: number, end: number, s: string): boolean {
  if (end - start !== s.length) return false;
  for (let i = 0; i < s.length; i++) if (value.byteAt(start + i) !== s.charCodeAt(i)) return false;
  return true;
}

/** One char per byte, like the tree's names, so messages carry dtc's exact bytes (no spread: it iterates). */
function latin1(b: Uint8Array): string {
  return bytesToByteString(b);
}

/** A character set for strspn, as a table indexed by char code (names hold one byte per char). */
export type CharSet = Uint8Array;

export function charSet(chars: string): CharSet {
  const set = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) set[chars.charCodeAt(i)] = 1;
  return set;
}

/** C strspn over a character set. */
export function strspn(s: string, accept: CharSet): number {
  let n = 0;
  while (n < s.length && accept[s.charCodeAt(n)] === 1) n++;
  return n;
}

/** %x of an unsigned 32-bit value. */
export function hex(v: number): string {
  return (v >>> 0).toString(16);
}

/** dtc's is_multiple_of over C ints (divisor 0 means "only zero"). */
export function isMultipleOf(multiple: number, divisor: number): boolean {
  return divisor === 0 ? multiple === 0 : multiple % divisor === 0;
}

/** dtc's node_addr_cells / node_size_cells: -1 (unset) means the defaults 2 and 1. */
export function nodeAddrCells(n: Node): number {
  return n.addrCells === -1 ? 2 : n.addrCells;
}
export function nodeSizeCells(n: Node): number {
  return n.sizeCells === -1 ? 1 : n.sizeCells;
}

/**
 * Live children, as dtc's for_each_child visits them. Returns the node's own
 * array when nothing in it is deleted (the common case), so treat it as
 * read-only.
 */
export function liveChildren(n: Node): readonly Node[] {
  const kids = n.children;
  for (let i = 0; i < kids.length; i++) if (kids[i]!.deleted) return kids.filter((c) => !c.deleted);
  return kids;
}

/** Live properties, in order (same sharing rule as liveChildren). */
export function liveProps(n: Node): readonly Property[] {
  const props = n.properties;
  for (let i = 0; i < props.length; i++) if (props[i]!.deleted) return props.filter((p) => !p.deleted);
  return props;
}

/** dtc's delete_node: mark the node, its live subtree, properties and labels deleted; the nodes it marks go into `marked`. */
export function deleteNode(node: Node, marked: Set<Node>): void {
  node.deleted = true;
  marked.add(node);
  for (const c of node.children) if (!c.deleted) deleteNode(c, marked);
  for (const p of node.properties) {
    if (p.deleted) continue;
    p.deleted = true;
    if (p.hasLabels) for (const l of p.labels) l.deleted = true;
  }
  if (node.hasLabels) for (const l of node.labels) l.deleted = true;
}

/** dtc's node->fullpath, built without recursion so very deep trees cannot overflow the stack. */
export function fullPath(node: Node): string {
  const parts: string[] = [];
  for (let n: Node | undefined = node; n && n.parent; n = n.parent) parts.push(nameToByteString(n.name));
  return parts.length === 0 ? '/' : `/${parts.reverse().join('/')}`;
}
