/**
 * The CPU map: one row per physical CPU with its cpupool, scheduler and the
 * domains that run there (vCPU counts, pins). Idle and over-committed pools
 * are marked on their rows; a row a finding is about is drawn in error and
 * links to it. As a standalone picture (`--format svg --view cpus`) the
 * same rows are drawn as an SVG grid.
 */
import { classes, errorMark, esc } from './html-escape.js';
import type { CpuRow, ReportData } from './report-data.js';

function domainsText(r: CpuRow): string {
  return r.domains.map((d) => `${d.name} ×${d.vcpus}${d.pinned.length ? ` (pinned: ${d.pinned.join(', ')})` : ''}`).join('; ');
}

function stateText(r: CpuRow): string {
  if (r.idle) return 'idle: no domain in this pool';
  if (r.overcommitted) return `over-committed: more vCPUs than CPUs in ${r.cpupool}${r.scheduler === 'null' ? ' (null scheduler: the extra vCPUs never run)' : ''}`;
  return '';
}

function rowHtml(r: CpuRow): string {
  const mark = errorMark(r.findings);
  const state = esc(stateText(r));
  const links = r.findings.map((id) => `<a href="#${esc(id)}">${esc(id.replace('finding-', '#'))}</a>`).join(' ');
  const cls = classes(r.idle && 'idle', r.overcommitted && 'overcommitted', mark.href && 'error');
  return `<tr data-cpu="${r.cpu}"${cls ? ` class="${cls}"` : ''}${mark.attrs}><th scope="row">${r.cpu}</th><td class="path">${esc(r.path)}</td><td class="cpupool">${esc(r.cpupool)}</td><td class="scheduler">${esc(r.scheduler)}</td><td class="domains">${esc(domainsText(r))}</td><td class="state">${state} ${links}</td></tr>`;
}

export function cpuMapTable(data: ReportData): string {
  const head = ['CPU', 'host node', 'cpupool', 'scheduler', 'domains (vCPUs)', 'state'].map((h) => `<th scope="col">${h}</th>`).join('');
  return `<table id="cpu-map"><thead><tr>${head}</tr></thead><tbody>${data.cpus.length ? data.cpus.map(rowHtml).join('') : '<tr><td colspan="6">The host tree has no CPU nodes.</td></tr>'}</tbody></table>`;
}

export const CPU_MAP_STYLE = `
#cpu-map-svg text { font: 11px sans-serif; fill: #222; }
#cpu-map-svg rect { fill: #f5f5f5; stroke: #999; }
#cpu-map-svg .idle rect { fill: #eeeeee; stroke-dasharray: 4 3; }
#cpu-map-svg .overcommitted rect { fill: #fff3e0; }
#cpu-map-svg .error rect { fill: #ffcdd2; stroke: var(--error, #e53935); stroke-width: 2; }
`;

/** The CPU map alone, as a picture: one bar per CPU. */
export function cpuMapSvg(data: ReportData): string {
  const rowH = 26;
  const width = 760;
  const height = 30 + Math.max(1, data.cpus.length) * rowH;
  const rows = data.cpus.map((r, i) => {
    const y = 24 + i * rowH;
    const mark = errorMark(r.findings);
    const g = `<g data-cpu="${r.cpu}" class="${classes('cpu', r.idle && 'idle', r.overcommitted && 'overcommitted', mark.href && 'error')}"${mark.attrs}><rect x="4" y="${y}" width="${width - 8}" height="${rowH - 4}"/><text x="10" y="${y + 15}">CPU ${r.cpu}  ${esc(r.cpupool)} (${esc(r.scheduler)})  ${esc(domainsText(r))}  ${esc(stateText(r))}</text></g>`;
    return mark.href ? `<a href="${esc(mark.href)}">${g}</a>` : g;
  });
  const empty = data.cpus.length === 0 ? '<text x="8" y="40">The host tree has no CPU nodes.</text>' : '';
  return `<svg id="cpu-map-svg" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="CPU map"><style>${CPU_MAP_STYLE}</style><text x="4" y="14" font-weight="bold">physical CPUs × cpupools × domains</text>${rows.join('')}${empty}</svg>`;
}
