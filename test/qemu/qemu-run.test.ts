import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QemuError } from '../../src/qemu/errors.js';
import { runQemu } from '../../src/qemu/qemu-run.js';
import { skipNotice, toolMissing } from '../support/paths.js';

const qemuMissing = toolMissing('qemu-system-aarch64');
// A board with no kernel: QEMU runs and prints nothing, like a Xen whose console found no UART.
// -nic none: virt's default NIC wants iPXE's efi-virtio.rom, which a fresh machine may lack (machine.ts).
const IDLE = ['-machine', 'virt', '-display', 'none', '-monitor', 'none', '-nic', 'none', '-serial', 'stdio'];

test('a missing QEMU is a typed error with an install hint', async () => {
  await assert.rejects(runQemu('/nonexistent/qemu-system-aarch64', [], { timeoutSeconds: 1, settled: () => false }), (e: unknown) => {
    assert.ok(e instanceof QemuError);
    assert.equal(e.code, 'QEMU_MISSING');
    assert.match(e.hint ?? '', /apt-get install qemu-system-arm/);
    return true;
  });
});

test('a silent serial line is given up early, and QEMU is ended', async (t) => {
  if (qemuMissing) return skipNotice(t, qemuMissing);
  const r = await runQemu('qemu-system-aarch64', IDLE, { timeoutSeconds: 30, silenceSeconds: 1, settled: () => false });
  assert.equal(r.end, 'silent');
  assert.ok(r.seconds < 10, `${r.seconds} s`);
  assert.match(r.stderr, /terminating on signal 15/);
});

test('each line\'s arrival time is kept: the clock a grace period is measured by', async (t) => {
  if (qemuMissing) return skipNotice(t, qemuMissing);
  // QEMU's own monitor on stdio prints a banner line at once, then waits.
  const args = ['-machine', 'virt', '-display', 'none', '-nic', 'none', '-serial', 'none', '-monitor', 'stdio'];
  let seen: readonly number[] = [];
  const r = await runQemu('qemu-system-aarch64', args, { timeoutSeconds: 2, settled: (_log, clock) => ((seen = clock.lineSeconds), false) });
  assert.equal(r.end, 'timeout');
  assert.match(r.log, /QEMU \d+\.\d+/);
  assert.equal(r.lineSeconds.length, r.log.split('\n').length - 1, 'one arrival time per complete line');
  for (const s of r.lineSeconds) assert.ok(s >= 0 && s <= r.seconds, `${s}`);
  assert.ok(seen.length > 0, 'settled was given the clock');
});

test('the per-boot timeout ends QEMU', async (t) => {
  if (qemuMissing) return skipNotice(t, qemuMissing);
  const r = await runQemu('qemu-system-aarch64', IDLE, { timeoutSeconds: 1, settled: () => false });
  assert.equal(r.end, 'timeout');
  assert.ok(r.seconds >= 1 && r.seconds < 10, `${r.seconds} s`);
});
