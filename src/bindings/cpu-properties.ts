/** `xen,cpupool` nodes (reference §1.4) and `xen,vcpu` nodes (§1.3). */
import { ValueBuilder } from '../fdt/tree/data.js';
import type { Cpupool, VcpuPin } from '../model/cpus.js';
import { BootConfigError } from '../model/errors.js';
import { locate } from './locate.js';
import { type PropCodec, constField, field, stringField, u32Field } from './property-codec.js';

const DOM0LESS = ['dom0less'] as const;

export const CPUPOOL_CODECS: readonly PropCodec<Cpupool>[] = [
  constField<Cpupool>('compatible', ['xen,cpupool'], '4.17', DOM0LESS, true),
  field<Cpupool, string[]>({
    name: 'cpupool-cpus', since: '4.17', in: DOM0LESS, arm: true,
    get: (c) => c.cpus, set: (c, v) => (c.cpus = v),
    decode: (p, ctx) => {
      if (p.bytes.length === 0 || p.bytes.length % 4 !== 0) {
        throw new BootConfigError('CPUPOOL_CPUS_EMPTY', `${ctx.node.path}:cpupool-cpus is empty or not a list of phandles; Xen panics "Missing or empty cpupool-cpus property!"`, locate(ctx.node, p, 'list the pool\'s CPUs as <&cpu0 &cpu1>'));
      }
      const out: string[] = [];
      for (let off = 0; off < p.bytes.length; off += 4) {
        const cpu = ctx.target(p, off);
        if (!cpu) throw new BootConfigError('CPUPOOL_CPU_REF', `${ctx.node.path}:cpupool-cpus entry ${off / 4} does not point to a node`, locate(ctx.node, p));
        out.push(cpu.path);
      }
      return out;
    },
    encode: (cpus, ctx) => {
      const vb = new ValueBuilder().addMarker('uint32');
      cpus.forEach((path, i) => {
        ctx.reference(i * 4, { kind: 'path', path });
        vb.appendCell(0);
      });
      return vb.build();
    },
  }),
  stringField<Cpupool>('cpupool-sched', '4.17', DOM0LESS, (c) => c.scheduler, (c, v) => (c.scheduler = v)),
];

export const VCPU_CODECS: readonly PropCodec<VcpuPin>[] = [
  constField<VcpuPin>('compatible', ['xen,vcpu'], '4.21', DOM0LESS, true),
  u32Field<VcpuPin>('id', '4.21', DOM0LESS, (v) => v.id, (v, id) => (v.id = id)),
  stringField<VcpuPin>('hard-affinity', '4.21', DOM0LESS, (v) => v.hardAffinity, (v, s) => (v.hardAffinity = s)),
];
