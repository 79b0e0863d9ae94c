/**
 * Phandle checks and the tree-modifying fixups that run inside dtc's check
 * pass: explicit `phandle` properties, resolution of `<&ref>` and `&ref`,
 * removal of unreferenced `/omit-if-no-ref/` nodes, and the checks of
 * "phandle + argument cells" properties (clocks, gpios, interrupts …).
 */
import { type Node, Property } from '../tree/livetree.js';
import { invalidatePhandleIndex } from '../tree/phandles.js';
import {
  type DtcCheckContext,
  type DtcCheckSpec,
  asInt,
  deleteNode,
  dtcWouldFail,
  visiting,
  hex,
  isMultipleOf,
  liveProps,
  propvalCell,
  propertySpec,
  spec,
  fullPath,
} from './support.js';
import { cellCheck } from './structure.js';

/** dtc's check_phandle_prop: the value of one phandle property, 0 when there is none to use. */
function phandleProp(ctx: DtcCheckContext, node: Node, propName: string): number {
  const prop = node.getProperty(propName);
  if (!prop) return 0;
  if (prop.value.length !== 4) {
    ctx.failProp(node, prop, `bad length (${prop.value.length}) ${prop.name} property`);
    return 0;
  }
  for (const m of prop.value.markers) {
    if (m.type !== 'ref-phandle') continue;
    // `phandle = <&self>` asks for an automatic value; pointing elsewhere is nonsense
    if (node !== ctx.lookup.nodeByRef(m.ref ?? '')) ctx.fail(node, `${prop.name} is a reference to another node`);
    return 0;
  }
  const phandle = prop.value.cellAt(0);
  if (phandle === 0 || phandle === 0xffffffff) {
    ctx.failProp(node, prop, `bad value (0x${hex(phandle)}) in ${prop.name} property`);
    return 0;
  }
  return phandle;
}

function explicitPhandles(ctx: DtcCheckContext, node: Node): void {
  let phandle = phandleProp(ctx, node, 'phandle');
  const linux = phandleProp(ctx, node, 'linux,phandle');
  if (!phandle && !linux) return;
  if (linux && phandle && phandle !== linux) ctx.fail(node, "mismatching 'phandle' and 'linux,phandle' properties");
  if (linux && !phandle) phandle = linux;
  const other = ctx.lookup.nodeByPhandle(phandle);
  if (other && other !== node) {
    ctx.fail(node, `duplicated phandle 0x${hex(phandle)} (seen before at ${fullPath(other)})`);
    return;
  }
  node.phandle = phandle;
  ctx.lookup.recordPhandle(node, phandle);
}

/**
 * dtc's get_node_phandle: the node's phandle, or the next value of the
 * tree's counter that no live node uses, recorded in `phandle` and/or
 * `linux,phandle` (per -H) appended after the node's other properties. A
 * node that already has such a property refers to itself; the caller's
 * fixup fills it in.
 */
function nodePhandle(ctx: DtcCheckContext, node: Node): number {
  if (node.phandle !== 0 && node.phandle !== 0xffffffff) return node.phandle;
  let candidate = ctx.tree.nextPhandle;
  while (ctx.lookup.nodeByPhandle(candidate)) candidate++;
  ctx.tree.nextPhandle = candidate;
  node.phandle = candidate;
  ctx.lookup.recordPhandle(node, candidate);
  if (ctx.phandleFormat !== 'epapr' && !node.getProperty('linux,phandle')) {
    node.addProperty(new Property('linux,phandle', ctx.values.cell(candidate)));
  }
  if (ctx.phandleFormat !== 'legacy' && !node.getProperty('phandle')) {
    node.addProperty(new Property('phandle', ctx.values.cell(candidate)));
  }
  return candidate;
}

