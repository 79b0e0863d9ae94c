/**
 * `hyperlaunch report` pages opened from disk in Debian's headless Chromium
 * (test/support/browser.ts), checked against the DOM contract of
 * docs/report.md. What the page must show is worked out here without the
 * report's code: domids from a table written by hand (the numbers real boots
 * gave, test/report/domid.test.ts), memory ranges and event channels read
 * straight from the devicetree's properties, the ImageBuilder config's
 * load addresses from the boot script `build` writes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { decodeReg } from '../../src/fdt/tree/addresses.js';
import { runDtc } from '../../src/fdt/dtc.js';
import { type DeviceTree, type Node, getNodeByPhandle, walkNodes } from '../../src/fdt/tree/livetree.js';
import { launchBrowser, openFile } from '../support/browser.js';
import { cliPath, repoRoot } from '../support/paths.js';
import type { Skippable } from '../support/skip.js';
import { dummyCpio, dummyImage } from '../artifacts/golden-inputs.js';

// Page functions run in Chromium; this project compiles without the DOM lib.
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
  closest(selector: string): PageElement | null;
  querySelector(selector: string): unknown;
  parentElement: { querySelector(selector: string): unknown } | null;
}
interface Style { fill: string; stroke: string; color: string; backgroundColor: string; borderTopColor: string; strokeDasharray: string; getPropertyValue(name: string): string }
declare function getComputedStyle(e: unknown): Style;
declare const document: { documentElement: unknown };

const examples = join(repoRoot, 'examples');
const work = mkdtempSync(join(tmpdir(), 'hl-report-browser-'));
let browser: Promise<Browser | undefined> | undefined;

after(async () => {
  const b = await browser;
  await b?.close();
  rmSync(work, { recursive: true, force: true });
});

async function theBrowser(t: Skippable): Promise<Browser | undefined> {
  browser ??= launchBrowser(t);
  const b = await browser;
  if (!b) browser = undefined; // let every test print its own notice
  return b;
}

/**
 * The domids each example's domains get (a devicetree is booted as written:
 * DT order, or the Hyperlaunch `domid`), by hand; a new example must be added.
 */
const DOMIDS: Record<string, Record<string, number>> = {
  'boot-cpupools': { dom0: 0, domU1: 1 },
  'hyperlaunch-disaggregated': { control: 1, hardware: 2, xenstore: 3 },
  'hyperlaunch-x86-dom0': { dom0: 0 },
  passthrough: { dom0: 0, domU1: 1 },
  'qemu-dom0less': { dom0: 0, domU1: 1, domU2: 2 },
  'static-memory': { dom0: 0, domU1: 1 },
  'static-shm-evtchn': { domU1: 1, domU2: 2 },
  'true-dom0less': { domU1: 1, domU2: 2 },
  'x86-dom0-two-guests': { dom0: 0, 'guest-pv': 1, 'guest-pvh': 2 },
  'xen-ci-smoke': { dom0: 0, domU0: 1 },
};

/** A partial device tree (the passthrough example's) is no boot configuration. */
const NOT_CONFIGURATIONS = new Set(['passthrough-partial']);

const exampleNames = (): string[] => readdirSync(examples).filter((f) => f.endsWith('.dts')).map((f) => basename(f, '.dts')).filter((n) => !NOT_CONFIGURATIONS.has(n)).sort();

function report(args: string[], out: string): void {
  const r = spawnSync(process.execPath, [cliPath, 'report', ...args, '-o', out], { cwd: repoRoot, encoding: 'utf8' });
  // 1 = the configuration has problems (drawn on the page); the page is written either way.
  assert.ok(r.status === 0 || r.status === 1, `report exited ${r.status}: ${r.stdout}${r.stderr}`);
  assert.ok(!/\n\s+at /.test(r.stderr), `stack trace:\n${r.stderr}`);
  assert.ok(existsSync(out), `no ${out}: ${r.stdout}${r.stderr}`);
}

// ---- what the page must show, read from the devicetree itself --------------------------------------

interface Range { kind: string; start: string; end: string; owner: string }

