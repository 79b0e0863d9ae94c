/**
 * Bus checks: detection of PCI, simple-bus, I2C, SPI and OF-graph nodes
 * (recorded in `node.bus`, which later checks consult) and the unit-address
 * rules each bus imposes on its children. Bus names are dtc's bus_type names.
 */
import type { Node, Property } from '../tree/livetree.js';
import type { PropertyValue } from '../tree/data.js';
import {
  type DtcCheckContext,
  asInt,
  dtcWouldFail,
  entryEquals,
  hex,
  liveChildren,
  liveProps,
  nodeAddrCells,
  nodeSizeCells,
  propvalCell,
  propertySpec,
  spec,
  valueEquals,
  visiting,
  fullPath,
} from './support.js';

const PCI = 'PCI';
const SIMPLE_BUS = 'simple-bus';
const I2C = 'i2c-bus';
const SPI = 'spi-bus';
const GRAPH_PORT = 'graph-port';
const GRAPH_PORTS = 'graph-ports';

function pciBridge(ctx: DtcCheckContext, node: Node): void {
  const dt = node.getProperty('device_type');
  if (!dt || !valueEquals(dt.value, 'pci')) return;
  node.bus = PCI;
  if (node.baseName !== 'pci' && node.baseName !== 'pcie') ctx.fail(node, 'node name is not "pci" or "pcie"');
  if (!node.getProperty('ranges')) ctx.fail(node, 'missing ranges for PCI bridge (or not a bridge)');
  if (nodeAddrCells(node) !== 3) ctx.fail(node, 'incorrect #address-cells for PCI bridge');
  if (nodeSizeCells(node) !== 2) ctx.fail(node, 'incorrect #size-cells for PCI bridge');
  const busRange = node.getProperty('bus-range');
  if (!busRange) return;
  if (busRange.value.length !== 8) {
    ctx.failProp(node, busRange, 'value must be 2 cells');
    return;
  }
  const first = busRange.value.cellAt(0);
  const last = busRange.value.cellAt(1);
  if (first > last) ctx.failProp(node, busRange, '1st cell must be less than or equal to 2nd cell');
  if (last > 0xff) ctx.failProp(node, busRange, 'maximum bus number must be less than 256');
}

function pciDeviceBusNum(ctx: DtcCheckContext, node: Node): void {
  if (!node.parent || node.parent.bus !== PCI) return;
  const reg = node.getProperty('reg');
  if (!reg) return;
  const busNum = (reg.value.cellAt(0) & 0x00ff0000) >>> 16;
  const busRange = node.parent.getProperty('bus-range');
  // dtc takes both bounds from the first cell
  const min = busRange ? busRange.value.cellAt(0) : 0;
  const max = min;
  if (busNum < min || busNum > max) {
    ctx.failProp(node, busRange, `PCI bus number ${busNum} out of range, expected (${asInt(min)} - ${asInt(max)})`);
  }
}

function pciDeviceReg(ctx: DtcCheckContext, node: Node): void {
  if (!node.parent || node.parent.bus !== PCI) return;
  const prop = node.getProperty('reg');
  if (!prop) return;
  if (prop.value.cellAt(1) || prop.value.cellAt(2)) {
    ctx.failProp(node, prop, 'PCI reg config space address cells 2 and 3 must be 0');
  }
  const reg = prop.value.cellAt(0);
  const dev = (reg & 0xf800) >>> 11;
  const func = (reg & 0x700) >>> 8;
  if (reg & 0xff000000) ctx.failProp(node, prop, 'PCI reg address is not configuration space');
  if (reg & 0x000000ff) ctx.failProp(node, prop, 'PCI reg config space address register number must be 0');
  const unit = node.unitAddress;
  if (func === 0 && unit === hex(dev)) return;
  const expected = `${hex(dev)},${hex(func)}`;
  if (unit === expected) return;
  ctx.fail(node, `PCI unit address format error, expected "${expected}"`);
}

function isCompatible(node: Node, compat: string): boolean {
  const prop = node.getProperty('compatible');
  if (!prop) return false;
  const v = prop.value;
  const len = v.length;
  let pos = 0;
  while (pos < len) {
    let end = v.indexOf(0, pos);
    if (end < 0) end = len;
    if (entryEquals(v, pos, end, compat)) return true;
    pos = end + 1;
  }
  return false;
}

function simpleBusBridge(_ctx: DtcCheckContext, node: Node): void {
  if (isCompatible(node, 'simple-bus')) node.bus = SIMPLE_BUS;
}

/**
 * %llx of the 64-bit value of `count` cells from `start` (only the last two
 * survive dtc's shifting), from two 32-bit halves: no BigInt per node.
 */
function cellsHex(value: PropertyValue, start: number, count: number): string {
  if (count === 0) return '0';
  const lo = value.cellAt(start + count - 1);
  const hi = count === 1 ? 0 : value.cellAt(start + count - 2);
  return hi === 0 ? hex(lo) : hex(hi) + hex(lo).padStart(8, '0');
}

