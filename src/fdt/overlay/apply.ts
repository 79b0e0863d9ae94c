/**
 * fdt_overlay_apply (libfdt 1.6.1) over a BlobEditor: the same steps in the
 * same order, so the same calls reach the base and the same error wins.
 *
 *  1. shift the overlay's own phandles past the base's largest one;
 *  2. shift the references listed in /__local_fixups__ by the same amount;
 *  3. resolve /__fixups__ entries ("path:prop:offset") via the base's
 *     /__symbols__;
 *  4. merge each fragment's __overlay__ into its target (target phandle or
 *     target-path), properties first, then subnodes, depth first;
 *  5. copy the overlay's __symbols__ into the base, rewritten to the target.
 */
import {
  type BlobEditor,
  type NodeEntry,
  type PropEntry,
  be32,
  cString,
  findSubnode,
  getProp,
  getPropStrict,
  latin1,
  latin1Bytes,
  libfdtError,
  nodePhandle,
  parseReadOnly,
  pathLookup,
  propLen,
  propValue,
  setBe32,
  subnodes,
  visibleProps,
  allNodes,
} from '../dtb/blob/index.js';

/** DT path of an overlay/base node, for error locations. */
function nodePath(n: NodeEntry): string {
  const parts: string[] = [];
  for (let c: NodeEntry | null = n; c && c.parent; c = c.parent) parts.push(c.name);
  return '/' + parts.reverse().join('/');
}

function propName(p: PropEntry, where: NodeEntry): string {
  if (p.name === null) {
    throw libfdtError(p.nameError ?? 'FDT_ERR_BADOFFSET', `property name offset does not resolve in ${nodePath(where)}`, nodePath(where));
  }
  return p.name;
}

function lookupNode(root: NodeEntry, path: string): NodeEntry | string {
  return pathLookup(root, path);
}

// ---------------------------------------------------------------- step 1

function adjustLocalPhandles(root: NodeEntry, delta: number): void {
  for (const node of allNodes(root)) {
    for (const name of ['phandle', 'linux,phandle']) {
      const p = getPropStrict(node, name, nodePath(node));
      if (!p) continue;
      if (propLen(p) !== 4) {
        throw libfdtError('FDT_ERR_BADPHANDLE', `'${name}' is not 4 bytes long`, nodePath(node));
      }
      const adj = be32(p.raw, 12) + delta;
      if (adj >= 0xffffffff) {
        throw libfdtError('FDT_ERR_NOPHANDLES', `'${name}' overflows when shifted by ${delta}`, nodePath(node));
      }
      setBe32(p.raw, 12, adj);
    }
  }
}

// ---------------------------------------------------------------- step 2

/** fdt_setprop_inplace_namelen_partial's bounds test, unsigned as in C. */
function checkPartial(p: PropEntry, idx: number, path: string): number {
  const len = propLen(p);
  if (((idx + 4) >>> 0) > len) return -1;
  if (idx + 4 > len) {
    // libfdt's unsigned sum wraps here and it writes outside the property.
    throw libfdtError('FDT_ERR_BADOVERLAY', `offset ${idx} wraps around; libfdt would write out of bounds`, path);
  }
  return 0;
}

function updateLocalReferences(root: NodeEntry, delta: number): void {
  const fixups = lookupNode(root, '/__local_fixups__');
  if (typeof fixups === 'string') return;
  // libfdt looks each fixup child's tree node up only when it reaches it.
  const stack: { parent: NodeEntry | null; fixup: NodeEntry }[] = [{ parent: null, fixup: fixups }];
  while (stack.length) {
    const { parent, fixup } = stack.pop()!;
    const tree = parent ? findSubnode(parent, fixup.name) : root;
    if (!tree) {
      throw libfdtError('FDT_ERR_BADOVERLAY', `local fixup node '${fixup.name}' has no counterpart`, nodePath(parent!));
    }
    fixLocalProps(tree, fixup, delta);
    const children = [...subnodes(fixup)];
    for (let i = children.length - 1; i >= 0; i--) stack.push({ parent: tree, fixup: children[i]! });
  }
}

function fixLocalProps(tree: NodeEntry, fixup: NodeEntry, delta: number): void {
  for (const fp of visibleProps(fixup)) {
    const name = propName(fp, fixup);
    const offsets = propValue(fp);
    if (offsets.length % 4) {
      throw libfdtError('FDT_ERR_BADOVERLAY', `local fixup '${name}' is not a list of cells`, nodePath(fixup));
    }
    const target = getPropStrict(tree, name, nodePath(tree));
    if (!target) {
      throw libfdtError('FDT_ERR_BADOVERLAY', `local fixup names missing property '${name}'`, nodePath(tree));
    }
    for (let i = 0; i < offsets.length; i += 4) {
      const at = be32(offsets, i);
      if (checkPartial(target, at, nodePath(tree)) < 0) {
        throw libfdtError('FDT_ERR_BADOVERLAY', `local fixup offset ${at} is outside '${name}'`, nodePath(tree));
      }
      setBe32(target.raw, 12 + at, (be32(target.raw, 12 + at) + delta) >>> 0);
    }
  }
}

