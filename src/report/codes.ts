/** Every code the report writer raises (ReportError), with its meaning. */
import { type CodeInfo, errorCode as e } from '../diagnostics/diagnostic.js';

export const REPORT_CODES = {
  BOOT_RESULT_READ: e('the --boot file cannot be read', 'give the file `hyperlaunch qemu --json` wrote'),
  BOOT_RESULT_JSON: e('the --boot file is not JSON', 'give the one line `hyperlaunch qemu --json ... > RESULT.json` prints'),
  BOOT_RESULT_SHAPE: e('the --boot JSON is not a qemu result (per domain: name and stage)', 'give the output of `hyperlaunch qemu --json`, unedited'),
  NO_MODEL: e('the input has no boot configuration the report can draw', 'run `hyperlaunch check` on it and fix the errors it lists'),
} as const satisfies Record<string, CodeInfo>;

export type ReportCode = keyof typeof REPORT_CODES;
