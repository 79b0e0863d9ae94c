/**
 * The arm64 kernel image's DTBs (dtc 1.6.1 writer output) decompiled, and
 * dtc's decompiled text compiled again, each compared with dtc run on the
 * same input in this test.
 */
import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDtc } from '../../src/fdt/dtc.js';
import { printDts } from '../../src/fdt/dts/print.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { Comparison, dtcRunDiffers, guarded, messagesDiffer, skipWithoutTools, textDiffers } from './corpus-compare.js';
import { getKernelDtbs, isUnavailable, mapLimit, runTool, skipUnavailable } from './debian-corpus.js';
import { KNOWN_DIFFERENCES } from './known-differences.js';

test('kernel DTBs: dtb→dts and dts→dtb are identical to dtc', { timeout: 600_000 }, async (t) => {
  if (skipWithoutTools(t, ['dtc'])) return;
  const corpus = await getKernelDtbs();
  if (isUnavailable(corpus)) return skipUnavailable(t, corpus);
  console.log(`kernel DTBs: ${corpus.files.length} files from ${corpus.packageName} ${corpus.version}`);
  const tmp = mkdtempSync(join(tmpdir(), 'hl-corpus-'));
  const decompile = new Comparison('dtb→dts printDts(readDtb(x))', KNOWN_DIFFERENCES.dtbToDts);
  const decompileCli = new Comparison('dtb→dts runDtc(x)', KNOWN_DIFFERENCES.dtbToDts);
  const compile = new Comparison("dts→dtb runDtc(dtc's dts)", KNOWN_DIFFERENCES.dtsToDtb);
  const messages = new Comparison('dts→dtb stderr lines (informational)', undefined, true);
  try {
    await mapLimit(corpus.files, 2, async (rel) => {
      const path = join(corpus.dir, rel);
      const blob = readFileSync(path);
      const dtcDts = await runTool('dtc', ['-I', 'dtb', '-O', 'dts', path]);
      const dtcText = dtcDts.stdout.toString('latin1');
      const printed = guarded(() => printDts(readDtb(blob, { file: path })));
      decompile.record(
        rel,
        dtcDts.code !== 0 ? `dtc exit ${dtcDts.code}` : (printed.error ?? textDiffers(printed.value!, dtcText)),
      );
      decompileCli.record(rel, dtcRunDiffers(guarded(() => runDtc(blob, { inputFormat: 'dtb', outputFormat: 'dts', file: path })), dtcDts));
      if (dtcDts.code !== 0) return;
      const dtsFile = join(tmp, `${rel.replace(/\//g, '_')}.dts`);
      writeFileSync(dtsFile, dtcDts.stdout);
      const dtcDtb = await runTool('dtc', ['-I', 'dts', '-O', 'dtb', dtsFile]);
      const ours = guarded(() => runDtc(dtcDts.stdout, { inputFormat: 'dts', outputFormat: 'dtb', file: dtsFile }));
      compile.record(rel, dtcRunDiffers(ours, dtcDtb));
      messages.record(rel, messagesDiffer(ours, dtcDtb));
      rmSync(dtsFile);
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const c of [decompile, decompileCli, compile, messages]) c.report();
  decompile.assertNoUnexpected();
  decompileCli.assertNoUnexpected();
  compile.assertNoUnexpected();
});