function simpleBusReg(ctx: DtcCheckContext, node: Node): void {
  if (!node.parent || node.parent.bus !== SIMPLE_BUS) return;
  let prop: Property | undefined = node.getProperty('reg');
  let start = 0;
  let hasCells = false;
  if (prop) {
    hasCells = prop.value.length > 0;
  } else {
    prop = node.getProperty('ranges');
    if (prop && prop.value.length > 0) {
      hasCells = true;
      start = nodeAddrCells(node); // skip the child address
    }
  }
  if (!prop || !hasCells) {
    if (node.parent.parent && node.bus !== SIMPLE_BUS) ctx.fail(node, 'missing or empty reg/ranges property');
    return;
  }
  const expected = cellsHex(prop.value, start, nodeAddrCells(node.parent) >>> 0);
  if (node.unitAddress !== expected) ctx.fail(node, `simple-bus unit address format error, expected "${expected}"`);
}

function i2cBusBridge(ctx: DtcCheckContext, node: Node): void {
  const base = node.baseName;
  if (base === 'i2c-bus' || base === 'i2c-arb') {
    node.bus = I2C;
  } else if (base === 'i2c') {
    // dtc compares the child's name over the parent's base-name length, so this never matches
    for (const child of liveChildren(node)) {
      if (base.length === 7 && child.name.startsWith('i2c-bus')) return;
    }
    node.bus = I2C;
  } else {
    return;
  }
  if (node.children.length === 0) return;
  if (nodeAddrCells(node) !== 1) ctx.fail(node, 'incorrect #address-cells for I2C bus');
  if (nodeSizeCells(node) !== 0) ctx.fail(node, 'incorrect #size-cells for I2C bus');
}

const I2C_OWN_SLAVE_ADDRESS = 1 << 30;
const I2C_TEN_BIT_ADDRESS = 0x80000000;

function i2cBusReg(ctx: DtcCheckContext, node: Node): void {
  if (!node.parent || node.parent.bus !== I2C) return;
  const prop = node.getProperty('reg');
  if (!prop || prop.value.length === 0) {
    ctx.fail(node, 'missing or empty reg property');
    return;
  }
  const first = (prop.value.cellAt(0) & ~I2C_OWN_SLAVE_ADDRESS) >>> 0;
  const expected = hex(first);
  if (node.unitAddress !== expected) ctx.fail(node, `I2C bus unit address format error, expected "${expected}"`);
  for (let i = 0, len = prop.value.length; len > 0; len -= 4, i++) {
    const reg = (prop.value.cellAt(i) & ~I2C_OWN_SLAVE_ADDRESS) >>> 0;
    if (reg & I2C_TEN_BIT_ADDRESS && (reg & ~I2C_TEN_BIT_ADDRESS) >>> 0 > 0x3ff) {
      ctx.failProp(node, prop, `I2C address must be less than 10-bits, got "0x${hex(reg)}"`);
    } else if (reg > 0x7f) {
      ctx.failProp(
        node,
        prop,
        `I2C address must be less than 7-bits, got "0x${hex(reg)}". Set I2C_TEN_BIT_ADDRESS for 10 bit addresses or fix the property`,
      );
    }
  }
}

function spiBusBridge(ctx: DtcCheckContext, node: Node): void {
  if (node.baseName === 'spi') {
    node.bus = SPI;
  } else {
    // recognise SPI controllers with other names by their children's spi-* properties
    if (nodeAddrCells(node) !== 1 || nodeSizeCells(node) !== 0) return;
    for (const child of liveChildren(node)) {
      if (liveProps(child).some((p) => p.name.startsWith('spi-'))) {
        node.bus = SPI;
        break;
      }
    }
    if (node.bus === SPI && node.getProperty('reg')) ctx.fail(node, "node name for SPI buses should be 'spi'");
  }
  if (node.bus !== SPI || node.children.length === 0) return;
  const addrCells = node.getProperty('spi-slave') ? 0 : 1;
  if (nodeAddrCells(node) !== addrCells) ctx.fail(node, 'incorrect #address-cells for SPI bus');
  if (nodeSizeCells(node) !== 0) ctx.fail(node, 'incorrect #size-cells for SPI bus');
}

function spiBusReg(ctx: DtcCheckContext, node: Node): void {
  if (!node.parent || node.parent.bus !== SPI) return;
  if (node.parent.getProperty('spi-slave')) return;
  const prop = node.getProperty('reg');
  if (!prop || prop.value.length === 0) {
    ctx.fail(node, 'missing or empty reg property');
    return;
  }
  const expected = hex(prop.value.cellAt(0));
  if (node.unitAddress !== expected) ctx.fail(node, `SPI bus unit address format error, expected "${expected}"`);
}

function graphNodes(ctx: DtcCheckContext, node: Node): void {
  for (const child of liveChildren(node)) {
    if (!(child.baseName === 'endpoint' || child.getProperty('remote-endpoint'))) continue;
    node.bus = GRAPH_PORT;
    if (!node.parent) throw dtcWouldFail(ctx, node, 'the root node holds a graph endpoint', 'DTC_CHECK_CRASH');
    // a port's parent is either a 'ports' node or the device itself
    if (!node.parent.bus && (node.parent.name === 'ports' || node.getProperty('reg'))) node.parent.bus = GRAPH_PORTS;
    break;
  }
}

