/**
 * The communication graph's edges: one per static event channel (a pair of
 * channel nodes pointing at each other is one edge) and one per
 * shared-memory region between its owner and each borrower. A channel
 * whose remote does not point back, or a region only one domain names, is
 * dangling.
 */
import type { BootModel } from '../model/boot-model.js';
import type { Domain } from '../model/domain.js';
import type { EventChannel, SharedMemory } from '../model/sharing.js';
import { channelPath, findingsAt, shmPath } from './finding-targets.js';
import type { Link, ReportFinding } from './report-data.js';

/** Rules whose finding on a channel or region is about the link itself. */
const LINK_RULES: ReadonlySet<string> = new Set([
  'evtchn-value', 'evtchn-remote', 'evtchn-port', 'xsm-permission-missing',
  'shm-id-len', 'shm-id-missing', 'shm-role', 'shm-region', 'shm-align', 'shm-id-range', 'shm-owner-unique', 'shm-direct-map', 'build-static-shm',
]);

function channelLinks(model: BootModel, findings: readonly ReportFinding[]): Link[] {
  const links: Link[] = [];
  const done = new Set<string>();
  const find = (domain: string, channel: string) => {
    const d = model.domains.find((x) => x.name === domain);
    const e = d?.eventChannels.find((x) => x.name === channel);
    return d && e ? { d, e } : undefined;
  };
  for (const d of model.domains) {
    for (const e of d.eventChannels) {
      if (done.has(`${d.name}/${e.name}`)) continue;
      done.add(`${d.name}/${e.name}`);
      const peer = find(e.remote.domain, e.remote.channel);
      const mutual = peer !== undefined && peer.e.remote.domain === d.name && peer.e.remote.channel === e.name;
      if (mutual) done.add(`${peer.d.name}/${peer.e.name}`);
      const paths = [channelPath(model, d, e.name, e.origin), ...(mutual ? [channelPath(model, peer.d, peer.e.name, peer.e.origin)] : [])];
      links.push({
        kind: 'evtchn', from: d.name, to: peer?.d.name ?? '', label: portLabel(e, mutual ? peer.e : undefined), dangling: !mutual,
        source: paths[0]!, findings: findingsAt(findings, paths, LINK_RULES),
      });
    }
  }
  return links;
}

function portLabel(e: EventChannel, back: EventChannel | undefined): string {
  return back ? `port ${e.localPort} ↔ ${back.localPort}` : `port ${e.localPort} → ${e.remote.domain}/${e.remote.channel} (no channel points back)`;
}

interface Sharer {
  d: Domain;
  s: SharedMemory;
}

function shmLinks(model: BootModel, findings: readonly ReportFinding[]): Link[] {
  const byId = new Map<string, Sharer[]>();
  for (const d of model.domains) for (const s of d.sharedMemory) byId.set(s.id, [...(byId.get(s.id) ?? []), { d, s }]);
  const links: Link[] = [];
  for (const [id, sharers] of byId) {
    const owner = sharers.find((x) => x.s.role === 'owner') ?? sharers[0]!;
    const others = sharers.filter((x) => x !== owner);
    const ownerPath = shmPath(owner.d, owner.s);
    if (others.length === 0) {
      links.push({ kind: 'shm', from: owner.d.name, to: '', label: `shm "${id}" (no other domain shares it)`, dangling: true, source: ownerPath, findings: findingsAt(findings, [ownerPath], LINK_RULES) });
    }
    for (const o of others) {
      const paths = [ownerPath, shmPath(o.d, o.s)];
      links.push({ kind: 'shm', from: owner.d.name, to: o.d.name, label: `shm "${id}"`, dangling: false, source: ownerPath, findings: findingsAt(findings, paths, LINK_RULES) });
    }
  }
  return links;
}

export function commLinks(model: BootModel, findings: readonly ReportFinding[]): Link[] {
  return [...channelLinks(model, findings), ...shmLinks(model, findings)];
}