const hex = (v: bigint): string => `0x${v.toString(16)}`;
const u32s = (b: Uint8Array): number[] => Array.from({ length: b.length / 4 }, (_, k) => new DataView(b.buffer, b.byteOffset + 4 * k, 4).getUint32(0));
const str = (n: Node, p: string): string[] => new TextDecoder().decode(n.getProperty(p)?.bytes ?? new Uint8Array()).split('\0').filter(Boolean);
const cellsOf = (n: Node | undefined, p: '#address-cells' | '#size-cells', dflt: number): number => {
  const b = n?.getProperty(p)?.bytes;
  return b ? u32s(b)[0]! : dflt;
};

/** Big-endian numbers of `widths` cells each, repeated over the value. */
function tuples(bytes: Uint8Array, widths: number[]): bigint[][] {
  const cells = u32s(bytes);
  const per = widths.reduce((a, b) => a + b, 0);
  const out: bigint[][] = [];
  for (let at = 0; at + per <= cells.length; at += per) {
    let k = at;
    out.push(widths.map((w) => {
      let v = 0n;
      for (let i = 0; i < w; i++) v = (v << 32n) | BigInt(cells[k++]!);
      return v;
    }));
  }
  return out;
}

function readTree(file: string): DeviceTree {
  const r = runDtc(readFileSync(file), { file, includeDirs: [examples] });
  assert.ok(r.tree, `${file}: ${r.error?.message}`);
  return r.tree;
}

const isDomain = (n: Node | undefined): boolean => str(n!, 'compatible').includes('xen,domain');

/** dom0less dom0's modules sit directly under /chosen; Xen's own (XSM policy) belong to no domain. */
function moduleOwner(m: Node): string {
  if (isDomain(m.parent)) return m.parent!.name;
  const c = str(m, 'compatible');
  return c.some((x) => /kernel|ramdisk|zimage|initrd/.test(x)) ? 'dom0' : '';
}

/** Host RAM, /memreserve/ and /reserved-memory, boot modules with a `reg`, static memory, static shared memory. */
function expectedRanges(tree: DeviceTree): Range[] {
  const root = tree.root;
  const out: Range[] = tree.reservations.map((r) => ({ kind: 'reserved', start: hex(r.address), end: hex(r.address + r.size), owner: '' }));
  for (const n of walkNodes(root)) {
    const c = str(n, 'compatible');
    if (n.parent === root && str(n, 'device_type').includes('memory')) {
      for (const r of decodeReg(n)) out.push({ kind: 'ram', start: hex(r.address), end: hex(r.address + r.size), owner: '' });
    } else if (n.parent?.name === 'reserved-memory' && n.parent.parent === root) {
      for (const r of decodeReg(n)) out.push({ kind: 'reserved', start: hex(r.address), end: hex(r.address + r.size), owner: '' });
    } else if ((c.includes('multiboot,module') || c.includes('xen,multiboot-module')) && n.getProperty('reg')) {
      for (const r of decodeReg(n)) out.push({ kind: 'module', start: hex(r.address), end: hex(r.address + r.size), owner: moduleOwner(n) });
    }
    if (isDomain(n) && n.getProperty('xen,static-mem')) {
      const chosen = n.parent;
      for (const [a, s] of tuples(n.getProperty('xen,static-mem')!.bytes, [cellsOf(chosen, '#address-cells', 2), cellsOf(chosen, '#size-cells', 1)])) {
        out.push({ kind: 'static-mem', start: hex(a!), end: hex(a! + s!), owner: n.name });
      }
    }
  }
  return out.concat(sharedMemory(root));
}

