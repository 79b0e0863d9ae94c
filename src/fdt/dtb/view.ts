/**
 * A lazy, zero-copy view of a DTB: nothing is decoded until asked for. A
 * caller that walks only `/chosen` reads the header, steps over the tokens
 * of the root's earlier subtrees (words and lengths, no names, no objects)
 * and decodes `/chosen` alone. Property values are subarrays of the
 * caller's bytes, so the caller must not change those bytes while it uses
 * the view.
 *
 * The header is checked as readDtb checks it. The struct block is checked
 * only where it is walked: a blob that is broken after `/chosen` still
 * answers for `/chosen`, where readDtb refuses the whole blob. Names and
 * values are those readDtb gives (same byte strings, same bytes, same
 * order), for every blob version.
 */
import type { FdtCode } from '../codes.js';
import { FdtError } from '../errors.js';
import { FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_NOP, FDT_PROP } from './format.js';
import { type DtbHeader, readDtbHeader } from './read.js';
import { byteStringAt } from './string-table.js';

export interface DtbPropertyView {
  /** The name as a byte string (one char per byte), as readDtb gives it. */
  readonly name: string;
  /** The value: a view into the caller's blob, not a copy. */
  readonly bytes: Uint8Array;
}

/** The blob's bytes and the limits every read is checked against. */
class ViewSource {
  readonly bytes: Uint8Array;
  readonly structEnd: number;
  readonly stringsBase: number;
  readonly stringsLimit: number;
  readonly legacy: boolean;
  readonly structBase: number;

  constructor(
    blob: Uint8Array,
    readonly header: DtbHeader,
    readonly file: string | undefined,
  ) {
    this.bytes = new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
    this.structBase = header.offDtStruct;
    this.structEnd = header.totalsize;
    this.stringsBase = header.offDtStrings;
    this.stringsLimit = header.version >= 3 ? header.offDtStrings + header.sizeDtStrings! : header.totalsize;
    this.legacy = header.version < 16;
  }

  error(code: FdtCode, message: string, offset: number): FdtError {
    return new FdtError(code, message, { offset, hint: this.file ? `in ${this.file}` : undefined });
  }

  word(at: number): number {
    if (at + 4 > this.structEnd) throw this.error('DTB_TRUNCATED', 'Premature end of data parsing flat device tree', at);
    const b = this.bytes;
    return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  }

  /** Offset after a NUL-terminated name at `at`, realigned to 4 from the struct block's start. */
  skipName(at: number): number {
    const nul = this.bytes.indexOf(0, at);
    if (nul < 0 || nul >= this.structEnd) {
      throw this.error('DTB_TRUNCATED', 'Premature end of data parsing flat device tree', at);
    }
    return this.align(nul + 1, 4, at);
  }

  align(pos: number, to: number, at: number): number {
    // `to` is a power of two; (-off & (to - 1)) is exact below 2^53 (ToInt32 keeps it mod 2^32).
    const aligned = pos + (-(pos - this.structBase) & (to - 1));
    if (aligned > this.structEnd) throw this.error('DTB_TRUNCATED', 'Premature end of data parsing flat device tree', at);
    return aligned;
  }

  /** Where a FDT_PROP's value starts (`at` is the token); its length is word(at + 4). */
  valueStart(at: number): number {
    const len = this.word(at + 4);
    let start = at + 12;
    if (start > this.structEnd) throw this.error('DTB_TRUNCATED', 'Premature end of data parsing flat device tree', at);
    if (this.legacy && len >= 8) start = this.align(start, 8, at);
    if (start + len > this.structEnd) throw this.error('DTB_TRUNCATED', 'Premature end of data parsing flat device tree', start);
    return start;
  }

  /** The offset after a FDT_PROP whose value starts at `start`. */
  afterValue(at: number, start: number): number {
    const len = this.word(at + 4);
    return len === 0 ? start : this.align(start + len, 4, at);
  }

  /**
   * Subtree ends by FDT_BEGIN_NODE offset, recorded for every node a subtree
   * walk passes, so that walking a tree top-down steps over each token once,
   * not once per ancestor.
   */
  readonly ends = new Map<number, number>();

  /** Names by string offset: a blob names thousands of properties with a few hundred strings. */
  private readonly names = new Map<number, string>();

