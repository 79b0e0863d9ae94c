/**
 * DTS output exactly as dtc 1.6.1 writes it for `-O dts`: the `/dts-v1/;`
 * header, memory reservations, then the tree with tab indentation and a blank
 * line before every child node. Deleted nodes, properties and labels are
 * skipped. dtc 1.6.1 writes neither `/plugin/` nor references: phandle cells
 * come out as numbers and path references as the strings they expanded to.
 *
 * The text is a byte string (one char per output byte), following the names
 * convention of dtb/string-table.ts: names read from a blob may hold any byte, and
 * dtc writes them raw. Everything else dtc writes is ASCII. Use encodeDtsText
 * to get the bytes.
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
import type { Label, Node, ReserveEntry } from '../tree/livetree.js';
import type { DeviceTree } from '../tree/livetree.js';
import { Annotator } from './annotation.js';
import { formatPropertyValue } from './value-format.js';
import type { SourcePosition } from '../srcpos.js';
import { nameToByteString } from '../dtb/string-table.js';

const U64_MASK = (1n << 64n) - 1n;

/** `a: b: ` for the live labels, in list order (the list is already newest-first). */
function labelPrefix(labels: readonly Label[]): string {
  let s = '';
  for (const l of labels) if (!l.deleted) s += `${nameToByteString(l.name)}: `;
  return s;
}

function hex16(v: bigint): string {
  return `0x${(v & U64_MASK).toString(16).padStart(16, '0')}`;
}

function reservationLine(r: ReserveEntry): string {
  return `${labelPrefix(r.labels)}/memreserve/\t${hex16(r.address)} ${hex16(r.size)};\n`;
}

/** Indentation strings, grown on demand so deep trees don't rebuild them per line. */
class Indent {
  private readonly cache: string[] = [''];

  at(level: number): string {
    while (this.cache.length <= level) this.cache.push(`${this.cache[this.cache.length - 1]!}\t`);
    return this.cache[level]!;
  }
}

/** Every definition of a node, the original first (dtc's srcpos list). */
function nodePositions(node: Node): SourcePosition[] {
  return node.position ? [node.position, ...(node.alsoDefinedAt ?? [])] : [];
}

function makeAnnotator(tree: DeviceTree, opts: DtsPrintOptions): Annotator | undefined {
  if (!opts.annotate || opts.annotate < 1) return undefined;
  return new Annotator(opts.annotate, opts.initialPath ?? tree.root.position?.file ?? '');
}

function propertyPath(node: Node, propName: string): string {
  return `${node.path}:${propName}`;
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
 */
class TreeWriter {
  parts: string[] = [];
  private readonly indent = new Indent();
  private readonly stack: Frame[] = [];

  constructor(
    root: Node,
    private readonly annotator?: Annotator,
  ) {
    this.open(root, 0);
  }

  /** The annotation comment for a node ('' when not annotating). */
  private nodeComment(node: Node, end: 'first' | 'last'): string {
    return this.annotator ? this.annotator.comment(nodePositions(node), end) : '';
  }

  private push(s: string): void {
    this.parts.push(s);
  }

  private open(node: Node, level: number): void {
    const name = node.name !== '' ? nameToByteString(node.name) : '/';
    this.push(`${this.indent.at(level)}${labelPrefix(node.labels)}${name} {${this.nodeComment(node, 'first')}\n`);
    const inner = this.indent.at(level + 1);
    for (const prop of node.properties) {
      if (prop.deleted) continue;
      // The path is only built when formatting fails, to keep printing linear.
      const text = formatPropertyValue(prop.value, () => propertyPath(node, prop.name));
      const comment = this.annotator ? this.annotator.comment(prop.position ? [prop.position] : [], 'first') : '';
      this.push(`${inner}${labelPrefix(prop.labels)}${nameToByteString(prop.name)}${text}${comment}\n`);
    }
    this.stack.push({ node, level, next: 0 });
  }

  /** Writes the next node opening or closing; false once the root is closed. */
  step(): boolean {
    const top = this.stack[this.stack.length - 1];
    if (!top) return false;
    const children = top.node.children;
    while (top.next < children.length && children[top.next]!.deleted) top.next++;
    if (top.next < children.length) {
      const child = children[top.next++]!;
      this.push('\n');
      this.open(child, top.level + 1);
    } else {
      this.push(`${this.indent.at(top.level)}};${this.nodeComment(top.node, 'last')}\n`);
      this.stack.pop();
    }
    return this.stack.length > 0;
  }

  /** The text written so far, emptying the buffer. */
  take(): string {
    const s = this.parts.join('');
    this.parts = [];
    return s;
  }

  /** The pieces written so far, unjoined, emptying the buffer. */
  drain(): string[] {
    const p = this.parts;
    this.parts = [];
    return p;
  }
}

function header(tree: DeviceTree): string {
  let s = '/dts-v1/;\n\n';
  for (const r of tree.reservations) s += reservationLine(r);
  return s;
}

/**
 * The DTS text in pieces (about a line each), for writing a stream: very
 * deep trees give more text (indentation grows with depth) than one
 * JavaScript string can hold. Pieces are not joined here because joining is
 * what costs on such trees.
 */
export function* printDtsChunks(tree: DeviceTree, opts: DtsPrintOptions = {}): Generator<string> {
  yield header(tree);
  const w = new TreeWriter(tree.root, makeAnnotator(tree, opts));
  let more = true;
  while (more) {
    more = w.step();
    yield* w.drain();
  }
}

/** The whole text dtc 1.6.1 writes for `-O dts`. */
export function printDts(tree: DeviceTree, opts: DtsPrintOptions = {}): string {
  const w = new TreeWriter(tree.root, makeAnnotator(tree, opts));
  while (w.step());
  return header(tree) + w.take();
}

/** The bytes of printDts text (one byte per char; see the note at the top). */
export function encodeDtsText(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  // latin1 keeps the low byte of each char, as the assignment out[i] = charCode would; done natively.
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(text, 'latin1');
  return out;
}
