/** Static shared memory and static event channel nodes (reference §1.5, §3.3). */
import { ValueBuilder } from '../fdt/tree/data.js';
import { BootConfigError } from '../model/errors.js';
import type { ChannelRef, EventChannel, SharedMemory } from '../model/sharing.js';
import { encodeTuples, readTuples } from './cells.js';
import { locate } from './locate.js';
import { type PropCodec, constField, decodeEnum, encodeString, field } from './property-codec.js';

const DOM0LESS = ['dom0less'] as const;
/** MAX_SHM_ID_LENGTH counts the NUL. */
const MAX_SHM_ID = 16;

interface Region {
  hostAddress?: bigint;
  guestAddress: bigint;
  size: bigint;
}

export const SHM_CODECS: readonly PropCodec<SharedMemory>[] = [
  constField<SharedMemory>('compatible', ['xen,domain-shared-memory-v1'], '4.17', DOM0LESS, true),
  field<SharedMemory, string>({
    name: 'xen,shm-id', since: '4.17', in: DOM0LESS, arm: true,
    get: (s) => s.id, set: (s, v) => (s.id = v),
    decode: (p, ctx) => {
      const nul = p.bytes.indexOf(0);
      const id = new TextDecoder().decode(p.bytes.subarray(0, nul < 0 ? p.bytes.length : nul));
      if (nul < 0 || nul + 1 > MAX_SHM_ID) {
        throw new BootConfigError('SHM_ID_INVALID', `${ctx.node.path}:xen,shm-id "${id}" must be a string of at most ${MAX_SHM_ID - 1} characters`, locate(ctx.node, p));
      }
      return id;
    },
    encode: encodeString,
  }),
  field<SharedMemory, Region>({
    name: 'xen,shared-mem', since: '4.17', in: DOM0LESS, arm: true,
    get: (s) => (s.hostAddress === undefined ? { guestAddress: s.guestAddress, size: s.size } : { hostAddress: s.hostAddress, guestAddress: s.guestAddress, size: s.size }),
    set: (s, r) => Object.assign(s, r),
    decode: (p, ctx) => {
      const { address: a, size: sz } = ctx.parentCells;
      if (a < 1 || sz < 1) throw new BootConfigError('SHM_CELLS', `${ctx.node.path}: invalid #address-cells or #size-cells for static shared memory node`, locate(ctx.node, p));
      const cells = p.bytes.length / 4;
      if (cells === 2 * a + sz) {
        const [hpa, gpa, size] = readTuples(p.bytes, [a, a, sz])![0]!;
        return { hostAddress: hpa!, guestAddress: gpa!, size: size! };
      }
      if (cells === a + sz) {
        const [gpa, size] = readTuples(p.bytes, [a, sz])![0]!;
        return { guestAddress: gpa!, size: size! };
      }
      throw new BootConfigError('SHM_REGION_INVALID', `${ctx.node.path}:xen,shared-mem must be <[hpa] gpa size> with ${a} address and ${sz} size cells; Xen fails "invalid xen,shared-mem property"`, locate(ctx.node, p));
    },
    encode: (r, ctx) => {
      const { address: a, size: sz } = ctx.parentCells;
      const where = `${ctx.path}:xen,shared-mem`;
      return r.hostAddress === undefined ? encodeTuples([[r.guestAddress, r.size]], [a, sz], where) : encodeTuples([[r.hostAddress, r.guestAddress, r.size]], [a, a, sz], where);
    },
  }),
  field<SharedMemory, 'owner' | 'borrower'>({
    name: 'role', since: '4.17', in: DOM0LESS, arm: true,
    get: (s) => s.role, set: (s, v) => (s.role = v),
    decode: (p, ctx) => {
      const v = decodeEnum(['owner', 'borrower'], '')(p, ctx);
      if (typeof v === 'symbol') throw new BootConfigError('SHM_ROLE_INVALID', `${ctx.node.path}:role must be "owner" or "borrower"; Xen fails "invalid role property"`, locate(ctx.node, p));
      return v;
    },
    encode: encodeString,
  }),
];

interface EvtchnValue {
  localPort: number;
  remote: ChannelRef;
}

export const EVTCHN_CODECS: readonly PropCodec<EventChannel>[] = [
  constField<EventChannel>('compatible', ['xen,evtchn-v1'], '4.17', DOM0LESS, true),
  field<EventChannel, EvtchnValue>({
    name: 'xen,evtchn', since: '4.17', in: DOM0LESS, arm: true,
    get: (e) => ({ localPort: e.localPort, remote: e.remote }),
    set: (e, v) => Object.assign(e, v),
    decode: (p, ctx) => {
      if (p.bytes.length !== 8) throw new BootConfigError('EVTCHN_INVALID', `${ctx.node.path}:xen,evtchn must be <local-port &remote-channel>; Xen fails "xen,evtchn property value is not valid"`, locate(ctx.node, p));
      const localPort = new DataView(p.bytes.buffer, p.bytes.byteOffset, 4).getUint32(0);
      const target = ctx.target(p, 4);
      const remote = target && ctx.channelOf(target);
      if (!remote) throw new BootConfigError('EVTCHN_REMOTE', `${ctx.node.path}:xen,evtchn: the remote is not a xen,evtchn-v1 node of a domain; Xen fails "could not find remote evtchn phandle"`, locate(ctx.node, p, 'point it at the other domain\'s channel node with <&label>'));
      return { localPort, remote };
    },
    encode: (v, ctx) => {
      ctx.reference(4, { kind: 'channel', ref: v.remote });
      return new ValueBuilder().addMarker('uint32').appendCell(v.localPort).appendCell(0).build();
    },
  }),
];
