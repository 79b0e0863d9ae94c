/** `hyperlaunch summary FILE`: compile (or read) a tree and describe it. */
import { readFileSync } from 'node:fs';
import { runDtc } from '../fdt/dtc.js';
import { FdtError } from '../fdt/errors.js';
import { outlineTree, summarizeTree } from '../fdt/tree/summary.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { createReporter, printUsageError } from './report.js';

const SPECS: OptionSpec[] = [
  { short: 'i', long: 'include', value: true, key: 'i' },
  { long: 'json', value: false, key: 'json' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const SUMMARY_USAGE = `usage: hyperlaunch summary [-i DIR]... [--json] <file.dts|file.dtb>
Compiles a DTS (or reads a DTB) as dtc would and prints its size, counts and outline.
`;

export async function summaryCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = getopt(argv, SPECS);
    if (parsed.options.some((o) => o.key === 'h')) {
      process.stdout.write(SUMMARY_USAGE);
      return 0;
    }
    if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one input file');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('summary', e.message, SUMMARY_USAGE);
    return 2;
  }
  const json = parsed.options.some((o) => o.key === 'json');
  const includeDirs = parsed.options.filter((o) => o.key === 'i').map((o) => o.value!);
  const file = parsed.positionals[0]!;
  const reporter = createReporter(json);
  let input: Uint8Array;
  try {
    input = readFileSync(file);
  } catch (e) {
    reporter.error(new FdtError('FILE_READ', `Couldn't open "${file}": ${(e as Error).message}`, { path: file }));
    return 1;
  }
  const result = runDtc(input, { file, includeDirs, outputFormat: 'dtb' });
  for (const d of result.diagnostics) reporter.check(d, file);
  if (result.error) reporter.error(result.error, file);
  if (!result.tree || !result.output) return result.exitCode || 1;
  const s = summarizeTree(result.tree);
  if (json) {
    process.stdout.write(`${JSON.stringify({ file, dtbBytes: result.output.length, ...s })}\n`);
    return 0;
  }
  const out = [
    `${file}: ${s.nodes} nodes, ${s.properties} properties (${s.propertyBytes} value bytes), ${s.labels} labels, ${s.phandles} phandles, ${s.reservations} memory reservations`,
    `compiled DTB: ${result.output.length} bytes (version 17, as dtc ${'1.6.1'} writes it)`,
    '',
    ...outlineTree(result.tree),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
