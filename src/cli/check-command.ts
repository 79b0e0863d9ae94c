/**
 * `hyperlaunch check INPUT [--host HOST.dtb] [--xen VERSION] [--xen-config FILE] [--json | --sarif] [-o FILE] [-i DIR]...
 *                   [--partial DOMAIN=FILE]...`
 * Exit 0 clean (warnings allowed), 1 when any error is found, 2 on usage errors.
 */
import { readFileSync } from 'node:fs';
import { checkSource, compileTree, readPartialInput } from '../check/engine.js';
import type { PartialInput, XsmPolicyInput } from '../check/context.js';
import { binaryPolicyVersion } from '../check/xsm/policy-version.js';
import { type Finding, hasErrors } from '../check/finding.js';
import { findingDiagnostic, summaryLine } from '../check/format.js';
import { RULES } from '../check/rules/index.js';
import { rulesMarkdown } from '../check/rules-doc.js';
import { checkSarifOptions } from '../check/sarif.js';
import type { XenBuild } from '../check/target.js';
import { type X86CheckFacts, parseX86Host } from '../check/x86-target.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { renderDiagnostics } from '../diagnostics/print.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { Architecture } from '../model/target.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { writeOutput } from './output-file.js';
import { printUsageError } from './report.js';
import { xenBuildFromArgs, xenTargetProblem } from './xen-target-options.js';
import { RAM_OPTION_SPEC, ramBanks } from './ram-option.js';
import { notEvaluatedDiagnostic } from '../check/not-evaluated.js';
import type { MemoryBank } from '../model/memory.js';
import { placeOnRam } from '../artifacts/ram-placement.js';