// ---------------------------------------------------------------- step 3

/** strtoul(s, &end, 10) cast to int then uint32, or null if no digits / trailing junk. */
function parseFixupOffset(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s);
  if (!m) return null;
  let v = BigInt(m[2]!);
  const max = (1n << 64n) - 1n;
  if (v > max) v = max;
  else if (m[1] === '-') v = (max + 1n - v) & max;
  return Number(v & 0xffffffffn);
}

function fixupPhandles(base: BlobEditor, ov: NodeEntry): void {
  const fixups = lookupNode(ov, '/__fixups__');
  if (typeof fixups === 'string') return;
  const symbols = lookupNode(base.root, '/__symbols__');
  for (const fp of visibleProps(fixups)) {
    const label = propName(fp, fixups);
    let rest = latin1(propValue(fp));
    const where = `/__fixups__/${label}`;
    do {
      const nul = rest.indexOf('\0');
      if (nul < 0) throw libfdtError('FDT_ERR_BADOVERLAY', `fixup '${label}' is not NUL-terminated`, where);
      const entry = rest.slice(0, nul);
      rest = rest.slice(nul + 1);
      const c1 = entry.indexOf(':');
      if (c1 < 0 || c1 === entry.length - 1) {
        throw libfdtError('FDT_ERR_BADOVERLAY', `fixup '${entry}' is not path:property:offset`, where);
      }
      const c2 = entry.indexOf(':', c1 + 1);
      if (c2 < 0 || c2 === c1 + 1) {
        throw libfdtError('FDT_ERR_BADOVERLAY', `fixup '${entry}' is not path:property:offset`, where);
      }
      const offset = parseFixupOffset(entry.slice(c2 + 1));
      if (offset === null) throw libfdtError('FDT_ERR_BADOVERLAY', `fixup '${entry}' has a bad offset`, where);
      fixupOne(base, ov, symbols, entry.slice(0, c1), entry.slice(c1 + 1, c2), offset, label);
    } while (rest.length > 0);
  }
}

function fixupOne(
  base: BlobEditor, ov: NodeEntry, symbols: NodeEntry | string,
  path: string, name: string, offset: number, label: string,
): void {
  if (typeof symbols === 'string') throw libfdtError(symbols, `base has no /__symbols__ to resolve '${label}'`);
  const sym = getPropStrict(symbols, label, '/__symbols__');
  if (!sym) throw libfdtError('FDT_ERR_NOTFOUND', `label '${label}' is not in the base's /__symbols__`, '/__symbols__');
  const symPath = cString(sym);
  const node = lookupNode(base.root, symPath);
  if (typeof node === 'string') throw libfdtError(node, `symbol '${label}' names missing node '${symPath}'`, symPath);
  const phandle = nodePhandle(node);
  if (!phandle) throw libfdtError('FDT_ERR_NOTFOUND', `node '${symPath}' (label '${label}') has no phandle`, symPath);
  const fixupNode = lookupNode(ov, path);
  if (fixupNode === 'FDT_ERR_NOTFOUND') throw libfdtError('FDT_ERR_BADOVERLAY', `fixup path '${path}' is not in the overlay`, path);
  if (typeof fixupNode === 'string') throw libfdtError(fixupNode, `fixup path '${path}' does not resolve`, path);
  const prop = getPropStrict(fixupNode, name, path);
  if (!prop) throw libfdtError('FDT_ERR_NOTFOUND', `fixup property '${name}' is not in ${path}`, path);
  if (checkPartial(prop, offset, path) < 0) {
    // libfdt returns NOSPACE here, which fdtoverlay mistakes for a full buffer and retries forever.
    throw libfdtError('FDT_ERR_NOSPACE', `fixup offset ${offset} is outside '${name}' (fdtoverlay retries until its buffer size overflows)`, path);
  }
  setBe32(prop.raw, 12 + offset, phandle);
}

// ---------------------------------------------------------------- step 4

interface Target {
  node: NodeEntry;
  /** The target-path string, when the fragment used one. */
  path?: string;
}

function fragmentTarget(base: BlobEditor, fragment: NodeEntry): Target {
  const where = nodePath(fragment);
  const t = getProp(fragment, 'target');
  let phandle = 0;
  if (t) {
    phandle = propLen(t) === 4 ? be32(t.raw, 12) : 0xffffffff;
    if (phandle === 0xffffffff) throw libfdtError('FDT_ERR_BADPHANDLE', `fragment target is not a valid phandle`, where);
  }
  if (phandle) {
    const node = base.nodeByPhandle(phandle);
    if (!node) throw libfdtError('FDT_ERR_NOTFOUND', `no base node has phandle 0x${phandle.toString(16)}`, where);
    return { node };
  }
  const tp = getPropStrict(fragment, 'target-path', where);
  if (!tp) throw libfdtError('FDT_ERR_BADOVERLAY', `fragment has neither target nor target-path`, where);
  const path = cString(tp);
  const node = lookupNode(base.root, path);
  if (typeof node === 'string') throw libfdtError(node, `target-path '${path}' is not in the base`, where);
  return { node, path };
}

