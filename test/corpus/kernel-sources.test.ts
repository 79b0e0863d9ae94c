/**
 * linux-source-6.1's 766 arm64 DTS, preprocessed with the kernel's cpp
 * recipe, compiled by runDtc with the kernel's dtc flags (-b 0, -i dirs, -@
 * where the kernel adds it) and compared with dtc run on the same file here.
 * As a check of the recipe itself, dtc's bytes are also compared with the
 * blobs Debian ships (informational; only the shipped subset).
 */
import { test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDtc } from '../../src/fdt/dtc.js';
import { Comparison, bytesDiffer, dtcRunDiffers, guarded, messagesDiffer, skipWithoutTools } from './corpus-compare.js';
import { getKernelDtbs, getKernelSources, isUnavailable, kernelDtcArgs, mapLimit, runTool, skipUnavailable } from './debian-corpus.js';
import { skipLine } from '../support/skip.js';
import { KNOWN_DIFFERENCES } from './known-differences.js';

test('kernel sources: runDtc gives dtc’s bytes for every arm64 .dts', { timeout: 600_000 }, async (t) => {
  if (skipWithoutTools(t, ['dtc', 'cpp'])) return;
  const corpus = await getKernelSources();
  if (isUnavailable(corpus)) return skipUnavailable(t, corpus);
  const failedCpp = Object.keys(corpus.cppFailures);
  console.log(`kernel sources: ${corpus.sources.length} preprocessed (${failedCpp.length} cpp failures${failedCpp.length ? `: ${failedCpp.join(', ')}` : ''}), linux-source-6.1 ${corpus.version}`);
  const shipped = await getKernelDtbs();
  // the byte comparison still runs: a notice for the informational part it leaves out
  if (isUnavailable(shipped)) console.log(skipLine('recipe check against the Debian-shipped blobs', shipped.reason));
  const bytes = new Comparison('kernel .pp.dts→dtb runDtc', KNOWN_DIFFERENCES.kernelSources);
  const messages = new Comparison('kernel .pp.dts→dtb stderr lines (informational)', undefined, true);
  const recipe = new Comparison('recipe check: dtc output vs Debian-shipped blob (informational)', undefined, true);
  await mapLimit(corpus.sources, 2, async (src) => {
    const dtc = await runTool('dtc', kernelDtcArgs(src));
    const ours = guarded(() =>
      runDtc(readFileSync(src.pp), {
        inputFormat: 'dts',
        outputFormat: 'dtb',
        file: src.pp,
        includeDirs: src.includeDirs,
        bootCpuid: 0,
        symbols: src.symbols,
      }),
    );
    bytes.record(src.name, dtcRunDiffers(ours, dtc));
    messages.record(src.name, messagesDiffer(ours, dtc));
    if (!isUnavailable(shipped)) {
      const blob = join(shipped.dir, src.name.replace(/\.dts$/, src.overlay ? '.dtbo' : '.dtb'));
      if (existsSync(blob)) recipe.record(src.name, bytesDiffer(dtc.stdout, readFileSync(blob)));
    }
  });
  for (const c of [bytes, messages, recipe]) c.report();
  bytes.assertNoUnexpected();
});
