/**
 * dtc's sort_tree (-s): memory reservations by (address, size), then in
 * every node the properties and the children by name in strcmp order.
 * Deleted entries are sorted too, as dtc does; the sort is stable, like the
 * merge sort glibc's qsort uses, so equal names keep their order.
 */
import type { DeviceTree, Node, ReserveEntry } from './livetree.js';
import { nameToByteString } from '../dtb/string-table.js';

function compareReservations(a: ReserveEntry, b: ReserveEntry): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  if (a.size !== b.size) return a.size < b.size ? -1 : 1;
  return 0;
}

/** strcmp order: names compared as the bytes they are written as (byte strings compare char by char). */
function sortByName<T extends { name: string }>(items: T[]): void {
  if (items.length < 2) return;
  const keyed = items.map((item) => ({ item, key: nameToByteString(item.name) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (let i = 0; i < items.length; i++) items[i] = keyed[i]!.item;
}

export function sortTree(tree: DeviceTree): void {
  tree.reservations.sort(compareReservations);
  const stack: Node[] = [tree.root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    sortByName(node.properties);
    sortByName(node.children);
    for (const c of node.children) stack.push(c);
  }
}
