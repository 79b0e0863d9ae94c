/** The arm64 kernel image's DTBs through runDtc dtb→dtb, against `dtc -I dtb -O dtb` run here. */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDtc } from '../../src/fdt/dtc.js';
import { Comparison, dtcRunDiffers, guarded, messagesDiffer, skipWithoutTools } from './corpus-compare.js';
import { getKernelDtbs, isUnavailable, mapLimit, runTool, skipUnavailable } from './debian-corpus.js';
import { KNOWN_DIFFERENCES } from './known-differences.js';

test('kernel DTBs: dtb→dtb is identical to dtc', { timeout: 600_000 }, async (t) => {
  if (skipWithoutTools(t, ['dtc'])) return;
  const corpus = await getKernelDtbs();
  if (isUnavailable(corpus)) return skipUnavailable(t, corpus);
  const bytes = new Comparison('dtb→dtb runDtc(x)', KNOWN_DIFFERENCES.dtbToDtb);
  const messages = new Comparison('dtb→dtb stderr lines (informational)', undefined, true);
  await mapLimit(corpus.files, 2, async (rel) => {
    const path = join(corpus.dir, rel);
    const dtc = await runTool('dtc', ['-I', 'dtb', '-O', 'dtb', path]);
    const ours = guarded(() => runDtc(readFileSync(path), { inputFormat: 'dtb', outputFormat: 'dtb', file: path }));
    bytes.record(rel, dtcRunDiffers(ours, dtc));
    messages.record(rel, messagesDiffer(ours, dtc));
  });
  bytes.report();
  messages.report();
  bytes.assertNoUnexpected();
});