  /**
   * Offset after the FDT_END_NODE that closes the node whose FDT_BEGIN_NODE
   * is at `at`: a token walk, iterative, remembered in `ends` for that node
   * and every node inside it.
   */
  subtreeEnd(at: number): number {
    const known = this.ends.get(at);
    if (known !== undefined) return known;
    const open: number[] = [at];
    let t = this.skipName(at + 4);
    while (open.length > 0) {
      const token = this.word(t);
      switch (token) {
        case FDT_NOP:
          t += 4;
          break;
        case FDT_PROP:
          t = this.afterValue(t, this.valueStart(t));
          break;
        case FDT_BEGIN_NODE: {
          const end = this.ends.get(t);
          if (end !== undefined) {
            t = end;
          } else {
            open.push(t);
            t = this.skipName(t + 4);
          }
          break;
        }
        case FDT_END_NODE:
          t += 4;
          this.ends.set(open.pop()!, t);
          break;
        case FDT_END:
          throw this.error('DTB_PREMATURE_END', 'Premature FDT_END in device tree blob', t);
        default:
          throw this.error('DTB_BAD_TOKEN', `Invalid opcode word ${hex8(token)} in device tree blob`, t);
      }
    }
    return t;
  }

  propName(at: number): string {
    const stroff = this.word(at + 8);
    const hit = this.names.get(stroff);
    if (hit !== undefined) return hit;
    const start = this.stringsBase + stroff;
    const nul = start < this.stringsLimit ? this.bytes.indexOf(0, start) : -1;
    if (nul < 0 || nul >= this.stringsLimit) {
      throw this.error('DTB_BAD_STRING_OFFSET', `String offset ${stroff | 0} overruns string table`, at + 8);
    }
    const name = byteStringAt(this.bytes, start, nul);
    this.names.set(stroff, name);
    return name;
  }
}

/** One node of a DtbView; its properties and children are read when asked for. */
export class DtbNodeView {
  private cachedName?: string;
  /** Offset of the first token after the node's name; the end of its subtree once walked. */
  private readonly body: number;
  private end = -1;
  /** Whether a property follows one of the children (propertiesAfter), once known. */
  private lateProps: boolean | undefined;

  /** @internal */
  constructor(
    private readonly src: ViewSource,
    /** Offset of the node's FDT_BEGIN_NODE token. */
    readonly offset: number,
    private readonly parentFlat: string | undefined,
  ) {
    this.body = src.skipName(offset + 4);
  }

  /** The raw name stored in the blob (a full path before version 16). */
  private get flatName(): string {
    const nul = this.src.bytes.indexOf(0, this.offset + 4);
    return byteStringAt(this.src.bytes, this.offset + 4, nul);
  }

  /** The node name with its unit address (`cpu@0`); empty for the root. */
  get name(): string {
    if (this.cachedName === undefined) {
      const flat = this.flatName;
      this.cachedName = this.src.legacy ? legacyName(this.parentFlat ?? '', flat) : flat;
    }
    return this.cachedName;
  }

  /**
   * The properties in blob order (NOPs skipped), as dtc and readDtb read
   * them: a property that follows a child is the node's too (dtc warns of
   * it; libfdt's property iteration stops at the first child instead). So
   * reaching the first child is not the end: the walk steps over the
   * children's subtrees, once per node (propertiesAfter), to see whether a
   * property follows them. A caller that stops at the property it wants
   * (`property(name)` finding it) stops before that.
   */
  *properties(): IterableIterator<DtbPropertyView> {
    const src = this.src;
    let at = this.body;
    for (;;) {
      const token = src.word(at);
      switch (token) {
        case FDT_NOP:
          at += 4;
          break;
        case FDT_PROP: {
          const start = src.valueStart(at);
          yield { name: src.propName(at), bytes: src.bytes.subarray(start, start + src.word(at + 4)) };
          at = src.afterValue(at, start);
          break;
        }
        case FDT_BEGIN_NODE:
          if (!this.propertiesAfter(at)) return;
          at = src.subtreeEnd(at);
          break;
        default:
          // FDT_END_NODE ends the node; a bad token is left for children() and subtreeEnd() to report
          return;
      }
    }
  }

