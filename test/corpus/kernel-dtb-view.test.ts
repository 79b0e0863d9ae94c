/** The lazy DtbView over every kernel DTB gives what readDtb gives: names, property bytes, order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getKernelDtbs, isUnavailable, skipUnavailable } from './debian-corpus.js';
import { viewDiffersFromReadDtb } from '../fdt/dtb-view-compare.js';

test('kernel DTBs: openDtb walks to the same tree as readDtb', { timeout: 600_000 }, async (t) => {
  const corpus = await getKernelDtbs();
  if (isUnavailable(corpus)) return skipUnavailable(t, corpus);
  const differ: string[] = [];
  for (const rel of corpus.files) {
    const d = viewDiffersFromReadDtb(readFileSync(join(corpus.dir, rel)));
    if (d) differ.push(`${rel}: ${d}`);
  }
  console.log(`openDtb vs readDtb: ${corpus.files.length - differ.length}/${corpus.files.length} identical`);
  assert.deepEqual(differ, []);
});
