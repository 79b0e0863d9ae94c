/**
 * dtc's whole flow in one call: read (DTS or DTB), run the checks (which
 * also resolve references), generate aliases / symbols / fixups, sort,
 * write (DTB or DTS). The order of the steps is dtc's main(), because
 * phandle numbering and node order depend on it.
 */
import { type DtcCheckDiagnostic, type DtcCheckSetting, formatCheckDiagnostic, processChecks } from './checks/dtc-checks.js';
import { FdtError } from './errors.js';
import { FDT_MAGIC } from './dtb/format.js';
import { readDtb } from './dtb/read.js';
import { writeDtb } from './dtb/write.js';
import { parseDts } from './dts/parser.js';
import { printDtsBytes } from './dts/print.js';
import type { DeviceTree } from './tree/livetree.js';
import { generateFixupsTree, generateLabelTree, generateLocalFixupsTree } from './overlay/generate.js';
import type { PhandleFormat } from './tree/phandles.js';
import { sortTree } from './tree/sort.js';

export const DTC_VERSION = '1.6.1';

export type DtFormat = 'dts' | 'dtb';

export interface DtcOptions {
  /** Input format; guessed from the magic number like dtc when omitted. */
  inputFormat?: DtFormat;
  /** Output format; dtc's default is dtb for dts input, dts otherwise. */
  outputFormat?: DtFormat;
  /** Input name for messages and for resolving relative includes. */
  file?: string;
  includeDirs?: string[];
  symbols?: boolean; // -@
  autoAliases?: boolean; // -A
  sort?: boolean; // -s
  force?: boolean; // -f
  phandleFormat?: PhandleFormat; // -H
  bootCpuid?: number; // -b
  version?: number; // -V
  reserveExtra?: number; // -R
  minSize?: number; // -S
  padSize?: number; // -p
  align?: number; // -a
  quiet?: number; // -q count
  /** Name dtc prints on check messages that have no source position: the -o file, or `<stdout>`. */
  outputName?: string;
  checks?: DtcCheckSetting[]; // -W / -E, in order
  readFile?: (path: string) => Uint8Array;
}

export interface DtcResult {
  /** dtc's exit status: 0 ok, 1 fatal (parse or read error), 2 check errors. */
  exitCode: 0 | 1 | 2;
  output?: Uint8Array;
  /** Lines dtc would print on stderr, in order. */
  messages: string[];
  /** The lines of `messages` that are not check diagnostics (summaries, generator warnings). */
  notes: string[];
  diagnostics: DtcCheckDiagnostic[];
  /** The tree after all steps, when the run got that far. */
  tree?: DeviceTree;
  /** The fatal error, when exitCode is 1. */
  error?: FdtError;
}

export function guessInputFormat(input: Uint8Array): DtFormat {
  if (input.length >= 4) {
    const magic = ((input[0]! << 24) | (input[1]! << 16) | (input[2]! << 8) | input[3]!) >>> 0;
    if (magic === FDT_MAGIC) return 'dtb';
  }
  return 'dts';
}

/** dtc's guess_type_by_name, for the output file's extension. */
export function formatFromFileName(name: string): DtFormat | undefined {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return undefined;
  const ext = name.slice(dot).toLowerCase();
  if (ext === '.dts') return 'dts';
  if (ext === '.dtb' || ext === '.dtbo') return 'dtb';
  return undefined;
}

function validateOptions(opts: DtcOptions): void {
  if (opts.minSize && opts.padSize) {
    throw new FdtError('DTC_USAGE', "Can't set both -p and -S", { hint: 'use either -p (padding) or -S (minimum size)' });
  }
  const a = opts.align;
  if (a !== undefined && a !== 0 && (a < 0 || (a & (a - 1)) !== 0)) {
    throw new FdtError('DTC_USAGE', `Invalid argument "${a}" to -a option`, { hint: '-a takes a power of two' });
  }
}

function readInput(input: Uint8Array, format: DtFormat, opts: DtcOptions, result: DtcResult): DeviceTree {
  const file = opts.file ?? '<stdin>';
  if (format === 'dtb') return readDtb(input, { file, onWarning: (m) => note(result, m) });
  return parseDts(input, { file, includeDirs: opts.includeDirs, readFile: opts.readFile });
}

function note(result: DtcResult, line: string): void {
  result.messages.push(line);
  result.notes.push(line);
}

/** Runs the steps after reading: checks, generated nodes, sorting. Returns false when checks abort. */
function transform(tree: DeviceTree, opts: DtcOptions, result: DtcResult): boolean {
  if (opts.bootCpuid !== undefined) tree.bootCpuidPhys = opts.bootCpuid >>> 0;
  const checks = processChecks(tree, {
    phandleFormat: opts.phandleFormat,
    settings: opts.checks,
    quiet: opts.quiet,
    // dtc keeps labelled /omit-if-no-ref/ nodes when it will emit __symbols__.
    generateSymbols: opts.symbols,
  });
  result.diagnostics = checks.diagnostics;
  // processChecks already applies -q, as dtc does (errors survive a single -q).
  const outputName = opts.outputName ?? '<stdout>';
  for (const d of checks.diagnostics) result.messages.push(formatCheckDiagnostic(d, outputName));
  if (checks.hasErrors) {
    if (!opts.force) {
      note(result, 'ERROR: Input tree has errors, aborting (use -f to force output)');
      result.exitCode = 2;
      return false;
    }
    if ((opts.quiet ?? 0) < 3) note(result, 'Warning: Input tree has errors, output forced');
  }
  const warn = (msg: string): void => note(result, msg);
  if (opts.autoAliases) generateLabelTree(tree, 'aliases', false, opts.phandleFormat, warn);
  if (opts.symbols) generateLabelTree(tree, '__symbols__', true, opts.phandleFormat, warn);
  if (tree.plugin) {
    generateFixupsTree(tree, '__fixups__');
    generateLocalFixupsTree(tree, '__local_fixups__');
  }
  if (opts.sort) sortTree(tree);
  return true;
}

function writeBlob(tree: DeviceTree, opts: DtcOptions, result: DtcResult): Uint8Array {
  return writeDtb(tree, {
    version: opts.version,
    reserveExtra: opts.reserveExtra,
    minSize: opts.minSize,
    padSize: opts.padSize,
    align: opts.align,
    onWarning: (m) => note(result, m),
  });
}

/**
 * Compile or decompile like `dtc [options] INPUT`. Fatal input errors come
 * back as exitCode 1 with `error` set; usage errors (bad option values)
 * throw FdtError with code DTC_USAGE.
 */
export function runDtc(input: Uint8Array, opts: DtcOptions = {}): DtcResult {
  validateOptions(opts);
  const result: DtcResult = { exitCode: 0, messages: [], notes: [], diagnostics: [] };
  const inForm = opts.inputFormat ?? guessInputFormat(input);
  const outForm = opts.outputFormat ?? (inForm === 'dts' ? 'dtb' : 'dts');
  let tree: DeviceTree;
  try {
    tree = readInput(input, inForm, opts, result);
  } catch (e) {
    if (!(e instanceof FdtError)) throw e;
    result.exitCode = 1;
    result.error = e;
    return result;
  }
  try {
    if (!transform(tree, opts, result)) return result;
    result.tree = tree;
    result.output = outForm === 'dts' ? printDtsBytes(tree) : writeBlob(tree, opts, result);
  } catch (e) {
    if (!(e instanceof FdtError)) throw e;
    result.exitCode = 1;
    result.error = e;
    result.output = undefined;
  }
  return result;
}
