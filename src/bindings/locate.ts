/** DT locations for errors and warnings: `/path:prop` plus the source position. */
import type { Node, Property } from '../fdt/tree/livetree.js';
import type { Located } from '../model/errors.js';

export function propPath(node: Node, prop?: Property | string): string {
  if (prop === undefined) return node.path;
  return `${node.path}:${typeof prop === 'string' ? prop : prop.name}`;
}

export function locate(node: Node, prop?: Property, hint?: string): Located {
  return { path: propPath(node, prop), position: prop?.position ?? node.position, hint };
}
