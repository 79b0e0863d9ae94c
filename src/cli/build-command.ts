/**
 * `hyperlaunch build`: uboot-script-gen's job (same flags, same stdout,
 * same bytes) from an ImageBuilder config read as data, never executed.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readImageBuilderConfig } from '../bindings/imagebuilder/config.js';
import { type ImageBuilderOverrides, resolveImageBuilder } from '../bindings/imagebuilder/resolve.js';
import { parseShellConfig } from '../bindings/imagebuilder/shell-config.js';
import { FdtError } from '../fdt/errors.js';
import type { NamingStyle } from '../build/chosen-edits.js';
import { hexUpper } from '../build/dt-edits.js';
import { directorySource } from '../build/file-source.js';
import { type UbootBuild, buildUboot } from '../build/uboot-build.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { writeOutput } from './output-file.js';
import { createReporter } from './report.js';

const SPECS: OptionSpec[] = [
  { short: 'c', value: true, key: 'c' },
  { short: 'd', value: true, key: 'd' },
  { short: 't', value: true, key: 't' },
  { short: 'o', value: true, key: 'o' },
  { short: 'f', value: false, key: 'f' },
  { short: 'p', value: true, key: 'p' },
  { short: 'k', value: true, key: 'k' },
  { short: 'u', value: true, key: 'u' },
  { long: 'compat', value: true, key: 'compat' },
  { long: 'dry-run', value: false, key: 'dry-run' },
  { long: 'force', value: false, key: 'force' },
  { long: 'avoid-reserved', value: false, key: 'avoid-reserved' },
  { long: 'json', value: false, key: 'json' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const BUILD_USAGE = `usage: hyperlaunch build -c CONFIG -d DIR [-t LOADCMD] [-o NAME] [-f] [-p PREFIX]
                        [-k KEYDIR] [-u UBOOTDTB] [--compat imagebuilder-2023]
                        [--avoid-reserved] [--dry-run] [--force] [--json]
Builds what ImageBuilder's uboot-script-gen builds (U-Boot script, boot.scr, FIT,
edited host DTB) from its config file, which is read as data and never executed.
  -c CONFIG   ImageBuilder config            -d DIR    directory the config's paths are relative to
  -t LOADCMD  tftp, sd, scsi, usb or a verbatim U-Boot load command (overrides LOAD_CMD)
  -o NAME     write NAME.source / NAME.scr   -f        build a FIT image
  -p PREFIX   put PREFIX/ before every path in load lines
  -k, -u      FIT key directory/hint and U-Boot DTB (signing is not built yet)
  --compat imagebuilder-2023   module0x... / dom0 node names, byte-identical to ImageBuilder 2023.2
                               (default: module@..., dom0@... as upstream since late 2024)
  --avoid-reserved             place no image over /reserved-memory or /memreserve/ of the host DTB
  --dry-run   print the layout and the script, write nothing
`;

interface BuildArgs {
  config: string;
  dir: string;
  overrides: ImageBuilderOverrides;
  prefix?: string;
  naming: NamingStyle;
  dryRun: boolean;
  avoidReserved: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): BuildArgs | 'help' {
  const parsed = getopt(argv, SPECS);
  const one = (k: string): string | undefined => parsed.options.filter((o) => o.key === k).at(-1)?.value;
  const has = (k: string): boolean => parsed.options.some((o) => o.key === k);
  if (has('h')) return 'help';
  if (parsed.positionals.length) throw new UsageError(`unexpected argument '${parsed.positionals[0]}' (devicetree input is not supported yet; use -c CONFIG)`);
  const config = one('c');
  const dir = one('d');
  if (!config) throw new UsageError('-c CONFIG is required');
  if (!dir) throw new UsageError('-d DIR is required');
  const compat = one('compat');
  if (compat !== undefined && compat !== 'imagebuilder-2023') throw new UsageError(`unknown --compat '${compat}' (known: imagebuilder-2023)`);
  return {
    config,
    dir,
    overrides: { loadCmd: one('t'), outputName: one('o'), fit: has('f'), keyDir: one('k'), ubootDtb: one('u') },
    prefix: one('p'),
    naming: compat === 'imagebuilder-2023' ? 'imagebuilder-2023' : 'current',
    dryRun: has('dry-run'),
    avoidReserved: has('avoid-reserved'),
    json: has('json'),
  };
}

function layoutTable(b: UbootBuild): string {
  const rows = [['address', 'end', 'size', 'image', 'file'], ['script', '', '', 'boot script', b.plan.ubootScript]];
  rows[1]![0] = hexUpper(b.scriptAddress);
  for (const i of b.images) rows.push([hexUpper(i.address), hexUpper(i.address + i.size), String(i.size), i.label, i.loadPath]);
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(w[c]!))).join('  ')).join('\n');
}

function refuseInput(target: string, inputs: string[]): void {
  for (const input of inputs) {
    if (resolve(input) === resolve(target)) throw new UsageError(`refusing to overwrite input file '${input}'; choose another output name`);
  }
}

export async function buildCommand(argv: string[]): Promise<number> {
  let args: BuildArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`hyperlaunch build: ${e.message}\n${BUILD_USAGE}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(BUILD_USAGE);
    return 0;
  }
  const reporter = createReporter(args.json);
  let build: UbootBuild;
  try {
    let text: string;
    try {
      text = readFileSync(args.config, 'utf8');
    } catch (e) {
      throw new FdtError('FILE_READ', `Couldn't open "${args.config}": ${(e as Error).message}`, { path: args.config });
    }
    const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(text, args.config)), args.overrides);
    build = buildUboot(plan, {
      dir: args.dir,
      files: directorySource(args.dir),
      prefix: args.prefix,
      naming: args.naming,
      avoidReserved: args.avoidReserved,
    });
  } catch (e) {
    if (!(e instanceof FdtError)) throw e;
    reporter.error(e, args.config);
    return 1;
  }
  if (args.dryRun) {
    process.stdout.write(`${layoutTable(build)}\n\n${build.source}`);
    return 0;
  }
  // never write over anything the build read
  const inputs = [resolve(args.config), ...build.inputs.map((p) => join(args.dir, p))];
  try {
    // check every output first, so that a refusal leaves nothing half-written
    for (const o of build.outputs) refuseInput(join(args.dir, o.path), inputs);
    for (const o of build.outputs) writeOutput(join(args.dir, o.path), o.data, inputs);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    reporter.error(new FdtError('OUTPUT', e.message, { hint: 'rename UBOOT_SOURCE/UBOOT_SCRIPT/FDTEDIT/FIT so that no output is an input' }), args.config);
    return 1;
  }
  process.stdout.write(`${build.stdout.join('\n')}\n`);
  return 0;
}
