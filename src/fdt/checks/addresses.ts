/**
 * Address checks: `#address-cells`/`#size-cells` caching (dtc's
 * addr_size_cells fixup), `reg`/`ranges` shapes, unit-address spelling and
 * uniqueness. Values are read as C ints, as dtc does.
 */
import type { Node } from '../tree/livetree.js';
import {
  type DtcCheckContext,
  asInt,
  isMultipleOf,
  liveChildren,
  nodeAddrCells,
  nodeSizeCells,
  propvalCell,
  propertySpec,
  spec,
  valueEquals,
  visiting,
  fullPath,
} from './support.js';

/** dtc's fixup starts every node at "unset"; only nodes with the properties change after that. */
function unsetCells(nodes: readonly Node[]): void {
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (node.deleted) continue;
    node.addrCells = -1;
    node.sizeCells = -1;
  }
}

function addrSizeCells(ctx: DtcCheckContext, node: Node): void {
  const a = node.getProperty('#address-cells');
  if (a) node.addrCells = asInt(propvalCell(ctx, node, a));
  const s = node.getProperty('#size-cells');
  if (s) node.sizeCells = asInt(propvalCell(ctx, node, s));
}

function regFormat(ctx: DtcCheckContext, node: Node): void {
  const prop = node.getProperty('reg');
  if (!prop) return;
  if (!node.parent) {
    ctx.fail(node, 'Root node has a "reg" property');
    return;
  }
  const len = prop.value.length;
  if (len === 0) ctx.failProp(node, prop, 'property is empty');
  const addr = nodeAddrCells(node.parent);
  const size = nodeSizeCells(node.parent);
  if (!isMultipleOf(len, Math.imul((addr + size) | 0, 4))) {
    ctx.failProp(node, prop, `property has invalid length (${len} bytes) (#address-cells == ${addr}, #size-cells == ${size})`);
  }
}

function rangesFormat(ranges: string): (ctx: DtcCheckContext, node: Node) => void {
  return (ctx, node) => {
    const prop = node.getProperty(ranges);
    if (!prop) return;
    if (!node.parent) {
      ctx.failProp(node, prop, `Root node has a "${ranges}" property`);
      return;
    }
    const pAddr = nodeAddrCells(node.parent);
    const pSize = nodeSizeCells(node.parent);
    const cAddr = nodeAddrCells(node);
    const cSize = nodeSizeCells(node);
    const len = prop.value.length;
    if (len === 0) {
      if (pAddr !== cAddr) {
        ctx.failProp(node, prop, `empty "${ranges}" property but its #address-cells (${cAddr}) differs from ${fullPath(node.parent)} (${pAddr})`);
      }
      if (pSize !== cSize) {
        ctx.failProp(node, prop, `empty "${ranges}" property but its #size-cells (${cSize}) differs from ${fullPath(node.parent)} (${pSize})`);
      }
    } else if (!isMultipleOf(len, Math.imul((pAddr + cAddr + cSize) | 0, 4))) {
      ctx.failProp(
        node,
        prop,
        `"${ranges}" property has invalid length (${len} bytes) (parent #address-cells == ${pAddr}, child #address-cells == ${cAddr}, #size-cells == ${cSize})`,
      );
    }
  };
}

function isXDigit(ch: string | undefined): boolean {
  return ch !== undefined && /^[0-9a-fA-F]$/.test(ch);
}

function unitAddressFormat(ctx: DtcCheckContext, node: Node): void {
  if (node.parent && node.parent.bus) return; // bus checks own their children's addresses
  let unit = node.unitAddress;
  if (unit === '') return;
  if (unit.startsWith('0x')) {
    ctx.fail(node, 'unit name should not have leading "0x"');
    unit = unit.slice(2);
  }
  if (unit[0] === '0' && isXDigit(unit[1])) ctx.fail(node, 'unit name should not have leading 0s');
}

