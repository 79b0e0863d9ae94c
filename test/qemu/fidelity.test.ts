/**
 * Fidelity, both directions, on a real Xen (Debian's 4.17 build, direct
 * route, a couple of seconds a boot):
 * - for each check rule Xen 4.17 enforces at boot, one edit of a known-good
 *   tree that our check rejects with that rule is booted anyway (the force
 *   path: the tree goes to Xen as it is) and Xen's log shows the failure the
 *   rule names (fidelity-cases-417.ts, written by hand from real boots);
 * - for a rule outside 4.17's since/until, the same edit: our check flags
 *   it for a release in its range but not for 4.17, and 4.17 boots it;
 *   where 4.17 is silent, domU1's guest shows the edit was read;
 * - every example our check accepts for Debian 4.17 on Arm boots (see the
 *   last test). docs/fidelity.md is the table of what is proven where;
 *   fidelity-422.test.ts does the same on upstream 4.22.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../src/check/rules/index.js';
import { parseXenBuild } from '../../src/check/target.js';
import { cliPath, repoRoot, skipNotice } from '../support/paths.js';
import { FIDELITY_CASES_417 } from './fidelity-cases-417.js';
import { FIDELITY_CASES_422, FIDELITY_CASES_422_DEBUG } from './fidelity-cases-422.js';
import { runFidelity } from './fidelity-support.js';
import { bootPrerequisites, withTmpDir } from './support.js';

const prereq = bootPrerequisites();

test('fidelity: each rule Xen 4.17 enforces at boot — our check flags the edit, and Xen fails it (or goes on) as the rule says', async (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  const guest = prereq.guest;
  await withTmpDir((dir) => runFidelity(t, { name: 'Debian 4.17', build: parseXenBuild('debian-4.17'), xen: guest.xen }, guest, FIDELITY_CASES_417, dir));
});

/**
 * Every example our check accepts for Debian's 4.17 on Arm boots, through
 * the CLI (which runs the same check first and refuses on an error). The
 * rest — Hyperlaunch-only, x86, static memory/shm and boot-time cpupools
 * (not in Debian's build), and a bare partial device tree — are refused.
 */
const ACCEPTED_EXAMPLES = ['qemu-dom0less.dts', 'xen-ci-smoke.dts', 'passthrough.dts'];
// true-dom0less.dts boots in test/cli/qemu-command.test.ts.
const REFUSED_EXAMPLES = ['boot-cpupools.dts', 'static-memory.dts', 'static-shm-evtchn.dts', 'hyperlaunch-disaggregated.dts', 'hyperlaunch-x86-dom0.dts', 'passthrough-partial.dts'];

test('fidelity: every Arm example our check accepts for Debian 4.17 boots; the others are refused before booting', (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  for (const name of REFUSED_EXAMPLES) {
    const r = spawnSync(process.execPath, [cliPath, 'qemu', '-i', 'examples', join('examples', name)], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 1, `${name}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '', `${name} was booted`);
  }
  for (const name of ACCEPTED_EXAMPLES) {
    const r = spawnSync(process.execPath, [cliPath, 'qemu', '-i', 'examples', '--timeout', '240', join('examples', name)], { cwd: repoRoot, encoding: 'utf8' });
    console.log(r.stdout.split('\n')[0]);
    assert.equal(r.status, 0, `${name}: ${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stderr, /error\[/);
    assert.match(r.stdout, /all \d+ domain\(s\) passed/);
    const saved = /serial log: (\S+)/.exec(r.stdout)?.[1];
    if (saved) rmSync(saved, { force: true });
  }
});

test('docs/fidelity.md: one row per check rule, a column per Xen; every case booted here is marked proven in its column', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'fidelity.md'), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([a-z0-9-]+)` \| (?:error|warning) \| ([^|]+) \| ([^|]+) \|/gm)].map((m) => [m[1]!, { on417: m[2]!, on422: m[3]! }]));
  const missing = RULES.map((r) => r.id).filter((id) => !rows.has(id));
  assert.deepEqual(missing, [], `rules without a row in docs/fidelity.md: ${missing.join(', ')}`);
  for (const c of FIDELITY_CASES_417) assert.match(rows.get(c.rule)?.on417 ?? '', /^proven/, `${c.rule} is booted on 4.17 in fidelity.test.ts`);
  for (const c of [...FIDELITY_CASES_422, ...FIDELITY_CASES_422_DEBUG]) assert.match(rows.get(c.rule)?.on422 ?? '', /^proven/, `${c.rule} is booted on 4.22 in fidelity-422.test.ts`);
  // The Arm rules, against the two Arm Xens; the x86 and XSM rules have their own tables (one Xen each).
  const neither = [...rows].filter(([id, r]) => !id.startsWith('x86-') && !id.startsWith('xsm-') && !/^proven/.test(r.on417) && !/^proven/.test(r.on422)).map(([id]) => id);
  assert.ok(neither.length <= 10, `${neither.length} Arm rules are proven on no Xen: ${neither.join(', ')}`);
  // The counts above the table are the table's.
  const arm = [...rows].filter(([id]) => !id.startsWith('x86-') && !id.startsWith('xsm-')).map(([, r]) => r);
  const count = (label: string): number => Number(new RegExp(`^\\| (?:\\*\\*)?${label}(?:\\*\\*)? \\| (?:\\*\\*)?(\\d+)`, 'm').exec(doc)?.[1]);
  assert.equal(count('proven on Debian 4.17'), arm.filter((r) => /^proven/.test(r.on417)).length);
  assert.equal(count('proven on upstream 4.22'), arm.filter((r) => /^proven/.test(r.on422)).length);
  assert.equal(count('proven on at least one'), arm.length - neither.length);
  assert.equal(count('not provable on either'), neither.length);
  assert.match(doc, new RegExp(`^## Counts \\(the ${arm.length} Arm rules`, 'm'));
});