function graphChildAddress(ctx: DtcCheckContext, node: Node): void {
  if (node.bus !== GRAPH_PORTS && node.bus !== GRAPH_PORT) return;
  let count = 0;
  for (const child of liveChildren(node)) {
    const reg = child.getProperty('reg');
    if (reg && propvalCell(ctx, child, reg) !== 0) return; // any non-zero unit address is fine
    count++;
  }
  if (count === 1 && node.addrCells !== -1) {
    ctx.fail(node, `graph node has single child node '${node.children[0]!.name}', #address-cells/#size-cells are not necessary`);
  }
}

function graphReg(ctx: DtcCheckContext, node: Node): void {
  const prop = node.getProperty('reg');
  if (!prop) return;
  if (prop.value.length !== 4) {
    ctx.fail(node, "graph node malformed 'reg' property");
    return;
  }
  const expected = hex(prop.value.cellAt(0));
  if (node.unitAddress !== expected) ctx.fail(node, `graph node unit address error, expected "${expected}"`);
  const parent = node.parent;
  if (!parent) throw dtcWouldFail(ctx, node, 'the root node is a graph port or endpoint', 'DTC_CHECK_CRASH');
  if (parent.addrCells !== 1) {
    ctx.failProp(node, node.getProperty('#address-cells'), `graph node '#address-cells' is ${parent.addrCells}, must be 1`);
  }
  if (parent.sizeCells !== 0) {
    ctx.failProp(node, node.getProperty('#size-cells'), `graph node '#size-cells' is ${parent.sizeCells}, must be 0`);
  }
}

function graphPort(ctx: DtcCheckContext, node: Node): void {
  if (node.bus !== GRAPH_PORT) return;
  if (node.baseName !== 'port') ctx.fail(node, "graph port node name should be 'port'");
  graphReg(ctx, node);
}

function remoteEndpoint(ctx: DtcCheckContext, endpoint: Node): Node | undefined {
  const prop = endpoint.getProperty('remote-endpoint');
  if (!prop) return undefined;
  const phandle = asInt(propvalCell(ctx, endpoint, prop));
  if (phandle === 0 || phandle === -1) return undefined; // overlay with external references
  const node = ctx.lookup.nodeByPhandle(phandle);
  if (!node) ctx.failProp(endpoint, prop, 'graph phandle is not valid');
  return node;
}

function graphEndpoint(ctx: DtcCheckContext, node: Node): void {
  if (!node.parent || node.parent.bus !== GRAPH_PORT) return;
  if (node.baseName !== 'endpoint') ctx.fail(node, "graph endpoint node name should be 'endpoint'");
  graphReg(ctx, node);
  const remote = remoteEndpoint(ctx, node);
  if (!remote) return;
  if (remoteEndpoint(ctx, remote) !== node) ctx.fail(node, `graph connection to node '${fullPath(remote)}' is not bidirectional`);
}

export const busChecks = {
  pci_bridge: propertySpec('pci_bridge', 'warning', 'device_type', pciBridge, 'device_type_is_string', 'addr_size_cells'),
  pci_device_reg: propertySpec('pci_device_reg', 'warning', 'reg', pciDeviceReg, 'reg_format', 'pci_bridge'),
  pci_device_bus_num: propertySpec('pci_device_bus_num', 'warning', 'reg', pciDeviceBusNum, 'reg_format', 'pci_bridge'),
  simple_bus_bridge: propertySpec('simple_bus_bridge', 'warning', 'compatible', simpleBusBridge, 'addr_size_cells', 'compatible_is_string_list'),
  simple_bus_reg: spec('simple_bus_reg', 'warning', simpleBusReg, 'reg_format', 'simple_bus_bridge'),
  i2c_bus_bridge: visiting({ kind: 'property', names: [], baseNames: ['i2c', 'i2c-bus', 'i2c-arb'] }, spec('i2c_bus_bridge', 'warning', i2cBusBridge, 'addr_size_cells')),
  i2c_bus_reg: spec('i2c_bus_reg', 'warning', i2cBusReg, 'reg_format', 'i2c_bus_bridge'),
  // a node not named spi is a bus only with #address-cells 1 and #size-cells 0, which addr_size_cells (a prerequisite) sets only from the properties
  spi_bus_bridge: visiting(
    { kind: 'property', names: ['#address-cells', '#size-cells'], baseNames: ['spi'] },
    spec('spi_bus_bridge', 'warning', spiBusBridge, 'addr_size_cells'),
  ),
  spi_bus_reg: spec('spi_bus_reg', 'warning', spiBusReg, 'reg_format', 'spi_bus_bridge'),
  graph_nodes: spec('graph_nodes', 'warning', graphNodes),
  graph_child_address: spec('graph_child_address', 'warning', graphChildAddress, 'graph_nodes'),
  graph_port: spec('graph_port', 'warning', graphPort, 'graph_nodes'),
  graph_endpoint: spec('graph_endpoint', 'warning', graphEndpoint, 'graph_nodes'),
};
