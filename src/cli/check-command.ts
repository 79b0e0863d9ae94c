/**
 * `hyperlaunch check INPUT [--host HOST.dtb] [--xen VERSION] [--json | --sarif] [-o FILE] [-i DIR]...
 *                   [--partial DOMAIN=FILE]...`
 * Exit 0 clean (warnings allowed), 1 when any error is found, 2 on usage errors.
 */
import { readFileSync } from 'node:fs';
import { checkSource, compileTree, readPartialInput } from '../check/engine.js';
import type { PartialInput } from '../check/context.js';
import { type Finding, hasErrors } from '../check/finding.js';
import { findingDiagnostic, summaryLine } from '../check/format.js';
import { RULES } from '../check/rules/index.js';
import { rulesMarkdown } from '../check/rules-doc.js';
import { checkSarifOptions } from '../check/sarif.js';
import { renderDiagnostics } from '../diagnostics/print.js';
import { type XenBuild, parseXenBuild } from '../check/target.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { writeOutput } from './output-file.js';
import { printUsageError } from './report.js';

const SPECS: OptionSpec[] = [
  { long: 'host', value: true, key: 'host' },
  { long: 'xen', value: true, key: 'xen' },
  { long: 'json', value: false, key: 'json' },
  { long: 'sarif', value: false, key: 'sarif' },
  { short: 'o', long: 'out', value: true, key: 'o' },
  { short: 'i', long: 'include', value: true, key: 'i' },
  { long: 'partial', value: true, key: 'partial' },
  { long: 'rules', value: false, key: 'rules' },
  { long: 'rules-md', value: false, key: 'rules-md' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const CHECK_USAGE = `usage: hyperlaunch check [--host HOST.dtb] [--xen VERSION] [--json | --sarif [-o FILE]] [-i DIR]...
                         [--partial DOMAIN=PARTIAL.dtb]... INPUT.dts|INPUT.dtb
       hyperlaunch check --rules | --rules-md
Checks a dom0less or Hyperlaunch configuration for what makes Xen panic, refuse a
domain, or silently ignore part of it. --host: the board's DTB (CPUs, RAM, reserved
memory, device paths; default: the input's own host nodes). --xen: the target,
e.g. 4.17, 4.21, or debian-4.17 (Debian 12's build and its Kconfig). --partial: a
domain's multiboot,device-tree blob. Exit 0 clean (warnings allowed), 1 errors, 2 usage.
`;

interface Args {
  input: string;
  host?: string;
  build?: XenBuild;
  format: 'text' | 'json' | 'sarif';
  out?: string;
  includeDirs: string[];
  partials: [string, string][];
}

function parseArgs(argv: string[]): Args | 'help' | 'rules' | 'rules-md' {
  const parsed = getopt(argv, SPECS);
  const has = (k: string): boolean => parsed.options.some((o) => o.key === k);
  const last = (k: string): string | undefined => parsed.options.filter((o) => o.key === k).at(-1)?.value;
  if (has('h')) return 'help';
  if (has('rules-md')) return 'rules-md';
  if (has('rules')) return 'rules';
  if (has('json') && has('sarif')) throw new UsageError('--json and --sarif exclude each other');
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one input file');
  let build: XenBuild | undefined;
  const xen = last('xen');
  if (xen !== undefined) {
    try {
      build = parseXenBuild(xen);
    } catch (e) {
      throw new UsageError(`--xen: ${(e as Error).message}`);
    }
  }
  const partials = parsed.options.filter((o) => o.key === 'partial').map((o): [string, string] => {
    const eq = o.value!.indexOf('=');
    if (eq <= 0 || eq === o.value!.length - 1) throw new UsageError(`--partial expects DOMAIN=FILE, got '${o.value}'`);
    return [o.value!.slice(0, eq), o.value!.slice(eq + 1)];
  });
  const out = last('o');
  if (out !== undefined && !has('sarif') && !has('json')) throw new UsageError('-o is for --json or --sarif output');
  return {
    input: parsed.positionals[0]!, host: last('host'), build, format: has('sarif') ? 'sarif' : has('json') ? 'json' : 'text', out,
    includeDirs: parsed.options.filter((o) => o.key === 'i').map((o) => o.value!), partials,
  };
}

function readInput(file: string): Uint8Array | Finding {
  try {
    return readFileSync(file);
  } catch (e) {
    return { ruleId: 'config-read', severity: 'error', message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file, hint: 'check the file name' };
  }
}

function isFinding(x: unknown): x is Finding {
  return typeof x === 'object' && x !== null && 'ruleId' in x;
}

/** Load the --host and --partial inputs; problems with them are findings too. */
function loadExtras(args: Args, findings: Finding[]): { host?: DeviceTree; partials: Map<string, PartialInput> } {
  let host: DeviceTree | undefined;
  if (args.host) {
    const bytes = readInput(args.host);
    if (isFinding(bytes)) findings.push(bytes);
    else {
      const c = compileTree(bytes, args.host, args.includeDirs);
      if ('findings' in c) findings.push(...c.findings);
      else host = c.tree;
    }
  }
  const partials = new Map<string, PartialInput>();
  for (const [domain, file] of args.partials) {
    const bytes = readInput(file);
    const p = isFinding(bytes) ? bytes : readPartialInput(bytes, file, args.includeDirs);
    if (isFinding(p)) findings.push(p);
    else partials.set(domain, p);
  }
  return { host, partials };
}

function sourceLookup(): (file: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      try {
        cache.set(file, readFileSync(file, 'utf8'));
      } catch {
        cache.set(file, undefined);
      }
    }
    return cache.get(file);
  };
}

function emit(args: Args, findings: Finding[]): void {
  const diagnostics = findings.map(findingDiagnostic);
  if (args.format === 'text') {
    process.stderr.write(`${renderDiagnostics(diagnostics, 'text', { sources: sourceLookup() })}${args.input}: ${summaryLine(findings)}\n`);
    return;
  }
  const body = renderDiagnostics(diagnostics, args.format, { sarif: checkSarifOptions(RULES, { file: args.input }) });
  const inputs = [args.input, ...(args.host ? [args.host] : []), ...args.partials.map(([, f]) => f)];
  writeOutput(args.out ?? '-', new TextEncoder().encode(body), inputs);
}

export async function checkCommand(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('check', e.message, CHECK_USAGE);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(CHECK_USAGE);
    return 0;
  }
  if (args === 'rules-md') {
    process.stdout.write(`${rulesMarkdown(RULES)}`);
    return 0;
  }
  if (args === 'rules') {
    process.stdout.write(RULES.map((r) => `${r.id.padEnd(28)}${r.severity.padEnd(9)}${r.group.padEnd(18)}${r.summary}\n`).join(''));
    return 0;
  }
  const findings: Finding[] = [];
  const extras = loadExtras(args, findings);
  const bytes = readInput(args.input);
  if (isFinding(bytes)) findings.push(bytes);
  else findings.push(...checkSource(bytes, { file: args.input, includeDirs: args.includeDirs, host: extras.host, hostName: args.host, build: args.build, partials: extras.partials }).findings);
  try {
    emit(args, findings);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('check', e.message);
    return 2;
  }
  return hasErrors(findings) ? 1 : 0;
}