function applyNode(base: BlobEditor, target: NodeEntry, overlay: NodeEntry): void {
  const copyProps = (dst: NodeEntry, src: NodeEntry) => {
    for (const p of visibleProps(src)) base.setprop(dst, propName(p, src), propValue(p));
  };
  copyProps(target, overlay);
  const stack: { parent: NodeEntry; src: NodeEntry }[] = [];
  const pushChildren = (parent: NodeEntry, src: NodeEntry) => {
    const kids = [...subnodes(src)];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ parent, src: kids[i]! });
  };
  pushChildren(target, overlay);
  while (stack.length) {
    const { parent, src } = stack.pop()!;
    const added = base.addSubnode(parent, src.name);
    const dst = added === 'exists' ? findSubnode(parent, src.name)! : added;
    copyProps(dst, src);
    pushChildren(dst, src);
  }
}

function merge(base: BlobEditor, ov: NodeEntry): void {
  for (const fragment of subnodes(ov)) {
    const overlay = findSubnode(fragment, '__overlay__');
    if (!overlay) continue;
    applyNode(base, fragmentTarget(base, fragment).node, overlay);
  }
}

// ---------------------------------------------------------------- step 5

/** get_path_len: stops at the first unnamed node, as libfdt does. */
function pathLen(node: NodeEntry): number {
  let len = 0;
  for (let n = node; n.name !== ''; n = n.parent!) {
    if (!n.parent) throw libfdtError('FDT_ERR_NOTFOUND', `root node has a name`, '/');
    len += n.name.length + 1;
  }
  return len === 0 ? 1 : len;
}

/** fdt_get_path into a buffer of `buflen` bytes. */
function fullPath(node: NodeEntry, buflen: number): string {
  const chain: string[] = [];
  for (let n: NodeEntry | null = node; n; n = n.parent) chain.push(n.name + '/');
  const s = chain.reverse().join('');
  if (s.length > buflen) {
    throw libfdtError('FDT_ERR_NOSPACE', `path of ${nodePath(node)} does not fit (fdtoverlay retries until its buffer size overflows)`, nodePath(node));
  }
  return s.length > 1 ? s.slice(0, -1) : s;
}

function symbolValue(target: Target, len: number, rel: string, total: number): Uint8Array {
  const buf = new Uint8Array(total);
  let at = len;
  if (len > 1) {
    buf.set(latin1Bytes(target.path ?? fullPath(target.node, len + 1)), 0);
  } else {
    at = len - 1;
  }
  if (at < 0) throw libfdtError('FDT_ERR_BADVALUE', `empty target-path; libfdt would write before the value`);
  buf[at] = 0x2f;
  buf.set(latin1Bytes(rel), at + 1);
  buf[at + 1 + rel.length] = 0;
  return buf;
}

function symbolUpdate(base: BlobEditor, ov: NodeEntry): void {
  const ovSym = findSubnode(ov, '__symbols__');
  if (!ovSym) return;
  let rootSym = findSubnode(base.root, '__symbols__');
  if (!rootSym) rootSym = base.addSubnode(base.root, '__symbols__') as NodeEntry;
  for (const p of visibleProps(ovSym)) {
    const name = propName(p, ovSym);
    const v = propValue(p);
    const where = `/__symbols__/${name}`;
    if (v.length < 1 || v.indexOf(0) !== v.length - 1 || v[0] !== 0x2f) {
      throw libfdtError('FDT_ERR_BADVALUE', `symbol '${name}' is not an absolute path string`, where);
    }
    const path = latin1(v.subarray(0, v.length - 1));
    const slash = path.indexOf('/', 1);
    if (slash < 0) continue;
    const rest = path.slice(slash);
    let rel: string;
    if (rest.length >= 13 && rest.startsWith('/__overlay__/')) rel = rest.slice(13);
    else if (rest === '/__overlay__') rel = '';
    else continue;
    const fragment = findSubnode(ov, path.slice(1, slash));
    if (!fragment || !findSubnode(fragment, '__overlay__')) {
      throw libfdtError('FDT_ERR_BADOVERLAY', `symbol '${name}' points into a missing fragment`, where);
    }
    const target = fragmentTarget(base, fragment);
    const len = target.path !== undefined ? target.path.length : pathLen(target.node);
    const total = len + (len > 1 ? 1 : 0) + rel.length + 1;
    const slot = base.setpropPlaceholder(rootSym, name, total);
    slot.raw.set(symbolValue(target, len, rel, total), 12);
  }
}

// ---------------------------------------------------------------- entry

/**
 * Applies one overlay blob to the base, as fdt_overlay_apply does. Throws an
 * FdtError coded with the FDT_ERR_* name libfdt would return; the base is
 * then in an unspecified state (libfdt trashes it too).
 */
export function overlayApply(base: BlobEditor, overlayBlob: Uint8Array): void {
  const ov = parseReadOnly(overlayBlob).root;
  const delta = base.maxPhandle();
  adjustLocalPhandles(ov, delta);
  updateLocalReferences(ov, delta);
  fixupPhandles(base, ov);
  merge(base, ov);
  symbolUpdate(base, ov);
}
