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
export function lateDependencies(domains: readonly Domain[]): Map<string, string[]> {
  const names = new Set(domains.map((d) => d.name));
  const owners = new Map<string, string>();
  for (const d of domains) for (const s of d.sharedMemory) if (s.role === 'owner') owners.set(s.id, d.name);
  const deps = new Map<string, string[]>();
  for (const d of domains) {
    const caps = effectiveCapabilities(d);
    const after = new Set<string>();
    for (const o of domains) {
      if (o === d) continue;
      const oc = effectiveCapabilities(o);
      if (oc.xenstore && !caps.xenstore) after.add(o.name);
      if (oc.hardware && !caps.hardware && !caps.xenstore) after.add(o.name);
    }
    for (const s of d.sharedMemory) {
      const owner = owners.get(s.id);
      if (s.role !== 'owner' && owner !== undefined && owner !== d.name) after.add(owner);
    }
    for (const c of d.eventChannels) if (names.has(c.remote.domain) && c.remote.domain !== d.name && domains.indexOf(d) > domains.findIndex((x) => x.name === c.remote.domain)) after.add(c.remote.domain);
    deps.set(d.name, [...after].filter((n) => names.has(n)));
  }
  return deps;
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
