/**
 * Target rules: a property newer than the target release is silently
 * ignored (warning); a feature compiled out of the target build (Debian's
 * 4.17 has no STATIC_MEMORY, STATIC_SHM or BOOT_TIME_CPUPOOLS) is an error.
 */
import { versionFlags } from '../../bindings/version-flags.js';
import { at, atDomain } from '../context.js';
import { buildHas } from '../target.js';
import type { Rule } from '../rule.js';

export const TARGET_RULES: Rule[] = [
  {
    id: 'newer-than-target', group: 'target', severity: 'warning', xenSource: 'docs/misc/arm/device-tree/booting.txt', needs: 'target',
    xenMessage: '(silent: unknown properties are ignored)', summary: 'a property or node kind first read by a newer Xen than the target',
    hint: 'target a newer Xen, or remove it',
    check(ctx, report) {
      // The flags are the Arm releases' reading history; on x86 no release reads the tree, and the x86 rules say what happens instead.
      if (ctx.x86) return;
      for (const f of versionFlags(ctx.model, ctx.build!.version)) {
        const what = f.since === 'unreleased' ? 'no Xen release reads Hyperlaunch device trees yet' : `first read by Xen ${f.since}`;
        const position = ctx.tree ? findPosition(ctx, f.path, f.property) : undefined;
        report({ path: `${f.path}:${f.property}`, position }, `${f.path}:${f.property}: ${what}; Xen ${ctx.build!.label} silently ignores it`, f.since === 'unreleased' ? 'use the dom0less interface for released Xen versions' : undefined);
      }
    },
  },
  {
    id: 'build-static-memory', group: 'target', severity: 'error', xenSource: 'xen/common/device-tree/bootinfo-fdt.c', needs: 'build',
    xenMessage: 'CONFIG_STATIC_MEMORY must be enabled for parsing xen,static-mem', summary: '`xen,static-mem` / `xen,static-heap` / `direct-map` for a build without CONFIG_STATIC_MEMORY (Debian 4.17)',
    hint: 'use a Xen built with CONFIG_UNSUPPORTED + CONFIG_STATIC_MEMORY, or allocate domain memory from the heap',
    check(ctx, report) {
      if (buildHas(ctx.build, 'STATIC_MEMORY')) return;
      const label = ctx.build!.label;
      if (ctx.model.hypervisor.staticHeap?.length) report(at(ctx.model.hypervisor, '/chosen', 'xen,static-heap'), `xen,static-heap needs CONFIG_STATIC_MEMORY, which Xen ${label} lacks`);
      for (const d of ctx.model.domains) if (d.staticMemory?.length) report(atDomain(ctx.model, d, 'xen,static-mem'), `${d.name}: xen,static-mem needs CONFIG_STATIC_MEMORY, which Xen ${label} lacks; Xen panics "Early FDT parsing failed"`);
    },
  },
  {
    id: 'build-static-shm', group: 'target', severity: 'error', xenSource: 'xen/common/device-tree/static-shmem.c', needs: 'build',
    xenMessage: 'CONFIG_STATIC_SHM must be enabled for parsing static shared memory nodes', summary: 'static shared memory for a build without CONFIG_STATIC_SHM (Debian 4.17)',
    hint: 'use a Xen built with CONFIG_STATIC_SHM, or share memory at run time (grant tables)',
    check(ctx, report) {
      if (buildHas(ctx.build, 'STATIC_SHM')) return;
      for (const d of ctx.model.domains) for (const s of d.sharedMemory) report(at(s, `/chosen/${d.name}/${s.name}`), `${d.name}/${s.name}: static shared memory needs CONFIG_STATIC_SHM, which Xen ${ctx.build!.label} lacks`);
    },
  },
  {
    id: 'build-cpupools', group: 'target', severity: 'error', xenSource: 'xen/common/sched/boot-cpupool.c', needs: 'build',
    xenMessage: '(silent: without CONFIG_BOOT_TIME_CPUPOOLS every domain runs in Pool-0)', summary: '`xen,cpupool` / `domain-cpupool` for a build without CONFIG_BOOT_TIME_CPUPOOLS (Debian 4.17)',
    hint: 'use a Xen built with CONFIG_BOOT_TIME_CPUPOOLS, or create the pools after boot with xl',
    check(ctx, report) {
      if (buildHas(ctx.build, 'BOOT_TIME_CPUPOOLS')) return;
      const label = ctx.build!.label;
      for (const p of ctx.model.cpupools) report(at(p, `/chosen/${p.name}`), `${p.name}: Xen ${label} is built without CONFIG_BOOT_TIME_CPUPOOLS and ignores boot-time cpupools`);
      for (const d of ctx.model.domains) if (d.cpupool !== undefined) report(atDomain(ctx.model, d, 'domain-cpupool'), `${d.name}: domain-cpupool is ignored by Xen ${label}; the domain runs in Pool-0`);
    },
  },
];

/** The source position of a flagged property, from the input tree. */
function findPosition(ctx: Parameters<NonNullable<Rule['check']>>[0], path: string, property: string) {
  let node = ctx.tree!.root;
  for (const part of path.split('/').filter(Boolean)) {
    const next = node.getChild(part);
    if (!next) return undefined;
    node = next;
  }
  const name = property.split(' ')[0]!;
  return node.getProperty(name)?.position ?? node.position;
}