function phandleReferences(ctx: DtcCheckContext, node: Node): void {
  const props = node.properties;
  for (let i = 0; i < props.length; i++) {
    const prop = props[i]!;
    if (prop.deleted) continue;
    const markers = prop.value.markers;
    for (let k = 0; k < markers.length; k++) {
      const m = markers[k]!;
      if (m.type !== 'ref-phandle') continue;
      if (m.offset + 4 > prop.value.length) {
        throw dtcWouldFail(ctx, node, `reference ${m.ref ?? ''} in ${prop.name} lies outside the value`);
      }
      const ref = m.ref ?? '';
      const target = ctx.lookup.nodeByRef(ref);
      if (!target) {
        if (!ctx.tree.plugin) {
          ctx.fail(node, `Reference to non-existent node or label "${ref}"\n`);
        } else {
          // left for the overlay __fixups__ generator, which keeps the marker
          prop.value.setCell(m.offset, 0xffffffff);
        }
        continue;
      }
      prop.value.setCell(m.offset, nodePhandle(ctx, target));
      target.isReferenced = true;
    }
  }
}


function pathReferences(ctx: DtcCheckContext, node: Node): void {
  for (const prop of liveProps(node)) {
    for (const m of prop.value.markers) {
      if (m.type !== 'ref-path') continue;
      if (m.offset > prop.value.length) {
        throw dtcWouldFail(ctx, node, `path reference ${m.ref ?? ''} in ${prop.name} lies outside the value`);
      }
      const ref = m.ref ?? '';
      const target = ctx.lookup.nodeByRef(ref);
      if (!target) {
        ctx.fail(node, `Reference to non-existent node or label "${ref}"\n`);
        continue;
      }
      const path = fullPath(target);
      const insert = new Uint8Array(path.length + 1); // ends in NUL
      for (let i = 0; i < path.length; i++) insert[i] = path.charCodeAt(i);
      prop.value.insertAt(m, insert);
      target.isReferenced = true;
    }
  }
}

function omitUnusedNodes(ctx: DtcCheckContext, node: Node): void {
  // with -@ every labelled node is "used" by __symbols__ (dtc tests the raw label list)
  if (ctx.generateSymbols && node.hasLabels) return;
  if (node.omitIfUnused && !node.isReferenced) {
    deleteNode(node, ctx.deletedInRun);
    ctx.lookup.invalidate();
    invalidatePhandleIndex(ctx.tree); // its phandles are free again for later assignment
  }
}

interface Provider {
  propName: string;
  cellName: string;
  optional: boolean;
}

/** dtc's check_property_phandle_args, with its C int arithmetic, minus its endless loop. */
function phandleArgs(ctx: DtcCheckContext, node: Node, prop: Property, provider: Provider): void {
  const len = prop.value.length;
  if (!isMultipleOf(len, 4)) {
    ctx.failProp(node, prop, `property size (${len}) is invalid, expected multiple of 4`);
    return;
  }
  const ncells = len / 4;
  const seen = new Set<number>();
  let cellsize = 0;
  for (let cell = 0; cell >>> 0 < ncells; cell = (cell + cellsize + 1) | 0) {
    if (seen.has(cell)) {
      throw dtcWouldFail(ctx, node, `${prop.name}: ${provider.cellName} makes the walk over ${prop.name} revisit cell ${cell}`, 'DTC_CHECK_HANG');
    }
    seen.add(cell);
    const phandle = asInt(prop.value.cellAt(cell));
    if (phandle === 0 || phandle === -1) {
      if (ctx.tree.plugin) break; // overlays may point outside themselves
      cellsize = 0;
      continue;
    }
    if (prop.value.markers.length > 0) {
      const isRef = prop.value.markers.some((m) => m.type === 'ref-phandle' && m.offset === cell * 4);
      if (!isRef) ctx.failProp(node, prop, `cell ${cell} is not a phandle reference`);
    }
    const providerNode = ctx.lookup.nodeByPhandle(phandle);
    if (!providerNode) {
      ctx.failProp(node, prop, `Could not get phandle node for (cell ${cell})`);
      break;
    }
    const cellProp = providerNode.getProperty(provider.cellName);
    if (cellProp) {
      cellsize = asInt(propvalCell(ctx, providerNode, cellProp));
    } else if (provider.optional) {
      cellsize = 0;
    } else {
      ctx.fail(
        node,
        `Missing property '${provider.cellName}' in node ${fullPath(providerNode)} or bad phandle (referred from ${prop.name}[${cell}])`,
      );
      break;
    }
    // C: int sum, sign-extended to size_t before the compare
    const need = (cell + cellsize + 1) | 0;
    if (need < 0 || len < need * 4) ctx.failProp(node, prop, `property size (${len}) too small for cell size ${cellsize}`);
  }
}

