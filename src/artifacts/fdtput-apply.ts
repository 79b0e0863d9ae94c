/**
 * Apply DtEdits to a blob as `fdtput -p` does through libfdt: a new property
 * goes first in its node, a new subnode goes before the existing ones, a
 * string only missing from the strings block is appended (suffixes shared).
 */
import { ImageBuilderError } from '../bindings/imagebuilder/imagebuilder-error.js';
import { BlobEditor, type NodeEntry, findSubnode } from '../fdt/dtb/blob/index.js';
import type { DtEdit, DtValue } from './dt-edits.js';

function encode(v: DtValue): Uint8Array {
  switch (v.type) {
    case 'hex':
    case 'int': {
      const out = new Uint8Array(v.cells.length * 4);
      const view = new DataView(out.buffer);
      v.cells.forEach((c, i) => view.setUint32(i * 4, Number(BigInt.asUintN(32, c))));
      return out;
    }
    case 'str':
      return new TextEncoder().encode(`${v.value}\0`);
    case 'str_a':
      return new TextEncoder().encode(v.values.map((s) => `${s}\0`).join(''));
    case 'bool':
      return new Uint8Array(0);
  }
}

/** fdtput -p: create every missing node on the way. */
function nodeAt(ed: BlobEditor, path: string): NodeEntry {
  let node = ed.root;
  for (const part of path.split('/').filter(Boolean)) {
    const found = findSubnode(node, part);
    if (found) {
      node = found;
      continue;
    }
    const made = ed.addSubnode(node, part);
    if (made === 'exists') throw new ImageBuilderError('IB_FDTPUT', `cannot create node ${part} under ${path}`, { path });
    node = made;
  }
  return node;
}

export function applyFdtput(dtb: Uint8Array, edits: readonly DtEdit[]): Uint8Array {
  const ed = new BlobEditor(dtb);
  for (const e of edits) {
    if (e.op === 'mknod') {
      const parent = nodeAt(ed, e.parent);
      ed.addSubnode(parent, e.name);
    } else {
      ed.setprop(nodeAt(ed, e.path), e.prop, encode(e.value));
    }
  }
  return ed.pack();
}
