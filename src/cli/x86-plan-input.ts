/**
 * What `build --arch x86_64` and `convert --to xl` share: read the
 * configuration, plan its x86 boot, print each loss (an error unless
 * --allow-loss) and the plan's notes. Returns the plan, or the exit code.
 */
import type { X86BootPlan } from '../artifacts/x86/boot-plan.js';
import { type PlanX86Options, planX86Boot } from '../artifacts/x86/plan-x86.js';
import { lossDiagnostic } from '../bindings/loss-error.js';
import type { BootModel } from '../model/boot-model.js';
import { BootConfigError } from '../model/errors.js';
import { reportBootConfigError } from './boot-config-input.js';
import type { Reporter } from './report.js';

export interface CliPlan {
  plan: X86BootPlan;
  /** Losses were found and not allowed (only returned with `keepLossy`). */
  lossy: boolean;
}

export function planForCli(model: BootModel, file: string, opts: PlanX86Options, reporter: Reporter, what: string, keepLossy = false): CliPlan | number {
  let plan: X86BootPlan;
  try {
    plan = planX86Boot(model, { ...opts, allowLoss: true });
  } catch (e) {
    if (!(e instanceof BootConfigError)) throw e;
    reportBootConfigError(reporter, e, file);
    return 1;
  }
  for (const l of plan.losses) reporter.report(lossDiagnostic(l, file, opts.allowLoss ? 'warning' : 'error'));
  if (plan.native) reporter.report({ code: 'NATIVE_NOT_READ', severity: 'warning', message: plan.native.warning, location: { file } });
  for (const n of plan.notes) reporter.note(`${file}: note: ${n}`);
  if (plan.losses.length && !opts.allowLoss) {
    const msg = `${plan.losses.length} item(s) cannot be expressed for Xen ${plan.xenVersion} on x86; ${what} (use --allow-loss to drop them)`;
    reporter.report({ code: 'LOSSY_CONVERSION', severity: 'error', message: msg, location: { file }, json: { severity: 'error', code: 'LOSSY_CONVERSION', message: msg, location: file } });
    return keepLossy ? { plan, lossy: true } : 1;
  }
  return { plan, lossy: false };
}
