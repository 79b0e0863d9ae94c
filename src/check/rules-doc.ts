/** docs/rules.md, generated from the rule table so the two cannot drift (a test compares them). */
import type { Rule, RuleGroup } from './rule.js';

const GROUP_TITLES: Record<RuleGroup, string> = {
  'early-fdt': 'Early FDT scan',
  'domain-parse': 'Domain parse',
  'domain-construct': 'Domain construction',
  passthrough: 'Partial device tree passthrough',
  'static-shm': 'Static shared memory',
  'static-evtchn': 'Static event channels',
  cpupool: 'Cpupools',
  layout: 'Memory layout',
  'cross-domain': 'Across domains',
  xsm: 'XSM / FLASK (`xsm=flask`, `--xsm-policy`)',
  x86: 'Xen on x86 (GRUB / EFI boot, dom0 and late launch)',
  target: 'Target Xen version and build',
  host: 'Host device tree (`--host`)',
  board: 'Board readiness (`--host`: what Xen needs from the board itself)',
};

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Inline code that may itself hold backticks (Xen's messages quote with them). */
function code(s: string): string {
  return s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``;
}

export function groupCounts(rules: readonly Rule[]): [RuleGroup, number][] {
  const counts = new Map<RuleGroup, number>();
  for (const r of rules) counts.set(r.group, (counts.get(r.group) ?? 0) + 1);
  return [...counts];
}

export function rulesMarkdown(rules: readonly Rule[]): string {
  const out = [
    '# Check rules',
    '',
    '<!-- Generated from src/check/rules by `node bin/hyperlaunch.js check --rules-md > docs/rules.md`; test/check/rules-doc.test.ts fails when this file is stale. -->',
    '',
    '`hyperlaunch check` runs these rules over a dom0less or Hyperlaunch configuration.',
    '**error**: Xen panics or refuses the domain; **warning**: Xen silently drops or ignores something.',
    '"Xen message" is what Xen prints (printf format as in its source) so a serial log can be grepped;',
    'parenthesised text means Xen prints nothing useful. Since/until: the Xen releases with that behaviour;',
    'with `--xen VERSION` rules outside the range are skipped. `--xen debian-4.17` adds the Kconfig facts of',
    'Debian 12\'s build (no STATIC_MEMORY, STATIC_SHM, BOOT_TIME_CPUPOOLS; schedulers credit and credit2);',
    '`--xen-config FILE` (a Xen build\'s `.config`) gives the facts of that build instead.',
    '',
    `${rules.length} rules: ${groupCounts(rules).map(([g, n]) => `${g} ${n}`).join(', ')}.`,
    '',
  ];
  for (const [group] of groupCounts(rules)) {
    out.push(`## ${GROUP_TITLES[group]}`, '', '| id | severity | Xen message | Xen source | since | until | what |', '|---|---|---|---|---|---|---|');
    for (const r of rules.filter((x) => x.group === group)) {
      const older = (r.olderMessages ?? []).map((m) => `<br>≤ ${m.until}: ${code(m.text)}${m.xenSource ? ` (\`${m.xenSource}\`)` : ''}`).join('');
      out.push(`| \`${r.id}\` | ${r.severity} | ${cell(r.xenMessage.startsWith('(') ? r.xenMessage : code(r.xenMessage))}${older} | ${r.xenSource === '-' ? '' : `\`${r.xenSource}\``} | ${r.since ?? ''} | ${r.until ?? ''} | ${cell(r.summary)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