function providerChecks<const B extends string>(
  base: B, propName: string, cellName: string, optional = false,
): [DtcCheckSpec<`${B}_property`, `${B}_is_cell` | 'phandle_references'>, DtcCheckSpec<`${B}_is_cell`, never>] {
  const provider: Provider = { propName, cellName, optional };
  const isCell = `${base}_is_cell` as const;
  return [
    propertySpec(
      `${base}_property` as const,
      'warning',
      propName,
      (ctx, node) => {
        const prop = node.getProperty(provider.propName);
        if (prop) phandleArgs(ctx, node, prop, provider);
      },
      isCell,
      'phandle_references',
    ),
    cellCheck(isCell, cellName),
  ];
}

function nameIsGpio(n: string): boolean {
  // every match ends in 's' or 'o': one char test rejects almost all names before the suffix tests
  const last = n.charCodeAt(n.length - 1);
  if (last !== 0x73 && last !== 0x6f) return false;
  if (n.endsWith(',nr-gpios')) return false;
  return n.endsWith('-gpios') || n === 'gpios' || n.endsWith('-gpio') || n === 'gpio';
}

function nameIsDeprecatedGpio(n: string): boolean {
  return nameIsGpio(n) && n.endsWith('gpio');
}

function gpiosProperty(ctx: DtcCheckContext, node: Node): void {
  if (node.getProperty('gpio-hog')) return; // hogs carry a plain 'gpios'
  for (const prop of liveProps(node)) {
    if (nameIsGpio(prop.name)) phandleArgs(ctx, node, prop, { propName: prop.name, cellName: '#gpio-cells', optional: false });
  }
}

function deprecatedGpioProperty(ctx: DtcCheckContext, node: Node): void {
  for (const prop of liveProps(node)) {
    if (nameIsDeprecatedGpio(prop.name)) {
      ctx.failProp(node, prop, "'[*-]gpio' is deprecated, use '[*-]gpios' instead");
    }
  }
}

function isInterruptProvider(node: Node): boolean {
  return node.getProperty('interrupt-controller') !== undefined || node.getProperty('interrupt-map') !== undefined;
}

function interruptProvider(ctx: DtcCheckContext, node: Node): void {
  if (!isInterruptProvider(node)) return;
  if (!node.getProperty('#interrupt-cells')) ctx.fail(node, 'Missing #interrupt-cells in interrupt provider');
  if (!node.getProperty('#address-cells')) ctx.fail(node, 'Missing #address-cells in interrupt provider');
}