/** One range per region with a host address, owned by the domain whose node says role = "owner". */
function sharedMemory(root: Node): Range[] {
  const regions = new Map<string, Range>();
  for (const n of walkNodes(root)) {
    if (!str(n, 'compatible').includes('xen,domain-shared-memory-v1')) continue;
    const d = n.parent!;
    const ac = cellsOf(d, '#address-cells', 2);
    const sc = cellsOf(d, '#size-cells', 1);
    const bytes = n.getProperty('xen,shared-mem')!.bytes;
    if (bytes.length / 4 !== 2 * ac + sc) continue; // no host address (4.19+ form): Xen picks it
    const [host, , size] = tuples(bytes, [ac, ac, sc])[0]!;
    const key = `${str(n, 'xen,shm-id')[0]}@${hex(host!)}`;
    const r = regions.get(key) ?? { kind: 'shm', start: hex(host!), end: hex(host! + size!), owner: '' };
    if (str(n, 'role')[0] === 'owner') r.owner = d.name;
    regions.set(key, r);
  }
  return [...regions.values()];
}

/** Static event channels: two nodes naming each other are one channel; a node naming no partner back is one too. */
function eventChannels(root: Node): number {
  const seen = new Set<Node>();
  let n = 0;
  for (const e of walkNodes(root)) {
    if (!str(e, 'compatible').includes('xen,evtchn-v1') || seen.has(e)) continue;
    seen.add(e);
    const cells = u32s(e.getProperty('xen,evtchn')?.bytes ?? new Uint8Array());
    const peer = cells[1] === undefined ? undefined : getNodeByPhandle(root, cells[1]);
    const back = peer && u32s(peer.getProperty('xen,evtchn')?.bytes ?? new Uint8Array())[1];
    if (peer && back !== undefined && getNodeByPhandle(root, back) === e) seen.add(peer);
    n++;
  }
  return n;
}

// ---- what the page shows -------------------------------------------------------------------------------

const key = (r: Range): string => `${r.kind} ${r.start}-${r.end} ${r.owner}`;
const sorted = (a: string[]): string[] => [...a].sort();

async function attrs(page: Page, selector: string, names: string[]): Promise<Array<Record<string, string | null>>> {
  return page.locator(selector).evaluateAll((els: PageElement[], ns: string[]) => els.map((e) => Object.fromEntries(ns.map((n) => [n, n === '#text' ? e.textContent : e.getAttribute(n)]))), names);
}

/** The reasons docs/report.md's contract names (a prediction may add what Xen ignores). */
const WHYS = ['dom0 is always 0', 'DT order in /chosen', '`domid` property', 'U-Boot `fdt mknod` reverses order (boot.scr build)', '`xl create` order'];

async function assertDomains(page: Page, want: Record<string, number | string>): Promise<void> {
  const rows = await attrs(page, '#domains tr.domain', ['data-domain', 'data-domid', 'id']);
  assert.deepEqual(sorted(rows.map((r) => `${r['data-domain']}=${r['data-domid']}`)), sorted(Object.entries(want).map(([d, n]) => `${d}=${n}`)), 'one row per domain, with its domid');
  for (const r of rows) assert.equal(r.id, `domain-${r['data-domain']}`);
  const cells = await attrs(page, '#domains tr.domain td.domid', ['#text']);
  assert.deepEqual(cells.map((c) => c['#text']?.trim()), rows.map((r) => r['data-domid']), 'the domid cell says what data-domid says');
  const whys = await attrs(page, '#domains tr.domain td.domid-why', ['#text']);
  assert.equal(whys.length, rows.length, 'every domid says why');
  for (const w of whys) assert.ok(WHYS.some((x) => w['#text']?.trim().startsWith(x)), `not a reason of the contract: ${w['#text']}`);
}

/** Kinds read from the input: the page has exactly these ranges of those kinds, one rect each. */
async function assertMemory(page: Page, want: Range[], kinds: string[]): Promise<void> {
  const rects = await attrs(page, '#memory-map rect.range', ['data-kind', 'data-start', 'data-end', 'data-owner']);
  const got = rects.map((r) => ({ kind: r['data-kind']!, start: r['data-start']!, end: r['data-end']!, owner: r['data-owner'] ?? '' }));
  for (const r of got) assert.match(`${r.start} ${r.end}`, /^0x(0|[1-9a-f][0-9a-f]*) 0x(0|[1-9a-f][0-9a-f]*)$/, 'lower-case hex, no padding');
  assert.deepEqual(sorted(got.filter((r) => kinds.includes(r.kind)).map(key)), sorted(want.map(key)));
  const labels = new Set((await attrs(page, '#memory-map text.addr', ['#text'])).map((l) => l['#text']?.trim()));
  for (const r of got) assert.ok(labels.has(r.start), `no address label ${r.start} for ${key(r)}`);
}

