/**
 * The flow of dtc 1.6.1's `fdtoverlay -i base.dtb -o out.dtb ov.dtbo...`:
 * check every blob's totalsize against its length, open the base into a
 * writable copy (fdt_open_into), apply the overlays in order, fdt_pack, and
 * write totalsize bytes. fdtoverlay grows its buffer by 64 KiB and retries
 * whenever libfdt reports FDT_ERR_NOSPACE; the editor grows as needed, which
 * gives the same bytes.
 */
import type { FdtCode } from './codes.js';
import { BlobEditor, be32 } from './dtb/blob/index.js';
import { FdtError } from './errors.js';
import { overlayApply } from './overlay/apply.js';

/**
 * utilfdt_read's buffer: 1 KiB doubled until the file fits with room to spare.
 * fdtoverlay compares totalsize with this, not with the file length, and the
 * bytes past the file are fresh heap (zeros here).
 */
function readBufferSize(fileLength: number): number {
  let size = 1024;
  while (size <= fileLength) size *= 2;
  return size;
}

/** The blob as fdtoverlay holds it: `totalsize` bytes, zero-filled past the file. */
function asRead(blob: Uint8Array, totalsize: number): Uint8Array {
  if (totalsize <= blob.length) return blob.subarray(0, Math.max(totalsize, Math.min(blob.length, 40)));
  const out = new Uint8Array(totalsize);
  out.set(blob);
  return out;
}

function totalsizeOf(blob: Uint8Array, what: string): number {
  if (blob.length < 8) {
    throw new FdtError('DTB_TRUNCATED', `${what} is too short to hold a devicetree header (${blob.length} bytes)`, {
      offset: 0,
    });
  }
  return be32(blob, 4);
}

/**
 * What `fdtoverlay -i base -o out ov1 ov2 ...` writes, byte for byte.
 * `names` are the overlay file names used in error messages (default
 * `overlay[i]`). Errors are FdtErrors whose message is fdtoverlay's
 * ("Failed to apply 'x': FDT_ERR_...") and whose code is the FDT_ERR_* name.
 */
export function applyOverlays(base: Uint8Array, overlays: Uint8Array[], names?: string[]): Uint8Array {
  if (overlays.length === 0) {
    throw new FdtError('USAGE', 'missing overlay file(s)', { hint: 'give at least one overlay blob' });
  }
  const baseSize = totalsizeOf(base, 'base blob');
  if (baseSize > readBufferSize(base.length)) {
    throw new FdtError('DTB_TRUNCATED', `Base blob is incomplete (${readBufferSize(base.length)} / ${baseSize} bytes read)`, {
      offset: 4,
      hint: `the file has ${base.length} bytes`,
    });
  }
  const nameOf = (i: number) => names?.[i] ?? `overlay[${i}]`;
  overlays.forEach((ov, i) => {
    const size = totalsizeOf(ov, `overlay '${nameOf(i)}'`);
    if (size > readBufferSize(ov.length)) {
      throw new FdtError('DTB_TRUNCATED', `Overlay '${nameOf(i)}' is incomplete (${readBufferSize(ov.length)} / ${size} bytes read)`, {
        offset: 4,
        hint: `the file has ${ov.length} bytes`,
      });
    }
  });
  let editor: BlobEditor;
  try {
    editor = new BlobEditor(asRead(base, baseSize));
  } catch (e) {
    throw rewrap(e, (code) => `Failed to make temporary copy: ${code}`);
  }
  overlays.forEach((ov, i) => {
    try {
      overlayApply(editor, asRead(ov, be32(ov, 4)));
    } catch (e) {
      if (e instanceof FdtError && e.code === 'FDT_ERR_NOSPACE') {
        // fdtoverlay takes any NOSPACE for a full buffer and retries with 64 KiB more,
        // until the size passes INT_MAX and fdt_open_into itself fails.
        throw rewrap(e, (code) => `Failed to make temporary copy: ${code}`);
      }
      throw rewrap(e, (code) => `Failed to apply '${nameOf(i)}': ${code}`);
    }
  });
  return editor.pack();
}

/** fdtoverlay's message on top, libfdt's detail kept as the hint. */
function rewrap(e: unknown, message: (code: string) => string): unknown {
  if (!(e instanceof FdtError)) return e;
  return new FdtError(e.code as FdtCode, message(e.code), {
    offset: e.offset,
    path: e.path,
    hint: e.message,
  });
}
