/** A command's result: to standard output for `-`, else written safely (src/artifacts/output-write.ts). */
import { overwrittenInput, refusalMessage, writeFileAtomic } from '../artifacts/output-write.js';
import { UsageError } from './getopt.js';

export function writeOutput(target: string, data: Uint8Array, inputs: readonly string[]): void {
  if (target === '-') {
    process.stdout.write(data);
    return;
  }
  const input = overwrittenInput(target, inputs);
  if (input !== undefined) throw new UsageError(refusalMessage(input));
  writeFileAtomic(target, data);
}
