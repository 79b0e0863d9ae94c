/** The findings view: every check finding, numbered, each linking back to its domain's row. */
import { domainAnchor, esc } from './html-escape.js';
import type { ReportData, ReportFinding } from './report-data.js';

function item(f: ReportFinding): string {
  const back = f.domain !== '' ? ` <a class="back" href="#${esc(domainAnchor(f.domain))}">↑ ${esc(f.domain)}</a>` : '';
  const where = f.where ?? f.path;
  const hint = f.hint !== undefined ? `<div class="hint">hint: ${esc(f.hint)}</div>` : '';
  return `<li class="finding ${esc(f.severity)}" id="${esc(f.id)}" data-rule="${esc(f.ruleId)}" data-severity="${esc(f.severity)}" data-domain="${esc(f.domain)}"><span class="sev">${esc(f.severity)}</span> <code>${esc(f.ruleId)}</code>${where !== undefined ? ` <span class="where">${esc(where)}${f.path !== undefined && f.where !== undefined ? ` ${esc(f.path)}` : ''}</span>` : ''}${back}<div class="message">${esc(f.message)}</div>${hint}</li>`;
}

export function findingsList(data: ReportData): string {
  if (data.findings.length === 0) return '<p class="clean">check found nothing for this target.</p><ol id="findings"></ol>';
  return `<ol id="findings">${data.findings.map(item).join('')}</ol>`;
}
