/**
 * A tiny hand-assembler for DTBs in tests: lets a test lay out header,
 * reservation map, structure and strings blocks anywhere, the way libfdt or
 * an old tool would, or build deliberately broken blobs.
 */
export const TOKEN = { BEGIN_NODE: 1, END_NODE: 2, PROP: 3, NOP: 4, END: 9 } as const;

export class StructBuilder {
  readonly bytes: number[] = [];
  readonly strings: string[] = [];

  cell(v: number): this {
    this.bytes.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    return this;
  }

  private pad(to: number): void {
    while (this.bytes.length % to !== 0) this.bytes.push(0);
  }

  begin(name: string): this {
    this.cell(TOKEN.BEGIN_NODE);
    for (const ch of name) this.bytes.push(ch.charCodeAt(0));
    this.bytes.push(0);
    this.pad(4);
    return this;
  }

  end(): this {
    return this.cell(TOKEN.END_NODE);
  }

  nop(): this {
    return this.cell(TOKEN.NOP);
  }

  /** A property whose name offset comes from `nameoff(name)` once the strings block is laid out. */
  prop(name: string, value: Uint8Array | number[], nameoff: (name: string) => number, align8 = false): this {
    const v = value instanceof Uint8Array ? [...value] : value;
    this.cell(TOKEN.PROP).cell(v.length).cell(nameoff(name));
    if (align8 && v.length >= 8) this.pad(8);
    this.bytes.push(...v);
    this.pad(4);
    return this;
  }

  finish(): Uint8Array {
    this.cell(TOKEN.END);
    return Uint8Array.from(this.bytes);
  }
}

export function cells(...vals: number[]): number[] {
  const out: number[] = [];
  for (const v of vals) out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  return out;
}

export function str(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0)).concat([0]);
}

/** A strings block holding `names` in the given order, with each name's offset. */
export function stringsBlock(names: string[]): { bytes: Uint8Array; offsetOf: (n: string) => number } {
  const offs = new Map<string, number>();
  const bytes: number[] = [];
  for (const n of names) {
    if (offs.has(n)) continue;
    offs.set(n, bytes.length);
    bytes.push(...str(n));
  }
  return {
    bytes: Uint8Array.from(bytes),
    offsetOf: (n) => {
      const o = offs.get(n);
      if (o === undefined) throw new Error(`no string ${n}`);
      return o;
    },
  };
}

export interface Layout {
  version: number;
  lastComp: number;
  headerSize: number;
  offRsvmap: number;
  offStruct: number;
  offStrings: number;
  totalsize: number;
  bootCpuid?: number;
  reservations: [bigint, bigint][];
  struct: Uint8Array;
  strings: Uint8Array;
}

/** Place every block where the layout says; gaps stay zero. */
export function assemble(l: Layout): Uint8Array {
  const out = new Uint8Array(l.totalsize);
  const dv = new DataView(out.buffer);
  const words = [0xd00dfeed, l.totalsize, l.offStruct, l.offStrings, l.offRsvmap, l.version, l.lastComp, l.bootCpuid ?? 0, l.strings.length, l.struct.length];
  words.slice(0, l.headerSize / 4).forEach((w, i) => dv.setUint32(i * 4, w));
  l.reservations.forEach(([a, s], i) => {
    dv.setBigUint64(l.offRsvmap + i * 16, a);
    dv.setBigUint64(l.offRsvmap + i * 16 + 8, s);
  });
  out.set(l.struct, l.offStruct);
  out.set(l.strings, l.offStrings);
  return out;
}
