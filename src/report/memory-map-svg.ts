/**
 * The physical memory map: address grows downwards, one column per kind of
 * range. Ranges span from a few KiB (a DTB) to GiB (a RAM bank) and sit GiB
 * apart, so a linear axis shows nothing: the axis is cut at every range's
 * start and end, each piece drawn with a height growing with the log of its
 * size, and stretches no range covers are drawn as a short break with their
 * size written on it. Every range is at least one piece tall, so each one
 * and its address label stay visible.
 */
import { classes, errorMark, esc, findingLines } from './html-escape.js';
import { sizeText } from './domains-table.js';
import type { MemoryRange, RangeKind, ReportData } from './report-data.js';

const KINDS: readonly RangeKind[] = ['ram', 'reserved', 'xen', 'module', 'static-mem', 'shm', 'llc'];
const KIND_TITLE: Record<RangeKind, string> = { ram: 'host RAM', reserved: 'reserved', xen: 'Xen', module: 'modules', 'static-mem': 'static memory', shm: 'shared memory', llc: 'LLC colours' };
const PIECE_MIN = 16;
const PIECE_PER_DOUBLING = 5;
const GAP = 22;
const LANE = 170;
const AXIS = 14;
const TOP = 34;

export const MEMORY_MAP_STYLE = `
#memory-map text { font: 10px sans-serif; fill: #222; }
#memory-map text.addr, #memory-map text.end { font: 9px monospace; }
#memory-map text.kind { font-weight: bold; }
#memory-map rect.range { stroke: #333; stroke-width: 0.6; fill-opacity: 0.85; }
#memory-map rect[data-kind="ram"] { fill: #e8f1fb; }
#memory-map rect[data-kind="reserved"] { fill: #cfcfcf; }
#memory-map rect[data-kind="xen"] { fill: #b39ddb; }
#memory-map rect[data-kind="module"] { fill: #a5d6a7; }
#memory-map rect[data-kind="static-mem"] { fill: #ffe082; }
#memory-map rect[data-kind="shm"] { fill: #80deea; }
#memory-map rect[data-kind="llc"] { fill: #f8bbd0; }
#memory-map rect.range.error { fill: var(--error, #e53935); stroke: var(--error, #e53935); stroke-width: 2; }
#memory-map .break { stroke: #777; fill: none; stroke-dasharray: 3 2; }
`;

/** The axis: the y of every cut point, and the uncovered stretches. */
interface Axis {
  y: Map<bigint, number>;
  gaps: { from: bigint; to: bigint; y: number }[];
  height: number;
}

function log2(v: bigint): number {
  return v <= 1n ? 0 : v.toString(2).length - 1;
}

