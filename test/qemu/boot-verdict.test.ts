/**
 * Verdicts by stage on excerpts of real serial logs: `hyperlaunch qemu -c`
 * configs (dom0 + 3 domUs, user images, through U-Boot) booted on Debian's
 * Xen 4.17; the lines are copied from those logs, in their order, with the
 * lines between them left out.
 * - uboot-bad-excerpt.log: dom0's /init is `exit 1`; domU0 is fine; domU1's
 *   ramdisk is "070701" then random bytes; domU2's ramdisk has no /init.
 * - uboot-good-excerpt.log: every /init prints "hello from <domain>" and idles.
 * U-Boot's fdt mknod made domU0 d3, domU1 d2, domU2 d1 (by kernel address).
 * - uboot-dom0-reboot-excerpt.log: dom0 + 2 domUs; dom0's /init is `exit 1`
 *   with panic=1 on its command line, each domU's prints "hello" and idles.
 * - xen422-true-dom0less-excerpt.log / xen417-true-dom0less-excerpt.log:
 *   examples/true-dom0less.dts by the direct route on the Xen 4.22 source
 *   build (`--xen-image`) and on Debian's 4.17, same kernel and initramfs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GRACE_SECONDS, type ExpectedDomain, type LogClock, bootSettled, judgeBoot } from '../../src/qemu/boot-verdict.js';
import { logLines, scanSerialLog } from '../../src/qemu/serial-log.js';
import { repoRoot } from '../support/paths.js';

const fixture = (name: string): string => readFileSync(join(repoRoot, 'test', 'qemu', 'fixtures', name), 'latin1');
const BAD = fixture('uboot-bad-excerpt.log');
const GOOD = fixture('uboot-good-excerpt.log');
const XEN422 = fixture('xen422-true-dom0less-excerpt.log');
const XEN417 = fixture('xen417-true-dom0less-excerpt.log');

const USER: ExpectedDomain[] = [
  { name: 'dom0', domid: 0, kernelAddress: 0x40400000n, isDom0: true, consoleOnSerial: true, marker: false },
  { name: 'domU0', kernelAddress: 0x42200000n, isDom0: false, consoleOnSerial: true, marker: false },
  { name: 'domU1', kernelAddress: 0x44000000n, isDom0: false, consoleOnSerial: true, marker: false },
  { name: 'domU2', kernelAddress: 0x45e00000n, isDom0: false, consoleOnSerial: true, marker: false },
];

/** Every line arrived at `at` seconds; it is now `now`. */
function clockAt(log: string, at: number, now: number): LogClock {
  return { lineSeconds: logLines(log).map(() => at), now };
}

/** The line number of the first line containing `text` (the test's own reading of the fixture). */
function lineOf(log: string, text: string): number {
  const i = logLines(log).findIndex((l) => l.includes(text));
  assert.ok(i >= 0, text);
  return i + 1;
}

test('real log: dom0 whose /init exits and two domUs with broken ramdisks die at the stage they reached; the good domU passes', () => {
  const f = scanSerialLog(BAD);
  const v = judgeBoot(f, USER);
  assert.equal(v.passed, false);
  assert.deepEqual(v.problems, []);
  const dom0Panic = lineOf(BAD, 'Kernel panic - not syncing: Attempted to kill init!');
  const d2Panic = lineOf(BAD, '(XEN) DOM2: [   40.386057] Kernel panic');
  const d1Panic = lineOf(BAD, '(XEN) DOM1: [   37.379688] Kernel panic');
  assert.deepEqual(
    v.domains.map((d) => [d.name, d.domid, d.passed, d.stage, d.failure?.kind, d.failure?.at?.line]),
    [
      ['dom0', 0, false, 'userspace', 'died', dom0Panic],
      ['domU0', 3, true, 'alive', undefined, undefined],
      ['domU1', 2, false, 'kernel', 'died', d2Panic],
      ['domU2', 1, false, 'kernel', 'died', d1Panic],
    ],
  );
  assert.equal(v.domains[0]!.detail, `userspace → died: line ${dom0Panic}: [   39.943045] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100`);
  assert.deepEqual(v.domains[0]!.proof, { line: lineOf(BAD, '[   37.297520] Run /init as init process'), text: '[   37.297520] Run /init as init process' });
  assert.equal(v.domains[1]!.proof?.text, '(XEN) DOM3: [   44.443946] Run /init as init process');
  // Every domain is decided: the run may end.
  assert.equal(bootSettled(f, USER), true);
});

