/**
 * DTS output exactly as dtc 1.6.1 writes it for `-O dts`: the `/dts-v1/;`
 * header, memory reservations, then the tree with tab indentation and a blank
 * line before every child node. Deleted nodes, properties and labels are
 * skipped. dtc 1.6.1 writes neither `/plugin/` nor references: phandle cells
 * come out as numbers and path references as the strings they expanded to.
 *
 * The text is a byte string (one char per output byte), following the names
 * convention of string-table.ts: names read from a blob may hold any byte, and
 * dtc writes them raw. Everything else dtc writes is ASCII. Use encodeDtsText
 * to get the bytes.
 */
import type { Label, Node, ReserveEntry } from './livetree.js';
import type { DeviceTree } from './livetree.js';
import { formatPropertyValue } from './dts-value-format.js';
import { nameToByteString } from './string-table.js';

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

function propertyPath(node: Node, propName: string): string {
  return `${node.path}:${propName}`;
}

/** Node header line and its properties. */
function* nodeOpening(node: Node, level: number, indent: Indent): Generator<string> {
  const name = node.name !== '' ? nameToByteString(node.name) : '/';
  yield `${indent.at(level)}${labelPrefix(node.labels)}${name} {\n`;
  const inner = indent.at(level + 1);
  for (const prop of node.liveProperties()) {
    // The path is only built when formatting fails, to keep printing linear.
    const text = formatPropertyValue(prop.value, () => propertyPath(node, prop.name));
    yield `${inner}${labelPrefix(prop.labels)}${nameToByteString(prop.name)}${text}\n`;
  }
}

interface Frame {
  level: number;
  children: Node[];
  next: number;
}

/**
 * The tree, walked with an explicit stack: a 100,000-level chain of nodes
 * must not overflow the JavaScript call stack.
 */
function* treeChunks(root: Node): Generator<string> {
  const indent = new Indent();
  const frame = (node: Node, level: number): Frame => ({ level, children: [...node.liveChildren()], next: 0 });
  yield* nodeOpening(root, 0, indent);
  const stack: Frame[] = [frame(root, 0)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next < top.children.length) {
      const child = top.children[top.next++]!;
      yield '\n';
      yield* nodeOpening(child, top.level + 1, indent);
      stack.push(frame(child, top.level + 1));
    } else {
      yield `${indent.at(top.level)}};\n`;
      stack.pop();
    }
  }
}

/**
 * The DTS text in pieces, for writing a stream: very deep trees give more
 * text (indentation grows with depth) than one JavaScript string can hold.
 */
export function* printDtsChunks(tree: DeviceTree): Generator<string> {
  yield '/dts-v1/;\n\n';
  for (const r of tree.reservations) yield reservationLine(r);
  yield* treeChunks(tree.root);
}

/** The whole text dtc 1.6.1 writes for `-O dts`. */
export function printDts(tree: DeviceTree): string {
  return [...printDtsChunks(tree)].join('');
}

/** The bytes of printDts text (one byte per char; see the note at the top). */
export function encodeDtsText(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
