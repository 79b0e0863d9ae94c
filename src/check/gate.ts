/**
 * The check-before-use gate that `build` and `qemu` share: run the rules over
 * what will boot, and refuse when they find errors unless the caller forces.
 * The caller prints the findings and says why it went on or stopped.
 */
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { BootModel } from '../model/boot-model.js';
import { type BootCheckOptions, checkModel, checkTree } from './engine.js';
import { type Finding, hasErrors } from './finding.js';

/** clean: no errors; forced: errors, but the caller forced; refused: errors, stop. */
export type GateOutcome = 'clean' | 'forced' | 'refused';

export interface GateResult {
  findings: Finding[];
  outcome: GateOutcome;
}

export interface GateOptions extends BootCheckOptions {
  /** Go on even when the checks find errors. */
  force?: boolean;
}

/**
 * Check a model (a built config: no source positions) or a tree (its
 * findings keep their positions) and decide whether to go on.
 */
export function checkGate(input: BootModel | DeviceTree, opts: GateOptions = {}): GateResult {
  const findings = isModel(input) ? checkModel(opts.host ? { ...input, host: opts.host } : input, opts) : checkTree(input, opts).findings;
  const outcome: GateOutcome = !hasErrors(findings) ? 'clean' : opts.force ? 'forced' : 'refused';
  return { findings, outcome };
}

function isModel(input: BootModel | DeviceTree): input is BootModel {
  return 'domains' in input;
}
