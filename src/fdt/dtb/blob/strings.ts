/** The strings block: libfdt's fdt_get_string for reading, and its find-or-append for editing. */
import { latin1 } from './bytes.js';
import type { FdtHeader } from './header.js';

export type NameResolver = (nameoff: number) => { name: string | null; error?: string };

/** libfdt's fdt_get_string over a blob's strings block. */
export function stringResolver(blob: Uint8Array, h: FdtHeader): NameResolver {
  return (nameoff) => {
    const abs = h.offDtStrings + nameoff;
    if (nameoff >= 0x80000000 || abs >= h.totalsize) return { name: null, error: 'FDT_ERR_BADOFFSET' };
    let limit = h.totalsize - abs;
    if (h.version >= 17) {
      if (nameoff >= h.sizeDtStrings) return { name: null, error: 'FDT_ERR_BADOFFSET' };
      limit = Math.min(limit, h.sizeDtStrings - nameoff);
    }
    const end = blob.subarray(abs, abs + limit).indexOf(0);
    if (end < 0) return { name: null, error: 'FDT_ERR_TRUNCATED' };
    return { name: latin1(blob.subarray(abs, abs + end)) };
  };
}

/**
 * The strings block with libfdt's lookup: the first position where `s\0`
 * occurs, which may be the tail of a longer string. Every suffix of every
 * NUL-terminated run is indexed; runs longer than LONG are searched directly.
 */
export class StringsBlock {
  bytes: Uint8Array;
  length: number;
  private readonly first = new Map<string, number>();
  private readonly longRuns: { start: number; text: string }[] = [];
  /** Start of the trailing run that has no NUL yet. */
  private openRun: number;
  private static readonly LONG = 256;

  constructor(initial: Uint8Array) {
    this.bytes = new Uint8Array(Math.max(64, initial.length * 2));
    this.bytes.set(initial);
    this.length = initial.length;
    this.openRun = 0;
  }

  /** Built on first lookup: most blobs are only ever read. */
  private indexed = false;

  private indexFrom(from: number): void {
    let runStart = from;
    for (let i = from; i < this.length; i++) {
      if (this.bytes[i] !== 0) continue;
      this.indexRun(runStart, i);
      runStart = i + 1;
    }
    this.openRun = runStart;
  }

  private indexRun(start: number, nul: number): void {
    const text = latin1(this.bytes.subarray(start, nul));
    if (text.length > StringsBlock.LONG) {
      this.longRuns.push({ start, text });
      return;
    }
    for (let k = 0; k <= text.length; k++) {
      const suffix = text.slice(k);
      if (!this.first.has(suffix)) this.first.set(suffix, start + k);
    }
  }

  find(s: string): number {
    if (!this.indexed) {
      this.indexed = true;
      this.indexFrom(0);
    }
    let best = this.first.get(s) ?? -1;
    for (const run of this.longRuns) {
      if (best >= 0 && run.start > best) break;
      if (run.text.endsWith(s)) {
        const at = run.start + run.text.length - s.length;
        if (best < 0 || at < best) best = at;
        break;
      }
    }
    return best;
  }

  append(s: Uint8Array): void {
    const need = this.length + s.length + 1;
    if (need > this.bytes.length) {
      const grown = new Uint8Array(need * 2);
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(s, this.length);
    this.bytes[this.length + s.length] = 0;
    const from = this.openRun;
    this.length = need;
    if (this.indexed) this.indexFrom(from);
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}
