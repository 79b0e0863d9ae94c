/**
 * Rules the checker could not evaluate for lack of host facts: a board tree
 * without RAM (the firmware fills /memory at boot), or no board at all (a
 * configuration checked without --host). Printed as notes after the
 * findings, so a clean result never hides a rule that did not run.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { type HostFacts, ramKnown } from './host-facts.js';
import type { Rule } from './rule.js';
import { RAM_RULE_IDS } from './rules/board.js';

export interface NotEvaluated {
  rules: string[];
  /** Which fact is missing, as a phrase: "RAM of sun50i-a64-pine64.dtb". */
  reason: string;
  hint: string;
}

// host-vcpus and host-affinity count the board's CPUs.
const CPU_RULE_IDS = ['host-vcpus', 'host-affinity'];

export function notEvaluated(host: HostFacts | undefined, rules: readonly Rule[]): NotEvaluated[] {
  const known = (ids: readonly string[]): string[] => ids.filter((id) => rules.some((r) => r.id === id));
  if (!host?.board) {
    const ids = known([...RAM_RULE_IDS, ...CPU_RULE_IDS, ...rules.filter((r) => r.group === 'board').map((r) => r.id)]);
    return ids.length ? [{ rules: ids, reason: 'the input describes no board (no CPUs, no interrupt controller)', hint: 'give the board\'s DTB with --host' }] : [];
  }
  if (ramKnown(host)) return [];
  const ids = known(RAM_RULE_IDS);
  return ids.length ? [{ rules: ids, reason: `${host.source} describes no RAM`, hint: 'give --ram START:SIZE (see host-ram-missing)' }] : [];
}

export function notEvaluatedDiagnostic(n: NotEvaluated, file: string): Diagnostic {
  return {
    code: 'not-evaluated', severity: 'note', message: `not evaluated, ${n.reason}: ${n.rules.join(', ')}`, location: { display: file, file }, hint: n.hint,
    json: { severity: 'note', rule: 'not-evaluated', message: `not evaluated, ${n.reason}`, notEvaluated: n.rules, location: file, file, hint: n.hint },
  };
}
