/** Static shared memory (static-shmem.c) and static event channels (static-evtchn.c). */
import type { BootModel } from '../../model/boot-model.js';
import type { Domain } from '../../model/domain.js';
import type { EventChannel, SharedMemory } from '../../model/sharing.js';
import { at, domainPath, hex, range } from '../context.js';
import type { Rule } from '../rule.js';
import { KiB4, aligned } from './support.js';

const SHMEM = 'xen/common/device-tree/static-shmem.c';
const EVTCHN = 'xen/common/device-tree/static-evtchn.c';
/** Default max_evtchn_port of a dom0less domain (dom0less-bindings.c). */
const DOMU_MAX_EVTCHN_PORT = 1023;

function* shms(model: BootModel): Generator<{ d: Domain; s: SharedMemory; path: string }> {
  for (const d of model.domains) for (const s of d.sharedMemory) yield { d, s, path: s.origin?.path ?? `${domainPath(model, d)}/${s.name}` };
}

function* channels(model: BootModel): Generator<{ d: Domain; e: EventChannel; path: string }> {
  for (const d of model.domains) for (const e of d.eventChannels) yield { d, e, path: e.origin?.path ?? `${domainPath(model, d)}/${e.name}` };
}

export const SHM_RULES: Rule[] = [
  {
    id: 'shm-cells', group: 'static-shm', severity: 'error', xenSource: SHMEM, since: '4.17',
    xenMessage: 'fdt: invalid #address-cells or #size-cells for static shared memory node.', summary: 'shared memory parent cells < 1',
    hint: 'set #address-cells / #size-cells of the parent to 1 or 2', readerCodes: ['SHM_CELLS'],
  },
  {
    id: 'shm-id-len', group: 'static-shm', severity: 'error', xenSource: SHMEM, since: '4.17',
    xenMessage: 'fdt: invalid xen,shm-id %s, it must be limited to %u characters', summary: '`xen,shm-id` of 16 characters or more',
    hint: 'use an id of at most 15 characters', readerCodes: ['SHM_ID_INVALID'],
  },
  {
    id: 'shm-id-missing', group: 'static-shm', severity: 'error', xenSource: SHMEM, since: '4.17',
    xenMessage: "fdt: node `%s': parsing failed", summary: 'a shared memory node without `xen,shm-id` (4.19+: `Early FDT parsing failed (-2)`; 4.17–4.18: `invalid "xen,shm-id" property` building the domain)',
    hint: 'add xen,shm-id = "name"', readerCodes: ['SHM_ID_MISSING'],
  },
  {
    id: 'shm-role', group: 'static-shm', severity: 'error', xenSource: SHMEM, since: '4.17',
    xenMessage: 'fdt: invalid `role` property for static shared memory node.', summary: '`role` other than "owner" / "borrower"',
    hint: 'use role = "owner" or "borrower"', readerCodes: ['SHM_ROLE_INVALID'],
  },
  {
    id: 'shm-region', group: 'static-shm', severity: 'error', xenSource: SHMEM, since: '4.17',
    xenMessage: 'fdt: invalid `xen,shared-mem` property.', summary: '`xen,shared-mem` missing or not <[hpa] gpa size> with the parent\'s cells',
    hint: 'write xen,shared-mem = <hpa gpa size> (or <gpa size>)', readerCodes: ['SHM_REGION_INVALID', 'SHM_REGION_MISSING'],
  },
  {
    id: 'shm-align', group: 'static-shm', severity: 'error', xenSource: SHMEM, since: '4.17',
    xenMessage: 'fdt: the size for static shared memory region can not be zero', summary: 'shared memory address or size not 4 KiB aligned, size 0, or wrapping',
    hint: 'use a non-zero, 4 KiB aligned region',
    check(ctx, report) {
      for (const { s, path } of shms(ctx.model)) {
        const where = at(s, path, 'xen,shared-mem');
        if (s.size === 0n) report(where, `${path}: shared memory size is zero`);
        else if (!aligned(s.size, KiB4) || !aligned(s.guestAddress, KiB4) || (s.hostAddress !== undefined && !aligned(s.hostAddress, KiB4))) report(where, `${path}: ${s.hostAddress !== undefined ? `host ${hex(s.hostAddress)}, ` : ''}guest ${hex(s.guestAddress)}, size ${hex(s.size)} is not suitably aligned (4 KiB)`);
        else if ((s.hostAddress ?? 0n) + s.size > 1n << 64n || s.guestAddress + s.size > 1n << 64n) report(where, `${path}: region overflows`);
      }
    },
  },
  {
    id: 'shm-id-range', group: 'static-shm', severity: 'error', xenSource: SHMEM, since: '4.17',
    xenMessage: 'fdt: different shared memory region could not share the same shm ID %s', summary: 'one `xen,shm-id` with different host ranges, or one host range under different ids',
    hint: 'every node of one region names the same id, host address and size',
    check(ctx, report) {
      const byId = new Map<string, SharedMemory>();
      const byRange = new Map<string, SharedMemory>();
      for (const { s, path } of shms(ctx.model)) {
        const first = byId.get(s.id);
        if (first) {
          const sameHost = first.hostAddress === undefined || s.hostAddress === undefined || first.hostAddress === s.hostAddress;
          if (!sameHost || first.size !== s.size) report(at(s, path, 'xen,shared-mem'), `${path}: xen,shm-id "${s.id}" is used with a different region`);
        } else byId.set(s.id, s);
        if (s.hostAddress === undefined) continue;
        const key = `${s.hostAddress}:${s.size}`;
        const other = byRange.get(key);
        if (other && other.id !== s.id) report(at(s, path, 'xen,shm-id'), `${path}: region ${range(s.hostAddress, s.size)} is shared under ids "${other.id}" and "${s.id}"; Xen: "xen,shm-id ${s.id} does not match for all the nodes using the same region"`);
        else byRange.set(key, s);
      }
    },
  },
  {
    id: 'shm-owner-unique', group: 'static-shm', severity: 'error', xenSource: SHMEM, since: '4.17',
    xenMessage: '%pd: failed to acquire static memory: %d.', summary: 'two domains own one shared-memory region (`role = "owner"` twice for one `xen,shm-id`)',
    hint: 'one domain owns the region; the others say role = "borrower" (or leave role out)',
    check(ctx, report) {
      const owners = new Map<string, string>();
      for (const { d, s, path } of shms(ctx.model)) {
        if (s.role !== 'owner') continue;
        const first = owners.get(s.id);
        if (first === undefined) owners.set(s.id, d.name);
        else if (first !== d.name) report(at(s, path, 'role'), `${path}: ${d.name} and ${first} both own shared memory "${s.id}"; the second owner cannot acquire its pages and Xen stops: "Could not set up domain ${d.name}"`);
      }
    },
  },
  {
    id: 'shm-direct-map', group: 'static-shm', severity: 'error', xenSource: SHMEM, since: '4.17',
    xenMessage: 'host and guest physical address must be supplied for direct-mapped domains', summary: 'shared memory of a direct-mapped domain without a host address, or host ≠ guest',
    hint: 'give hpa == gpa for direct-mapped domains',
    check(ctx, report) {
      for (const { d, s, path } of shms(ctx.model)) {
        if (!d.directMap) continue;
        if (s.hostAddress === undefined) report(at(s, path, 'xen,shared-mem'), `${path}: ${d.name} is direct-mapped; the host address must be given`);
        else if (s.hostAddress !== s.guestAddress) report(at(s, path, 'xen,shared-mem'), `${path}: physical address ${hex(s.hostAddress)} and guest address ${hex(s.guestAddress)} are not direct-mapped`);
      }
    },
  },
];

