/**
 * "Will this boot on my board?": a configuration placed on a board's RAM
 * (ram-placement.ts) and checked against the board's tree. The verdict:
 * `ready` (no error), `ready with --ram` (no error, but the tree leaves RAM
 * to the firmware, so the RAM rules wait for --ram), `not ready` (errors:
 * the rule ids are the reasons).
 */
import { checkModel } from '../check/engine.js';
import type { Finding } from '../check/finding.js';
import { type RamState, hostFacts, ramKnown, withRam } from '../check/host-facts.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { BootModel } from '../model/boot-model.js';
import type { MemoryBank } from '../model/memory.js';
import { placeOnRam } from './ram-placement.js';

export type BoardVerdict = 'ready' | 'ready with --ram' | 'not ready';

export interface BoardResult {
  verdict: BoardVerdict;
  /** Rule ids of the errors (why not ready), sorted. */
  errors: string[];
  /** Rule ids of the warnings, sorted. */
  warnings: string[];
  findings: Finding[];
  /** The configuration as placed on the board (unchanged when the board's RAM is unknown). */
  placed: BootModel;
  /** What the board's tree says about RAM. */
  ram: RamState;
}

function ids(findings: readonly Finding[], severity: Finding['severity']): string[] {
  return [...new Set(findings.filter((f) => f.severity === severity).map((f) => f.ruleId))].sort();
}

/**
 * Where the modules land is the placement's doing: on a board whose RAM is
 * unknown they are not placed yet (they will be once --ram gives it), so
 * their collisions are not the board's verdict.
 */
const PLACEMENT_RULES = new Set(['mod-overlap', 'mod-overlap-reserved', 'mod-in-memreserve', 'mod-outside-ram']);

export function judgeBoard(config: BootModel, board: DeviceTree, boardName: string, ram: readonly MemoryBank[] = []): BoardResult {
  const facts = withRam(hostFacts(board, boardName), ram);
  const { model: placed } = placeOnRam(config, facts);
  const all = checkModel(placed, { host: board, hostName: boardName, ram });
  const findings = ramKnown(facts) ? all : all.filter((f) => !PLACEMENT_RULES.has(f.ruleId));
  const errors = ids(findings, 'error');
  const verdict: BoardVerdict = errors.length ? 'not ready' : findings.some((f) => f.ruleId === 'host-ram-missing') ? 'ready with --ram' : 'ready';
  return { verdict, errors, warnings: ids(findings, 'warning'), findings, placed, ram: hostFacts(board, boardName).ram };
}
