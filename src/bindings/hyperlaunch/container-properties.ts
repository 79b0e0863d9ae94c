/** The Hyperlaunch container (`/chosen/hypervisor`) and `xen,config` node properties (reference §2.2). */
import type { Hypervisor } from '../../model/hypervisor.js';
import { type PropCodec, constField, decodeStringList, encodeStringList, field } from '../property-codec.js';

export type Container = NonNullable<Hypervisor['container']>;
export type Config = NonNullable<Hypervisor['config']>;

export const CONTAINER_CODECS: readonly PropCodec<Container>[] = [
  field<Container, string[]>({
    name: 'compatible', in: ['hyperlaunch'],
    get: (c) => (c.compatible?.includes('hypervisor,xen') ? c.compatible : ['hypervisor,xen']),
    set: (c, v) => (c.compatible = v),
    decode: decodeStringList, encode: encodeStringList,
  }),
];

export const CONFIG_CODECS: readonly PropCodec<Config>[] = [constField<Config>('compatible', ['xen,config'], undefined, ['hyperlaunch'])];
