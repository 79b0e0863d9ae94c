/** dom0's late-launch lines, read back into per-domain consoles and verdicts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lateEvent } from '../../src/qemu/late-console.js';
import { scanSerialLog } from '../../src/qemu/serial-log.js';
import { judgeBoot, type ExpectedDomain } from '../../src/qemu/boot-verdict.js';

test('lateEvent: created, failed, console lines; dom0 text is none of them', () => {
  assert.deepEqual(lateEvent('HYPERLAUNCH-LATE guest-pv created domid=3'), { kind: 'created', token: 'guest-pv', domid: 3 });
  assert.deepEqual(lateEvent('HYPERLAUNCH-LATE guest-pv failed'), { kind: 'failed', token: 'guest-pv' });
  assert.deepEqual(lateEvent('HYPERLAUNCH-CONSOLE 2 [    0.000000] Linux version 6.1'), { kind: 'console', domid: 2, text: '[    0.000000] Linux version 6.1' });
  assert.equal(lateEvent('[    4.8] Run /init as init process'), undefined);
});

const HEAD = [
  '(XEN) Xen version 4.17.7 (Debian 4.17.7) debug=n',
  '(XEN) Dom0 has maximum 1 VCPUs',
  '[    4.810174] Run /init as init process',
  'HYPERLAUNCH-MARKER dom0 up kernel=6.1.0-57-amd64',
];
const late: ExpectedDomain[] = [
  { name: 'dom0', domid: 0, isDom0: true, consoleOnSerial: true },
  { name: 'guest-pv', isDom0: false, consoleOnSerial: true, lateLaunch: true },
  { name: 'guest-pvh', isDom0: false, consoleOnSerial: true, lateLaunch: true },
];

test('a late domain passes on its relayed marker; its domid comes from the created line; no LOADING DOMU banner is wanted', () => {
  const log = [
    ...HEAD,
    'HYPERLAUNCH-LATE guest-pv created domid=1',
    'HYPERLAUNCH-LATE guest-pvh created domid=2',
    'HYPERLAUNCH-CONSOLE 1 [    0.000000] Linux version 6.1.0-57-amd64',
    'HYPERLAUNCH-CONSOLE 2 [    0.000000] Booting kernel on Xen PVH',
    'HYPERLAUNCH-CONSOLE 1 HYPERLAUNCH-MARKER guest-pv up kernel=6.1.0-57-amd64',
    'HYPERLAUNCH-CONSOLE 2 HYPERLAUNCH-MARKER guest-pvh up kernel=6.1.0-57-amd64',
  ].join('\n');
  const v = judgeBoot(scanSerialLog(log), late);
  assert.deepEqual(v.problems, []);
  assert.deepEqual(v.domains.map((d) => [d.name, d.domid, d.stage]), [['dom0', 0, 'alive'], ['guest-pv', 1, 'alive'], ['guest-pvh', 2, 'alive']]);
  assert.equal(v.passed, true);
});

test('stages of a late domain: created only, kernel only, a failed xl create is its death, a relayed panic too', () => {
  const log = [
    ...HEAD,
    'HYPERLAUNCH-LATE guest-pv created domid=1',
    'HYPERLAUNCH-LATE guest-pvh failed',
  ].join('\n');
  const v = judgeBoot(scanSerialLog(log), late);
  assert.deepEqual(v.domains.map((d) => [d.name, d.stage, d.failure?.kind]), [['dom0', 'alive', undefined], ['guest-pv', 'created', 'stalled'], ['guest-pvh', 'none', 'died']]);
  const panic = [...HEAD, 'HYPERLAUNCH-LATE guest-pv created domid=1', 'HYPERLAUNCH-CONSOLE 1 [    1.0] Kernel panic - not syncing: VFS: Unable to mount root fs'].join('\n');
  const p = judgeBoot(scanSerialLog(panic), late.slice(0, 2));
  assert.deepEqual(p.domains.map((d) => [d.name, d.stage, d.failure?.kind]), [['dom0', 'alive', undefined], ['guest-pv', 'kernel', 'died']]);
});

test('a late domain dom0 never announced is stalled at none, not unobservable', () => {
  const v = judgeBoot(scanSerialLog(HEAD.join('\n')), late.slice(0, 2));
  assert.equal(v.domains[1]!.stage, 'none');
  assert.equal(v.domains[1]!.failure?.kind, 'stalled');
  assert.match(v.domains[1]!.failure?.reason ?? '', /dom0 never said it was created/);
});

test('x86 dom0 is created at "Dom0 has maximum N VCPUs" (no Loading d0 line on x86)', () => {
  const v = judgeBoot(scanSerialLog(HEAD.slice(0, 2).join('\n')), late.slice(0, 1));
  assert.equal(v.domains[0]!.stage, 'created');
});
