/**
 * `convert --to xl -o DIR`: the xl.cfg files alone — one per domain that
 * x86 Xen 4.17 does not build at boot, i.e. each one dom0 starts with
 * `xl create` — with the same losses `build --arch x86_64` reports.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../artifacts/output-write.js';
import { writeXlConfig } from '../artifacts/x86/xl-config.js';
import { xlConfigName } from '../artifacts/x86/late-launch-script.js';
import type { BootModel } from '../model/boot-model.js';
import type { Reporter } from './report.js';
import { planForCli } from './x86-plan-input.js';

export interface XlConvertArgs {
  file: string;
  out: string;
  allowLoss: boolean;
  xen?: string;
}

export function convertToXl(model: BootModel, args: XlConvertArgs, reporter: Reporter): number {
  const planned = planForCli(model, args.file, { xenVersion: args.xen, allowLoss: args.allowLoss }, reporter, 'nothing written');
  if (typeof planned === 'number') return planned;
  const { plan } = planned;
  if (!plan.lateLaunch.length) reporter.note(`${args.file}: note: only dom0 (${plan.dom0.name}): Xen builds it at boot, so there is no xl.cfg to write`);
  try {
    mkdirSync(args.out, { recursive: true });
    for (const d of plan.lateLaunch) {
      const file = join(args.out, xlConfigName(d.name));
      writeFileAtomic(file, new TextEncoder().encode(writeXlConfig(d)));
      process.stdout.write(`${file}\n`);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (!err.code) throw e;
    reporter.report({ code: 'FILE_WRITE', severity: 'error', message: `cannot write the xl.cfg files: ${err.message}`, location: { file: args.out } });
    return 1;
  }
  return 0;
}
