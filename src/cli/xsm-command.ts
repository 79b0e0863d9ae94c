/**
 * `hyperlaunch xsm INPUT [--xen VERSION] [--xen-config FILE] -o DIR`: the
 * FLASK policy of a boot-time system, as policy language source
 * (DIR/policy.conf) and the binary checkpolicy compiled for the target Xen
 * (DIR/xenpolicy.bin, the XSM module). What Xen cannot label as configured
 * is printed as a warning and written at the top of the source.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { XsmError, generatePolicy } from '../artifacts/xsm/index.js';
import { buildHas } from '../check/target.js';
import { loadBootConfig, parseTarget } from './boot-config-input.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { writeOutput } from './output-file.js';
import { type Reporter, createReporter, printUsageError } from './report.js';
import { xenBuildFromArgs, xenTargetProblem } from './xen-target-options.js';

const SPECS: OptionSpec[] = [
  { short: 'o', long: 'out', value: true, key: 'o' },
  { long: 'xen', value: true, key: 'xen' },
  { long: 'xen-config', value: true, key: 'xen-config' },
  { short: 'i', long: 'include', value: true, key: 'i' },
  { long: 'json', value: false, key: 'json' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const XSM_USAGE = `usage: hyperlaunch xsm <file.dts|file.dtb> -o DIR [--xen VERSION] [--xen-config FILE] [-i DIR]... [--json]
Writes the FLASK policy of the boot-time system: DIR/policy.conf (policy language, one
commented allow rule per need of a role or static event channel) and DIR/xenpolicy.bin
(compiled by checkpolicy for the policy version the target Xen reads; load it as the
xen,xsm-policy module and boot Xen with xsm=flask). See docs/xsm.md.
  -o, --out DIR        output directory (created if missing)
  --xen VERSION        target Xen release or build (4.22, debian-4.17): its policy version (30 since 4.5)
  --xen-config FILE    the Xen build's .config: warns when CONFIG_XSM_FLASK is off
  --json               diagnostics as one JSON object per line
Exit status: 0 ok, 1 problem in the input, 2 usage error.
`;

interface XsmArgs {
  file: string;
  out: string;
  xen?: string;
  xenConfig?: string;
  includeDirs: string[];
  json: boolean;
}

function parseArgs(argv: string[]): XsmArgs | 'help' {
  const { options, positionals } = getopt(argv, SPECS);
  if (options.some((o) => o.key === 'h')) return 'help';
  if (positionals.length !== 1) throw new UsageError('expected exactly one input file');
  const last = (key: string): string | undefined => options.filter((o) => o.key === key).at(-1)?.value;
  const out = last('o');
  if (out === undefined || out === '-') throw new UsageError('-o DIR is required (the policy is two files)');
  return { file: positionals[0]!, out, xen: last('xen'), xenConfig: last('xen-config'), includeDirs: options.filter((o) => o.key === 'i').map((o) => o.value!), json: options.some((o) => o.key === 'json') };
}

function warn(reporter: Reporter, file: string, code: string, message: string): void {
  reporter.report({ code, severity: 'warning', message, location: { file } });
}

export async function xsmCommand(argv: string[]): Promise<number> {
  let args: XsmArgs | 'help';
  try {
    args = parseArgs(argv);
    if (args === 'help') {
      process.stdout.write(XSM_USAGE);
      return 0;
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('xsm', e.message, XSM_USAGE);
    return 2;
  }
  const reporter = createReporter(args.json);
  let build;
  try {
    build = xenBuildFromArgs({ xen: args.xen, xenConfig: args.xenConfig });
  } catch (e) {
    if (e instanceof UsageError) {
      printUsageError('xsm', e.message, XSM_USAGE);
      return 2;
    }
    const d = xenTargetProblem(e);
    if (!d) throw e;
    reporter.report(d);
    return 1;
  }
  const target = parseTarget(build?.version, undefined);
  const loaded = loadBootConfig(args.file, { includeDirs: args.includeDirs, target, reporter });
  if (typeof loaded === 'number') return loaded;
  if (build?.kconfig && !buildHas(build, 'XSM_FLASK')) warn(reporter, args.xenConfig ?? args.file, 'xsm-flask-not-built', `the Xen build (${build.label}) has no CONFIG_XSM_FLASK: it ignores xsm=flask and the policy`);
  let policy;
  try {
    policy = generatePolicy(loaded.model, { xenVersion: build?.version });
  } catch (e) {
    if (!(e instanceof XsmError)) throw e;
    reporter.report(e.toDiagnostic());
    return 1;
  }
  for (const n of policy.notes) warn(reporter, args.file, 'xsm-label-shared', n);
  try {
    mkdirSync(args.out, { recursive: true });
    writeOutput(join(args.out, 'policy.conf'), Buffer.from(policy.source, 'utf8'), [args.file]);
    writeOutput(join(args.out, 'xenpolicy.bin'), policy.binary, [args.file]);
  } catch (e) {
    if (e instanceof UsageError) {
      printUsageError('xsm', e.message);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    if (!err.code) throw e;
    reporter.report({ code: 'FILE_WRITE', severity: 'error', message: `cannot write the policy: ${err.message}`, location: { file: args.out } });
    return 1;
  }
  for (const l of policy.labels.labels) process.stdout.write(`${l.domain}: ${l.type} (initial SID ${l.sid})\n`);
  process.stdout.write(`wrote ${join(args.out, 'policy.conf')} (${policy.rules.length} allow rules) and ${join(args.out, 'xenpolicy.bin')} (policy version ${policy.version}, ${policy.binary.length} bytes)\n`);
  return 0;
}
