/**
 * Buffer bytes past the end of the data: what an earlier shrink left behind,
 * then (as fdtoverlay's fresh allocations are assumed to be) zeros.
 */
export class FreeSpace {
  private chunks: Uint8Array[] = [];
  private head = 0;

  byteAt(i: number): number {
    let k = i + this.head;
    for (const c of this.chunks) {
      if (k < c.length) return c[k]!;
      k -= c.length;
    }
    return 0;
  }

  consume(n: number): void {
    let k = n + this.head;
    while (this.chunks.length && k >= this.chunks[0]!.length) {
      k -= this.chunks[0]!.length;
      this.chunks.shift();
    }
    this.head = this.chunks.length ? k : 0;
  }

  prepend(bytes: Uint8Array): void {
    if (this.head) {
      this.chunks[0] = this.chunks[0]!.subarray(this.head);
      this.head = 0;
    }
    if (bytes.length) this.chunks.unshift(bytes);
  }
}