test('real log: alive only after the grace period, measured from when the success line arrived', () => {
  const f = scanSerialLog(BAD);
  const early = judgeBoot(f, USER, { clock: clockAt(BAD, 10, 12) });
  assert.equal(early.domains[1]!.stage, 'userspace');
  assert.equal(early.domains[1]!.passed, false);
  assert.equal(early.domains[1]!.detail, `userspace → the run ended 2.0 s after its success line, inside the ${DEFAULT_GRACE_SECONDS} s grace period`);
  assert.equal(bootSettled(f, USER, { clock: clockAt(BAD, 10, 12) }), false, 'domU0 is still in its grace period');
  const later = { clock: clockAt(BAD, 10, 10 + DEFAULT_GRACE_SECONDS) };
  assert.equal(judgeBoot(f, USER, later).domains[1]!.stage, 'alive');
  // The proof line's arrival is the time the domain reached its stage (the report shows it).
  const lines = logLines(BAD).length;
  const ramp = { lineSeconds: Array.from({ length: lines }, (_, i) => (i + 1) / 100), now: 1000 };
  for (const d of judgeBoot(f, USER, { clock: ramp }).domains) if (d.proof) assert.equal(d.proof.seconds, Math.round(d.proof.line / 10) / 10, d.name);
  assert.equal(judgeBoot(f, USER).domains[0]!.proof!.seconds, undefined, 'an untimed log gives no time');
  assert.equal(bootSettled(f, USER, later), true);
  // The grace is the caller's to choose.
  assert.equal(judgeBoot(f, USER, { graceSeconds: 1, clock: clockAt(BAD, 10, 11) }).domains[1]!.passed, true);
});

test('real log: the first console lines are the kernel stage, not a pass; the run is not settled', () => {
  const cut = logLines(GOOD);
  const firstLines = cut.slice(0, lineOf(GOOD, '(XEN) DOM3: [    0.000000] Booting Linux')).join('\n');
  const f = scanSerialLog(firstLines);
  const v = judgeBoot(f, USER);
  assert.deepEqual(v.domains.map((d) => [d.name, d.stage, d.passed]), [['dom0', 'kernel', false], ['domU0', 'kernel', false], ['domU1', 'kernel', false], ['domU2', 'kernel', false]]);
  assert.equal(v.domains[0]!.detail, 'kernel → its kernel never reached userspace');
  assert.equal(bootSettled(f, USER), false);
});

test('real log: all user images pass on "Run /init as init process" plus the grace period', () => {
  const f = scanSerialLog(GOOD);
  const v = judgeBoot(f, USER, { clock: clockAt(GOOD, 60, 60 + DEFAULT_GRACE_SECONDS) });
  assert.equal(v.passed, true);
  for (const d of v.domains) assert.match(d.proof!.text, /Run \/init as init process$/, d.name);
  assert.deepEqual(v.domains.map((d) => d.domid), [0, 3, 2, 1]);
});

test('real log: --expect makes the user\'s own line the success line; one that never comes leaves the domain at userspace', () => {
  const f = scanSerialLog(GOOD);
  const expected = USER.map((d) => (d.name === 'domU1' ? { ...d, expect: /hello from domU1/ } : d.name === 'dom0' ? { ...d, expect: /welcome to dom0/ } : d));
  const v = judgeBoot(f, expected);
  assert.deepEqual(v.domains[2]!.proof, { line: lineOf(GOOD, '(XEN) DOM2: hello from domU1'), text: '(XEN) DOM2: hello from domU1' });
  assert.equal(v.domains[2]!.passed, true);
  assert.equal(v.domains[0]!.passed, false);
  assert.equal(v.domains[0]!.detail, 'userspace → never printed a line matching /welcome to dom0/');
  // A pattern matches only the domain's own console: domU0's line is not domU1's.
  const wrong = judgeBoot(f, USER.map((d) => (d.name === 'domU1' ? { ...d, expect: /hello from domU0/ } : d)));
  assert.equal(wrong.domains[2]!.passed, false);
});

