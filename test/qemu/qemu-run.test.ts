import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QemuError } from '../../src/qemu/errors.js';
import { runQemu } from '../../src/qemu/qemu-run.js';
import { skipNotice, toolMissing } from '../support/paths.js';

const qemuMissing = toolMissing('qemu-system-aarch64');
// A board with no kernel: QEMU runs and prints nothing, like a Xen whose console found no UART.
const IDLE = ['-machine', 'virt', '-display', 'none', '-monitor', 'none', '-serial', 'stdio'];

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

test('the per-boot timeout ends QEMU', async (t) => {
  if (qemuMissing) return skipNotice(t, qemuMissing);
  const r = await runQemu('qemu-system-aarch64', IDLE, { timeoutSeconds: 1, settled: () => false });
  assert.equal(r.end, 'timeout');
  assert.ok(r.seconds >= 1 && r.seconds < 10, `${r.seconds} s`);
});
