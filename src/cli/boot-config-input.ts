/**
 * What `show` and `convert` share: load a DTS or DTB through the full dtc
 * flow (so references resolve and dtc's checks apply, reported as the `dtc`
 * command reports them), read its boot configuration, and print boot
 * configuration errors and warnings compiler-style or as JSON lines.
 */
import { readFileSync } from 'node:fs';
import { readBootConfig } from '../bindings/index.js';
import { type DtFormat, guessInputFormat, runDtc } from '../fdt/dtc.js';
import { FdtError } from '../fdt/errors.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import { formatPosition } from '../fdt/srcpos.js';
import type { BootModel } from '../model/boot-model.js';
import { BootConfigError, type BootConfigWarning } from '../model/errors.js';
import type { Architecture, Target } from '../model/target.js';
import { parseXenVersion } from '../model/version.js';
import { UsageError } from './getopt.js';
import type { Reporter } from './report.js';

export interface LoadedConfig {
  tree: DeviceTree;
  model: BootModel;
  format: DtFormat;
}

function warningLocation(w: BootConfigWarning, file: string): string {
  if (w.position) return formatPosition(w.position);
  // Messages usually start with the path already: do not say it twice.
  return w.path && !w.message.startsWith(w.path) ? `${w.file ?? file}: ${w.path}` : (w.file ?? file);
}

export function reportWarning(reporter: Reporter, w: BootConfigWarning, file: string, out: NodeJS.WritableStream = process.stderr): void {
  const location = warningLocation(w, file);
  if (reporter.json) out.write(`${JSON.stringify({ severity: 'warning', code: w.code, message: w.message, location, path: w.path, hint: w.hint })}\n`);
  else out.write(`${location}: warning[${w.code}]: ${w.message}\n${w.hint ? `  hint: ${w.hint}\n` : ''}`);
}

export function reportBootConfigError(reporter: Reporter, error: BootConfigError, file: string, out: NodeJS.WritableStream = process.stderr): void {
  const e = error.inFile(file);
  const location = e.location ?? file;
  if (reporter.json) out.write(`${JSON.stringify({ ...e.toJSON(), location })}\n`);
  else out.write(`${location}: error[${e.code}]: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
}

/** `--xen 4.17` and `--arch arm64` as a read target; bad values are usage errors. */
export function parseTarget(xen: string | undefined, arch: string | undefined): Target {
  const target: Target = {};
  if (xen !== undefined) {
    try {
      parseXenVersion(xen);
    } catch {
      throw new UsageError(`invalid Xen version '${xen}' for --xen (expected N.M, e.g. 4.17)`);
    }
    target.xenVersion = xen;
  }
  if (arch !== undefined) {
    if (arch !== 'arm64' && arch !== 'x86_64') throw new UsageError(`unsupported architecture '${arch}' for --arch (supported: arm64, x86_64)`);
    target.arch = arch as Architecture;
  }
  return target;
}

function readInputFile(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message;
    throw new FdtError('FILE_READ', `Couldn't open "${file}": ${reason}`, { path: file, hint: 'check the input path' });
  }
}

export interface LoadedTree {
  tree: DeviceTree;
  format: DtFormat;
}

/** Load `file` through the dtc flow; problems are printed and give exit code 1. */
export function loadTree(file: string, opts: { includeDirs: string[]; reporter: Reporter }): LoadedTree | number {
  const { reporter } = opts;
  let input: Uint8Array;
  try {
    input = readInputFile(file);
  } catch (e) {
    reporter.error(e as FdtError, file);
    return 1;
  }
  const result = runDtc(input, { file, includeDirs: opts.includeDirs, outputFormat: 'dtb' });
  for (const d of result.diagnostics) reporter.check(d, file);
  if (result.error) reporter.error(result.error, file);
  if (result.exitCode !== 0 || !result.tree) return 1;
  return { tree: result.tree, format: guessInputFormat(input) };
}

/** Read the boot configuration of a loaded tree; errors are printed and give exit code 1. */
export function readModel(tree: DeviceTree, file: string, target: Target, reporter: Reporter): BootModel | number {
  const warnings: BootConfigWarning[] = [];
  let model: BootModel;
  try {
    model = readBootConfig(tree, { file, target, warnings });
  } catch (e) {
    if (!(e instanceof BootConfigError)) throw e;
    reportBootConfigError(reporter, e, file);
    return 1;
  }
  for (const w of warnings) reportWarning(reporter, w, file);
  return model;
}

/** Load and read `file`: the configuration, or the exit code after printing the problems. */
export function loadBootConfig(file: string, opts: { includeDirs: string[]; target: Target; reporter: Reporter }): LoadedConfig | number {
  const loaded = loadTree(file, opts);
  if (typeof loaded === 'number') return loaded;
  const model = readModel(loaded.tree, file, opts.target, opts.reporter);
  if (typeof model === 'number') return model;
  return { ...loaded, model };
}
