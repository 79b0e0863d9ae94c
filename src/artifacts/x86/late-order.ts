/**
 * The order dom0 starts the other domains in. `xl create` of a domain whose
 * xenstore, backend or shared-memory owner does not exist yet either fails
 * or hangs waiting for it, so those come first: xenstore domains, then
 * hardware (driver/backend) domains, then owners of shared memory before
 * their borrowers; otherwise the configuration's order.
 */
import { effectiveCapabilities } from '../../model/boot-model.js';
import type { Domain } from '../../model/domain.js';

/** For each domain, the names (among `domains`) it waits for. */
/** Domains `d` waits for because of their roles: xenstore first, then backends (hardware) for everyone else. */
function roleDependencies(d: Domain, domains: readonly Domain[]): string[] {
  const caps = effectiveCapabilities(d);
  return domains.filter((o) => {
    if (o === d) return false;
    const oc = effectiveCapabilities(o);
    return (oc.xenstore && !caps.xenstore) || (oc.hardware && !caps.hardware && !caps.xenstore);
  }).map((o) => o.name);
}

/** Shared-memory owners before their borrowers; an event channel's earlier peer (in node order) before the later one. */
function sharingDependencies(d: Domain, domains: readonly Domain[], owners: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const s of d.sharedMemory) {
    const owner = owners.get(s.id);
    if (s.role !== 'owner' && owner !== undefined && owner !== d.name) out.push(owner);
  }
  const self = domains.indexOf(d);
  for (const c of d.eventChannels) {
    const peer = domains.findIndex((x) => x.name === c.remote.domain);
    if (peer >= 0 && peer < self) out.push(c.remote.domain);
  }
  return out;
}

/** For each domain, the names (among `domains`) it waits for. */
export function lateDependencies(domains: readonly Domain[]): Map<string, string[]> {
  const owners = new Map<string, string>();
  for (const d of domains) for (const s of d.sharedMemory) if (s.role === 'owner') owners.set(s.id, d.name);
  return new Map(domains.map((d) => [d.name, [...new Set([...roleDependencies(d, domains), ...sharingDependencies(d, domains, owners)])]]));
}

/** `domains` sorted so that each comes after what it waits for; a cycle keeps the input order for its members. */
export function orderLateDomains(domains: readonly Domain[]): Domain[] {
  const deps = lateDependencies(domains);
  const done = new Set<string>();
  const out: Domain[] = [];
  while (out.length < domains.length) {
    const ready = domains.find((d) => !done.has(d.name) && (deps.get(d.name) ?? []).every((n) => done.has(n)))
      ?? domains.find((d) => !done.has(d.name))!;
    done.add(ready.name);
    out.push(ready);
  }
  return out;
}