function avoidDefaultAddrSize(ctx: DtcCheckContext, node: Node): void {
  if (!node.parent) return;
  if (!node.getProperty('reg') && !node.getProperty('ranges')) return;
  if (node.parent.addrCells === -1) ctx.fail(node, 'Relying on default #address-cells value');
  if (node.parent.sizeCells === -1) ctx.fail(node, 'Relying on default #size-cells value');
}

function avoidUnnecessaryAddrSize(ctx: DtcCheckContext, node: Node): void {
  if (!node.parent || node.addrCells < 0 || node.sizeCells < 0) return;
  if (node.getProperty('ranges') || node.children.length === 0) return;
  const hasReg = liveChildren(node).some((c) => c.getProperty('reg') !== undefined);
  if (!hasReg) {
    ctx.fail(node, 'unnecessary #address-cells/#size-cells without "ranges" or child "reg" property');
  }
}

function isDisabled(node: Node): boolean {
  const prop = node.getProperty('status');
  return prop !== undefined && valueEquals(prop.value, 'disabled');
}

/** Each child reports every earlier eligible sibling with the same unit address, as dtc's pair loop does. */
function uniqueUnitAddress(skipDisabled: boolean): (ctx: DtcCheckContext, node: Node) => void {
  return (ctx, node) => {
    if (node.addrCells < 0 || node.sizeCells < 0 || node.children.length === 0) return;
    const seen = new Map<string, Node[]>();
    for (const child of node.children) {
      if (child.deleted) continue;
      if (skipDisabled && isDisabled(child)) continue;
      const addr = child.unitAddress;
      if (addr === '') continue;
      const earlier = seen.get(addr);
      if (earlier) {
        for (const other of earlier) ctx.fail(other, `duplicate unit-address (also used in node ${fullPath(child)})`);
        earlier.push(child);
      } else {
        seen.set(addr, [child]);
      }
    }
  };
}

export const addressChecks = {
  addr_size_cells: {
    ...visiting(
      { kind: 'property', names: ['#address-cells', '#size-cells'] },
      spec('addr_size_cells', 'warning', addrSizeCells, 'address_cells_is_cell', 'size_cells_is_cell'),
    ),
    prepare: unsetCells,
  },
  reg_format: propertySpec('reg_format', 'warning', 'reg', regFormat, 'addr_size_cells'),
  ranges_format: propertySpec('ranges_format', 'warning', 'ranges', rangesFormat('ranges'), 'addr_size_cells'),
  dma_ranges_format: propertySpec('dma_ranges_format', 'warning', 'dma-ranges', rangesFormat('dma-ranges'), 'addr_size_cells'),
  unit_address_format: spec('unit_address_format', 'warning', unitAddressFormat, 'node_name_format', 'pci_bridge', 'simple_bus_bridge'),
  avoid_default_addr_size: visiting(
    { kind: 'property', names: ['reg', 'ranges'] },
    spec('avoid_default_addr_size', 'warning', avoidDefaultAddrSize, 'addr_size_cells'),
  ),
  // Cells are set (>= 0) only by addr_size_cells, a prerequisite (through
  // avoid_default_addr_size) that has visited whenever this one visits, and
  // only on nodes with both properties: its list is the same.
  avoid_unnecessary_addr_size: visiting(
    { kind: 'property', names: ['#address-cells', '#size-cells'] },
    spec('avoid_unnecessary_addr_size', 'warning', avoidUnnecessaryAddrSize, 'avoid_default_addr_size'),
  ),
  // a duplicate needs two children
  unique_unit_address: visiting({ kind: 'siblings' }, spec('unique_unit_address', 'warning', uniqueUnitAddress(false), 'avoid_default_addr_size')),
  unique_unit_address_if_enabled: visiting(
    { kind: 'siblings' },
    spec('unique_unit_address_if_enabled', 'off', uniqueUnitAddress(true), 'avoid_default_addr_size'),
  ),
};
