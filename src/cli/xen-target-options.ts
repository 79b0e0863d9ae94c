/**
 * `--xen VERSION`, `--xen-config FILE` and `--xen-image FILE`, shared by
 * check, build and qemu: the files are read here, the decision which Xen
 * build is meant is resolveXenBuild's. An unreadable file (FILE_READ) and a
 * contradiction (XenConfigError) are input problems, exit 1; a malformed
 * `--xen` is a usage error.
 */
import { readFileSync } from 'node:fs';
import { type XenBuild, parseXenBuild } from '../check/target.js';
import { resolveXenBuild } from '../check/xen-build-inputs.js';
import { XenConfigError, xenConfigErrorDiagnostic } from '../check/xen-config-error.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { FdtError } from '../fdt/errors.js';
import { UsageError } from './getopt.js';
import { fdtErrorDiagnostic } from './report.js';

export interface XenTargetArgs {
  xen?: string;
  xenConfig?: string;
  xenImage?: string;
}

function readFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new FdtError('FILE_READ', `cannot read the ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path: file, hint: 'check the path' });
  }
}

/** The build the arguments name (undefined when none does). Throws UsageError, FdtError (FILE_READ) or XenConfigError. */
export function xenBuildFromArgs(args: XenTargetArgs): XenBuild | undefined {
  // A malformed --xen is a usage error even when a file is unreadable too.
  if (args.xen !== undefined) usageOnRange(() => parseXenBuild(args.xen!));
  const config = args.xenConfig === undefined ? undefined : { text: readFile(args.xenConfig, "Xen build's .config").toString('utf8'), file: args.xenConfig };
  const image = args.xenImage === undefined ? undefined : { bytes: readFile(args.xenImage, 'Xen Image'), file: args.xenImage };
  return usageOnRange(() => resolveXenBuild({ xen: args.xen, config, image }));
}

function usageOnRange<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--xen: ${e.message}`);
    throw e;
  }
}

/** What xenBuildFromArgs threw, as the Diagnostic the command prints; undefined for anything else (a usage error, a bug). */
export function xenTargetProblem(e: unknown): Diagnostic | undefined {
  if (e instanceof XenConfigError) return xenConfigErrorDiagnostic(e);
  if (e instanceof FdtError && e.code === 'FILE_READ') return fdtErrorDiagnostic(e);
  return undefined;
}
