/**
 * Robustness of the check pass on arbitrary live trees (built directly, so
 * they include shapes no parser makes: markers past the end of a value,
 * cells of any length, phandle cycles, deleted entries anywhere): it must
 * return, or throw an FdtError, never anything else, and never loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type MarkerType, PropertyValue } from '../../src/fdt/tree/data.js';
import { FdtError } from '../../src/fdt/errors.js';
import { DeviceTree, Node, Property, addLabel } from '../../src/fdt/tree/livetree.js';
import { CHECK_NAMES, type DtcCheckSetting, processChecks } from '../../src/fdt/checks/dtc-checks.js';

const NAMES = ['reg', 'ranges', 'dma-ranges', '#address-cells', '#size-cells', 'compatible', 'device_type', 'bus-range', 'status',
  'interrupts', 'interrupt-parent', 'interrupt-controller', 'interrupt-map', '#interrupt-cells', 'clocks', '#clock-cells', 'gpios',
  'x-gpio', '#gpio-cells', 'remote-endpoint', 'phandle', 'linux,phandle', 'name', 'bootargs', 'stdout-path', 'linux,stdout-path',
  'spi-slave', 'spi-cs-high', 'model', 'label', 'a-names', 'interrupts-extended', 'msi-parent', 'gpio-hog', 'a?b'];
const NODE_NAMES = ['pci', 'pcie@0', 'i2c', 'i2c@1', 'i2c-bus', 'spi', 'spi@2', 'port', 'port@1', 'ports', 'endpoint', 'endpoint@0',
  'chosen', 'aliases', 'n@0x1', 'n@01', 'a@b@c', 'x', 'x', '__overlay__', 'cpus', 'N_'];
const MARKERS: MarkerType[] = ['ref-phandle', 'ref-path', 'label', 'uint32', 'string'];

interface PropSpec { name: number; bytes: Uint8Array; markers: { type: number; offset: number; ref: number }[]; deleted: boolean; label: number }
interface NodeSpec { name: number; parent: number; props: PropSpec[]; deleted: boolean; label: number; omit: boolean }

const cellish = fc.oneof(
  fc.uint8Array({ maxLength: 12 }),
  fc.array(fc.constantFrom(0, 1, 2, 3, 0xffffffff, 0x80000000, 0xfffffffe, 0x7f, 0x400), { maxLength: 4 }).map((cs) => {
    const b = new Uint8Array(cs.length * 4);
    const dv = new DataView(b.buffer);
    cs.forEach((c, i) => dv.setUint32(i * 4, c));
    return b;
  }),
  fc.constantFrom('simple-bus', 'pci', 'disabled', '/', '/x', 'okay').map((s) => new TextEncoder().encode(`${s}\0`)),
);

const propSpec: fc.Arbitrary<PropSpec> = fc.record({
  name: fc.nat(NAMES.length - 1),
  bytes: cellish,
  markers: fc.array(fc.record({ type: fc.nat(MARKERS.length - 1), offset: fc.nat(16), ref: fc.nat(6) }), { maxLength: 2 }),
  deleted: fc.boolean(),
  label: fc.nat(12),
});

const nodeSpec: fc.Arbitrary<NodeSpec> = fc.record({
  name: fc.nat(NODE_NAMES.length - 1),
  parent: fc.nat(1000),
  props: fc.array(propSpec, { maxLength: 5 }),
  deleted: fc.boolean(),
  label: fc.nat(12),
  omit: fc.boolean(),
});

function build(specs: NodeSpec[], plugin: boolean): DeviceTree {
  const tree = new DeviceTree();
  tree.plugin = plugin;
  const nodes: Node[] = [tree.root];
  for (const s of specs) {
    const n = new Node(NODE_NAMES[s.name]!);
    nodes[s.parent % nodes.length]!.addChild(n);
    n.deleted = s.deleted && nodes.length > 3;
    n.omitIfUnused = s.omit;
    if (s.label < 6) addLabel(n.labels, `l${s.label}`);
    for (const p of s.props) {
      const markers = p.markers.map((m) => ({ type: MARKERS[m.type]!, offset: m.offset, ref: m.ref === 6 ? '/x' : `l${m.ref}` }));
      const prop = new Property(NAMES[p.name]!, new PropertyValue(p.bytes.slice(), markers));
      prop.deleted = p.deleted && p.name % 3 === 0;
      if (p.label < 3) addLabel(prop.labels, `l${p.label}`);
      n.addProperty(prop);
    }
    nodes.push(n);
  }
  return tree;
}

const ALL_ON: DtcCheckSetting[] = CHECK_NAMES.map((name) => ({ name, warn: true, error: false, enable: true }));

test('checks: arbitrary trees give a result or an FdtError', () => {
  fc.assert(
    fc.property(fc.array(nodeSpec, { maxLength: 14 }), fc.boolean(), fc.boolean(), (specs, plugin, allOn) => {
      const tree = build(specs, plugin);
      try {
        const r = processChecks(tree, { settings: allOn ? ALL_ON : [], phandleFormat: 'both' });
        assert.equal(typeof r.hasErrors, 'boolean');
      } catch (e) {
        if (!(e instanceof FdtError)) throw e;
        assert.match(e.code, /^DTC_CHECK_(ASSERT|CRASH|HANG)$/);
      }
    }),
    { numRuns: 3000, seed: 20261126 },
  );
});
