/**
 * The log reader on snippets written by hand after qemu-xen-boot.md's
 * recorded boots (no clock: each log is taken as finished, every success
 * line past its grace). boot-verdict.test.ts reads logs from real boots.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ExpectedDomain, bootSettled, judgeBoot } from '../../src/qemu/boot-verdict.js';
import { scanSerialLog } from '../../src/qemu/serial-log.js';

const DOM0: ExpectedDomain = { name: 'dom0', domid: 0, isDom0: true, consoleOnSerial: true };
const DOMU1: ExpectedDomain = { name: 'domU1', domid: 1, isDom0: false, consoleOnSerial: true };
const DOMU2: ExpectedDomain = { name: 'domU2', domid: 2, isDom0: false, consoleOnSerial: true };

const GOOD = [
  '(XEN) Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1) (pkg-xen-devel@lists.alioth.debian.org) debug=n',
  '(XEN) *** LOADING DOMAIN 0 ***',
  '(XEN) Loading d0 kernel from boot module @ 0000000050000000',
  '(XEN) *** LOADING DOMU cpus=1 memory=40000KB ***',
  '(XEN) Loading d1 kernel from boot module @ 0000000054000000',
  '(XEN) *** LOADING DOMU cpus=1 memory=40000KB ***',
  '(XEN) Loading d2 kernel from boot module @ 0000000058000000',
  '(XEN) DOM1: [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]',
  '(XEN) DOM1: HYPERLAUNCH-MARKER domU1 up kernel=6.1.0-50-cloud-arm64',
  '[    3.100000] Run /init as init process',
  '(XEN) DOM2: HYPERLAUNCH-MARKER domU2 up kernel=6.1.0-50-cloud-arm64',
  'HYPERLAUNCH-MARKER dom0 up kernel=6.1.0-50-cloud-arm64',
].join('\r\n');

test('a good dom0 + 2 domU log: every domain passes, with its marker line', () => {
  const f = scanSerialLog(GOOD);
  assert.equal(f.xenVersion, '4.17.7');
  assert.deepEqual(f.kernelsLoaded, [
    { domid: 0, address: 0x50000000n, line: 3 },
    { domid: 1, address: 0x54000000n, line: 5 },
    { domid: 2, address: 0x58000000n, line: 7 },
  ]);
  assert.equal(f.domuBanners, 2);
  const v = judgeBoot(f, [DOM0, DOMU1, DOMU2]);
  assert.equal(v.passed, true);
  assert.deepEqual(v.problems, []);
  assert.deepEqual(
    v.domains.map((d) => [d.name, d.passed, d.stage, d.detail]),
    [
      ['dom0', true, 'alive', 'alive: line 12: HYPERLAUNCH-MARKER dom0 up kernel=6.1.0-50-cloud-arm64'],
      ['domU1', true, 'alive', 'alive: line 9: (XEN) DOM1: HYPERLAUNCH-MARKER domU1 up kernel=6.1.0-50-cloud-arm64'],
      ['domU2', true, 'alive', 'alive: line 11: (XEN) DOM2: HYPERLAUNCH-MARKER domU2 up kernel=6.1.0-50-cloud-arm64'],
    ],
  );
  assert.equal(bootSettled(f, [DOM0, DOMU1, DOMU2]), true);
});

test('not settled while a domain has not printed yet', () => {
  const partial = GOOD.split('\r\n').slice(0, 10).join('\n');
  const f = scanSerialLog(partial);
  assert.equal(bootSettled(f, [DOM0, DOMU1, DOMU2]), false);
  const v = judgeBoot(f, [DOM0, DOMU1, DOMU2]);
  assert.equal(v.passed, false);
  assert.deepEqual(v.domains.map((d) => d.passed), [false, true, false]);
  // dom0 is past "Run /init" (userspace) but has not printed its marker; domU2 was only created.
  assert.equal(v.domains[0]!.detail, 'userspace → never printed its marker');
  assert.equal(v.domains[2]!.detail, 'created → its kernel never wrote to its console');
});

test('Xen panic on the next line (memory larger than the board): every domain fails, the reason is kept', () => {
  const log = [
    '(XEN) Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1) debug=n',
    '(XEN) *** LOADING DOMU cpus=1 memory=400000KB ***',
    '(XEN) ',
    '(XEN) ****************************************',
    '(XEN) Panic on CPU 0:',
    '(XEN) Failed to allocate requested domain memory. 4194304KB unallocated. Fix the VMs configurations.',
    '(XEN) ****************************************',
  ].join('\n');
  const f = scanSerialLog(log);
  assert.equal(bootSettled(f, [DOMU1]), true);
  const v = judgeBoot(f, [DOMU1]);
  assert.equal(v.passed, false);
  assert.deepEqual(v.problems, ['Xen panic (line 5): Failed to allocate requested domain memory. 4194304KB unallocated. Fix the VMs configurations.']);
  assert.equal(v.domains[0]!.detail, 'none → Xen panicked: line 5: (XEN) Panic on CPU 0:');
});

test('Xen panic with the reason on the same line', () => {
  const f = scanSerialLog('(XEN) Panic on CPU 0: Could not set up DOM0 guest OS');
  assert.equal(f.panics[0]!.message, 'Could not set up DOM0 guest OS');
});

test("a domU's kernel panic fails that domU only; dom0 still passes", () => {
  const log = [
    '(XEN) Xen version 4.17.7 (Debian) debug=n',
    '(XEN) Loading d0 kernel from boot module @ 0000000050000000',
    '(XEN) *** LOADING DOMU cpus=1 memory=40000KB ***',
    '(XEN) Loading d1 kernel from boot module @ 0000000054000000',
    '(XEN) DOM1: [    1.234567] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)',
    'HYPERLAUNCH-MARKER dom0 up kernel=6.1.0-50-cloud-arm64',
  ].join('\n');
  const f = scanSerialLog(log);
  assert.equal(bootSettled(f, [DOM0, DOMU1]), true);
  const v = judgeBoot(f, [DOM0, DOMU1]);
  assert.deepEqual(v.domains.map((d) => d.passed), [true, false]);
  assert.equal(v.domains[1]!.detail, 'kernel → died: line 5: (XEN) DOM1: [    1.234567] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)');
});

test("dom0's unprefixed kernel panic is dom0's", () => {
  const f = scanSerialLog('(XEN) Xen version 4.17.7\n[    2.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100');
  const v = judgeBoot(f, [DOM0]);
  assert.equal(v.domains[0]!.passed, false);
  assert.match(v.domains[0]!.detail, /^kernel → died: line 2: \[    2\.0\] Kernel panic - not syncing: Attempted to kill init!/);
});

test('a silent log (dtuart=serial0 without /aliases) says so', () => {
  const v = judgeBoot(scanSerialLog('U-Boot 2023.01\r\nStarting kernel ...\r\n'), [DOM0, DOMU1]);
  assert.equal(v.passed, false);
  assert.match(v.problems[0]!, /no \(XEN\) line/);
  assert.deepEqual(v.domains.map((d) => d.detail), ['none → no (XEN) output at all', 'none → no (XEN) output at all']);
});

test("a marker on the wrong console does not count (domU1's marker from DOM2)", () => {
  const log = ['(XEN) Xen version 4.17.7', '(XEN) *** LOADING DOMU cpus=1 memory=40000KB ***', '(XEN) Loading d1 kernel from boot module @ 54000000', '(XEN) DOM2: HYPERLAUNCH-MARKER domU1 up'].join('\n');
  const v = judgeBoot(scanSerialLog(log), [DOMU1]);
  assert.equal(v.domains[0]!.passed, false);
  assert.equal(v.domains[0]!.detail, 'created → marker came from DOM2, not d1: line 4: (XEN) DOM2: HYPERLAUNCH-MARKER domU1 up');
});

test('a truncated kernel module: loaded, never prints; the DOMU count still matches', () => {
  const log = ['(XEN) Xen version 4.17.7', '(XEN) *** LOADING DOMU cpus=1 memory=40000KB ***', '(XEN) Loading d1 kernel from boot module @ 0000000054000000'].join('\n');
  const f = scanSerialLog(log);
  assert.equal(bootSettled(f, [DOMU1]), false, 'only the timeout ends this boot');
  const v = judgeBoot(f, [DOMU1]);
  assert.deepEqual(v.problems, []);
  assert.equal(v.domains[0]!.detail, 'created → its kernel never wrote to its console');
});

test('a missing domain: fewer LOADING DOMU banners than domUs, and the kernel never loaded', () => {
  const log = ['(XEN) Xen version 4.17.7', '(XEN) *** LOADING DOMU cpus=1 memory=40000KB ***', '(XEN) Loading d1 kernel from boot module @ 54000000', '(XEN) DOM1: HYPERLAUNCH-MARKER domU1 up'].join('\n');
  const v = judgeBoot(scanSerialLog(log), [DOMU1, DOMU2]);
  assert.deepEqual(v.problems, ['expected 2 "LOADING DOMU" banner(s), saw 1']);
  assert.equal(v.domains[1]!.detail, "none → Xen never loaded d2's kernel");
});

test('a domU without vpl011 cannot be observed on the serial line', () => {
  const log = ['(XEN) Xen version 4.17.7', '(XEN) *** LOADING DOMU cpus=1 memory=40000KB ***', '(XEN) Loading d1 kernel from boot module @ 54000000'].join('\n');
  const v = judgeBoot(scanSerialLog(log), [{ ...DOMU1, consoleOnSerial: false }]);
  assert.equal(v.domains[0]!.detail, 'created → no vpl011: its console cannot reach the serial line');
  assert.equal(bootSettled(scanSerialLog(log), [{ ...DOMU1, consoleOnSerial: false }]), true, 'nothing more can be seen of it');
});

test('line numbers follow the file even with CR CR LF endings', () => {
  const f = scanSerialLog('(XEN) Xen version 4.17.7\r\r\nx\r\r\n(XEN) DOM1: HYPERLAUNCH-MARKER domU1 up\r\n');
  assert.equal(f.markers[0]!.line, 3);
  assert.equal(f.markers[0]!.domid, 1);
});

test('domids unknown before boot (U-Boot fdt mknod reverses node order): any domU console may carry the marker', () => {
  const log = [
    '(XEN) Xen version 4.17.7',
    '(XEN) Loading d0 kernel from boot module @ 0000000040400000',
    '(XEN) *** LOADING DOMU cpus=1 memory=20000KB ***',
    '(XEN) Loading d1 kernel from boot module @ 0000000044000000',
    '(XEN) *** LOADING DOMU cpus=1 memory=20000KB ***',
    '(XEN) Loading d2 kernel from boot module @ 0000000042200000',
    '(XEN) DOM1: HYPERLAUNCH-MARKER domU1 up',
    '(XEN) DOM2: [    2.0] Kernel panic - not syncing: Attempted to kill init!',
    '(XEN) DOM2: HYPERLAUNCH-MARKER domU0 up',
    'HYPERLAUNCH-MARKER domU0 up',
  ].join('\n');
  const expected: ExpectedDomain[] = [
    { name: 'domU0', isDom0: false, consoleOnSerial: true },
    { name: 'domU1', isDom0: false, consoleOnSerial: true },
  ];
  const f = scanSerialLog(log);
  assert.equal(bootSettled(f, expected), true);
  const v = judgeBoot(f, expected);
  assert.deepEqual(v.problems, []);
  assert.deepEqual(
    v.domains.map((d) => [d.name, d.domid, d.passed, d.detail]),
    [
      ['domU0', 2, false, 'userspace → died: line 8: (XEN) DOM2: [    2.0] Kernel panic - not syncing: Attempted to kill init!'],
      ['domU1', 1, true, 'alive: line 7: (XEN) DOM1: HYPERLAUNCH-MARKER domU1 up'],
    ],
  );
});

test("a domU's marker on dom0's console is not the domU's", () => {
  const log = ['(XEN) Xen version 4.17.7', '(XEN) *** LOADING DOMU cpus=1 memory=40000KB ***', 'HYPERLAUNCH-MARKER domU0 up'].join('\n');
  const v = judgeBoot(scanSerialLog(log), [{ name: 'domU0', isDom0: false, consoleOnSerial: true }]);
  assert.equal(v.domains[0]!.detail, 'none → marker came from dom0 console, not a domU console: line 3: HYPERLAUNCH-MARKER domU0 up');
});

// After the U-Boot boot of an ImageBuilder config: domU0's kernel at 0x42200000 became d2, domU1's at 0x44000000 d1.
const UBOOT_ORDER = [
  'U-Boot 2023.01+dfsg-2+deb12u3 (Jun 22 2026 - 08:38:07 +0000)',
  'Starting kernel ...',
  '(XEN) Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1) debug=n',
  '(XEN) *** LOADING DOMAIN 0 ***',
  '(XEN) Loading d0 kernel from boot module @ 0000000040400000',
  '(XEN) *** LOADING DOMU cpus=1 memory=20000KB ***',
  '(XEN) Loading d1 kernel from boot module @ 0000000044000000',
  '(XEN) *** LOADING DOMU cpus=1 memory=20000KB ***',
  '(XEN) Loading d2 kernel from boot module @ 0000000042200000',
  '(XEN) DOM2: [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]',
  '[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]',
];

test('the kernel address in "Loading d<n> kernel" gives the domid the boot order decided', () => {
  const log = [...UBOOT_ORDER, '(XEN) DOM2: HYPERLAUNCH-MARKER domU0 up', '(XEN) DOM1: HYPERLAUNCH-MARKER domU1 up'].join('\r\n');
  const expected: ExpectedDomain[] = [
    { name: 'domU0', kernelAddress: 0x42200000n, isDom0: false, consoleOnSerial: true },
    { name: 'domU1', kernelAddress: 0x44000000n, isDom0: false, consoleOnSerial: true },
  ];
  const v = judgeBoot(scanSerialLog(log), expected);
  assert.deepEqual(v.domains.map((d) => [d.name, d.domid, d.passed]), [['domU0', 2, true], ['domU1', 1, true]]);
  // domU0's marker arriving on d1's console would not count: the address pinned it to d2.
  const swapped = [...UBOOT_ORDER, '(XEN) DOM1: HYPERLAUNCH-MARKER domU0 up'].join('\n');
  const w = judgeBoot(scanSerialLog(swapped), [expected[0]!]);
  assert.equal(w.domains[0]!.detail, 'kernel → marker came from DOM1, not d2: line 12: (XEN) DOM1: HYPERLAUNCH-MARKER domU0 up');
});

test("user images (no marker): a first console line is only the kernel stage, never a PASS", () => {
  const expected: ExpectedDomain[] = [
    { name: 'dom0', domid: 0, isDom0: true, consoleOnSerial: true, marker: false },
    { name: 'domU0', kernelAddress: 0x42200000n, isDom0: false, consoleOnSerial: true, marker: false },
    { name: 'domU1', kernelAddress: 0x44000000n, isDom0: false, consoleOnSerial: true, marker: false },
  ];
  const f = scanSerialLog(UBOOT_ORDER.join('\n'));
  assert.equal(f.dom0Output, 11, "U-Boot's lines before Xen are not dom0's");
  assert.equal(bootSettled(f, expected), false, 'no domain has reached userspace');
  const v = judgeBoot(f, expected);
  assert.deepEqual(
    v.domains.map((d) => [d.name, d.domid, d.passed, d.stage, d.proof?.line, d.detail]),
    [
      ['dom0', 0, false, 'kernel', 11, 'kernel → its kernel never reached userspace'],
      ['domU0', 2, false, 'kernel', 10, 'kernel → its kernel never reached userspace'],
      ['domU1', 1, false, 'created', 7, 'created → its kernel never wrote to its console'],
    ],
  );
  const lost = judgeBoot(f, [{ name: 'domU9', kernelAddress: 0x60000000n, isDom0: false, consoleOnSerial: true, marker: false }]);
  assert.equal(lost.domains[0]!.detail, 'none → its domid is unknown (no domid, and no kernel loaded from its kernelAddress)');
});

test('console_timestamps=boot (Xen CI XEN_CMD): "(XEN) [    6.377721] " prefixes are read through', () => {
  const log = [
    '(XEN) [    0.007383] Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1) debug=n',
    '(XEN) [    0.340878] Loading d0 kernel from boot module @ 0000000050000000',
    '(XEN) [    6.377178] *** LOADING DOMU cpus=1 memory=40000KB ***',
    '(XEN) [    6.377721] Loading d1 kernel from boot module @ 0000000051e00000',
    '(XEN) [   12.015743] DOM1: [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]',
    '(XEN) [   19.100000] DOM1: HYPERLAUNCH-MARKER domU0 up kernel=6.1.0-56-cloud-arm64',
    'HYPERLAUNCH-MARKER dom0 up kernel=6.1.0-56-cloud-arm64',
  ].join('\n');
  const v = judgeBoot(scanSerialLog(log), [DOM0, { name: 'domU0', domid: 1, isDom0: false, consoleOnSerial: true }]);
  assert.equal(v.xenVersion, '4.17.7');
  assert.deepEqual(v.problems, []);
  assert.deepEqual(v.domains.map((d) => [d.name, d.passed, d.proof?.line]), [['dom0', true, 7], ['domU0', true, 6]]);
  const panic = scanSerialLog('(XEN) [    1.000000] Panic on CPU 0:\n(XEN) [    1.000100] Could not set up DOM0 guest OS\n');
  assert.equal(panic.panics[0]!.message, 'Could not set up DOM0 guest OS');
});

// Xen 4.22 without dom0 hands serial input to d1 (console_switch_input skips absent domids), and vpl011 echoes
// d1's output a character at a time as Xen's own text. Shapes from xen/arch/arm/vpl011.c vpl011_write_data_xen.
const INPUT_D1 = [
  '(XEN) Xen version 4.22.0 (root@localhost) (aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0) debug=n',
  '(XEN) *** LOADING DOMU cpus=1 memory=0x40000KB ***',
  '(XEN) Loading d1 kernel from boot module @ 0000000050000000',
  '(XEN) *** LOADING DOMU cpus=1 memory=0x20000KB ***',
  '(XEN) Loading d2 kernel from boot module @ 0000000050000000',
  "(XEN) *** Serial input to DOM1 (type 'CTRL-a' three times to switch input)",
  '(XEN) Freed 376kB init memory.',
  '(XEN) [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]',
  '(XEN) DOM2: [    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]',
  '(XEN) [    3.1(XEN) DOM2: [    3.200000] Run /init as init process',
  '00000] Run /init as init process',
  '(XEN) HYPERLAUNCH-MARKER domU1 up kernel=6.1.0-57-cloud-arm64',
  '(XEN) DOM2: HYPERLAUNCH-MARKER domU2 up kernel=6.1.0-57-cloud-arm64',
];

test('4.22, no dom0: the domU holding serial input prints without DOM<n>: and is read as its own', () => {
  const f = scanSerialLog(INPUT_D1.join('\r\n'));
  assert.equal(f.inputDomU, 1);
  assert.equal(f.dom0Output, undefined);
  assert.deepEqual(
    f.consoles.map((c) => [c.domid, c.line, c.text]),
    [
      [1, 8, '[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]'],
      [2, 9, '[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x411fd070]'],
      [2, 10, '[    3.200000] Run /init as init process'],
      // d1's line cut by d2's, joined again where it ends.
      [1, 11, '[    3.100000] Run /init as init process'],
      [1, 12, 'HYPERLAUNCH-MARKER domU1 up kernel=6.1.0-57-cloud-arm64'],
      [2, 13, 'HYPERLAUNCH-MARKER domU2 up kernel=6.1.0-57-cloud-arm64'],
    ],
  );
  const v = judgeBoot(f, [DOMU1, DOMU2]);
  assert.deepEqual(v.problems, []);
  assert.deepEqual(v.domains.map((d) => d.detail), [
    'alive: line 12: (XEN) HYPERLAUNCH-MARKER domU1 up kernel=6.1.0-57-cloud-arm64',
    'alive: line 13: (XEN) DOM2: HYPERLAUNCH-MARKER domU2 up kernel=6.1.0-57-cloud-arm64',
  ]);
});

test("4.22, no dom0: Xen's own lines stay Xen's; d1's kernel stage needs d1's first line", () => {
  const f = scanSerialLog(INPUT_D1.slice(0, 7).join('\n'));
  assert.deepEqual(f.consoles, [], '"Freed ...kB init memory." is not d1 printing');
  assert.equal(judgeBoot(f, [DOMU1]).domains[0]!.detail, 'created → its kernel never wrote to its console');
  const panic = scanSerialLog([...INPUT_D1.slice(0, 8), '(XEN) ****************************************', '(XEN) Panic on CPU 1:', '(XEN) Something went wrong', '(XEN) ****************************************'].join('\n'));
  assert.equal(panic.panics[0]!.message, 'Something went wrong');
  const v = judgeBoot(panic, [DOMU1]);
  assert.equal(v.domains[0]!.detail, 'kernel → Xen panicked: line 10: (XEN) Panic on CPU 1:');
  const death = scanSerialLog([...INPUT_D1.slice(0, 8), '(XEN) [    2.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100'].join('\n'));
  assert.equal(judgeBoot(death, [DOMU1]).domains[0]!.detail, 'kernel → died: line 9: (XEN) [    2.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100');
});

test('4.17 names DOM0 even without dom0: every domU keeps its prefix and the reading is unchanged', () => {
  const log = ['(XEN) Xen version 4.17.7 (Debian 4.17.7+13-g2445b30a44-0+deb12u1) debug=n', "(XEN) *** Serial input to DOM0 (type 'CTRL-a' three times to switch input)", '(XEN) DOM1: HYPERLAUNCH-MARKER domU1 up', 'stray'];
  const f = scanSerialLog(log.join('\n'));
  assert.equal(f.inputDomU, undefined);
  assert.deepEqual(f.consoles.map((c) => c.domid), [1, undefined]);
});
