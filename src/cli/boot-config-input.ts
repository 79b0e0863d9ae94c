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
import type { BootModel } from '../model/boot-model.js';
import { configErrorDiagnostic, warningDiagnostic } from '../model/config-diagnostics.js';
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

export function reportWarning(reporter: Reporter, w: BootConfigWarning, file: string): void {
  reporter.report(warningDiagnostic(w, file));
}

export function reportBootConfigError(reporter: Reporter, error: BootConfigError, file: string): void {
  reporter.report(configErrorDiagnostic(error, file));
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

/** An input file's bytes, or FILE_READ saying which file and why (every command reads its inputs through this). */
export function readInputFile(file: string): Uint8Array {
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

/** Read the boot configuration of a loaded tree; every error is printed, and any gives exit code 1. */
export function readModel(tree: DeviceTree, file: string, target: Target, reporter: Reporter): BootModel | number {
  const warnings: BootConfigWarning[] = [];
  const errors: BootConfigError[] = [];
  let model: BootModel | undefined;
  try {
    model = readBootConfig(tree, { file, target, warnings, onProblem: (e) => errors.push(e) });
  } catch (e) {
    if (!(e instanceof BootConfigError)) throw e;
    errors.push(e);
  }
  // As before the reader collected errors: when there are errors, they alone are printed.
  for (const e of errors) reportBootConfigError(reporter, e, file);
  if (errors.length || !model) return 1;
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
