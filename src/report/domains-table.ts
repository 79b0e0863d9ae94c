/** The domains view: one row per domain, with its predicted domid and why, roles, resources, modules and boot result. */
import { classes, domainAnchor, esc } from './html-escape.js';
import type { DomainFacts, ModuleFacts, ReportData } from './report-data.js';

/** Bytes as the page prints them: KiB, MiB or GiB when exact enough, else bytes. */
export function sizeText(bytes: bigint): string {
  const units: [bigint, string][] = [[1n << 30n, 'GiB'], [1n << 20n, 'MiB'], [1n << 10n, 'KiB']];
  for (const [u, name] of units) if (bytes >= u && bytes % (u / 16n) === 0n) return `${Number(bytes) / Number(u)} ${name}`;
  return `${bytes} B`;
}

function moduleText(m: ModuleFacts): string {
  const size = m.size !== undefined ? sizeText(BigInt(m.size)) : m.multibootIndex !== undefined ? `multiboot module ${m.multibootIndex} (placed by the boot loader)` : 'size unknown (not on disk, no reg)';
  const at = m.start !== undefined ? ` at ${m.start}–${m.end}` : '';
  const file = m.file !== undefined ? ` <span class="file">${esc(m.file)}</span>` : '';
  return `<li>${esc(m.kind)}: ${esc(size)}${esc(at)}${file}</li>`;
}

/** When the domain reached its stage (its proof line's arrival), else only the whole run's length. */
function bootTime(boot: DomainFacts['boot']): string {
  if (!boot) return '';
  if (boot.stageSeconds !== undefined) return `${boot.stage} at ${boot.stageSeconds.toFixed(1)} s`;
  return boot.seconds !== undefined ? `run ${boot.seconds.toFixed(1)} s` : '';
}

function memoryText(d: DomainFacts, xenCommandLine: string | undefined): string {
  if (d.memoryKiB !== undefined) return sizeText(BigInt(d.memoryKiB) * 1024n);
  const dom0Mem = d.roles.includes('dom0') ? /(?:^|\s)dom0_mem=(\S+)/.exec(xenCommandLine ?? '')?.[1] : undefined;
  return dom0Mem !== undefined ? `dom0_mem=${dom0Mem}` : 'not set';
}

function findingLinks(ids: readonly string[]): string {
  return ids.map((id) => `<a href="#${esc(id)}">${esc(id.replace('finding-', '#'))}</a>`).join(' ');
}

function row(d: DomainFacts, data: ReportData): string {
  const domid = d.domid === undefined ? '?' : String(d.domid);
  const cells = [
    `<th scope="row">${esc(d.name)}</th>`,
    `<td class="domid">${esc(domid)}</td>`,
    `<td class="domid-why">${esc(d.domidWhy)}</td>`,
    `<td class="roles">${esc(d.roles.join(', ') || 'none')}</td>`,
    `<td class="mode">${esc(d.mode)}</td>`,
    `<td class="memory">${esc(memoryText(d, data.target.xenCommandLine))}</td>`,
    `<td class="vcpus">${esc(d.vcpus ?? '?')}</td>`,
    `<td class="cpupool">${esc(d.cpupool)}</td>`,
    `<td class="scheduler">${esc(d.scheduler)}</td>`,
    `<td class="console">${esc(d.console)}</td>`,
    `<td class="xenstore">${esc(d.xenstore)}${d.llcColors !== undefined ? `<br>LLC colours ${esc(d.llcColors)}` : ''}</td>`,
    `<td class="modules"><ul>${d.modules.map(moduleText).join('')}</ul></td>`,
    `<td class="findings">${findingLinks(d.findings)}</td>`,
  ];
  if (data.boot) {
    const stage = d.boot?.stage ?? 'none';
    cells.push(`<td class="boot-stage" data-stage="${esc(stage)}" title="${esc(d.boot?.detail ?? 'not in the boot result')}">${esc(stage)}</td>`);
    cells.push(`<td class="boot-time">${esc(bootTime(d.boot))}</td>`);
  }
  const error = data.findings.some((f) => d.findings.includes(f.id) && f.severity === 'error');
  return `<tr class="${classes('domain', error && 'has-error')}" id="${esc(domainAnchor(d.name))}" data-domain="${esc(d.name)}" data-domid="${esc(domid)}">${cells.join('')}</tr>`;
}

export function domainsTable(data: ReportData): string {
  const heads = ['domain', 'domid', 'why', 'roles', 'mode', 'memory', 'vCPUs', 'cpupool', 'scheduler', 'console', 'xenstore', 'modules', 'findings', ...(data.boot ? ['boot stage', 'time'] : [])];
  return `<table id="domains"><thead><tr>${heads.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${data.domains.map((d) => row(d, data)).join('')}</tbody></table>`;
}