function interruptsProperty(ctx: DtcCheckContext, node: Node): void {
  const irqProp = node.getProperty('interrupts');
  if (!irqProp) return;
  const len = irqProp.value.length;
  if (!isMultipleOf(len, 4)) ctx.failProp(node, irqProp, `size (${len}) is invalid, expected multiple of 4`);

  let irqNode: Node | undefined;
  let prop: Property | undefined;
  for (let parent: Node | undefined = node; parent && !prop; parent = parent.parent) {
    if (parent !== node && isInterruptProvider(parent)) {
      irqNode = parent;
      break;
    }
    prop = parent.getProperty('interrupt-parent');
    if (!prop) continue;
    const phandle = asInt(propvalCell(ctx, parent, prop));
    if (phandle === 0 || phandle === -1) {
      if (ctx.tree.plugin) return; // overlays may point outside themselves
      ctx.failProp(parent, prop, 'Invalid phandle');
      break;
    }
    irqNode = ctx.lookup.nodeByPhandle(phandle);
    if (!irqNode) {
      ctx.failProp(parent, prop, 'Bad phandle');
      return;
    }
    if (!isInterruptProvider(irqNode)) ctx.fail(irqNode, 'Missing interrupt-controller or interrupt-map property');
    break;
  }
  if (!irqNode) {
    ctx.fail(node, 'Missing interrupt-parent');
    return;
  }
  const cellsProp = irqNode.getProperty('#interrupt-cells');
  if (!cellsProp) return; // interrupt_provider reports this
  const irqCells = asInt(propvalCell(ctx, irqNode, cellsProp));
  const unit = Math.imul(irqCells, 4);
  if (!isMultipleOf(len, unit)) ctx.failProp(node, cellsProp, `size is (${len}), expected multiple of ${unit}`);
}

export const phandleChecks = {
  explicit_phandles: visiting({ kind: 'property', names: ['phandle', 'linux,phandle'] }, spec('explicit_phandles', 'error', explicitPhandles)),
  phandle_references: visiting(
    { kind: 'marker', type: 'ref-phandle' },
    spec('phandle_references', 'error', phandleReferences, 'duplicate_node_names', 'explicit_phandles'),
  ),
  path_references: visiting({ kind: 'marker', type: 'ref-path' }, spec('path_references', 'error', pathReferences, 'duplicate_node_names')),
  omit_unused_nodes: visiting({ kind: 'omitIfUnused' }, spec('omit_unused_nodes', 'error', omitUnusedNodes, 'phandle_references', 'path_references')),
  deprecated_gpio_property: visiting({ kind: 'propertyName', test: nameIsDeprecatedGpio }, spec('deprecated_gpio_property', 'off', deprecatedGpioProperty)),
  gpios_property: visiting({ kind: 'propertyName', test: nameIsGpio }, spec('gpios_property', 'warning', gpiosProperty, 'phandle_references')),
  interrupts_property: propertySpec('interrupts_property', 'warning', 'interrupts', interruptsProperty),
  interrupt_provider: visiting(
    { kind: 'property', names: ['interrupt-controller', 'interrupt-map'] },
    spec('interrupt_provider', 'warning', interruptProvider),
  ),
};

/** The provider checks, `<name>_property` then `<name>_is_cell`, in dtc's table order. */
export const providerCheckList = [
  ...providerChecks('clocks', 'clocks', '#clock-cells'),
  ...providerChecks('cooling_device', 'cooling-device', '#cooling-cells'),
  ...providerChecks('dmas', 'dmas', '#dma-cells'),
  ...providerChecks('hwlocks', 'hwlocks', '#hwlock-cells'),
  ...providerChecks('interrupts_extended', 'interrupts-extended', '#interrupt-cells'),
  ...providerChecks('io_channels', 'io-channels', '#io-channel-cells'),
  ...providerChecks('iommus', 'iommus', '#iommu-cells'),
  ...providerChecks('mboxes', 'mboxes', '#mbox-cells'),
  ...providerChecks('msi_parent', 'msi-parent', '#msi-cells', true),
  ...providerChecks('mux_controls', 'mux-controls', '#mux-control-cells'),
  ...providerChecks('phys', 'phys', '#phy-cells'),
  ...providerChecks('power_domains', 'power-domains', '#power-domain-cells'),
  ...providerChecks('pwms', 'pwms', '#pwm-cells'),
  ...providerChecks('resets', 'resets', '#reset-cells'),
  ...providerChecks('sound_dai', 'sound-dai', '#sound-dai-cells'),
  ...providerChecks('thermal_sensors', 'thermal-sensors', '#thermal-sensor-cells'),
] as const;
