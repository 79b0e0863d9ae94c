/**
 * `hyperlaunch report`: one self-contained HTML page of a boot
 * configuration (or one of its pictures as SVG, or its facts as JSON).
 * Findings are part of the page, so they do not change the exit status.
 */
import { readImageBuilderFile } from '../artifacts/build-from-config.js';
import type { ImageBuilderError } from '../bindings/imagebuilder/imagebuilder-error.js';
import type { PartialInput } from '../check/context.js';
import { compileTree, readPartialInput } from '../check/engine.js';
import type { Finding } from '../check/finding.js';
import { findingDiagnostic } from '../check/format.js';
import type { XenBuild } from '../check/target.js';
import { FdtError } from '../fdt/errors.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import { BootConfigError } from '../model/errors.js';
import { type BootResult, readBootResult } from '../report/boot-result.js';
import { type ReportInput, buildReport } from '../report/build-report.js';
import { reportHtml } from '../report/html-page.js';
import { ReportError } from '../report/report-error.js';
import { reportInputFromConfig, reportInputFromSource } from '../report/report-input.js';
import { REPORT_VIEWS, type ReportView, reportSvg } from '../report/svg-view.js';
import { readInputFile } from './boot-config-input.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { writeOutput } from './output-file.js';
import { type Reporter, buildErrorDiagnostic, createReporter, printUsageError } from './report.js';
import { xenBuildFromArgs, xenTargetProblem } from './xen-target-options.js';

