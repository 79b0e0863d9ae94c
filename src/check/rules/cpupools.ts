/** Boot-time cpupools (xen/common/sched/boot-cpupool.c). */
import { at } from '../context.js';
import { ALL_SCHEDULERS } from '../target.js';
import type { Rule } from '../rule.js';

const BOOT_CPUPOOL = 'xen/common/sched/boot-cpupool.c';

export const CPUPOOL_RULES: Rule[] = [
  {
    id: 'cpupool-empty', group: 'cpupool', severity: 'error', xenSource: BOOT_CPUPOOL, since: '4.17',
    xenMessage: 'Missing or empty cpupool-cpus property!', summary: 'a `xen,cpupool` without CPUs',
    hint: 'list the pool\'s CPUs: cpupool-cpus = <&cpu0 &cpu1>', readerCodes: ['CPUPOOL_CPUS_EMPTY'],
  },
  {
    id: 'cpupool-ref', group: 'cpupool', severity: 'error', xenSource: 'xen/common/device-tree/dom0less-build.c', since: '4.17',
    xenMessage: 'Error getting cpupool id from domain-cpupool (%d)', summary: '`domain-cpupool` does not point at a `xen,cpupool` node',
    hint: 'point domain-cpupool at a xen,cpupool node under /chosen', readerCodes: ['CPUPOOL_REF'],
  },
  {
    id: 'cpupool-cpu-twice', group: 'cpupool', severity: 'error', xenSource: BOOT_CPUPOOL, since: '4.17',
    xenMessage: 'Logical cpu %d already added to a cpupool!', summary: 'one CPU in two cpupools',
    hint: 'put each CPU in at most one pool',
    check(ctx, report) {
      const owner = new Map<string, string>();
      for (const p of ctx.model.cpupools) {
        for (const cpu of p.cpus) {
          const prev = owner.get(cpu);
          if (prev !== undefined) report(at(p, `/chosen/${p.name}`, 'cpupool-cpus'), `${cpu} is in cpupools ${prev} and ${p.name}`);
          else owner.set(cpu, p.name);
        }
      }
    },
  },
  {
    id: 'cpupool-sched', group: 'cpupool', severity: 'error', xenSource: BOOT_CPUPOOL, since: '4.17',
    xenMessage: 'Scheduler %s does not exists!', summary: '`cpupool-sched` names a scheduler Xen (or the target build) does not have',
    hint: 'use credit2 or credit (and rtds, arinc653 or null where the build has them)',
    check(ctx, report) {
      const known: readonly string[] = ctx.build?.schedulers ?? ALL_SCHEDULERS;
      for (const p of ctx.model.cpupools) {
        if (p.scheduler !== undefined && !known.includes(p.scheduler)) report(at(p, `/chosen/${p.name}`, 'cpupool-sched'), `${p.name}: scheduler "${p.scheduler}" is not in ${ctx.build ? `Xen ${ctx.build.label}` : 'Xen'} (${known.join(', ')})`);
      }
    },
  },
  {
    id: 'cpupool-cpu-node', group: 'cpupool', severity: 'error', xenSource: BOOT_CPUPOOL, since: '4.17',
    xenMessage: 'cpupool-cpus must be a list of device_type="cpu" nodes', summary: '`cpupool-cpus` entries that are not `device_type = "cpu"` nodes (of the host, with --host)',
    hint: 'reference the /cpus/cpu@N nodes', readerCodes: ['CPUPOOL_CPU_REF'],
    check(ctx, report) {
      if (!ctx.host) return;
      const cpus = new Set(ctx.host.cpus.map((c) => c.path));
      for (const p of ctx.model.cpupools) {
        for (const cpu of p.cpus) if (!cpus.has(cpu)) report(at(p, `/chosen/${p.name}`, 'cpupool-cpus'), `${p.name}: ${cpu} is not a device_type = "cpu" node of ${ctx.host.source}`);
      }
    },
  },
  {
    id: 'cpupool-overcommit', group: 'cpupool', severity: 'warning', xenSource: 'xen/common/sched/null.c', since: '4.17',
    xenMessage: '(silent in a release build; debug: WARNING: %pdv%d not assigned to any CPU!)',
    summary: 'a null-scheduler cpupool with more vCPUs than CPUs: the null scheduler gives each vCPU a CPU of its own, so the extra ones never run',
    hint: 'add CPUs to the pool, lower the domains\' `cpus`, or use a time-sharing scheduler (credit2)',
    check(ctx, report) {
      for (const p of ctx.model.cpupools) {
        if (p.scheduler !== 'null') continue;
        const members = ctx.model.domains.filter((d) => d.cpupool === p.name);
        const vcpus = members.reduce((n, d) => n + (d.vcpus ?? 1), 0);
        if (vcpus <= p.cpus.length) continue;
        const who = members.map((d) => `${d.name} ${d.vcpus ?? 1}`).join(', ');
        report(at(p, `/chosen/${p.name}`, 'cpupool-cpus'), `${p.name}: ${vcpus} vCPUs (${who}) on ${p.cpus.length} CPU(s) under the null scheduler: ${vcpus - p.cpus.length} vCPU(s) never run`);
      }
    },
  },
];
