/**
 * The Debian corpus's fallback: when apt cannot resolve linux-image-arm64,
 * the DTBs come from the -unsigned image package, which keeps them under
 * usr/lib/linux-image-<kernel release>/ (no `-unsigned` there, as
 * `dpkg-deb -c linux-image-6.1.0-57-arm64-unsigned_6.1.192-3_arm64.deb`
 * lists). Forced here so the fallback is exercised on a machine where the
 * first choice works.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getKernelDtbs, isUnavailable, packageDtbDir, skipUnavailable } from './debian-corpus.js';
import { skipLine } from '../support/skip.js';

test('an image package keeps its DTBs under usr/lib/linux-image-<release>, -unsigned or not', () => {
  assert.equal(packageDtbDir('linux-image-6.1.0-57-arm64-unsigned'), 'usr/lib/linux-image-6.1.0-57-arm64');
  assert.equal(packageDtbDir('linux-image-6.1.0-57-arm64'), 'usr/lib/linux-image-6.1.0-57-arm64');
});

test('kernel DTBs from the -unsigned package (the fallback, forced): the same files as the signed one', { timeout: 600_000 }, async (t) => {
  const unsigned = await getKernelDtbs({ unsigned: true });
  if (isUnavailable(unsigned)) return skipUnavailable(t, unsigned);
  assert.match(unsigned.packageName, /^linux-image-[0-9.]+-[0-9]+-arm64-unsigned$/);
  assert.ok(unsigned.files.length > 500, `only ${unsigned.files.length} DTBs in ${unsigned.packageName}`);
  assert.ok(unsigned.files.includes('arm/juno.dtb'), 'arm/juno.dtb missing');
  const signed = await getKernelDtbs();
  if (isUnavailable(signed)) return console.log(skipLine('file lists of the signed and -unsigned packages compared', signed.reason));
  // the newest -unsigned build and the one linux-image-arm64 depends on are usually the same release
  if (`${signed.packageName}-unsigned` !== unsigned.packageName) {
    console.log(`kernel-dtb-unsigned: the default corpus is ${signed.packageName}, not the signed ${unsigned.packageName}; file lists not compared`);
    return;
  }
  assert.deepEqual(unsigned.files, signed.files);
});
