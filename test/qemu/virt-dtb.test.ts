/** QEMU's own DTB, prepared for Xen; read back with the real dtc. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import { dumpVirtDtb, virtHostTree } from '../../src/qemu/virt-dtb.js';
import { skipNotice, toolMissing } from '../support/paths.js';

const qemuMissing = toolMissing('qemu-system-aarch64');
const dtcMissing = toolMissing('dtc');

function decompile(dtb: Uint8Array): string {
  return execFileSync('dtc', ['-I', 'dtb', '-O', 'dts', '-q', '-'], { input: dtb, encoding: 'utf8' });
}

/** The body of the node whose line starts with `name {`, up to its closing brace. */
function nodeBody(dts: string, name: string): string | undefined {
  const m = new RegExp(`\\n\\t${name.replace(/[@.]/g, '\\$&')} \\{\\n([\\s\\S]*?)\\n\\t\\};`).exec(dts);
  return m?.[1];
}

test('virt DTB for Xen: PL061 disabled, seeds gone, serial0 -> the PL011, same bytes twice', (t) => {
  if (qemuMissing) return skipNotice(t, qemuMissing);
  if (dtcMissing) return skipNotice(t, dtcMissing);
  const raw = decompile(dumpVirtDtb());
  // What QEMU 7.2 itself writes (the reference's pitfalls): no aliases, random seeds in /chosen.
  assert.equal(nodeBody(raw, 'aliases'), undefined);
  assert.match(nodeBody(raw, 'chosen') ?? '', /rng-seed/);
  const first = writeDtb(virtHostTree());
  const ours = decompile(first);
  assert.equal(nodeBody(ours, 'aliases'), '\t\tserial0 = "/pl011@9000000";');
  assert.equal(nodeBody(ours, 'chosen'), '\t\tstdout-path = "/pl011@9000000";');
  assert.match(nodeBody(ours, 'pl061@9030000') ?? '', /\t\tstatus = "disabled";/);
  assert.match(nodeBody(ours, 'pl011@9000000') ?? '', /compatible = "arm,pl011\\0arm,primecell";/);
  assert.deepEqual(writeDtb(virtHostTree()), first, 'no random bytes left');
});
