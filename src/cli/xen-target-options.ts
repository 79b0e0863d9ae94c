/**
 * `--xen VERSION`, `--xen-config FILE` and `--xen-image FILE`, shared by
 * check, build and qemu: the files are read here, the decision which Xen
 * build is meant is resolveXenBuild's. Unreadable files and contradictions
 * are XenConfigErrors (exit 1); a malformed `--xen` is a usage error.
 */
import { readFileSync } from 'node:fs';
import { type XenBuild, parseXenBuild } from '../check/target.js';
import { resolveXenBuild } from '../check/xen-build-inputs.js';
import { XenConfigError } from '../check/xen-config-error.js';
import { UsageError } from './getopt.js';

export interface XenTargetArgs {
  xen?: string;
  xenConfig?: string;
  xenImage?: string;
}

function readFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new XenConfigError('FILE_READ', `cannot read the ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file, hint: 'check the path' });
  }
}

/** The build the arguments name (undefined when none does). */
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

export function reportXenConfigError(json: boolean, e: XenConfigError): void {
  if (json) process.stderr.write(`${JSON.stringify(e.toJSON())}\n`);
  else process.stderr.write(`${e.location ?? 'xen'}: error[${e.code}]: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
}
