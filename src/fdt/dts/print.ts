/**
 * DTS output exactly as dtc 1.6.1 writes it for `-O dts`: the `/dts-v1/;`
 * header, memory reservations, then the tree with tab indentation and a blank
 * line before every child node. Deleted nodes, properties and labels are
 * skipped. dtc 1.6.1 writes neither `/plugin/` nor references: phandle cells
 * come out as numbers and path references as the strings they expanded to.
 *
 * The output is bytes (printDtsBytes), written straight into one buffer;
 * printDts gives the same as a byte string (one char per output byte),
 * following the names convention of dtb/string-table.ts: names read from a
 * blob may hold any byte, and dtc writes them raw. Everything else dtc writes
 * is ASCII. encodeDtsText turns such a string back into the bytes.
 */

export interface DtsPrintOptions {
  /**
   * dtc's -T count: 1 adds `file:line` comments, 2 or more the full
   * file name and span. dtc only allows it for dts input.
   */
  annotate?: number;
  /**
   * dtc's "initial path" that -T shortens file names against: the input file
   * name as given, or the file named by the first cpp line marker when the
   * source has one. Default: the root node's first position's file.
   */
  initialPath?: string;
}
import { Buffer } from 'node:buffer';
import type { Label, Node, Property, ReserveEntry } from '../tree/livetree.js';
import type { DeviceTree } from '../tree/livetree.js';
import { Annotator } from './annotation.js';
import { putUnmarkedValue, unmarkedValueRoom, writePropertyValue } from './value-format.js';
import type { SourcePosition } from '../srcpos.js';
import { TextBuffer, putName } from './text-buffer.js';

const U64_MASK = (1n << 64n) - 1n;

const NL = 0x0a;
const SPACE = 0x20;

/** `a: b: ` for the live labels, in list order (the list is already newest-first). */
function writeLabels(out: TextBuffer, labels: readonly Label[]): void {
  for (const l of labels) {
    if (l.deleted) continue;
    out.name(l.name);
    out.ensure(2);
    out.buf[out.pos++] = 0x3a; // :
    out.buf[out.pos++] = SPACE;
  }
}

function hex16(v: bigint): string {
  return `0x${(v & U64_MASK).toString(16).padStart(16, '0')}`;
}

function writeHeader(out: TextBuffer, tree: DeviceTree): void {
  out.latin1('/dts-v1/;\n\n');
  for (const r of tree.reservations) writeReservation(out, r);
}

function writeReservation(out: TextBuffer, r: ReserveEntry): void {
  writeLabels(out, r.labels);
  out.latin1(`/memreserve/\t${hex16(r.address)} ${hex16(r.size)};\n`);
}

/** Every definition of a node, the original first (dtc's srcpos list). */
function nodePositions(node: Node): SourcePosition[] {
  return node.position ? [node.position, ...(node.alsoDefinedAt ?? [])] : [];
}

function makeAnnotator(tree: DeviceTree, opts: DtsPrintOptions): Annotator | undefined {
  if (!opts.annotate || opts.annotate < 1) return undefined;
  return new Annotator(opts.annotate, opts.initialPath ?? tree.root.position?.file ?? '');
}

/** Indentation strings for printDtsChunks, grown on demand; each level shares the previous one's text. */
class Indent {
  private readonly cache: string[] = [''];

  at(level: number): string {
    while (this.cache.length <= level) this.cache.push(`${this.cache[this.cache.length - 1]!}\t`);
    return this.cache[level]!;
  }
}

interface Frame {
  node: Node;
  level: number;
  /** Index of the next child to visit. */
  next: number;
}

/**
 * Writes the tree one node event (opening with properties, or closing) per
 * step, walking with an explicit stack: a 100,000-level chain of nodes must
 * not overflow the JavaScript call stack.
 *
 * With `pieces` set (printDtsChunks), indentation is not written as bytes:
 * the text so far is moved into `pieces` as a string and the indentation
 * follows as a shared string from `Indent`, because a very deep tree has more
 * indentation than fits in memory as bytes (depth^2 tabs).
 */
class TreeWriter {
  private readonly stack: Frame[] = [];
  private readonly indentStrings?: Indent;

  constructor(
    readonly out: TextBuffer,
    root: Node,
    private readonly annotator?: Annotator,
    private readonly pieces?: string[],
  ) {
    if (pieces) this.indentStrings = new Indent();
    this.open(root, 0);
  }

  private indent(level: number): void {
    if (this.pieces === undefined) {
      this.out.tabs(level);
    } else if (level > 0) {
      if (this.out.pos > 0) this.pieces.push(this.out.takeString());
      this.pieces.push(this.indentStrings!.at(level));
    }
  }

  /** The annotation comment (undefined when not annotating), then the newline. */
  private endLine(comment: string | undefined): void {
    if (comment !== undefined) this.out.latin1(comment);
    this.out.byte(NL);
  }

