/**
 * Properties of a module node (reference §1.2, §2.2, §2.3). The location
 * has four spellings: `reg` (dom0less, 2025 series), `module-index` (2025
 * series, prototype), `mb-index` and `module-addr` (design document); the
 * last two are read only, writers use the first two.
 */
import type { Property } from '../fdt/tree/livetree.js';
import { BootConfigError } from '../model/errors.js';
import type { BootModule, ModuleLocation } from '../model/module.js';
import type { BindingInterface } from '../model/origin.js';
import { encodeTuples, readTuples } from './cells.js';
import { locate } from './locate.js';
import { compatibleFor } from './module-compatibles.js';
import { type PropCodec, type PropertyReadContext, decodeStringList, decodeU32, encodeStringList, encodeU32, field, stringField } from './property-codec.js';

type Range = Extract<ModuleLocation, { type: 'range' }>;

function decodeRange(p: Property, ctx: PropertyReadContext): Range {
  const { address, size } = ctx.parentCells;
  if (address < 1 || size < 1) {
    // Xen reads a missing part as 0: a module at address 0, or of size 0.
    throw new BootConfigError('MODULE_REG_CELLS', `${ctx.node.path}:${p.name} cannot be read with #address-cells ${address} and #size-cells ${size} from ${ctx.node.parent?.path ?? '/'}`, locate(ctx.node, p, 'set #address-cells and #size-cells of the parent node to 1 or 2'));
  }
  const need = (address + size) * 4;
  if (p.bytes.length < need) {
    throw new BootConfigError('MODULE_REG_SHORT', `${ctx.node.path}:${p.name} is shorter than one <address size> entry (${p.bytes.length} < ${need} bytes, cells ${address}+${size} from ${ctx.node.parent?.path ?? '/'}); Xen panics "reg property length is too short"`, locate(ctx.node, p, 'cells come from the parent node\'s #address-cells / #size-cells'));
  }
  if (p.bytes.length !== need) {
    ctx.warn({ code: 'MODULE_REG_EXTRA', message: `${ctx.node.path}:${p.name} is longer than one <address size> entry; Xen uses the first`, ...locate(ctx.node, p) });
  }
  const [first] = readTuples(p.bytes.subarray(0, need), [address, size]) ?? [];
  if (!first) throw new BootConfigError('MODULE_REG_SHORT', `${ctx.node.path}:${p.name} is not one <address size> entry`, locate(ctx.node, p));
  return { type: 'range', address: first[0]!, size: first[1]! };
}

function setLocation(m: BootModule, loc: ModuleLocation, p: Property, ctx: PropertyReadContext): void {
  if (m.location) {
    throw new BootConfigError('MODULE_LOCATION_TWICE', `${ctx.node.path}: location of the module given twice (${p.name} and an earlier property); Xen fails "Location of multiboot,module defined multiple times"`, locate(ctx.node, p, 'keep either reg or module-index'));
  }
  m.location = loc;
}

function rangeField(name: string, inIfs: readonly BindingInterface[], writable: boolean, since?: string): PropCodec<BootModule> {
  return field<BootModule, Range>({
    name, since, in: inIfs,
    get: (m) => (writable && m.location?.type === 'range' ? m.location : undefined),
    set: (m, r, p, ctx) => setLocation(m, r, p, ctx),
    decode: decodeRange,
    encode: (r, ctx) => encodeTuples([[r.address, r.size]], [ctx.parentCells.address, ctx.parentCells.size], `${ctx.path}:${name}`),
  });
}

function indexField(name: string, writable: boolean): PropCodec<BootModule> {
  return field<BootModule, number>({
    name, in: ['hyperlaunch'],
    get: (m) => (writable && m.location?.type === 'multiboot-index' ? m.location.index : undefined),
    set: (m, index, p, ctx) => setLocation(m, { type: 'multiboot-index', index }, p, ctx),
    decode: decodeU32,
    encode: encodeU32,
  });
}

export function moduleCodecs(iface: BindingInterface): PropCodec<BootModule>[] {
  return [
    field<BootModule, string[]>({
      name: 'compatible', since: '4.5', in: ['dom0less', 'hyperlaunch'],
      get: (m) => compatibleFor(m, iface), set: (m, v) => (m.compatible = v),
      decode: decodeStringList, encode: encodeStringList,
    }),
    rangeField('reg', ['dom0less', 'hyperlaunch'], true, '4.5'),
    indexField('module-index', true),
    indexField('mb-index', false),
    rangeField('module-addr', ['hyperlaunch'], false),
    stringField<BootModule>('bootargs', '4.5', ['dom0less', 'hyperlaunch'], (m) => m.bootargs, (m, v) => (m.bootargs = v), false),
    stringField<BootModule>('xen,uefi-binary', '4.16', ['dom0less'], (m) => m.uefiBinary, (m, v) => (m.uefiBinary = v)),
  ];
}
