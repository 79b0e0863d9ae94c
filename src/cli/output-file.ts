/**
 * Writing results: to a temporary file beside the target, then rename, so a
 * reader never sees half a file; and never over one of the command's inputs.
 */
import { realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './getopt.js';

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

export function writeOutput(target: string, data: Uint8Array, inputs: readonly string[]): void {
  if (target === '-') {
    process.stdout.write(data);
    return;
  }
  for (const input of inputs) {
    if (input !== '-' && sameFile(input, target)) {
      throw new UsageError(`refusing to overwrite input file '${input}'; choose another output name`);
    }
  }
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
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
