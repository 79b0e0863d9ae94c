/**
 * Differential check of the DTB reader against dtc on arbitrary (possibly
 * broken) blobs: where dtc accepts a blob our round trip must give its
 * bytes, where it fails we must throw an FdtError, and nothing else may
 * ever escape.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { FdtError } from '../../src/fdt/errors.js';
import { dropRedundantNameProps, readIf, runDtcBatchParallel, sameBytes, firstDiff, tempDir } from './dtb-oracle.js';

export type Outcome = { kind: 'ok'; bytes: Uint8Array } | { kind: 'error'; error: FdtError } | { kind: 'crash'; error: unknown };

export function ourOutcome(blob: Uint8Array): Outcome {
  try {
    const tree = readDtb(blob);
    dropRedundantNameProps(tree);
    return { kind: 'ok', bytes: writeDtb(tree) };
  } catch (e) {
    return e instanceof FdtError ? { kind: 'error', error: e } : { kind: 'crash', error: e };
  }
}

export interface Disagreement {
  label: string;
  detail: string;
}

/**
 * dtc -f -I dtb -O dtb on every case (one shell); returns the cases where we
 * and dtc disagree. `dtcUnsafe` marks cases where dtc reads outside the blob
 * (undefined behaviour): there only our own outcome is checked.
 */
export async function compareWithDtc(cases: { label: string; blob: Uint8Array; dtcUnsafe?: boolean }[]): Promise<Disagreement[]> {
  const dir = tempDir();
  cases.forEach((c, i) => writeFileSync(join(dir, `c${i}.dtb`), c.blob));
  await runDtcBatchParallel(dir, dir, cases.map((_, i) => ({ out: `c${i}.out`, args: ['-f', '-I', 'dtb', '-O', 'dtb', `c${i}.dtb`] })));
  const out: Disagreement[] = [];
  cases.forEach((c, i) => {
    const ours = ourOutcome(c.blob);
    if (ours.kind === 'crash') {
      out.push({ label: c.label, detail: `non-FdtError escaped: ${String(ours.error)}` });
      return;
    }
    if (ours.kind === 'error' && (ours.error.code === '' || ours.error.offset === undefined)) {
      out.push({ label: c.label, detail: `FdtError without code/offset: ${ours.error.message}` });
    }
    if (c.dtcUnsafe) return;
    const theirs = readIf(join(dir, `c${i}.out`));
    if (theirs && ours.kind === 'error') out.push({ label: c.label, detail: `dtc accepts, we throw ${ours.error.code}: ${ours.error.message}` });
    if (!theirs && ours.kind === 'ok') out.push({ label: c.label, detail: `dtc fails (${String(readIf(join(dir, `c${i}.out.err`)) ? Buffer.from(readIf(join(dir, `c${i}.out.err`))!).toString().trim() : '')}), we accept` });
    if (theirs && ours.kind === 'ok' && !sameBytes(ours.bytes, theirs)) out.push({ label: c.label, detail: `output differs at byte ${firstDiff(ours.bytes, theirs)}` });
  });
  return out;
}
