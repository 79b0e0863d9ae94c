/**
 * `--xsm flask [--xsm-mode enforcing|permissive]` of build and qemu: parse
 * them, and write the policy `hyperlaunch xsm` would write for the booted
 * system as the XSM module.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePolicy } from '../artifacts/xsm/index.js';
import { XSM_MODES, type XsmMode } from '../check/xsm/flask-cmdline.js';
import type { BootModel } from '../model/boot-model.js';
import { type OptionSpec, UsageError } from './getopt.js';

export const XSM_OPTION_SPECS: OptionSpec[] = [
  { long: 'xsm', value: true, key: 'xsm' },
  { long: 'xsm-mode', value: true, key: 'xsm-mode' },
];

export const XSM_OPTIONS_HELP = `  --xsm flask         boot with FLASK: the policy hyperlaunch xsm writes for this system is loaded
                      as the xen,xsm-policy module and Xen's line gets xsm=flask flask=MODE (docs/xsm.md)
  --xsm-mode MODE     enforcing (default) or permissive
`;

export interface XsmRequest {
  mode: XsmMode;
}

/** The request the options make, undefined without --xsm. */
export function parseXsmOptions(last: (key: string) => string | undefined): XsmRequest | undefined {
  const xsm = last('xsm');
  const mode = last('xsm-mode');
  if (xsm === undefined) {
    if (mode !== undefined) throw new UsageError('--xsm-mode goes with --xsm flask');
    return undefined;
  }
  if (xsm !== 'flask') throw new UsageError(`unknown --xsm '${xsm}' (supported: flask)`);
  if (mode !== undefined && !XSM_MODES.includes(mode as XsmMode)) throw new UsageError(`unknown --xsm-mode '${mode}' (enforcing or permissive)`);
  return { mode: (mode ?? 'enforcing') as XsmMode };
}

/** The binary policy for the model in dir; returns its path and the notes on labels Xen cannot give. Throws XsmError. */
export function writePolicyModule(model: BootModel, dir: string, xenVersion: string | undefined): { file: string; notes: string[] } {
  const policy = generatePolicy(model, { xenVersion });
  const file = join(dir, 'xenpolicy.bin');
  writeFileSync(file, policy.binary);
  return { file, notes: policy.notes };
}