test('real log: dom0 lines cut by Xen\'s lines are joined again; the domU line inside is read too', () => {
  // From the same boot: Xen writes a whole DOM2 line in the middle of dom0's hvc0 output.
  const log = [
    '(XEN) Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1) (pkg-xen-devel@lists.alioth.debian.org) debug=n',
    '[    4.877868] X(XEN) DOM2: [    0.000000] psci: probing for conduit method from DT.\r\r',
    'en: initializing(XEN) DOM2: [    0.000000] psci: PSCIv1.1 detected in firmware.\r\r',
    '(XEN) DOM2: [    0.000000] psci: Using standard PSCI v0.2 function IDs\r\r',
    '(XEN) DOM2: [    0.000000] psci: Trusted OS migration not required\r\r',
    '(XEN) DOM2: [    0.000000] psci: SMC Calling Convention v1.1\r\r',
    ' cpu0\r\r',
  ].join('\n');
  const f = scanSerialLog(log);
  assert.deepEqual(f.consoles.map((c) => [c.domid, c.line, c.text]), [
    [2, 2, '[    0.000000] psci: probing for conduit method from DT.'],
    [2, 3, '[    0.000000] psci: PSCIv1.1 detected in firmware.'],
    [2, 4, '[    0.000000] psci: Using standard PSCI v0.2 function IDs'],
    [2, 5, '[    0.000000] psci: Trusted OS migration not required'],
    [2, 6, '[    0.000000] psci: SMC Calling Convention v1.1'],
    [undefined, 7, '[    4.877868] Xen: initializing cpu0'],
  ]);
  assert.equal(f.dom0Output, 7);
  // A proof quotes the joined line.
  const v = judgeBoot(f, [{ name: 'dom0', domid: 0, isDom0: true, consoleOnSerial: true, marker: false }]);
  assert.deepEqual(v.domains[0]!.proof, { line: 7, text: '[    4.877868] Xen: initializing cpu0' });
});

test('real log: a domU\'s line after a fragment of dom0\'s is quoted from its DOM<n> prefix, so its panic message is not cut off', () => {
  // Stop 23's CI log (4.17, uboot route): d1's panic came in the middle of a dom0 line that Xen cut.
  const fragment = "[    3.504155] Loaded X.509 cert 'Build time autogenerated kerne";
  const panic = '(XEN) DOM1: [    4.395778] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)';
  const log = [
    '(XEN) Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1) (pkg-xen-devel@lists.alioth.debian.org) debug=n',
    '(XEN) DOM1: [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]\r\r',
    `${fragment}${panic}\r\r`,
    "l: 6f2e7ac4ad7ee7c3e1ba1a5bd8d5fa87c1c4e57c'\r\r",
    // A 4.22 run's line, where the fragment is the start of Xen's own prefix: "(XEN) [" then d2's line.
    '(XEN) [(XEN) DOM2: [    5.012345] Run /init as init process\r\r',
  ].join('\n');
  const v = judgeBoot(scanSerialLog(log), [
    { name: 'domU1', domid: 1, isDom0: false, consoleOnSerial: true, marker: false },
    { name: 'domU2', domid: 2, isDom0: false, consoleOnSerial: true, marker: false },
  ]);
  assert.deepEqual(v.domains[1]!.proof, { line: 5, text: '(XEN) DOM2: [    5.012345] Run /init as init process' });
  const d = v.domains[0]!;
  assert.equal(d.failure?.kind, 'died');
  assert.deepEqual(d.failure?.at, { line: 3, text: panic });
  assert.equal(d.detail, `kernel → died: line 3: ${panic}`);
  // The proof (its first console line) has no fragment and is quoted whole.
  assert.equal(d.proof?.text, '(XEN) DOM1: [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]');
});

