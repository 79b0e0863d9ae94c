/**
 * The communication graph: domains on a circle (in the model's order, so
 * the same input draws the same picture), one curve per static event
 * channel or shared-memory link. Several links between two domains bend
 * apart; a link with no other end goes to a small open stub and, like a
 * one-sided channel, is dashed.
 */
import { classes, errorMark, esc, findingLines } from './html-escape.js';
import type { Link, ReportData } from './report-data.js';

const SIZE = 520;
const RADIUS = 180;
const NODE_W = 110;
const NODE_H = 30;

export const COMM_GRAPH_STYLE = `
#comm-graph text { font: 11px sans-serif; fill: #222; }
#comm-graph .node rect { fill: #e3f2fd; stroke: #1565c0; }
#comm-graph .edge { fill: none; stroke-width: 2; }
#comm-graph .edge[data-kind="evtchn"] { stroke: #6a1b9a; }
#comm-graph .edge[data-kind="shm"] { stroke: #00838f; }
#comm-graph .edge.dangling { stroke-dasharray: 6 4; }
#comm-graph .edge.error { stroke: var(--error, #e53935); stroke-width: 3; }
#comm-graph .stub { fill: #fff; stroke: #999; }
#comm-graph text.edge-label { font-size: 9px; }
`;

interface Point {
  x: number;
  y: number;
}

function positions(names: readonly string[]): Map<string, Point> {
  const c = SIZE / 2;
  const r = names.length === 1 ? 0 : RADIUS;
  return new Map(names.map((n, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / names.length;
    return [n, { x: Math.round(c + r * Math.cos(a)), y: Math.round(c + r * Math.sin(a)) }];
  }));
}

/** Where a link without a domain at its other end points: outwards from its domain. */
function stubOf(from: Point): Point {
  const c = SIZE / 2;
  const dx = from.x - c;
  const dy = from.y - c;
  const len = Math.hypot(dx, dy) || 1;
  return { x: Math.round(from.x + (dx / len) * 70 || from.x + 70), y: Math.round(from.y + (dy / len) * 70) };
}

function edgeSvg(l: Link, a: Point, b: Point, n: number, data: ReportData): string {
  // Links between the same two domains: alternate sides, further out each time; labels at different points along them.
  const bend = (n % 2 ? -1 : 1) * Math.ceil(n / 2) * 40;
  const t = Math.max(0.2, 0.5 - 0.12 * n);
  const mx = (a.x + b.x) / 2;
  const my = (a.y + b.y) / 2;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const cx = Math.round(mx - (dy / len) * bend);
  const cy = Math.round(my + (dx / len) * bend);
  const mark = errorMark(l.findings);
  const title = [l.label, ...findingLines(l.findings, new Map(data.findings.map((f) => [f.id, f.message])))].join('\n');
  const path = `<path class="${classes('edge', l.dangling && 'dangling', mark.href && 'error')}" data-kind="${l.kind}" data-from="${esc(l.from)}" data-to="${esc(l.to)}"${mark.attrs} d="M ${a.x} ${a.y} Q ${cx} ${cy} ${b.x} ${b.y}"><title>${esc(title)}</title></path>`;
  const lx = Math.round((1 - t) * (1 - t) * a.x + 2 * t * (1 - t) * cx + t * t * b.x) + 4;
  // Above the curve, not on it.
  const ly = Math.round((1 - t) * (1 - t) * a.y + 2 * t * (1 - t) * cy + t * t * b.y) - 5;
  const label = `<text class="edge-label" x="${lx}" y="${ly}">${esc(l.kind === 'evtchn' ? l.label.replace(/ \(.*\)$/, '') : l.label)}</text>`;
  return mark.href ? `<a href="${esc(mark.href)}">${path}${label}</a>` : `${path}${label}`;
}

export function commGraphSvg(data: ReportData): string {
  const names = data.domains.map((d) => d.name);
  const at = positions(names);
  const seen = new Map<string, number>();
  const edges: string[] = [];
  const stubs: string[] = [];
  for (const l of data.links) {
    const a = at.get(l.from);
    if (!a) continue;
    const b = l.to !== '' ? at.get(l.to) : undefined;
    const end = b ?? stubOf(a);
    if (!b) stubs.push(`<circle class="stub" cx="${end.x}" cy="${end.y}" r="6"/>`);
    const key = [l.from, l.to].sort().join('\0');
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    edges.push(edgeSvg(l, a, end, n, data));
  }
  const nodes = names.map((n) => {
    const p = at.get(n)!;
    return `<g class="node" data-domain="${esc(n)}"><a href="#domain-${esc(n)}"><rect x="${p.x - NODE_W / 2}" y="${p.y - NODE_H / 2}" width="${NODE_W}" height="${NODE_H}" rx="6"/><text x="${p.x}" y="${p.y + 4}" text-anchor="middle">${esc(n)}</text></a></g>`;
  });
  const empty = data.links.length === 0 ? `<text x="8" y="${SIZE - 8}">No static event channel or shared memory between domains.</text>` : '';
  return `<svg id="comm-graph" xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" role="img" aria-label="communication graph"><style>${COMM_GRAPH_STYLE}</style>${edges.join('')}${stubs.join('')}${nodes.join('')}${empty}</svg>`;
}
