/**
 * libfdt's read calls (fdt_ro) over the token tree. Lookups follow libfdt's
 * rules exactly but through indexes: first visible property of a name, first
 * child matching a name (with the `name` ≈ `name@unit` rule), and paths with
 * /aliases.
 */
import { FdtError } from '../../errors.js';
import { be32, latin1 } from './bytes.js';
import { libfdtError } from './libfdt-error.js';
import { type NodeEntry, type PropEntry, propLen, subnodes, visibleProps } from './struct-tokens.js';

export function propIndex(node: NodeEntry): Map<string, PropEntry> {
  if (!node.props) {
    node.props = new Map();
    for (const p of visibleProps(node)) {
      if (p.name !== null && !node.props.has(p.name)) node.props.set(p.name, p);
    }
  }
  return node.props;
}

export function baseKey(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

function buildChildIndex(node: NodeEntry): void {
  node.childExact = new Map();
  node.childBase = new Map();
  for (const c of subnodes(node)) {
    if (!node.childExact.has(c.name)) node.childExact.set(c.name, c);
    const k = baseKey(c.name);
    if (!node.childBase.has(k)) node.childBase.set(k, c);
  }
}

/** fdt_getprop by name: the first visible property with that name. */
export function getProp(node: NodeEntry, name: string): PropEntry | undefined {
  return propIndex(node).get(name);
}

/**
 * fdt_getprop where libfdt passes its error on: in an unclosed node whose
 * property run ends at FDT_END, a missing name is FDT_ERR_BADSTRUCTURE.
 */
export function getPropStrict(node: NodeEntry, name: string, path?: string): PropEntry | undefined {
  const p = getProp(node, name);
  if (!p && node.open && node.firstChild === node.entries.length) {
    throw libfdtError('FDT_ERR_BADSTRUCTURE', `properties of '${node.name}' run into FDT_END`, path);
  }
  return p;
}

/**
 * fdt_subnode_offset_namelen: the first child whose name equals `name`, or,
 * when `name` has no '@', whose name is `name@...`.
 */
export function findSubnode(node: NodeEntry, name: string): NodeEntry | undefined {
  if (!node.childExact) buildChildIndex(node);
  return name.includes('@') ? node.childExact!.get(name) : node.childBase!.get(name);
}

/** A property value as C reads it with strlen(): up to the first NUL. */
export function cString(p: PropEntry): string {
  const start = 12;
  const end = p.raw.indexOf(0, start);
  // The byte after a value and its padding is always a tag's leading 0x00.
  return latin1(p.raw.subarray(start, end < 0 ? p.raw.length : end));
}

/** fdt_get_phandle: "phandle" if 4 bytes long, else "linux,phandle", else 0. */
export function nodePhandle(node: NodeEntry): number {
  let ph: PropEntry | undefined;
  let linux: PropEntry | undefined;
  if (node.props) {
    ph = node.props.get('phandle');
    linux = node.props.get('linux,phandle');
  } else {
    // A scan, not the index: max-phandle visits every node once.
    for (let i = 0; i < node.firstChild; i++) {
      const e = node.entries[i]!;
      if (e.kind !== 'prop') continue;
      if (!ph && e.name === 'phandle') ph = e;
      else if (!linux && e.name === 'linux,phandle') linux = e;
    }
  }
  if (ph && propLen(ph) === 4) return be32(ph.raw, 12);
  if (linux && propLen(linux) === 4) return be32(linux.raw, 12);
  return 0;
}

/** A tree plus its /aliases, for fdt_path_offset. */
export function pathLookup(root: NodeEntry, path: string, depth = 0): NodeEntry | string {
  if (depth > 64) return 'FDT_ERR_BADPATH';
  let node: NodeEntry = root;
  let p = 0;
  if (path[0] !== '/') {
    const slash = path.indexOf('/');
    const q = slash < 0 ? path.length : slash;
    const aliases = pathLookup(root, '/aliases', depth + 1);
    const alias = typeof aliases === 'string' ? undefined : getProp(aliases, path.slice(0, q));
    if (!alias) return 'FDT_ERR_BADPATH';
    // An alias naming another alias recurses in libfdt; a loop would never end there.
    if (depth >= 32) {
      throw new FdtError('FDT_ERR_BADPATH', `FDT_ERR_BADPATH: alias '${path.slice(0, q)}' loops`, { path });
    }
    const target = pathLookup(root, cString(alias), depth + 1);
    if (typeof target === 'string') return target;
    node = target;
    p = q;
  }
  while (p < path.length) {
    while (path[p] === '/') {
      p++;
      if (p === path.length) return node;
    }
    const slash = path.indexOf('/', p);
    const q = slash < 0 ? path.length : slash;
    const next = findSubnode(node, path.slice(p, q));
    if (!next) return 'FDT_ERR_NOTFOUND';
    node = next;
    p = q;
  }
  return node;
}