/** A full-page PNG of plausible size, no request but the page itself, and an A4 PDF. */
async function assertSelfContained(opened: Awaited<ReturnType<typeof openFile>>, png: string): Promise<void> {
  const shot = await opened.page.screenshot({ fullPage: true, path: png });
  assert.deepEqual([...shot.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(shot.readUInt32BE(16), 1200, 'as wide as the viewport');
  assert.ok(shot.readUInt32BE(20) >= 400, `a page, not a strip: ${shot.readUInt32BE(20)} px high`);
  assert.ok(shot.length > 20_000 && shot.length < 20_000_000, `PNG of ${shot.length} bytes`);
  assert.deepEqual(opened.leaving(), [], 'requests that left the page');
  const pdf = await opened.page.pdf({ format: 'A4' });
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(pdf.length > 5_000, `PDF of ${pdf.length} bytes`);
}

test('every example is in the domid table (a new example needs its expected domids here)', () => {
  assert.deepEqual(exampleNames(), Object.keys(DOMIDS).sort());
});

for (const name of Object.keys(DOMIDS)) {
  test(`report of examples/${name}.dts in Chromium: domains and domids, memory rects and labels, event channel edges, screenshot, nothing fetched, A4`, async (t) => {
    const b = await theBrowser(t);
    if (!b) return;
    const input = join(examples, `${name}.dts`);
    const out = join(work, `${name}.html`);
    report(['-i', examples, input], out);
    const tree = readTree(input);
    const opened = await openFile(b, out);
    try {
      await assertDomains(opened.page, DOMIDS[name]!);
      await assertMemory(opened.page, expectedRanges(tree), ['ram', 'reserved', 'module', 'static-mem', 'shm']);
      const edges = await opened.page.locator('#comm-graph .edge[data-kind="evtchn"]').count();
      assert.equal(edges, eventChannels(tree.root), 'one edge per event channel');
      const nodes = await attrs(opened.page, '#comm-graph g.node', ['data-domain']);
      assert.deepEqual(sorted(nodes.map((n) => n['data-domain']!)), sorted(Object.keys(DOMIDS[name]!)), 'one graph node per domain');
      await assertSelfContained(opened, join(work, `${name}.png`));
    } finally {
      await opened.page.context().close();
    }
  });
}

// ---- an ImageBuilder config: a boot.scr build, so U-Boot's fdt mknod reverses the domUs -----------------

const CONFIG = [
  'MEMORY_START="0x40000000"', 'MEMORY_END="0xC0000000"', 'LOAD_CMD="tftpb"', 'DEVICE_TREE="host.dtb"',
  'XEN="xen"', 'XEN_CMD="console=dtuart dtuart=serial0"', 'DOM0_KERNEL="Image"', 'DOM0_RAMDISK="dom0.cpio"', 'NUM_DOMUS=3',
  ...[0, 1, 2].flatMap((i) => [`DOMU_KERNEL[${i}]="Image"`, `DOMU_RAMDISK[${i}]="domU${i}.cpio"`, `DOMU_MEM[${i}]=128`]),
  'UBOOT_SOURCE="boot.source"', 'UBOOT_SCRIPT="boot.scr"', '',
].join('\n');

const HOST_DTS = '/dts-v1/;\n/include/ "qemu-virt-arm64.dtsi"\n';
const hostDtsFile = join(examples, 'host.dts'); // for messages and includes only: never written

function imageBuilderDir(): string {
  const dir = mkdtempSync(join(work, 'ib-'));
  const r = runDtc(new TextEncoder().encode(HOST_DTS), { file: hostDtsFile, includeDirs: [examples], outputFormat: 'dtb' });
  writeFileSync(join(dir, 'host.dtb'), r.output!);
  dummyImage(join(dir, 'Image'), 0x80_0000);
  dummyImage(join(dir, 'xen'), 0x10_0000);
  for (const n of ['dom0', 'domU0', 'domU1', 'domU2']) dummyCpio(join(dir, `${n}.cpio`), 0x4_0000);
  writeFileSync(join(dir, 'config'), CONFIG);
  return dir;
}

/**
 * What the boot script loads (`tftpb ADDRESS FILE`), each file's size, and
 * which /chosen node names the range (`fdt set NODE reg <...>`), from the
 * script `build` writes for U-Boot (proven by real U-Boot in
 * test/qemu/uboot-imagebuilder.test.ts).
 */
function scriptRanges(dir: string): Range[] {
  const r = spawnSync(process.execPath, [cliPath, 'build', '-c', join(dir, 'config'), '-d', dir, '-o', 'boot'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const script = readFileSync(join(dir, 'boot.source'), 'latin1');
  const regs = [...script.matchAll(/^fdt set (\S+) reg <0x0 (0x[0-9a-fA-F]+) /gm)].map((m) => ({ path: m[1]!, address: BigInt(m[2]!) }));
  return [...script.matchAll(/^tftpb (0x[0-9a-fA-F]+) (\S+)$/gm)].filter((m) => m[2] !== 'boot.scr').map((m) => {
    const start = BigInt(m[1]!);
    const end = start + BigInt(statSync(join(dir, m[2]!)).size);
    const node = regs.find((x) => x.address === start)?.path ?? '';
    const owner = /^\/chosen\/(domU\d+)\//.exec(node)?.[1] ?? (/^\/chosen\/dom0/.test(node) ? 'dom0' : '');
    return { kind: m[2] === 'xen' ? 'xen' : 'module', start: hex(start), end: hex(end), owner };
  });
}

test('report -c of an ImageBuilder config in Chromium: domids reversed by fdt mknod, each loaded image a rect at the boot script\'s address', async (t) => {
  const b = await theBrowser(t);
  if (!b) return;
  const dir = imageBuilderDir();
  const out = join(work, 'imagebuilder.html');
  report(['-c', join(dir, 'config'), '-d', dir], out);
  const loads = scriptRanges(dir);
  assert.equal(loads.filter((l) => l.kind === 'module' && l.owner !== '').length, 8, 'kernel + ramdisk of 4 domains');
  const host = runDtc(new TextEncoder().encode(HOST_DTS), { file: hostDtsFile, includeDirs: [examples] }).tree!;
  const ram = expectedRanges(host).filter((r) => r.kind === 'ram');
  assert.equal(ram.length, 1);
  const opened = await openFile(b, out);
  try {
    await assertDomains(opened.page, { dom0: 0, domU0: 3, domU1: 2, domU2: 1 });
    const why = await attrs(opened.page, '#domains tr.domain[data-domain="domU0"] td.domid-why', ['#text']);
    assert.match(why[0]?.['#text'] ?? '', /fdt mknod/);
    await assertMemory(opened.page, [...ram, ...loads], ['ram', 'xen', 'module']);
    await assertSelfContained(opened, join(work, 'imagebuilder.png'));
  } finally {
    await opened.page.context().close();
  }
});

// ---- the error fixture: each mistake drawn in the error colour and linked to its finding ---------------

const ERROR_FIXTURE = join(repoRoot, 'test', 'report', 'fixtures', 'three-faults.dts');

/** What three-faults.dts gets wrong, where the page must draw it, and the rule that names it. */
const DRAWN_IN_ERROR = [
  // domU1's ramdisk [0x46000000, 0x47000000) and domU2's kernel [0x46800000, 0x48800000)
  { what: 'the overlapping modules', selector: '#memory-map rect.range[data-kind="module"]:is([data-start="0x46000000"], [data-start="0x46800000"])', rule: 'mod-overlap', count: 2 },
  // domU3 names domU2's channel, which names domU1's
  { what: 'the one-sided event channel', selector: '#comm-graph .edge.dangling[data-kind="evtchn"][data-from="domU3"]', rule: 'evtchn-remote', count: 1 },
  { what: 'the over-committed cpupool\'s CPU', selector: '#cpu-map tr[data-cpu="1"].error, #cpu-map tr[data-cpu="1"] .error', rule: 'cpupool-overcommit', count: undefined },
];

interface Drawn { finding: string | null; classes: string; colours: string[]; dashed: boolean; linked: boolean }

const rgb = (hexColour: string): string => {
  const h = hexColour.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
  return `rgb(${[0, 2, 4].map((k) => parseInt(full.slice(k, k + 2), 16)).join(', ')})`;
};

test('report of the error fixture in Chromium: the overlap, the dangling event channel and the over-committed cpupool each drawn in the error colour and linked to its finding', async (t) => {
  const b = await theBrowser(t);
  if (!b) return;
  const out = join(work, 'report-errors.html');
  report(['-i', examples, ERROR_FIXTURE], out);
  const opened = await openFile(b, out);
  try {
    const page = opened.page;
    const declared = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--error').trim());
    assert.match(declared, /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/, 'the page declares its error colour once, as :root { --error: #rrggbb }');
    const errorColour = rgb(declared);
    for (const e of DRAWN_IN_ERROR) {
      const drawn: Drawn[] = await page.locator(e.selector).evaluateAll((els: PageElement[]) => els.map((el) => {
        // A table row is drawn by its cells.
        const cell = el.querySelector('td, th');
        const styles = [getComputedStyle(el), ...(cell ? [getComputedStyle(cell)] : [])];
        const s = styles[0]!;
        const id = el.getAttribute('data-finding');
        const anchor = el.closest('a');
        const linked = (anchor !== null && anchor.getAttribute('href') === `#${id}`) || el.parentElement?.querySelector(`a[href="#${id}"]`) != null;
        return { finding: id, classes: el.getAttribute('class') ?? '', colours: styles.flatMap((x) => [x.fill, x.stroke, x.color, x.backgroundColor, x.borderTopColor]), dashed: s.strokeDasharray !== 'none' && s.strokeDasharray !== '', linked };
      }));
      if (e.count !== undefined) assert.equal(drawn.length, e.count, `${e.what}: ${e.selector}`);
      else assert.ok(drawn.length >= 1, `${e.what}: nothing matches ${e.selector}`);
      for (const d of drawn) {
        assert.match(d.classes, /\berror\b/, `${e.what}: class error`);
        assert.ok(d.colours.includes(errorColour), `${e.what}: drawn in ${d.colours.join(' / ')}, not the error colour ${errorColour}`);
        assert.match(d.finding ?? '', /^finding-\d+$/, `${e.what}: data-finding`);
        assert.ok(d.linked, `${e.what}: no <a href="#${d.finding}"> around or beside it`);
        const li = await attrs(page, `#findings li.finding#${d.finding}`, ['data-rule', 'data-severity', 'data-domain']);
        assert.equal(li.length, 1, `${e.what}: #${d.finding} is not a finding of the list`);
        assert.equal(li[0]!['data-rule'], e.rule, `${e.what}: linked to the wrong finding`);
        const domain = li[0]!['data-domain'];
        if (domain) {
          assert.equal(await page.locator(`#findings li#${d.finding} a[href="#domain-${domain}"]`).count(), 1, `${d.finding} links back to its domain`);
          assert.equal(await page.locator(`tr.domain#domain-${domain}`).count(), 1);
        }
      }
      if (e.rule === 'evtchn-remote') assert.ok(drawn.every((d) => d.dashed), 'a dangling link is dashed');
    }
    const overcommitted = await page.locator('#cpu-map tr[data-cpu="1"].overcommitted, #cpu-map tr[data-cpu="1"] .overcommitted').count();
    assert.ok(overcommitted >= 1, 'CPU 1 is marked over-committed');
    assert.deepEqual(opened.leaving(), [], 'requests that left the page');
  } finally {
    await opened.page.context().close();
  }
});