const TRUE_DOM0LESS: ExpectedDomain[] = [
  { name: 'domU1', domid: 1, isDom0: false, consoleOnSerial: true },
  { name: 'domU2', domid: 2, isDom0: false, consoleOnSerial: true },
];

test('real log, Xen 4.22 without dom0: d1 holds serial input and prints without DOM1:, and is read as d1', () => {
  assert.match(XEN422, /^\(XEN\) \*\*\* Serial input to DOM1 /m);
  const f = scanSerialLog(XEN422);
  assert.equal(f.xenVersion, '4.22.0');
  assert.equal(f.inputDomU, 1);
  // The start-of-day banner "Xen 4.22.0" comes unprefixed before the version line: it is no dom0.
  assert.equal(f.dom0Output, undefined);
  assert.ok(f.consoles.every((c) => c.domid === 1 || c.domid === 2));
  const v = judgeBoot(f, TRUE_DOM0LESS);
  assert.deepEqual(v.problems, []);
  assert.deepEqual(v.domains.map((d) => d.detail), [
    `alive: line ${lineOf(XEN422, '(XEN) HYPERLAUNCH-MARKER domU1 up')}: (XEN) HYPERLAUNCH-MARKER domU1 up kernel=6.1.0-57-cloud-arm64`,
    `alive: line ${lineOf(XEN422, '(XEN) DOM2: HYPERLAUNCH-MARKER domU2 up')}: (XEN) DOM2: HYPERLAUNCH-MARKER domU2 up kernel=6.1.0-57-cloud-arm64`,
  ]);
  // "Freed 428kB init memory." and "d1v0: vGICD: ..." come before d1's kernel: they are Xen's, not d1's first line.
  assert.equal(f.guestOutput.get(1), lineOf(XEN422, '(XEN) [    0.000000] Booting Linux on physical CPU'));
  // Nothing of d1's is lost: every line is a whole kernel line or the marker, none with another's text in it.
  for (const c of f.consoles.filter((x) => x.domid === 1)) assert.match(c.text, /^(\[ *\d+\.\d{6}\] \S|HYPERLAUNCH-MARKER domU1 up)/, `line ${c.line}`);
  assert.ok(f.consoles.every((c) => !c.text.includes('(XEN)') && !/DOM\d: /.test(c.text)));
});

