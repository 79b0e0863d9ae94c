/**
 * `hyperlaunch convert FILE --to hyperlaunch|dom0less`: read the boot
 * configuration, write it in the other interface. Nothing is dropped
 * silently: each item the target cannot express is listed with its DT path
 * and source position, and the command fails unless --allow-loss.
 */
import { convert } from '../bindings/index.js';
import { lossDiagnostic } from '../bindings/loss-error.js';
import { type DtFormat, formatFromFileName } from '../fdt/dtc.js';
import { printDtsBytes } from '../fdt/dts/print.js';
import { writeDtb } from '../fdt/dtb/write.js';
import { BootConfigError } from '../model/errors.js';
import type { Loss } from '../model/loss.js';
import type { BindingInterface } from '../model/origin.js';
import { loadBootConfig, parseTarget, reportBootConfigError } from './boot-config-input.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { writeOutput } from './output-file.js';
import { type Reporter, createReporter, printUsageError } from './report.js';
import { convertToXl } from './convert-xl.js';

const SPECS: OptionSpec[] = [
  { long: 'to', value: true, key: 'to' },
  { short: 'o', long: 'out', value: true, key: 'o' },
  { long: 'format', value: true, key: 'format' },
  { long: 'allow-loss', value: false, key: 'allow-loss' },
  { long: 'xen', value: true, key: 'xen' },
  { long: 'arch', value: true, key: 'arch' },
  { short: 'i', long: 'include', value: true, key: 'i' },
  { long: 'json', value: false, key: 'json' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const CONVERT_USAGE = `usage: hyperlaunch convert <file.dts|file.dtb> --to hyperlaunch|dom0less [-o OUT] [--format dts|dtb]
                           [--allow-loss] [--xen VERSION] [--arch arm64|x86_64] [-i DIR]... [--json]
       hyperlaunch convert <file.dts|file.dtb> --to xl -o DIR [--allow-loss] [-i DIR]... [--json]
Rewrites a Xen boot configuration in the other devicetree interface, or (--to xl) as the
xl.cfg files of the domains dom0 starts on x86 Xen 4.17 (every domain but dom0).
  --to IFACE       hyperlaunch (/chosen/hypervisor, 2025 series form), dom0less (/chosen), or xl
  -o, --out FILE   output file (default: stdout); never one of the inputs
  --format FMT     dts or dtb (default: from -o's extension, else the input's format)
  --allow-loss     write the output even when the target cannot express something
  --xen VERSION    warn about properties newer than this Xen release (e.g. 4.17)
  --arch ARCH      arm64 or x86_64 (x86_64: Arm-only properties cannot be expressed)
  --json           diagnostics as one JSON object per line
Exit status: 0 ok, 1 problem in the input or a lossy conversion, 2 usage error.
`;

interface ConvertArgs {
  file: string;
  to: BindingInterface | 'xl';
  out: string;
  format?: DtFormat;
  allowLoss: boolean;
  xen?: string;
  arch?: string;
  includeDirs: string[];
  json: boolean;
}

function parseFormat(v: string): DtFormat {
  if (v === 'dts' || v === 'dtb') return v;
  throw new UsageError(`unsupported format "${v}" for --format (supported: dts, dtb)`);
}

function parseArgs(argv: string[]): ConvertArgs | 'help' {
  const { options, positionals } = getopt(argv, SPECS);
  if (options.some((o) => o.key === 'h')) return 'help';
  if (positionals.length !== 1) throw new UsageError('expected exactly one input file');
  const last = (key: string): string | undefined => options.filter((o) => o.key === key).at(-1)?.value;
  const to = last('to');
  if (to === undefined) throw new UsageError('--to is required (hyperlaunch or dom0less)');
  if (to !== 'hyperlaunch' && to !== 'dom0less' && to !== 'xl') throw new UsageError(`unsupported interface '${to}' for --to (supported: hyperlaunch, dom0less, xl)`);
  if (to === 'xl' && (last('o') === undefined || last('o') === '-')) throw new UsageError('--to xl writes one file per domain: give -o DIR');
  const format = last('format');
  return {
    file: positionals[0]!,
    to,
    out: last('o') ?? '-',
    format: format === undefined ? undefined : parseFormat(format),
    allowLoss: options.some((o) => o.key === 'allow-loss'),
    xen: last('xen'),
    arch: last('arch'),
    includeDirs: options.filter((o) => o.key === 'i').map((o) => o.value!),
    json: options.some((o) => o.key === 'json'),
  };
}

function reportLoss(reporter: Reporter, l: Loss, file: string, allowed: boolean): void {
  reporter.report(lossDiagnostic(l, file, allowed ? 'warning' : 'error'));
}

export async function convertCommand(argv: string[]): Promise<number> {
  let args: ConvertArgs | 'help';
  let target;
  try {
    args = parseArgs(argv);
    if (args === 'help') {
      process.stdout.write(CONVERT_USAGE);
      return 0;
    }
    target = parseTarget(args.xen, args.arch);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('convert', e.message, CONVERT_USAGE);
    return 2;
  }
  const reporter = createReporter(args.json);
  const loaded = loadBootConfig(args.file, { includeDirs: args.includeDirs, target, reporter });
  if (typeof loaded === 'number') return loaded;
  if (args.to === 'xl') return convertToXl(loaded.model, args, reporter);
  let result;
  try {
    result = convert(loaded.model, args.to as BindingInterface, { arm: loaded.model.target.arch ? loaded.model.target.arch !== 'x86_64' : undefined });
  } catch (e) {
    if (!(e instanceof BootConfigError)) throw e;
    reportBootConfigError(reporter, e, args.file);
    return 1;
  }
  for (const l of result.losses) reportLoss(reporter, l, args.file, args.allowLoss);
  if (result.losses.length && !args.allowLoss) {
    const msg = `${result.losses.length} item(s) cannot be expressed in ${args.to}; nothing written (use --allow-loss to drop them)`;
    reporter.report({ code: 'LOSSY_CONVERSION', severity: 'error', message: msg, location: { file: args.file }, json: { severity: 'error', code: 'LOSSY_CONVERSION', message: msg, location: args.file } });
    return 1;
  }
  const format = args.format ?? (args.out !== '-' ? formatFromFileName(args.out) : undefined) ?? loaded.format;
  const bytes = format === 'dtb' ? writeDtb(result.tree) : printDtsBytes(result.tree);
  try {
    writeOutput(args.out, bytes, [args.file]);
  } catch (e) {
    if (e instanceof UsageError) {
      printUsageError('convert', e.message);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    if (!err.code) throw e;
    reporter.report({ code: 'FILE_WRITE', severity: 'error', message: `cannot write the output: ${err.message}`, location: { file: args.out } });
    return 1;
  }
  return 0;
}
