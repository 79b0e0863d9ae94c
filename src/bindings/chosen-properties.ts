/** `/chosen` properties Xen reads (reference §1.1); the same in both interfaces on Arm. */
import type { Hypervisor } from '../model/hypervisor.js';
import type { MemoryBank } from '../model/memory.js';
import { BootConfigError } from '../model/errors.js';
import { encodeTuples, readTuples } from './cells.js';
import { locate } from './locate.js';
import { type PropCodec, field, flagField, stringField, u32Field } from './property-codec.js';

const BOTH = ['dom0less', 'hyperlaunch'] as const;
/** Arm /chosen vocabulary: carried into Hyperlaunch only for Arm targets. */
const ARM = ['dom0less'] as const;

export const CHOSEN_CODECS: readonly PropCodec<Hypervisor>[] = [
  u32Field<Hypervisor>('#address-cells', undefined, BOTH, (h) => h.chosenAddressCells, (h, v) => (h.chosenAddressCells = v), false),
  u32Field<Hypervisor>('#size-cells', undefined, BOTH, (h) => h.chosenSizeCells, (h, v) => (h.chosenSizeCells = v), false),
  stringField<Hypervisor>('xen,xen-bootargs', undefined, ARM, (h) => h.xenBootargs, (h, v) => (h.xenBootargs = v), true),
  stringField<Hypervisor>('xen,dom0-bootargs', undefined, ARM, (h) => h.dom0Bootargs, (h, v) => (h.dom0Bootargs = v), true),
  stringField<Hypervisor>('bootargs', undefined, ARM, (h) => h.bootargs, (h, v) => (h.bootargs = v), true),
  flagField<Hypervisor>('xen,uefi-cfg-load', '4.16', ARM, (h) => h.uefiCfgLoad, (h, v) => (h.uefiCfgLoad = v)),
  field<Hypervisor, MemoryBank[]>({
    name: 'xen,static-heap', since: '4.17', in: ARM, arm: true,
    get: (h) => h.staticHeap, set: (h, v) => (h.staticHeap = v),
    decode: (p, ctx) => {
      const { address, size } = ctx.rootCells;
      const rows = address >= 1 && size >= 1 ? readTuples(p.bytes, [address, size]) : null;
      if (!rows || rows.length === 0) {
        throw new BootConfigError('STATIC_HEAP_BAD', `${ctx.node.path}:xen,static-heap is not a list of <address size> with the root's cells (${address} + ${size})`, locate(ctx.node, p, 'the root node\'s #address-cells / #size-cells apply here'));
      }
      return rows.map(([a, s]) => ({ address: a!, size: s! }));
    },
    encode: (v, ctx) => encodeTuples(v.map((b) => [b.address, b.size]), [ctx.rootCells.address, ctx.rootCells.size], `${ctx.path}:xen,static-heap`),
  }),
];