test('real log, Xen 4.22: a d1 line cut by d2\'s lines, a character at a time, is joined again', () => {
  const f = scanSerialLog(XEN422);
  const d1 = (start: string) => f.consoles.find((c) => c.domid === 1 && c.text.startsWith(start));
  // The same kernel's version line, which d2's console gives whole (Xen splits it in two DOM2 lines at its buffer size).
  const d2Version = logLines(XEN422).filter((l) => /^\(XEN\) DOM2: (\[    0\.000000\] Linux version|GNU ld)/.test(l)).map((l) => l.slice('(XEN) DOM2: '.length)).join('');
  assert.match(d2Version, /^\[    0\.000000\] Linux version 6\.1\.0-57-cloud-arm64 .* #1 SMP Debian 6\.1\.192-3 \(2026-11-26\)$/);
  const version = d1('[    0.000000] Linux version');
  assert.equal(version?.text, d2Version);
  assert.equal(version.line, logLines(XEN422).indexOf('an 6.1.192-3 (2026-11-26)') + 1, 'numbered where it ends');
  assert.equal(f.joined.get(version.line), d2Version);
  // d1 has 256 MiB from 0x40000000 (examples/true-dom0less.dts), d2 128 MiB.
  assert.equal(d1('[    0.000000] NUMA: Faking')?.text, '[    0.000000] NUMA: Faking a node at [mem 0x0000000040000000-0x000000004fffffff]');
  assert.equal(f.consoles.filter((c) => c.domid === 2 && c.text.includes('NUMA: Faking'))[0]?.text, '[    0.000000] NUMA: Faking a node at [mem 0x0000000040000000-0x0000000047ffffff]');
  // The proof of d1's kernel stage quotes the joined line.
  const early = scanSerialLog(logLines(XEN422).slice(0, version.line).join('\n'));
  const v = judgeBoot(early, [{ ...TRUE_DOM0LESS[0]!, marker: false, expect: /Linux version/ }]);
  const proof = v.domains[0]!.proof!;
  assert.equal(proof.line, version.line);
  assert.ok(proof.text.endsWith('…') && d2Version.startsWith(proof.text.slice(0, -1)), proof.text);
});

test('real log, Xen 4.17 without dom0: Xen names DOM0 for input, every domU keeps its prefix', () => {
  const f = scanSerialLog(XEN417);
  assert.match(XEN417, /^\(XEN\) \*\*\* Serial input to DOM0 /m);
  assert.equal(f.inputDomU, undefined);
  assert.deepEqual([...new Set(f.consoles.map((c) => c.domid))], [1, 2]);
  const v = judgeBoot(f, TRUE_DOM0LESS);
  assert.equal(v.passed, true);
  assert.deepEqual(v.domains.map((d) => d.proof?.text), [
    '(XEN) DOM1: HYPERLAUNCH-MARKER domU1 up kernel=6.1.0-57-cloud-arm64',
    '(XEN) DOM2: HYPERLAUNCH-MARKER domU2 up kernel=6.1.0-57-cloud-arm64',
  ]);
});

test('real log: once Xen stops the machine for dom0 ("Hardware Dom0 shutdown: rebooting machine"), no domU lives out its grace after it', () => {
  // Debian's 4.17 through U-Boot: dom0's /init exits with panic=1 on its command line, so its kernel asks Xen to
  // reboot a second after the panic; both domUs had printed their /init's line just before.
  const log = fixture('uboot-dom0-reboot-excerpt.log');
  const f = scanSerialLog(log);
  const stop = lineOf(log, '(XEN) Hardware Dom0 shutdown: rebooting machine');
  assert.equal(f.machineStop, stop);
  const three = USER.slice(0, 3).map((d, i) => ({ ...d, kernelAddress: [0x40400000n, 0x42200000n, 0x44000000n][i]! }));
  // Every line arrived at 10 s but the stop, at 12 s; it is now 30 s: the domUs had 2 s of their grace, not 5.
  const lineSeconds = logLines(log).map((_, i) => (i + 1 === stop ? 12 : 10));
  const v = judgeBoot(f, three, { clock: { lineSeconds, now: 30 } });
  assert.deepEqual(
    v.domains.map((d) => [d.name, d.domid, d.stage, d.failure?.kind, d.failure?.at?.line]),
    [
      ['dom0', 0, 'userspace', 'died', lineOf(log, 'Attempted to kill init!')],
      ['domU0', 2, 'userspace', 'stalled', stop],
      ['domU1', 1, 'userspace', 'stalled', stop],
    ],
  );
  assert.equal(v.domains[1]!.failure!.reason, `Xen stopped the machine 2.0 s after its success line, inside the ${DEFAULT_GRACE_SECONDS} s grace period`);
  // Nothing runs after that line: the boot is settled at once.
  assert.equal(bootSettled(f, three, { clock: { lineSeconds, now: 12 } }), true);
  // Had the stop come after the grace, the domUs would have been alive.
  const late = logLines(log).map((_, i) => (i + 1 === stop ? 10 + DEFAULT_GRACE_SECONDS : 10));
  assert.deepEqual(judgeBoot(f, three, { clock: { lineSeconds: late, now: 30 } }).domains.map((d) => d.stage), ['userspace', 'alive', 'alive']);
  // A domU that never reached userspace says the machine stopped under it.
  const silent = judgeBoot(scanSerialLog(log.replace(/^\(XEN\) DOM2: .*\n/gm, '')), three, { clock: { lineSeconds, now: 30 } });
  assert.match(silent.domains[1]!.detail, /^created → its kernel never wrote to its console before Xen stopped the machine: line \d+: \(XEN\) Hardware Dom0 shutdown/);
});