const SPECS: OptionSpec[] = [
  { short: 'i', long: 'include', value: true, key: 'i' },
  { long: 'host', value: true, key: 'host' },
  { long: 'xen', value: true, key: 'xen' },
  { long: 'xen-config', value: true, key: 'xen-config' },
  { short: 'c', value: true, key: 'c' },
  { short: 'd', value: true, key: 'd' },
  { short: 'o', long: 'out', value: true, key: 'o' },
  { long: 'boot', value: true, key: 'boot' },
  { long: 'partial', value: true, key: 'partial' },
  { long: 'json', value: false, key: 'json' },
  { long: 'format', value: true, key: 'format' },
  { long: 'view', value: true, key: 'view' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const REPORT_USAGE = `usage: hyperlaunch report INPUT.dts|INPUT.dtb [-d DIR] [-i DIR]... [--host HOST.dtb] [--partial DOMAIN=PARTIAL.dtb]...
                         [--xen VERSION] [--xen-config FILE] [--boot RESULT.json] [-o FILE]
                         [--json | --format html|svg [--view memory|cpus|graph]]
       hyperlaunch report -c CONFIG -d DIR [same options]
Writes one self-contained HTML page of a boot configuration (docs/report.md): its
domains with their predicted domids, the physical memory map, the CPU map, the
passthrough devices, the event channels and shared memory between domains, and
every check finding, each linked to what it is about. Without -o the page goes
to report.html in the current directory (-o - for standard output).
  -c CONFIG -d DIR     an ImageBuilder config, laid out as build lays it out
  -d DIR               with a devicetree: where its xen,uefi-binary files are (their sizes)
  --host HOST.dtb      the board's tree (default: the input's own host nodes)
  --partial DOMAIN=F   a domain's passthrough partial device tree (its devices)
  --xen, --xen-config  the target Xen release or build, as for check
  --boot RESULT.json   what \`hyperlaunch qemu --json\` printed: each domain's boot stage
  --json               the page's facts as JSON (to standard output without -o)
  --format svg --view memory|cpus|graph   one picture alone (to standard output without -o)
Exit status: 0 the report was written (even with findings: the page shows them),
1 unreadable input, 2 usage error.
`;

interface Args {
  input?: string;
  config?: string;
  dir?: string;
  host?: string;
  xen?: string;
  xenConfig?: string;
  out?: string;
  boot?: string;
  includeDirs: string[];
  partials: [string, string][];
  output: 'html' | 'json' | 'svg';
  view?: ReportView;
}

function partialOption(v: string): [string, string] {
  const eq = v.indexOf('=');
  if (eq <= 0 || eq === v.length - 1) throw new UsageError(`--partial expects DOMAIN=FILE, got '${v}'`);
  return [v.slice(0, eq), v.slice(eq + 1)];
}

function outputOf(json: boolean, format: string | undefined, view: string | undefined): { output: Args['output']; view?: ReportView } {
  if (format !== undefined && format !== 'html' && format !== 'svg') throw new UsageError(`unknown --format '${format}' (html or svg)`);
  if (json && format !== undefined) throw new UsageError('--json and --format exclude each other');
  if (view !== undefined && !REPORT_VIEWS.includes(view as ReportView)) throw new UsageError(`unknown --view '${view}' (${REPORT_VIEWS.join(', ')})`);
  if (format === 'svg' && view === undefined) throw new UsageError('--format svg needs --view memory, cpus or graph');
  if (view !== undefined && format !== 'svg') throw new UsageError('--view is for --format svg');
  return json ? { output: 'json' } : format === 'svg' ? { output: 'svg', view: view as ReportView } : { output: 'html' };
}

function parseArgs(argv: string[]): Args | 'help' {
  const parsed = getopt(argv, SPECS);
  const has = (k: string): boolean => parsed.options.some((o) => o.key === k);
  const last = (k: string): string | undefined => parsed.options.filter((o) => o.key === k).at(-1)?.value;
  if (has('h')) return 'help';
  if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument '${parsed.positionals[1]}'`);
  const input = parsed.positionals[0];
  const config = last('c');
  if (!input && !config) throw new UsageError('give an input devicetree or -c CONFIG -d DIR');
  if (input && config) throw new UsageError('give either an input devicetree or -c CONFIG, not both');
  if (config && !last('d')) throw new UsageError('-c CONFIG needs -d DIR (the directory its paths are relative to)');
  if (config && (has('host') || has('partial') || has('i'))) throw new UsageError('--host, --partial and -i are for devicetree input (the config names its own host DTB and partial trees)');
  return {
    input, config, dir: last('d'), host: last('host'), xen: last('xen'), xenConfig: last('xen-config'), out: last('o'), boot: last('boot'),
    includeDirs: parsed.options.filter((o) => o.key === 'i').map((o) => o.value!),
    partials: parsed.options.filter((o) => o.key === 'partial').map((o) => partialOption(o.value!)),
    ...outputOf(has('json'), last('format'), last('view')),
  };
}

/** A tree argument (--host), or the findings saying why it cannot be read. */
function treeOf(file: string, includeDirs: string[]): DeviceTree | Finding[] {
  const c = compileTree(readInputFile(file), file, includeDirs);
  return 'findings' in c ? c.findings : c.tree;
}

function partialsOf(args: Args, problems: Finding[]): Map<string, PartialInput> {
  const out = new Map<string, PartialInput>();
  for (const [domain, file] of args.partials) {
    const p = readPartialInput(readInputFile(file), file, args.includeDirs);
    if ('ruleId' in p) problems.push(p);
    else out.set(domain, p);
  }
  return out;
}

/** The report's input, or the exit status after printing why there is none. */
function gather(args: Args, build: XenBuild | undefined, reporter: Reporter): ReportInput | number {
  if (args.config) {
    const problems: ImageBuilderError[] = [];
    const config = readImageBuilderFile(args.config, (e) => problems.push(e));
    for (const e of problems) reporter.error(e, args.config);
    return problems.length ? 1 : reportInputFromConfig(config, { file: args.config, dir: args.dir!, build });
  }
  const problems: Finding[] = [];
  let host: { tree: DeviceTree; name: string } | undefined;
  if (args.host) {
    const t = treeOf(args.host, args.includeDirs);
    if (Array.isArray(t)) problems.push(...t);
    else host = { tree: t, name: args.host };
  }
  const partials = partialsOf(args, problems);
  if (problems.length === 0) {
    const r = reportInputFromSource(readInputFile(args.input!), { file: args.input!, includeDirs: args.includeDirs, host, build, partials, dir: args.dir });
    if ('model' in r) return r;
    problems.push(...r.findings);
  }
  for (const f of problems) reporter.report(findingDiagnostic(f));
  reporter.report(new ReportError('NO_MODEL', `${args.input}: no report written: the input cannot be read as a boot configuration`, { file: args.input }).toDiagnostic());
  return 1;
}

function render(args: Args, input: ReportInput, boot: BootResult | undefined): Uint8Array {
  const data = buildReport({ ...input, boot });
  const text = args.output === 'json' ? `${JSON.stringify(data, null, 2)}\n` : args.output === 'svg' ? reportSvg(data, args.view!) : reportHtml(data);
  return new TextEncoder().encode(text);
}

function targetOf(args: Args): string {
  return args.out ?? (args.output === 'html' ? 'report.html' : '-');
}

function inputsOf(args: Args): string[] {
  return [args.input, args.config, args.host, args.xenConfig, args.boot, ...args.partials.map(([, f]) => f)].filter((f): f is string => f !== undefined);
}

/** The report, written; or the exit status of what stopped it. */
function run(args: Args, reporter: Reporter): number {
  const build = xenBuildFromArgs({ xen: args.xen, xenConfig: args.xenConfig });
  const boot = args.boot !== undefined ? readBootResult(args.boot) : undefined;
  const input = gather(args, build, reporter);
  if (typeof input === 'number') return input;
  const target = targetOf(args);
  writeOutput(target, render(args, input, boot), inputsOf(args));
  if (target !== '-') process.stderr.write(`${target}: ${input.model.domains.length} domain(s), ${input.findings.length} finding(s)\n`);
  return 0;
}

export async function reportCommand(argv: string[]): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('report', e.message, REPORT_USAGE);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(REPORT_USAGE);
    return 0;
  }
  const reporter = createReporter(false);
  try {
    return run(args, reporter);
  } catch (e) {
    if (e instanceof UsageError) {
      printUsageError('report', e.message);
      return 2;
    }
    const problem = xenTargetProblem(e);
    if (problem) reporter.report(problem);
    else if (e instanceof ReportError) reporter.report(e.toDiagnostic());
    else if (e instanceof BootConfigError) reporter.report(buildErrorDiagnostic(e, args.input ?? args.config));
    else if (e instanceof FdtError) reporter.error(e, args.input ?? args.config);
    else throw e;
    return 1;
  }
}
