/** `hyperlaunch dtc`: dtc 1.6.1's command line over the library. */
import { readFileSync } from 'node:fs';
import { parseCheckOption } from '../fdt/checks/dtc-checks.js';
import { type DtcOptions, type DtFormat, DTC_VERSION, formatFromFileName, runDtc } from '../fdt/dtc.js';
import { FdtError } from '../fdt/errors.js';
import { type OptionSpec, UsageError, getopt, parseCInteger } from './getopt.js';
import { writeOutput } from './output-file.js';
import { createReporter, printUsageError } from './report.js';

const SPECS: OptionSpec[] = [
  { short: 'I', long: 'in-format', value: true, key: 'I' },
  { short: 'O', long: 'out-format', value: true, key: 'O' },
  { short: 'o', long: 'out', value: true, key: 'o' },
  { short: 'V', long: 'out-version', value: true, key: 'V' },
  { short: 'R', long: 'reserve', value: true, key: 'R' },
  { short: 'S', long: 'space', value: true, key: 'S' },
  { short: 'p', long: 'pad', value: true, key: 'p' },
  { short: 'a', long: 'align', value: true, key: 'a' },
  { short: 'b', long: 'boot-cpu', value: true, key: 'b' },
  { short: 'f', long: 'force', value: false, key: 'f' },
  { short: 'i', long: 'include', value: true, key: 'i' },
  { short: 's', long: 'sort', value: false, key: 's' },
  { short: 'H', long: 'phandle', value: true, key: 'H' },
  { short: 'W', long: 'warning', value: true, key: 'W' },
  { short: 'E', long: 'error', value: true, key: 'E' },
  { short: '@', long: 'symbols', value: false, key: '@' },
  { short: 'A', long: 'auto-alias', value: false, key: 'A' },
  { short: 'q', long: 'quiet', value: false, key: 'q' },
  { short: 'h', long: 'help', value: false, key: 'h' },
  { short: 'v', long: 'version', value: false, key: 'v' },
  { long: 'json', value: false, key: 'json' },
];

export const DTC_USAGE = `usage: hyperlaunch dtc [options] <input file>
  -I, --in-format <dts|dtb>   input format (default: guessed from the file's magic)
  -O, --out-format <dts|dtb>  output format (default: dtb for dts input, else dts)
  -o, --out <file>            output file (default: stdout)
  -V, --out-version <n>       blob version (default 17)
  -R, --reserve <n>           extra empty memory reservation entries
  -S, --space <bytes>         minimum blob size
  -p, --pad <bytes>           padding after the blob
  -a, --align <bytes>         align the blob size to a power of two
  -b, --boot-cpu <id>         boot_cpuid_phys in the header
  -i, --include <dir>         search directory for /include/ and /incbin/
  -f, --force                 write output even when checks report errors
  -s, --sort                  sort nodes and properties
  -H, --phandle <legacy|epapr|both>  phandle property style
  -W, --warning [no-]<check>  enable or disable a check as a warning
  -E, --error [no-]<check>    enable or disable a check as an error
  -@, --symbols               add /__symbols__
  -A, --auto-alias            add labels to /aliases
  -q, --quiet                 quieter (repeatable)
      --json                  diagnostics as one JSON object per line
  -v, --version               print the dtc version emulated
Exit status: 0 ok, 1 input error, 2 check errors or usage error.
`;

function parseFormat(v: string, flag: string): DtFormat {
  if (v === 'dts' || v === 'dtb') return v;
  throw new UsageError(`unsupported format "${v}" for ${flag} (supported: dts, dtb)`);
}

function parsePhandleFormat(v: string): 'legacy' | 'epapr' | 'both' {
  if (v === 'legacy' || v === 'epapr' || v === 'both') return v;
  throw new UsageError(`Invalid argument "${v}" to -H option`);
}

interface DtcCommand {
  input: string;
  outName: string;
  json: boolean;
  opts: DtcOptions;
}

function buildCommand(argv: string[]): DtcCommand | 'help' | 'version' {
  const { options, positionals } = getopt(argv, SPECS);
  const opts: DtcOptions = { includeDirs: [], checks: [] };
  let outName = '-';
  let json = false;
  let quiet = 0;
  for (const { key, value = '' } of options) {
    switch (key) {
      case 'h': return 'help';
      case 'v': return 'version';
      case 'I': opts.inputFormat = parseFormat(value, '-I'); break;
      case 'O': opts.outputFormat = parseFormat(value, '-O'); break;
      case 'o': outName = value; break;
      case 'V': opts.version = parseCInteger(value, '-V'); break;
      case 'R': opts.reserveExtra = parseCInteger(value, '-R'); break;
      case 'S': opts.minSize = parseCInteger(value, '-S'); break;
      case 'p': opts.padSize = parseCInteger(value, '-p'); break;
      case 'a': opts.align = parseCInteger(value, '-a'); break;
      case 'b': opts.bootCpuid = parseCInteger(value, '-b'); break;
      case 'f': opts.force = true; break;
      case 'i': opts.includeDirs!.push(value); break;
      case 's': opts.sort = true; break;
      case 'H': opts.phandleFormat = parsePhandleFormat(value); break;
      case 'W': opts.checks!.push(parseCheckOption(value, 'W')); break;
      case 'E': opts.checks!.push(parseCheckOption(value, 'E')); break;
      case '@': opts.symbols = true; break;
      case 'A': opts.autoAliases = true; break;
      case 'q': quiet++; break;
      case 'json': json = true; break;
    }
  }
  if (positionals.length > 1) throw new UsageError('missing files');
  opts.quiet = quiet;
  const input = positionals[0] ?? '-';
  opts.file = input === '-' ? '<stdin>' : input;
  opts.outputName = outName === '-' ? '<stdout>' : outName;
  if (!opts.outputFormat && outName !== '-') opts.outputFormat = formatFromFileName(outName);
  return { input, outName, json, opts };
}

function readInput(path: string): Uint8Array {
  try {
    return path === '-' ? readFileSync(0) : readFileSync(path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message;
    throw new FdtError('FILE_READ', `Couldn't open "${path}": ${reason}`, { path, hint: 'check the input path' });
  }
}

export async function dtcCommand(argv: string[]): Promise<number> {
  let cmd: ReturnType<typeof buildCommand>;
  try {
    cmd = buildCommand(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof FdtError) {
      printUsageError('dtc', e.message, DTC_USAGE);
      return 2;
    }
    throw e;
  }
  if (cmd === 'help') {
    process.stdout.write(DTC_USAGE);
    return 0;
  }
  if (cmd === 'version') {
    process.stdout.write(`Version: DTC ${DTC_VERSION} (hyperlaunch)\n`);
    return 0;
  }
  const reporter = createReporter(cmd.json);
  try {
    const input = readInput(cmd.input);
    const result = runDtc(input, cmd.opts);
    for (const d of result.diagnostics) reporter.check(d, cmd.opts.outputName!);
    for (const m of result.notes) reporter.note(m);
    if (result.error) reporter.error(result.error, cmd.opts.file);
    if (result.exitCode !== 0) return result.exitCode;
    writeOutput(cmd.outName, result.output!, [cmd.input]);
    return 0;
  } catch (e) {
    if (e instanceof FdtError) {
      reporter.error(e, cmd.opts.file);
      return e.code === 'DTC_USAGE' ? 2 : 1;
    }
    if (e instanceof UsageError) {
      printUsageError('dtc', e.message);
      return 2;
    }
    throw e;
  }
}
