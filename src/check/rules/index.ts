/** The rule table: every rule the checker knows, in documentation order. */
import type { Rule } from '../rule.js';
import { BOARD_RULES } from './board.js';
import { CPUPOOL_RULES } from './cpupools.js';
import { CROSS_DOMAIN_RULES } from './cross-domain.js';
import { DOMAIN_CONSTRUCT_RULES } from './domain-construct.js';
import { DOMAIN_PARSE_RULES } from './domain-parse.js';
import { EARLY_FDT_RULES } from './early-fdt.js';
import { HOST_RULES } from './host.js';
import { LAYOUT_RULES } from './layout.js';
import { PASSTHROUGH_RULES } from './passthrough.js';
import { EVTCHN_RULES, SHM_RULES } from './sharing.js';
import { TARGET_RULES } from './target-version.js';
import { X86_RULES } from './x86.js';
import { XSM_RULES } from './xsm.js';

/** A reader failure that no specific rule describes (a malformed value, a DTS syntax error). */
export const CONFIG_READ_RULE: Rule = {
  id: 'config-read', group: 'early-fdt', severity: 'error', xenSource: '-',
  xenMessage: '(the configuration cannot be read as Xen would)', summary: 'the input does not parse, or a value has a shape Xen cannot read',
  hint: 'fix the value at the location given',
};

/** A reader warning that no specific rule describes. */
export const CONFIG_NOTE_RULE: Rule = {
  id: 'config-note', group: 'early-fdt', severity: 'warning', xenSource: '-',
  xenMessage: '(Xen reads the value differently from what it probably means)', summary: 'a value Xen accepts but reads differently (extra cells, legacy compatibles, unknown bits)',
  hint: 'see the message',
};

export const RULES: readonly Rule[] = [
  ...EARLY_FDT_RULES,
  CONFIG_READ_RULE,
  CONFIG_NOTE_RULE,
  ...DOMAIN_PARSE_RULES,
  ...DOMAIN_CONSTRUCT_RULES,
  ...PASSTHROUGH_RULES,
  ...SHM_RULES,
  ...EVTCHN_RULES,
  ...CPUPOOL_RULES,
  ...LAYOUT_RULES,
  ...CROSS_DOMAIN_RULES,
  ...XSM_RULES,
  ...TARGET_RULES,
  ...HOST_RULES,
  ...BOARD_RULES,
  ...X86_RULES,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
