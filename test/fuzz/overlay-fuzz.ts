/**
 * Random base/overlay pairs compiled with dtc and applied both by
 * /usr/bin/fdtoverlay and applyOverlays; any byte difference is printed.
 * Run: npx tsx test/fuzz/overlay-fuzz.ts [iterations] [seed]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverlays } from '../../src/fdt/fdtoverlay.js';

export function makeRng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

const PROP_NAMES = ['a', 'ba', 'name', 'linux,name', 'status', 'reg', 'compatible', 'x-long-property-name', 'val', 'phandle-ref'];
const NODE_NAMES = ['n', 'node', 'dev@1', 'dev@2', 'dev', 'bus', 'child', 'x@10'];

function pick<T>(r: () => number, xs: T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function value(r: () => number, labels: string[]): string {
  const k = r();
  if (k < 0.15) return '';
  if (k < 0.45) return ` = "${'abcdefghijklmnopqrstuvwxyz'.slice(0, Math.floor(r() * 12))}"`;
  if (k < 0.65) return ` = <${Array.from({ length: 1 + Math.floor(r() * 4) }, () => Math.floor(r() * 1000)).join(' ')}>`;
  if (k < 0.8 && labels.length) return ` = <&${pick(r, labels)} ${Math.floor(r() * 9)}>`;
  if (k < 0.9) return ` = [${Array.from({ length: Math.floor(r() * 7) }, () => Math.floor(r() * 256).toString(16).padStart(2, '0')).join(' ')}]`;
  return ` = "${'x'.repeat(Math.floor(r() * 200))}", "b"`;
}

interface GenNode { name: string; label?: string; props: string[]; kids: GenNode[] }

function genTree(r: () => number, depth: number, labels: string[], prefix: string, refs: string[]): GenNode[] {
  const out: GenNode[] = [];
  const n = Math.floor(r() * (depth > 2 ? 2 : 4));
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    const name = pick(r, NODE_NAMES);
    if (used.has(name)) continue;
    used.add(name);
    const node: GenNode = { name, props: [], kids: [] };
    if (r() < 0.5) {
      node.label = `${prefix}${labels.length}`;
      labels.push(node.label);
    }
    const pn = new Set<string>();
    for (let j = Math.floor(r() * 4); j > 0; j--) pn.add(pick(r, PROP_NAMES));
    node.props = [...pn].map((p) => `${p}${value(r, refs)};`);
    if (depth < 3) node.kids = genTree(r, depth + 1, labels, prefix, refs);
    out.push(node);
  }
  return out;
}

function dts(nodes: GenNode[], indent: string): string {
  return nodes.map((n) => `${indent}${n.label ? n.label + ': ' : ''}${n.name} {\n${n.props.map((p) => indent + '  ' + p + '\n').join('')}${dts(n.kids, indent + '  ')}${indent}};\n`).join('');
}

function paths(nodes: GenNode[], prefix: string, out: string[]): string[] {
  for (const n of nodes) {
    out.push(prefix + '/' + n.name);
    paths(n.kids, prefix + '/' + n.name, out);
  }
  return out;
}

export function genCase(r: () => number): { base: string; overlays: string[]; baseOpts: string[] } {
  const labels: string[] = [];
  const tree = genTree(r, 0, labels, 'b', []);
  const rootProps = r() < 0.5 ? '  model = "m";\n  compatible = "c", "d";\n' : '';
  const base = `/dts-v1/;\n${r() < 0.3 ? '/memreserve/ 0x1000 0x2000;\n' : ''}/ {\n${rootProps}${dts(tree, '  ')}};\n`;
  const allPaths = paths(tree, '', []);
  const overlays: string[] = [];
  for (let k = 1 + Math.floor(r() * 2); k > 0; k--) {
    let body = '';
    const ovLabels: string[] = [];
    for (let f = 1 + Math.floor(r() * 3); f > 0; f--) {
      const target = labels.length && r() < 0.6 ? `&${pick(r, labels)}` : r() < 0.2 || !allPaths.length ? '&{/}' : `&{${pick(r, allPaths)}}`;
      const sub = genTree(r, 1, ovLabels, `o${overlays.length}x`, [...labels]);
      const pn = new Set<string>();
      for (let j = Math.floor(r() * 4); j > 0; j--) pn.add(pick(r, PROP_NAMES));
      const props = [...pn].map((p) => `  ${p}${value(r, labels)};\n`).join('');
      body += `${target} {\n${props}${dts(sub, '  ')}};\n`;
    }
    overlays.push(`/dts-v1/;\n/plugin/;\n${body}`);
  }
  const baseOpts: string[] = [];
  if (r() < 0.3) baseOpts.push('-p', String(Math.floor(r() * 64)));
  if (r() < 0.2) baseOpts.push('-R', String(1 + Math.floor(r() * 2)));
  if (r() < 0.8) baseOpts.push('-@');
  return { base, overlays, baseOpts };
}

function main(): void {
  const iterations = Number(process.argv[2] ?? 200);
  const seed = Number(process.argv[3] ?? 1);
  const dir = mkdtempSync(join(tmpdir(), 'ovfuzz-'));
  const r = makeRng(seed);
  let same = 0, total = 0, succ = 0;
  for (let i = 0; i < iterations; i++) {
    const c = genCase(r);
    writeFileSync(join(dir, 'b.dts'), c.base);
    try {
      execFileSync('dtc', [...c.baseOpts, '-f', '-I', 'dts', '-O', 'dtb', '-o', join(dir, 'b.dtb'), join(dir, 'b.dts')], { stdio: 'pipe' });
    } catch { continue; }
    const ovFiles: string[] = [];
    let ok = true;
    c.overlays.forEach((o, j) => {
      writeFileSync(join(dir, `o${j}.dts`), o);
      try {
        execFileSync('dtc', ['-@', '-f', '-I', 'dts', '-O', 'dtb', '-o', join(dir, `o${j}.dtbo`), join(dir, `o${j}.dts`)], { stdio: 'pipe' });
        ovFiles.push(join(dir, `o${j}.dtbo`));
      } catch { ok = false; }
    });
    if (!ok) continue;
    total++;
    const out = join(dir, 'out.dtb');
    if (existsSync(out)) unlinkSync(out);
    let ref: Buffer | null = null;
    try {
      execFileSync('fdtoverlay', ['-i', join(dir, 'b.dtb'), '-o', out, ...ovFiles], { stdio: 'pipe', timeout: 5000 });
      ref = readFileSync(out);
    } catch { ref = null; }
    let mine: Uint8Array | null = null;
    let err = '';
    try {
      mine = applyOverlays(readFileSync(join(dir, 'b.dtb')), ovFiles.map((f) => readFileSync(f)));
    } catch (e) { err = String((e as Error).message); }
    const match = ref === null ? mine === null : mine !== null && Buffer.compare(ref, Buffer.from(mine)) === 0;
    if (match) { same++; if (ref) succ++; } else {
      console.log(`MISMATCH iteration ${i} (ref ${ref ? 'ok' : 'failed'}, ours ${mine ? 'ok' : err})`);
      const keep = join(tmpdir(), `ovfuzz-fail-${seed}-${i}`);
      execFileSync('cp', ['-r', dir, keep]);
      console.log(`  kept in ${keep}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(`identical ${same}/${total} (${succ} successful applies)`);
}

if (process.argv[1]?.endsWith('overlay-fuzz.ts')) main();
