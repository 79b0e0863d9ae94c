/**
 * Fidelity on upstream Xen 4.22 built from ../shared/xen-src (the release
 * build; its early-printk twin where the release build stops before its
 * console): each case of fidelity-cases-422.ts is one edit of the base tree,
 * flagged by our check for the build's own .config, then booted anyway and
 * compared with what real boots showed; a third build (debug, LLC colouring,
 * SVE) for the rules the first two cannot show. Then the features Debian's 4.17
 * lacks, each booted working (no finding, every domain alive), so a rule's
 * failure is not simply "the feature never works here".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type XenBuild, parseXenBuild } from '../../src/check/target.js';
import { parseKconfig, xenBuildFromKconfig } from '../../src/check/xen-kconfig.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import type { DeviceTree } from '../../src/fdt/tree/livetree.js';
import { type DirectBootSpec, bootDirect } from '../../src/qemu/boot.js';
import { virtHostTree } from '../../src/qemu/virt-dtb.js';
import { skipNotice } from '../support/skip.js';
import { D2_LOADED, EDITS, OWN_CMDLINE } from './fidelity-cases-417.js';
import { FIDELITY_CASES_422, FIDELITY_CASES_422_DEBUG, WORKING_422 } from './fidelity-cases-422.js';
import { type FidelityTarget, basePlan, edited, findings, runFidelity } from './fidelity-support.js';
import { bootPrerequisites, withTmpDir } from './support.js';
import { xen422Builds } from './xen-source-support.js';

const xen = xen422Builds();
const boot = bootPrerequisites();

function buildOf(b: { config: string }) {
  return xenBuildFromKconfig(parseKconfig(readFileSync(b.config, 'utf8'), b.config), { file: b.config });
}

/** The base with one edit our check finds nothing in (asserted), booted: the verdict and the serial log's text. */
async function bootUnflagged(spec: DirectBootSpec, base: DeviceTree, edit: string, name: string, build: XenBuild, dir: string) {
  const tree = edited(base, edit, name);
  assert.deepEqual(findings(tree, virtHostTree(), build).map((f) => `${f.ruleId}: ${f.message}`), []);
  const dtb = join(dir, `${name}.dtb`);
  writeFileSync(dtb, writeDtb(tree));
  const log = join(dir, `${name}.log`);
  const r = await bootDirect({ ...spec, dtb }, { timeoutSeconds: 180, serialLog: log });
  return { r, text: readFileSync(log, 'latin1') };
}

function target(): FidelityTarget {
  const release = xen.release!;
  return { name: 'upstream 4.22', build: buildOf(release), xen: release.image, earlyPrintkXen: xen.earlyPrintk?.image };
}

test('fidelity on Xen 4.22: each rule 4.22 enforces — our check flags the edit for the build, and Xen fails it (or goes on) as the rule says', async (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  const guest = boot.guest;
  await withTmpDir((dir) => runFidelity(t, target(), guest, FIDELITY_CASES_422, dir));
});

test('fidelity on Xen 4.22, the debug build with LLC colouring and SVE: the rules the probe builds cannot show, flagged for its .config and failing as the rule says', async (t) => {
  if (!xen.debug) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  const guest = boot.guest;
  const debug = xen.debug;
  // Early printk is built in: the "early-printk" image is the same one.
  const tgt = { name: 'upstream 4.22 debug', build: buildOf(debug), xen: debug.image, earlyPrintkXen: debug.image };
  await withTmpDir((dir) => runFidelity(t, tgt, guest, FIDELITY_CASES_422_DEBUG, dir));
});

/**
 * The control of the dom-name-len cases (41 characters: the second domain
 * boots without its command line): at 40 characters nothing is flagged and
 * the same domain's kernel prints its own command line, on both Xens. Both
 * domains run domU1's ramdisk, so the log is read, not the verdict.
 */
test('dom-name-len\'s boundary: a 40-character domain name is not flagged and keeps its command line on 4.22 and Debian 4.17', async (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  const guest = boot.guest;
  for (const tgt of [target(), { name: 'Debian 4.17', build: parseXenBuild('debian-4.17'), xen: guest.xen }]) {
    await withTmpDir(async (dir) => {
      const spec = basePlan(dir, guest, tgt.xen);
      const { r, text } = await bootUnflagged(spec, readDtb(readFileSync(spec.dtb)), EDITS.tagged(EDITS.longName(40)), 'name40', tgt.build, dir);
      console.log(`dom-name-len boundary on ${tgt.name}: ${r.seconds.toFixed(1)} s, ${r.end}`);
      assert.doesNotMatch(text, /Panic on CPU/);
      assert.match(text, D2_LOADED, `${tgt.name}: d2 was not built\n${text.slice(-400)}`);
      assert.match(text, OWN_CMDLINE, `${tgt.name}: d2's own command line is missing\n${text.slice(-400)}`);
    });
  }
});

test('fidelity on Xen 4.22: the features Debian 4.17 lacks boot, with nothing flagged', async (t) => {
  if (!xen.release) return skipNotice(t, xen.missing!);
  if (!boot.guest) return skipNotice(t, boot.missing!);
  const guest = boot.guest;
  const tgt = target();
  await withTmpDir(async (dir) => {
    const spec = basePlan(dir, guest, tgt.xen);
    const base = readDtb(readFileSync(spec.dtb));
    for (const w of WORKING_422) {
      await t.test(w.label, async () => {
        const { r, text } = await bootUnflagged(spec, base, w.edit, w.label.replace(/[^a-z0-9]+/gi, '_'), tgt.build, dir);
        console.log(`fidelity 4.22 working ${w.label}: ${r.seconds.toFixed(1)} s, ${r.end}`);
        assert.equal(r.passed, true, text.slice(-600));
        if (w.xen) assert.match(text, w.xen);
      });
    }
  });
});
