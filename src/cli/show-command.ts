/** `hyperlaunch show FILE`: the boot model of a DTS or DTB, as a table or as JSON. */
import { readPartialDeviceTree } from '../bindings/index.js';
import { type DeviceTree, getNodeByPath } from '../fdt/tree/livetree.js';
import { BootConfigError } from '../model/errors.js';
import type { PartialDeviceTree } from '../model/passthrough.js';
import { plainModel } from '../model/plain.js';
import { loadTree, parseTarget, readModel, reportBootConfigError } from './boot-config-input.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { modelTable, partialTable } from './model-table.js';
import { type Reporter, createReporter, printUsageError } from './report.js';

const SPECS: OptionSpec[] = [
  { short: 'i', long: 'include', value: true, key: 'i' },
  { long: 'json', value: false, key: 'json' },
  { long: 'xen', value: true, key: 'xen' },
  { long: 'arch', value: true, key: 'arch' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const SHOW_USAGE = `usage: hyperlaunch show [-i DIR]... [--json] [--xen VERSION] [--arch arm64|x86_64] <file.dts|file.dtb>
Reads the Xen boot configuration (dom0less or Hyperlaunch) and prints its domains,
roles, memory, vCPUs, modules and shared resources; --json prints the model as JSON.
  --xen VERSION   warn about properties newer than this Xen release (e.g. 4.17)
Exit status: 0 ok, 1 problem in the input, 2 usage error.
`;

interface ShowArgs {
  file: string;
  json: boolean;
  includeDirs: string[];
  xen?: string;
  arch?: string;
}

function parseArgs(argv: string[]): ShowArgs | 'help' {
  const { options, positionals } = getopt(argv, SPECS);
  if (options.some((o) => o.key === 'h')) return 'help';
  if (positionals.length !== 1) throw new UsageError('expected exactly one input file');
  const last = (key: string): string | undefined => options.filter((o) => o.key === key).at(-1)?.value;
  return {
    file: positionals[0]!,
    json: options.some((o) => o.key === 'json'),
    includeDirs: options.filter((o) => o.key === 'i').map((o) => o.value!),
    xen: last('xen'),
    arch: last('arch'),
  };
}

export async function showCommand(argv: string[]): Promise<number> {
  let args: ShowArgs | 'help';
  let target;
  try {
    args = parseArgs(argv);
    if (args === 'help') {
      process.stdout.write(SHOW_USAGE);
      return 0;
    }
    target = parseTarget(args.xen, args.arch);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('show', e.message, SHOW_USAGE);
    return 2;
  }
  const reporter = createReporter(args.json);
  const loaded = loadTree(args.file, { includeDirs: args.includeDirs, reporter });
  if (typeof loaded === 'number') return loaded;
  // A passthrough partial device tree (a /passthrough node, no /chosen) has no boot configuration of its own: show its devices.
  if (getNodeByPath(loaded.tree.root, '/passthrough') && !getNodeByPath(loaded.tree.root, '/chosen')) {
    const partial = readPartialTree(loaded.tree, args.file, reporter);
    if (typeof partial === 'number') return partial;
    if (args.json) process.stdout.write(`${JSON.stringify(plainPartial(partial), null, 2)}\n`);
    else process.stdout.write(`${args.file}: ${partialTable(partial).join('\n')}\n`);
    return 0;
  }
  const model = readModel(loaded.tree, args.file, target, reporter);
  if (typeof model === 'number') return model;
  if (args.json) process.stdout.write(`${JSON.stringify(plainModel(model), null, 2)}\n`);
  else process.stdout.write(`${args.file}: ${modelTable(model).join('\n')}\n`);
  return 0;
}

function readPartialTree(tree: DeviceTree, file: string, reporter: Reporter): PartialDeviceTree | number {
  try {
    return readPartialDeviceTree(tree, { file });
  } catch (e) {
    if (!(e instanceof BootConfigError)) throw e;
    reportBootConfigError(reporter, e, file);
    return 1;
  }
}

function plainPartial(p: PartialDeviceTree): unknown {
  return JSON.parse(JSON.stringify({ partialDeviceTree: p }, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)));
}
