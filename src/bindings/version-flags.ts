/**
 * Properties newer than the target Xen. Xen ignores properties it does not
 * know, so a configuration written for 4.21 boots on 4.17 without the
 * feature and without a word; the model keeps such values and this module
 * names each one with its path and the release that introduced it.
 */
import type { BootModel } from '../model/boot-model.js';
import type { BootConfigWarning } from '../model/errors.js';
import type { BindingInterface } from '../model/origin.js';
import { type XenVersion, compareXenVersions } from '../model/version.js';
import { CHOSEN_CODECS } from './chosen-properties.js';
import { CPUPOOL_CODECS, VCPU_CODECS } from './cpu-properties.js';
import { DOMAIN_CODECS } from './domain-properties.js';
import { moduleCodecs } from './module-properties.js';
import type { PropCodec } from './property-codec.js';
import { EVTCHN_CODECS, SHM_CODECS } from './sharing-properties.js';

export interface VersionFlag {
  path: string;
  property: string;
  since: XenVersion | 'unreleased';
  target: XenVersion;
}

/** Values whose meaning arrived later than their property. */
const VALUE_SINCE: readonly { property: string; value: string; since: XenVersion }[] = [
  { property: 'xen,enhanced', value: 'legacy', since: '4.21' },
];

interface Entity {
  origin?: { path: string; interface: BindingInterface };
}

function pathOf(e: Entity, fallback: string, iface: BindingInterface): string {
  return e.origin?.interface === iface ? e.origin.path : fallback;
}

function check<E extends Entity>(out: VersionFlag[], e: E, codecs: readonly PropCodec<E>[], path: string, target: XenVersion, skip: readonly string[] = []): void {
  for (const c of codecs) {
    if (!c.since || skip.includes(c.name) || c.fingerprint(e) === undefined) continue;
    if (compareXenVersions(c.since, target) <= 0) continue;
    out.push({ path, property: c.name, since: c.since, target });
    // A node kind newer than the target: one flag for the node is enough.
    if (c.name === 'compatible') return;
  }
}

export function versionFlags(model: BootModel, target: XenVersion | undefined = model.target.xenVersion): VersionFlag[] {
  if (!target) return [];
  const out: VersionFlag[] = [];
  const iface = model.interface;
  const base = iface === 'hyperlaunch' ? '/chosen/hypervisor' : '/chosen';
  if (iface === 'hyperlaunch') out.push({ path: base, property: 'compatible', since: 'unreleased', target });
  check(out, model.hypervisor, CHOSEN_CODECS, '/chosen', target);
  for (const p of model.cpupools) check(out, p, CPUPOOL_CODECS, pathOf(p, `/chosen/${p.name}`, iface), target);
  const mods = moduleCodecs(iface);
  for (const m of model.hypervisor.modules) check(out, m, mods, pathOf(m, `${base}/${m.name ?? 'module'}`, iface), target);
  for (const d of model.domains) {
    const dpath = d.isDom0 && iface === 'dom0less' ? '/chosen' : pathOf(d, `${base}/${d.name}`, iface);
    check(out, d, DOMAIN_CODECS, dpath, target, d.isDom0 && iface === 'dom0less' ? ['compatible'] : []);
    for (const v of VALUE_SINCE) {
      if (v.property === 'xen,enhanced' && d.enhanced === v.value && compareXenVersions(v.since, target) > 0) out.push({ path: dpath, property: `${v.property} = "${v.value}"`, since: v.since, target });
    }
    for (const m of d.modules) {
      const mpath = pathOf(m, `${dpath}/${m.name ?? 'module'}`, iface);
      check(out, m, mods, mpath, target);
      if (m.kind === 'device-tree' && compareXenVersions('4.13', target) > 0) out.push({ path: mpath, property: 'compatible = "multiboot,device-tree"', since: '4.13', target });
    }
    for (const v of d.vcpuPins) check(out, v, VCPU_CODECS, pathOf(v, `${dpath}/${v.name}`, iface), target);
    for (const s of d.sharedMemory) check(out, s, SHM_CODECS, pathOf(s, `${dpath}/${s.name}`, iface), target);
    for (const e of d.eventChannels) check(out, e, EVTCHN_CODECS, pathOf(e, `${dpath}/${e.name}`, iface), target);
  }
  return out;
}

export function versionFlagWarning(f: VersionFlag): BootConfigWarning {
  const what = f.since === 'unreleased' ? 'no Xen release reads Hyperlaunch device trees yet' : `first read by Xen ${f.since}`;
  return {
    code: 'NEWER_THAN_TARGET',
    message: `${f.path}:${f.property}: ${what}; Xen ${f.target} silently ignores it`,
    path: `${f.path}:${f.property}`,
    hint: f.since === 'unreleased' ? 'use the dom0less interface for released Xen versions' : `target Xen ${f.since} or newer, or remove it`,
  };
}

/** Readers call this: flags become warnings when a target version is given. */
export function flagVersions(model: BootModel, warn: (w: BootConfigWarning) => void): void {
  for (const f of versionFlags(model)) warn(versionFlagWarning(f));
}