const SPECS: OptionSpec[] = [
  { long: 'host', value: true, key: 'host' },
  RAM_OPTION_SPEC,
  { long: 'place', value: false, key: 'place' },
  { long: 'xen', value: true, key: 'xen' },
  { long: 'xen-config', value: true, key: 'xen-config' },
  { long: 'json', value: false, key: 'json' },
  { long: 'sarif', value: false, key: 'sarif' },
  { short: 'o', long: 'out', value: true, key: 'o' },
  { short: 'i', long: 'include', value: true, key: 'i' },
  { long: 'partial', value: true, key: 'partial' },
  { long: 'rules', value: false, key: 'rules' },
  { long: 'arch', value: true, key: 'arch' },
  { long: 'x86-host', value: true, key: 'x86-host' },
  { long: 'late-launch', value: false, key: 'late-launch' },
  { long: 'kernel', value: true, key: 'kernel' },
  { long: 'ramdisk', value: true, key: 'ramdisk' },
  { long: 'rules-md', value: false, key: 'rules-md' },
  { long: 'xsm-policy', value: true, key: 'xsm-policy' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const CHECK_USAGE = `usage: hyperlaunch check [--host HOST.dtb [--ram START:SIZE]... [--place]] [--xen VERSION] [--xen-config FILE] [--json | --sarif [-o FILE]] [-i DIR]...
                         [--partial DOMAIN=PARTIAL.dtb]... [--arch x86_64 [--x86-host SPEC] [--late-launch]
                         [--kernel DOMAIN=FILE]... [--ramdisk DOMAIN=FILE]...] [--xsm-policy POLICY.conf] INPUT.dts|INPUT.dtb
       hyperlaunch check --rules | --rules-md
Checks a dom0less or Hyperlaunch configuration for what makes Xen panic, refuse a
domain, or silently ignore part of it. --host: the board's DTB (CPUs, RAM, reserved
memory, device paths; default: the input's own host nodes). --ram: a RAM bank (START:SIZE,
SIZE may end in K/M/G; repeatable) for a board whose DTB leaves /memory to the firmware;
rules check could not evaluate for lack of host facts are listed as notes. --place: lay the
modules out on the host's RAM around its reserved regions first, as build does for a
board (for a configuration written for another board). --xen: the target,
e.g. 4.17, 4.22, or debian-4.17 (Debian 12's build and its Kconfig). --xen-config:
the .config of the Xen build that will boot (its options and, from its header, its
release; --xen VERSION when the header is missing). --partial: a
domain's multiboot,device-tree blob. x86 (--arch x86_64, implied by a Hyperlaunch tree of
multiboot modules; the rules run with --xen): --x86-host qemu | qemu-iommu | mem=2G,cpus=2,iommu=on,hap=on
(the machine: RAM, CPUs, IOMMU, EPT/NPT); --late-launch: the other domains are started from
dom0 with xl; --kernel: a domain's kernel image, probed for dom0 and PVH support and its
size in memory; --ramdisk: a domain's ramdisk, for its size (dom0's memory must hold both).
--xsm-policy: a FLASK policy source (hyperlaunch xsm's policy.conf) to check for the
permissions each domain's role and static event channels need (docs/xsm.md).
Exit 0 clean (warnings allowed), 1 errors, 2 usage.
`;

interface Args {
  input: string;
  host?: string;
  ram: MemoryBank[];
  place: boolean;
  xen?: string;
  xenConfig?: string;
  format: 'text' | 'json' | 'sarif';
  out?: string;
  xsmPolicy?: string;
  includeDirs: string[];
  partials: [string, string][];
  arch?: Architecture;
  x86: X86CheckFacts;
}

/** `--OPTION DOMAIN=FILE`, repeated: files by domain name. */
function domainFiles(options: { key: string; value?: string }[], key: string): Map<string, string> {
  return new Map(options.filter((o) => o.key === key).map((o): [string, string] => {
    const eq = o.value!.indexOf('=');
    if (eq <= 0 || eq === o.value!.length - 1) throw new UsageError(`--${key} expects DOMAIN=FILE, got '${o.value}'`);
    return [o.value!.slice(0, eq), o.value!.slice(eq + 1)];
  }));
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
  const partials = parsed.options.filter((o) => o.key === 'partial').map((o): [string, string] => {
    const eq = o.value!.indexOf('=');
    if (eq <= 0 || eq === o.value!.length - 1) throw new UsageError(`--partial expects DOMAIN=FILE, got '${o.value}'`);
    return [o.value!.slice(0, eq), o.value!.slice(eq + 1)];
  });
  const out = last('o');
  if (out !== undefined && !has('sarif') && !has('json')) throw new UsageError('-o is for --json or --sarif output');
  const arch = last('arch');
  if (arch !== undefined && arch !== 'arm64' && arch !== 'x86_64') throw new UsageError(`unsupported architecture '${arch}' for --arch (supported: arm64, x86_64)`);
  const kernels = domainFiles(parsed.options, 'kernel');
  const ramdisks = domainFiles(parsed.options, 'ramdisk');
  const hostSpec = last('x86-host');
  let x86Host;
  try {
    x86Host = hostSpec === undefined ? undefined : parseX86Host(hostSpec);
  } catch (e) {
    throw new UsageError(`--x86-host: ${(e as Error).message}`);
  }
  return {
    arch: arch as Architecture | undefined,
    x86: { host: x86Host, lateLaunch: has('late-launch'), kernels, ramdisks },
    input: parsed.positionals[0]!, host: last('host'), ram: ramBanks(parsed.options), place: has('place'), xsmPolicy: last('xsm-policy'), xen: last('xen'), xenConfig: last('xen-config'), format: has('sarif') ? 'sarif' : has('json') ? 'json' : 'text', out,
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
function loadExtras(args: Args, findings: Finding[]): { host?: DeviceTree; partials: Map<string, PartialInput>; xsmPolicy?: XsmPolicyInput } {
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
  let xsmPolicy: XsmPolicyInput | undefined;
  if (args.xsmPolicy) {
    const bytes = readInput(args.xsmPolicy);
    if (isFinding(bytes)) findings.push(bytes);
    else {
      const binaryVersion = binaryPolicyVersion(bytes);
      xsmPolicy = binaryVersion === undefined ? { file: args.xsmPolicy, source: Buffer.from(bytes).toString('utf8') } : { file: args.xsmPolicy, binaryVersion };
    }
  }
  return { host, partials, xsmPolicy };
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

/** Print the diagnostics in the chosen form; text ends with the summary line when there is one. */
function emit(args: Args, diagnostics: readonly Diagnostic[], summary?: string): void {
  if (args.format === 'text') {
    process.stderr.write(`${renderDiagnostics(diagnostics, 'text', { sources: sourceLookup() })}${summary === undefined ? '' : `${args.input}: ${summary}\n`}`);
    return;
  }
  const body = renderDiagnostics(diagnostics, args.format, { sarif: checkSarifOptions(RULES, { file: args.input }) });
  const inputs = [args.input, ...(args.host ? [args.host] : []), ...(args.xsmPolicy ? [args.xsmPolicy] : []), ...args.partials.map(([, f]) => f)];
  writeOutput(args.out ?? '-', new TextEncoder().encode(body), inputs);
}

/** The Xen build to check for, or the exit status when the options cannot say (2 usage, 1 an unusable file). */
function targetBuild(args: Args): { build?: XenBuild } | number {
  try {
    return { build: xenBuildFromArgs(args) };
  } catch (e) {
    if (e instanceof UsageError) {
      printUsageError('check', e.message, CHECK_USAGE);
      return 2;
    }
    const problem = xenTargetProblem(e);
    if (!problem) throw e;
    // Nothing is checked without knowing for which Xen: the problem is the whole output.
    return emitOrUsage(args, [problem]) ?? 1;
  }
}

/** emit, turning a refused -o into exit 2; undefined when printed. */
function emitOrUsage(args: Args, diagnostics: readonly Diagnostic[], summary?: string): number | undefined {
  try {
    emit(args, diagnostics, summary);
    return undefined;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('check', e.message);
    return 2;
  }
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
  const target = targetBuild(args);
  if (typeof target === 'number') return target;
  const findings: Finding[] = [];
  const extras = loadExtras(args, findings);
  const bytes = readInput(args.input);
  const notes: Diagnostic[] = [];
  if (isFinding(bytes)) findings.push(bytes);
  else {
    const result = checkSource(bytes, { file: args.input, includeDirs: args.includeDirs, host: extras.host, hostName: args.host, ram: args.ram, place: args.place ? (m, h) => placeOnRam(m, h).model : undefined, build: target.build, partials: extras.partials, arch: args.arch, x86: args.x86, xsmPolicy: extras.xsmPolicy });
    findings.push(...result.findings);
    notes.push(...(result.notEvaluated ?? []).map((n) => notEvaluatedDiagnostic(n, args.input)));
  }
  return emitOrUsage(args, [...findings.map(findingDiagnostic), ...notes], summaryLine(findings)) ?? (hasErrors(findings) ? 1 : 0);
}
