/**
 * How every output is written: to a temporary file beside the target, then
 * renamed, so a reader never sees half a file; and never over an input.
 */
import { copyFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** The input `target` would replace, if any (`-`, standard input, is never one). */
export function overwrittenInput(target: string, inputs: readonly string[]): string | undefined {
  return inputs.find((input) => input !== '-' && sameFile(input, target));
}

export function refusalMessage(input: string): string {
  return `refusing to overwrite input file '${input}'; choose another output name`;
}

/** Write `data` to `target` through a temporary file and a rename. */
export function writeFileAtomic(target: string, data: Uint8Array): void {
  replaceAtomic(target, (tmp) => writeFileSync(tmp, data));
}

/** Copy `from` to `target` through a temporary file and a rename. */
export function copyFileAtomic(from: string, target: string): void {
  replaceAtomic(target, (tmp) => copyFileSync(from, tmp));
}

/** `fill` writes a temporary file beside `target`, which then replaces it in one rename; on failure nothing is left. */
function replaceAtomic(target: string, fill: (tmp: string) => void): void {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    fill(tmp);
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file may never have been created
    }
    throw e;
  }
}