function axisOf(ranges: readonly { start: bigint; end: bigint }[]): Axis {
  const cuts = [...new Set(ranges.flatMap((r) => [r.start, r.end]))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const y = new Map<bigint, number>();
  const gaps: Axis['gaps'] = [];
  let at = TOP;
  cuts.forEach((c, i) => {
    y.set(c, at);
    const next = cuts[i + 1];
    if (next === undefined) return;
    const covered = ranges.some((r) => r.start <= c && r.end >= next);
    if (!covered) gaps.push({ from: c, to: next, y: at });
    at += covered ? PIECE_MIN + PIECE_PER_DOUBLING * Math.max(0, log2((next - c) / 4096n)) : GAP;
  });
  return { y, gaps, height: at + 18 };
}

/** Side-by-side slots for ranges of one kind that overlap (greedy, in address order). */
function slots(ranges: readonly { start: bigint; end: bigint }[]): { slot: number[]; count: number } {
  const ends: bigint[] = [];
  const slot = ranges.map((r) => {
    let s = ends.findIndex((e) => e <= r.start);
    if (s < 0) s = ends.push(r.end) - 1;
    else ends[s] = r.end;
    return s;
  });
  return { slot, count: Math.max(1, ends.length) };
}

function rangeSvg(r: MemoryRange, x: number, y0: number, y1: number, w: number, messages: ReadonlyMap<string, string>): string {
  const mark = errorMark(r.findings);
  const title = [`${r.label}: [${r.start}, ${r.end}) ${sizeText(BigInt(r.end) - BigInt(r.start))}`, ...findingLines(r.findings, messages)].join('\n');
  const h = y1 - y0;
  const rect = `<rect class="${classes('range', mark.href && 'error')}" data-kind="${r.kind}" data-start="${esc(r.start)}" data-end="${esc(r.end)}" data-owner="${esc(r.owner)}"${mark.attrs} x="${x}" y="${y0}" width="${w - 4}" height="${h}"><title>${esc(title)}</title></rect>`;
  const addr = `<text class="addr" x="${x + 3}" y="${y0 + 10}">${esc(r.start)}</text>`;
  const label = h >= 26 ? `<text class="label" x="${x + 3}" y="${y0 + 22}">${esc(r.label)}</text>` : '';
  const body = `${rect}${addr}${label}`;
  return mark.href ? `<a href="${esc(mark.href)}">${body}</a>` : body;
}

function gapSvg(g: Axis['gaps'][number], width: number): string {
  const y = g.y + GAP / 2;
  const zig = `M ${AXIS} ${y} ${Array.from({ length: Math.floor((width - AXIS) / 12) }, (_, i) => `L ${AXIS + 6 + i * 12} ${y + (i % 2 ? 4 : -4)}`).join(' ')}`;
  return `<path class="break" d="${zig}"/><text class="gap" x="${AXIS + 4}" y="${y - 5}">… ${esc(sizeText(g.to - g.from))} not used …</text>`;
}

export function memoryMapSvg(data: ReportData): string {
  const ranges = data.memory.map((r) => ({ r, start: BigInt(r.start), end: BigInt(r.end) }));
  const kinds = KINDS.filter((k) => ranges.some((x) => x.r.kind === k));
  const width = AXIS + Math.max(1, kinds.length) * LANE;
  if (ranges.length === 0) {
    return `<svg id="memory-map" xmlns="http://www.w3.org/2000/svg" width="${width + 300}" height="40" viewBox="0 0 ${width + 300} 40"><style>${MEMORY_MAP_STYLE}</style><text x="4" y="20">No physical range is known (no host memory nodes, no module reg).</text></svg>`;
  }
  const axis = axisOf(ranges);
  const messages = new Map(data.findings.map((f) => [f.id, f.message]));
  const parts: string[] = [];
  kinds.forEach((k, lane) => {
    const mine = ranges.filter((x) => x.r.kind === k);
    const { slot, count } = slots(mine);
    const x0 = AXIS + lane * LANE;
    parts.push(`<text class="kind" x="${x0 + 3}" y="${TOP - 12}">${esc(KIND_TITLE[k])}</text>`);
    const w = LANE / count;
    mine.forEach((x, i) => parts.push(rangeSvg(x.r, x0 + slot[i]! * w, axis.y.get(x.start)!, axis.y.get(x.end)!, w, messages)));
  });
  const gaps = axis.gaps.map((g) => gapSvg(g, width));
  // Where the last range ends: the one end address the start labels do not give.
  const last = ranges.reduce((m, x) => (x.end > m ? x.end : m), 0n);
  gaps.push(`<text class="end" x="${AXIS + 3}" y="${axis.y.get(last)! + 10}">${esc(`0x${last.toString(16)}`)}</text>`);
  return `<svg id="memory-map" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${axis.height}" viewBox="0 0 ${width} ${axis.height}" role="img" aria-label="physical memory map"><style>${MEMORY_MAP_STYLE}</style><path class="axis" d="M ${AXIS - 4} ${TOP} V ${axis.height - 10}" stroke="#333"/>${gaps.join('')}${parts.join('')}</svg>`;
}
