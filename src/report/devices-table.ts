/** The devices view: each passthrough device per domain, host nodes two domains claim marked. */
import { classes, errorMark, esc } from './html-escape.js';
import type { DeviceRow, ReportData } from './report-data.js';

function rowHtml(r: DeviceRow): string {
  const mark = errorMark(r.findings);
  const links = r.findings.map((id) => `<a href="#${esc(id)}">${esc(id.replace('finding-', '#'))}</a>`).join(' ');
  const cls = classes('device', r.claimedTwice && 'claimed-twice', mark.href && 'error');
  const domain = r.domain === '' ? '—' : `<a href="#domain-${esc(r.domain)}">${esc(r.domain)}</a>`;
  return `<tr class="${cls}" data-domain="${esc(r.domain)}"${mark.attrs}><td>${domain}</td><td class="path">${esc(r.path)}</td><td class="xen-path">${esc(r.hostPath ?? '')}${r.claimedTwice ? ' <strong>claimed twice</strong>' : ''}</td><td class="xen-reg">${r.reg.map(esc).join('<br>')}</td><td class="irqs">${esc(r.irqs)}</td><td class="iommu">${esc(r.iommu)} ${links}</td></tr>`;
}

export function devicesTable(data: ReportData): string {
  if (data.devices.length === 0) return '<table id="devices"><tbody><tr><td>No passthrough device (none hidden from dom0, no partial device tree given).</td></tr></tbody></table>';
  const head = ['domain', 'node', 'xen,path', 'xen,reg (host size → guest)', 'IRQs', 'IOMMU'].map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  return `<table id="devices"><thead><tr>${head}</tr></thead><tbody>${data.devices.map(rowHtml).join('')}</tbody></table>`;
}