  private open(node: Node, level: number): void {
    const out = this.out;
    this.indent(level);
    if (node.hasLabels) writeLabels(out, node.labels);
    if (node.name !== '') out.name(node.name);
    else out.byte(0x2f); // /
    out.ensure(2);
    out.buf[out.pos++] = SPACE;
    out.buf[out.pos++] = 0x7b; // {
    this.endLine(this.annotator?.comment(nodePositions(node), 'first'));
    // Plain lines (bytes output, no annotation) are written with one room check and a local position.
    const plain = this.pieces === undefined && this.annotator === undefined;
    const props = node.properties;
    for (let i = 0; i < props.length; i++) {
      const prop = props[i]!;
      if (prop.deleted) continue;
      const value = prop.value;
      if (plain && value.markers.length === 0 && !prop.hasLabels) {
        const name = prop.name;
        const len = value.length;
        out.ensure(level + 2 + name.length + unmarkedValueRoom(len));
        const buf = out.buf;
        let p = out.pos;
        for (let t = 0; t <= level; t++) buf[p++] = 0x09;
        p = putName(buf, p, name);
        if (p >= 0) {
          p = putUnmarkedValue(buf, p, value.source, value.start, len);
          buf[p] = NL;
          out.pos = p + 1;
          continue;
        }
      }
      this.propertyLine(node, prop, level + 1);
    }
    this.stack.push({ node, level, next: 0 });
  }

  private propertyLine(node: Node, prop: Property, level: number): void {
    const out = this.out;
    this.indent(level);
    if (prop.hasLabels) writeLabels(out, prop.labels);
    out.name(prop.name);
    // The path is only built when formatting fails, to keep printing linear.
    writePropertyValue(out, prop.value, () => `${node.path}:${prop.name}`);
    this.endLine(this.annotator?.comment(prop.position ? [prop.position] : [], 'first'));
  }

  /** Writes the next node opening or closing; false once the root is closed. */
  step(): boolean {
    const top = this.stack[this.stack.length - 1];
    if (!top) return false;
    const children = top.node.children;
    while (top.next < children.length && children[top.next]!.deleted) top.next++;
    if (top.next < children.length) {
      const child = children[top.next++]!;
      this.out.byte(NL);
      this.open(child, top.level + 1);
    } else {
      this.indent(top.level);
      this.out.ensure(2);
      this.out.buf[this.out.pos++] = 0x7d; // }
      this.out.buf[this.out.pos++] = 0x3b; // ;
      this.endLine(this.annotator?.comment(nodePositions(top.node), 'last'));
      this.stack.pop();
    }
    return this.stack.length > 0;
  }
}

function writeDts(out: TextBuffer, tree: DeviceTree, opts: DtsPrintOptions): void {
  writeHeader(out, tree);
  const w = new TreeWriter(out, tree.root, makeAnnotator(tree, opts));
  while (w.step());
}

/**
 * The DTS text in pieces (about a line each, indentation separate), for
 * writing a stream: very deep trees give more text (indentation grows with
 * depth) than one JavaScript string can hold. Pieces are not joined here
 * because joining is what costs on such trees.
 */
export function* printDtsChunks(tree: DeviceTree, opts: DtsPrintOptions = {}): Generator<string> {
  const out = new TextBuffer(1 << 12);
  writeHeader(out, tree);
  const pieces: string[] = [];
  const w = new TreeWriter(out, tree.root, makeAnnotator(tree, opts), pieces);
  let more = true;
  while (more) {
    more = w.step();
    if (out.pos > 0) pieces.push(out.takeString());
    yield* pieces;
    pieces.length = 0;
  }
}

/**
 * The last call's output buffer (take() copies out of it): a fresh one per
 * tree grew by doubling for every large tree of a batch, and each first
 * growth sent the printer's optimised code back to the interpreter. Kept
 * only up to SPARE_MAX bytes.
 */
let spare: Uint8Array | undefined;
const SPARE_MAX = 4 << 20;

/** The bytes dtc 1.6.1 writes for `-O dts`. */
export function printDtsBytes(tree: DeviceTree, opts: DtsPrintOptions = {}): Uint8Array {
  const out = new TextBuffer(undefined, spare);
  spare = undefined;
  writeDts(out, tree, opts);
  const bytes = out.take();
  if (out.buf.length <= SPARE_MAX) spare = out.buf;
  return bytes;
}

/** The whole text dtc 1.6.1 writes for `-O dts`, as a byte string (see the note at the top). */
export function printDts(tree: DeviceTree, opts: DtsPrintOptions = {}): string {
  const out = new TextBuffer();
  writeDts(out, tree, opts);
  return out.takeString();
}

/** The bytes of printDts text (one byte per char; see the note at the top). */
export function encodeDtsText(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  // latin1 keeps the low byte of each char, as the assignment out[i] = charCode would; done natively.
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(text, 'latin1');
  return out;
}