  /**
   * Whether a property follows a child, from the first child at `at` on,
   * stepping over the children's subtrees; remembered per node (most nodes
   * have none, and then their properties end at the first child).
   */
  private propertiesAfter(at: number): boolean {
    if (this.lateProps === undefined) {
      const src = this.src;
      let late = false;
      for (let t = at; ; ) {
        const token = src.word(t);
        if (token === FDT_NOP) t += 4;
        else if (token === FDT_BEGIN_NODE) t = src.subtreeEnd(t);
        else {
          late = token === FDT_PROP;
          break;
        }
      }
      this.lateProps = late;
    }
    return this.lateProps;
  }

  /** The value of the first property called `name` (libfdt's fdt_getprop), or undefined. */
  property(name: string): Uint8Array | undefined {
    for (const p of this.properties()) if (p.name === name) return p.bytes;
    return undefined;
  }

  /** The children in blob order. Stepping over a child's subtree decodes none of it. */
  *children(): IterableIterator<DtbNodeView> {
    const src = this.src;
    let at = this.body;
    // dtc accepts properties after subnodes (with a warning), so they are stepped over here too.
    for (;;) {
      const token = src.word(at);
      switch (token) {
        case FDT_NOP:
          at += 4;
          break;
        case FDT_PROP:
          at = src.afterValue(at, src.valueStart(at));
          break;
        case FDT_BEGIN_NODE: {
          const child = new DtbNodeView(src, at, this.src.legacy ? this.flatName : undefined);
          yield child;
          at = child.subtreeEnd();
          break;
        }
        case FDT_END_NODE:
          this.end = at + 4;
          return;
        case FDT_END:
          throw src.error('DTB_PREMATURE_END', 'Premature FDT_END in device tree blob', at);
        default:
          throw src.error('DTB_BAD_TOKEN', `Invalid opcode word ${hex8(token)} in device tree blob`, at);
      }
    }
  }

  /** The first child called exactly `name`, or undefined. */
  child(name: string): DtbNodeView | undefined {
    for (const c of this.children()) if (c.name === name) return c;
    return undefined;
  }

  /** Offset after this node's FDT_END_NODE: a token walk, iterative, remembered. */
  subtreeEnd(): number {
    if (this.end < 0) this.end = this.src.subtreeEnd(this.offset);
    return this.end;
  }
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}

/** A version 1-3 name is the full path minus the parent's (readDtb's rule, which refuses a bad path). */
function legacyName(parentPath: string, path: string): string {
  if (parentPath === '' && path === '') return '';
  const plen = parentPath === '/' ? 1 : parentPath.length + 1;
  if (!path.startsWith(parentPath) || path.length < plen) {
    throw new FdtError('DTB_BAD_PATH', `Path "${path}" is not valid as a child of "${parentPath}"`);
  }
  return path.slice(plen);
}

export interface DtbView {
  /** The checked header (readDtbHeader). */
  readonly header: DtbHeader;
  readonly root: DtbNodeView;
  /** The node at an absolute path (`/chosen`, `/soc/serial@0`), exact names, or undefined. */
  node(path: string): DtbNodeView | undefined;
}

/**
 * Opens a blob lazily. Throws FdtError for a bad header or a struct block
 * that does not begin with FDT_BEGIN_NODE; later damage surfaces as an
 * FdtError from the walk that reaches it.
 */
export function openDtb(blob: Uint8Array, opts: { file?: string } = {}): DtbView {
  const header = readDtbHeader(blob);
  const src = new ViewSource(blob, header, opts.file);
  const first = src.word(header.offDtStruct);
  if (first !== FDT_BEGIN_NODE) {
    throw src.error('DTB_NO_ROOT', `Device tree blob doesn't begin with FDT_BEGIN_NODE (begins with 0x${hex8(first)})`, header.offDtStruct);
  }
  const root = new DtbNodeView(src, header.offDtStruct, undefined);
  return {
    header,
    root,
    node(path: string): DtbNodeView | undefined {
      let n: DtbNodeView | undefined = root;
      for (const part of path.split('/')) {
        if (part === '') continue;
        n = n.child(part);
        if (!n) return undefined;
      }
      return n;
    },
  };
}
