/**
 * Recreates a golden case's input files in a temp dir: the sizes and kinds
 * of inputs.tsv (same layout as make-dummy-inputs.py, written sparse), the
 * DTBs compiled from the case's .dts sources.
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runDtc } from '../../src/fdt/dtc.js';
import { IMAGEBUILDER_GOLDEN, needShared, sharedPath } from '../support/shared.js';
import type { Skippable } from '../support/skip.js';

export const goldenDir = sharedPath(IMAGEBUILDER_GOLDEN);

/** Whether the golden cases can be read; the running test is skipped, with a printed notice, when not. */
export function haveGolden(t: Skippable): boolean {
  return needShared(t, 'ImageBuilder golden files', IMAGEBUILDER_GOLDEN) !== undefined;
}

export interface InputRow {
  path: string;
  size: number;
  file: string;
}

export function inputRows(caseName: string): InputRow[] {
  return readFileSync(join(goldenDir, caseName, 'inputs.tsv'), 'utf8').trim().split('\n').map((l) => {
    const [path, size, file] = l.split('\t');
    return { path: path!.replace(/^\.\//, ''), size: Number(size), file: file! };
  });
}

/** Writes `chunks` at their offsets into a sparse file of `size` bytes. */
export function sparseFile(path: string, size: number, chunks: Array<[number, Uint8Array]>): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    for (const [off, bytes] of chunks) writeSync(fd, bytes, 0, bytes.length, off);
  } finally {
    closeSync(fd);
  }
}

function newcHeader(name: string, dataLen: number, mode: number, ino: number): Uint8Array {
  const fields = [ino, mode, 0, 0, 1, 0, dataLen, 0, 0, 0, 0, name.length + 1, 0];
  let h = `070701${fields.map((v) => v.toString(16).toUpperCase().padStart(8, '0')).join('')}${name}\0`;
  while (h.length % 4) h += '\0';
  return new TextEncoder().encode(h);
}

/** make-dummy-inputs.py `cpio`: one zero-filled file, the trailer, zero padding. */
export function dummyCpio(path: string, size: number): void {
  const trailer = newcHeader('TRAILER!!!', 0, 0, 0);
  const head = newcHeader('init', 0, 0o100644, 1);
  let payload = size - head.length - trailer.length;
  payload -= payload % 4;
  const body = newcHeader('init', payload, 0o100644, 1);
  sparseFile(path, size, [[0, body], [body.length + payload, trailer]]);
}

/** make-dummy-inputs.py `image`: zeros with a branch and the arm64 magic at 56. */
export function dummyImage(path: string, size: number): void {
  sparseFile(path, size, [[0, Uint8Array.of(0, 0, 0, 0x14)], [56, new TextEncoder().encode('ARM\x64')]]);
}

/** A Xilinx .bit header (what `file` calls "Xilinx BIT data"), padded with zeros. */
export function dummyBitstream(path: string, size: number): void {
  const head = [0x00, 0x09, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x0f, 0xf0, 0x00, 0x00, 0x01, 0x61];
  sparseFile(path, size, [[0, Uint8Array.from(head)]]);
}

export function compileDts(dtsPath: string): Uint8Array {
  const r = runDtc(readFileSync(dtsPath), { file: dtsPath, outputFormat: 'dtb' });
  if (!r.output) throw new Error(`cannot compile ${dtsPath}: ${r.error?.message}`);
  return r.output;
}

/** A temp dir holding the case's inputs; returns it. Files the run itself produced are left out. */
export function makeGoldenInputs(caseName: string, skip: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), `hl-ib-${caseName.slice(0, 2)}-`));
  const src = join(goldenDir, caseName);
  for (const row of inputRows(caseName)) {
    if (skip.includes(row.path)) continue;
    const out = join(dir, row.path);
    if (row.file.startsWith('Device Tree Blob')) {
      const dts = join(src, row.path.replace(/\.dtbo?$/, '.dts'));
      if (!existsSync(dts)) continue;
      const dtb = compileDts(dts);
      if (dtb.length !== row.size) throw new Error(`${row.path}: compiled ${dtb.length} bytes, golden input had ${row.size}`);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, dtb);
    } else if (row.file.includes('cpio')) dummyCpio(out, row.size);
    else if (row.file.includes('BIT data')) dummyBitstream(out, row.size);
    else dummyImage(out, row.size);
  }
  return dir;
}