export const EVTCHN_RULES: Rule[] = [
  {
    id: 'evtchn-value', group: 'static-evtchn', severity: 'error', xenSource: EVTCHN, since: '4.17',
    xenMessage: 'xen,evtchn property should not be empty.', summary: '`xen,evtchn` missing or not <port &remote>',
    hint: 'write xen,evtchn = <port &remote_channel_node>', readerCodes: ['EVTCHN_MISSING', 'EVTCHN_INVALID'],
  },
  {
    id: 'evtchn-remote', group: 'static-evtchn', severity: 'error', xenSource: EVTCHN, since: '4.17',
    xenMessage: 'xen,evtchn property is not setup correctly.', summary: 'the remote channel node does not exist or does not point back',
    hint: 'make the two channel nodes reference each other', readerCodes: ['EVTCHN_REMOTE'],
    check(ctx, report) {
      const all = [...channels(ctx.model)];
      const byRef = new Map(all.map((x) => [`${x.d.name}\0${x.e.name}`, x]));
      for (const { d, e, path } of all) {
        const peer = byRef.get(`${e.remote.domain}\0${e.remote.channel}`);
        if (!peer) report(at(e, path, 'xen,evtchn'), `${path}: remote ${e.remote.domain}/${e.remote.channel} is not a channel node; Xen: "evtchn: could not find remote evtchn phandle"`);
        else if (peer.e.remote.domain !== d.name || peer.e.remote.channel !== e.name) report(at(e, path, 'xen,evtchn'), `${path}: the remote ${peer.path} points at ${peer.e.remote.domain}/${peer.e.remote.channel}, not back here`);
      }
    },
  },
  {
    id: 'evtchn-port', group: 'static-evtchn', severity: 'error', xenSource: EVTCHN, since: '4.17',
    xenMessage: 'Could not set up domains evtchn', summary: 'a local port above the domain\'s maximum (1023 for a dom0less domain) or used twice in a domain',
    hint: 'use distinct ports from 1 to 1023',
    check(ctx, report) {
      for (const d of ctx.model.domains) {
        const seen = new Map<number, string>();
        for (const e of d.eventChannels) {
          const path = e.origin?.path ?? `${domainPath(ctx.model, d)}/${e.name}`;
          if (!d.isDom0 && e.localPort > DOMU_MAX_EVTCHN_PORT) report(at(e, path, 'xen,evtchn'), `${path}: port ${e.localPort} exceeds ${d.name}'s maximum ${DOMU_MAX_EVTCHN_PORT}`);
          else if (e.localPort === 0) report(at(e, path, 'xen,evtchn'), `${path}: port 0 is reserved`);
          const prev = seen.get(e.localPort);
          if (prev !== undefined) report(at(e, path, 'xen,evtchn'), `${path}: port ${e.localPort} is already used by ${prev}`);
          seen.set(e.localPort, e.name);
        }
      }
    },
  },
  {
    id: 'evtchn-needs-enhanced', group: 'static-evtchn', severity: 'warning', xenSource: 'docs/misc/arm/device-tree/booting.txt', since: '4.17',
    xenMessage: '(silent: the guest has no hypervisor node to find its event channels)', summary: 'a domU with static event channels but no `xen,enhanced`',
    hint: 'add xen,enhanced = "no-xenstore" (or "enabled")',
    check(ctx, report) {
      for (const d of ctx.model.domains) {
        if (d.isDom0 || d.eventChannels.length === 0) continue;
        if (d.enhanced === undefined || d.enhanced === 'disabled') report(at(d, domainPath(ctx.model, d)), `${d.name} has static event channels but the PV interfaces are off`);
      }
    },
  },
];
