/**
 * Blobs QEMU builds with libfdt at run time (not dtc's layout: reservation
 * map at 48, properties in reverse creation order, 1 MiB of free space) plus
 * the dtc-made blobs qemu-system-data ships. readDtb must accept them, and
 * dtb→dtb / dtb→dts must equal dtc's output for the same blob.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDtc } from '../../src/fdt/dtc.js';
import { printDts } from '../../src/fdt/dts/print.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { Comparison, dtcRunDiffers, guarded, haveTool, skipWithoutTools, textDiffers } from './corpus-compare.js';
import { runTool } from './debian-corpus.js';
import { skipLine, skipNotice } from '../support/skip.js';

interface Machine {
  id: string;
  qemu: string;
  args: string[];
}

const MACHINES: Machine[] = [
  { id: 'aarch64-virt-el2-gicv3', qemu: 'qemu-system-aarch64', args: ['-machine', 'virt,virtualization=true,gic-version=3', '-cpu', 'cortex-a57'] },
  { id: 'aarch64-virt-secure-smp4', qemu: 'qemu-system-aarch64', args: ['-machine', 'virt,secure=on', '-cpu', 'cortex-a57', '-smp', '4', '-m', '2G'] },
  { id: 'arm-virt', qemu: 'qemu-system-arm', args: ['-machine', 'virt'] },
];

const QEMU_DATA = '/usr/share/qemu';

async function dumpBlobs(tmp: string): Promise<Map<string, string>> {
  const blobs = new Map<string, string>();
  for (const m of MACHINES) {
    if (!haveTool(m.qemu)) continue;
    const out = join(tmp, `${m.id}.dtb`);
    // -nic none: the default NIC needs iPXE's efi-virtio.rom (ipxe-qemu, which a fresh machine may lack); it is no part of the DTB
    const r = await runTool(m.qemu, [...m.args, '-machine', `dumpdtb=${out}`, '-nic', 'none', '-nographic', '-display', 'none']);
    if (r.code !== 0 || !existsSync(out)) throw new Error(`${m.qemu} dumpdtb failed: ${r.stderr}`);
    blobs.set(m.id, out);
  }
  if (existsSync(QEMU_DATA)) {
    for (const f of readdirSync(QEMU_DATA).filter((n) => n.endsWith('.dtb')).sort()) blobs.set(`qemu-data/${f}`, join(QEMU_DATA, f));
  }
  return blobs;
}

test('QEMU blobs: readDtb accepts them; dtb→dtb and dtb→dts equal dtc', { timeout: 120_000 }, async (t) => {
  if (skipWithoutTools(t, ['dtc'])) return;
  for (const qemu of new Set(MACHINES.map((m) => m.qemu))) {
    // those machines fewer, the packaged blobs still compared: a notice, not a skip of the test
    if (!haveTool(qemu)) console.log(skipLine(`QEMU blobs of ${qemu}`, `${qemu} is not installed (apt-get install qemu-system-arm)`));
  }
  const tmp = mkdtempSync(join(tmpdir(), 'hl-qemu-'));
  try {
    const blobs = await dumpBlobs(tmp);
    if (blobs.size === 0) return skipNotice(t, 'QEMU blobs', `no qemu-system-aarch64/-arm and no ${QEMU_DATA}/*.dtb`);
    const read = new Comparison('readDtb accepts the blob');
    const decompile = new Comparison('dtb→dts printDts(readDtb(x))');
    const toDts = new Comparison('dtb→dts runDtc');
    const toDtb = new Comparison('dtb→dtb runDtc');
    for (const [id, path] of blobs) {
      const blob = readFileSync(path);
      const tree = guarded(() => readDtb(blob, { file: path }));
      read.record(id, tree.error);
      const dtcDts = await runTool('dtc', ['-I', 'dtb', '-O', 'dts', path]);
      const printed = guarded(() => printDts(readDtb(blob, { file: path })));
      decompile.record(id, printed.error ?? textDiffers(printed.value!, dtcDts.stdout.toString('latin1')));
      toDts.record(id, dtcRunDiffers(guarded(() => runDtc(blob, { inputFormat: 'dtb', outputFormat: 'dts', file: path })), dtcDts));
      const dtcDtb = await runTool('dtc', ['-I', 'dtb', '-O', 'dtb', path]);
      toDtb.record(id, dtcRunDiffers(guarded(() => runDtc(blob, { inputFormat: 'dtb', outputFormat: 'dtb', file: path })), dtcDtb));
    }
    for (const c of [read, decompile, toDts, toDtb]) c.report();
    for (const c of [read, decompile, toDts, toDtb]) c.assertNoUnexpected();
    assert.ok(blobs.size >= 1);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
