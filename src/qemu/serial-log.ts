/**
 * Reading Xen's serial log. Xen prefixes its own lines with "(XEN) "; a
 * domU's vpl011 console comes out as "(XEN) DOM<n>: ..." (Xen forwards it a
 * line at a time); dom0's hvc0 console comes out unprefixed. Each guest's
 * /init prints "HYPERLAUNCH-MARKER <token> up" (see initramfs.ts).
 */
import { MARKER_PREFIX, markerToken } from './initramfs.js';

export interface ExpectedDomain {
  name: string;
  /**
   * dom0 is 0; dom0less numbers domUs 1, 2, ... in the final tree's node
   * order. Leave it unset when that order is unknown before boot: U-Boot's
   * `fdt mknod` puts each new node first, so a boot.scr creating domU0 then
   * domU1 gives domU1 d1 and domU0 d2. Then any DOM<n> console may carry it.
   */
  domid?: number;
  /**
   * Where its kernel module was loaded: Xen logs "Loading d<n> kernel from
   * boot module @ <address>", which gives the domid when it is not known.
   */
  kernelAddress?: bigint;
  isDom0: boolean;
  /** False when the domain's console cannot reach the serial line (a domU without vpl011). */
  consoleOnSerial: boolean;
  /**
   * true (default): our initramfs runs, and its marker is the proof. false:
   * the user's own kernel and initrd; any line on its console counts.
   */
  marker?: boolean;
}

export interface MarkerSighting {
  token: string;
  /** The DOM<n> prefix, or undefined for an unprefixed (dom0 hvc0) line. */
  domid?: number;
  line: number;
}

export interface Panic {
  /** 'xen' for "Panic on CPU", else the domain whose kernel panicked (undefined domid: dom0's unprefixed console). */
  source: 'xen' | 'guest';
  domid?: number;
  message: string;
  line: number;
}

export interface LogFindings {
  /** From "(XEN) Xen version 4.17.7 (...)". */
  xenVersion?: string;
  /** Any "(XEN)" line at all: without one, Xen's console never came up (e.g. dtuart naming no UART). */
  xenSpoke: boolean;
  /** "Loading d<n> kernel from boot module @ <address>". */
  kernelsLoaded: { domid: number; address: bigint }[];
  /** First line of each DOM<n> console (domUs, vpl011). */
  guestOutput: Map<number, number>;
  /** First unprefixed line after Xen's first line: dom0's hvc0 console. */
  dom0Output?: number;
  /** Count of "*** LOADING DOMU ..." banners. */
  domuBanners: number;
  markers: MarkerSighting[];
  panics: Panic[];
}

/** "(XEN) ", then "[    0.007383] " when Xen runs with console_timestamps=boot (Xen CI's XEN_CMD). */
const XEN = String.raw`\(XEN\) (?:\[[ \d.:-]+\] )?`;
const XEN_VERSION = new RegExp(`${XEN}Xen version (\\S+)`);
const KERNEL_LOADED = new RegExp(`${XEN}Loading d(\\d+) kernel from boot module @ ([0-9a-fA-F]+)`);
const DOMU_BANNER = new RegExp(`${XEN}\\*\\*\\* LOADING DOMU\\b`);
const GUEST_PREFIX = new RegExp(`${XEN}DOM(\\d+): `);
const XEN_LINE_START = new RegExp(`^${XEN}`);
const MARKER = new RegExp(`${MARKER_PREFIX} (\\S+) up`);
const XEN_PANIC = /Panic on CPU \d+:?\s*(.*)$/;
const KERNEL_PANIC = /Kernel panic - not syncing:?\s*(.*)$/;

/** Lines as `grep -n` numbers them; the guests' CR (or CR CR) before LF is dropped. */
export function logLines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\r+$/, ''));
}

/** Xen prints "Panic on CPU 0:" and the reason on the next "(XEN) " line. */
function panicMessage(inline: string, next: string | undefined): string {
  if (inline.trim() !== '' || next === undefined) return inline.trim();
  return next.replace(XEN_LINE_START, '').trim();
}

export function scanSerialLog(text: string): LogFindings {
  const lines = logLines(text);
  const f: LogFindings = { xenSpoke: false, kernelsLoaded: [], guestOutput: new Map(), domuBanners: 0, markers: [], panics: [] };
  lines.forEach((l, i) => {
    if (f.xenSpoke && f.dom0Output === undefined && l.trim() !== '' && !l.includes('(XEN)')) f.dom0Output = i + 1;
    if (l.includes('(XEN)')) f.xenSpoke = true;
    const version = XEN_VERSION.exec(l);
    if (version && !f.xenVersion) f.xenVersion = version[1];
    const loaded = KERNEL_LOADED.exec(l);
    if (loaded) f.kernelsLoaded.push({ domid: Number(loaded[1]), address: BigInt(`0x${loaded[2]}`) });
    if (DOMU_BANNER.test(l)) f.domuBanners++;
    const guest = GUEST_PREFIX.exec(l);
    const domid = guest ? Number(guest[1]) : undefined;
    if (domid !== undefined && !f.guestOutput.has(domid)) f.guestOutput.set(domid, i + 1);
    const marker = MARKER.exec(l);
    if (marker) f.markers.push({ token: marker[1]!, domid: marker.index > (guest?.index ?? -1) ? domid : undefined, line: i + 1 });
    const xenPanic = XEN_PANIC.exec(l);
    if (xenPanic && !guest) f.panics.push({ source: 'xen', message: panicMessage(xenPanic[1]!, lines[i + 1]), line: i + 1 });
    const kernelPanic = KERNEL_PANIC.exec(l);
    if (kernelPanic) f.panics.push({ source: 'guest', domid, message: kernelPanic[1]!.trim(), line: i + 1 });
  });
  return f;
}

export interface DomainResult {
  name: string;
  /** The expected domid, else the one whose console carried the marker. */
  domid?: number;
  passed: boolean;
  /** Why it failed, or what proved it passed. */
  detail: string;
}

export interface BootVerdict {
  passed: boolean;
  xenVersion?: string;
  domains: DomainResult[];
  /** Problems not tied to one domain (Xen panic, silent log, wrong DOMU count). */
  problems: string[];
}

/** Whether a line with this DOM<n> prefix (undefined: none) is the domain's console. */
function consoleOf(d: ExpectedDomain, domid: number | undefined): boolean {
  if (d.isDom0) return domid === undefined;
  if (domid === undefined || domid === 0) return false;
  return d.domid === undefined || d.domid === domid;
}

function markerOf(f: LogFindings, d: ExpectedDomain): MarkerSighting | undefined {
  const token = markerToken(d.name);
  return f.markers.find((m) => m.token === token && consoleOf(d, m.domid));
}

/** A kernel panic on the domain's console; with the domid unknown, on the console its marker came from. */
function guestPanicOf(f: LogFindings, d: ExpectedDomain): Panic | undefined {
  const domid = d.isDom0 || d.domid !== undefined ? d.domid : markerOf(f, d)?.domid;
  if (!d.isDom0 && domid === undefined) return undefined;
  return f.panics.find((p) => p.source === 'guest' && (d.isDom0 ? p.domid === undefined : p.domid === domid));
}

/** The domid from the expectation, else from the address Xen loaded the domain's kernel from. */
function resolveDomid(f: LogFindings, d: ExpectedDomain): ExpectedDomain {
  if (d.domid !== undefined || d.kernelAddress === undefined) return d;
  const loaded = f.kernelsLoaded.find((k) => k.address === d.kernelAddress);
  return loaded ? { ...d, domid: loaded.domid } : d;
}

/** First line the domain wrote to its console, for a guest without our marker. */
function outputOf(f: LogFindings, d: ExpectedDomain): number | undefined {
  if (d.isDom0) return f.dom0Output;
  return d.domid === undefined ? undefined : f.guestOutput.get(d.domid);
}

/** The proof of life this domain is judged by: its marker, or (user images) any console line. */
function proofOf(f: LogFindings, d: ExpectedDomain): { line: number; what: string } | undefined {
  if (d.marker === false) {
    const line = outputOf(f, d);
    return line === undefined ? undefined : { line, what: 'console output' };
  }
  const m = markerOf(f, d);
  return m && { line: m.line, what: 'marker' };
}

function judgeDomain(f: LogFindings, d: ExpectedDomain, xenPanic: Panic | undefined): DomainResult {
  const proof = proofOf(f, d);
  const base = { name: d.name, domid: d.domid ?? markerOf(f, d)?.domid };
  const wanted = d.marker === false ? 'wrote to its console' : 'wrote its marker';
  const panic = guestPanicOf(f, d);
  if (panic) return { ...base, passed: false, detail: `kernel panic (line ${panic.line}): ${panic.message}` };
  if (proof) return { ...base, passed: true, detail: `${proof.what} at line ${proof.line}` };
  if (xenPanic) return { ...base, passed: false, detail: `Xen panicked before the domain ${wanted}` };
  if (!f.xenSpoke) return { ...base, passed: false, detail: 'no (XEN) output at all' };
  if (d.domid !== undefined && !f.kernelsLoaded.some((k) => k.domid === d.domid)) return { ...base, passed: false, detail: `Xen never loaded d${d.domid}'s kernel` };
  if (!d.consoleOnSerial) return { ...base, passed: false, detail: 'no vpl011: its console cannot reach the serial line' };
  if (d.marker === false && d.domid === undefined) return { ...base, passed: false, detail: 'its domid is unknown (no domid, and no kernel loaded from its kernelAddress)' };
  if (d.marker === false) return { ...base, passed: false, detail: 'created, but never wrote to its console' };
  const stray = f.markers.find((m) => m.token === markerToken(d.name));
  if (stray) return { ...base, passed: false, detail: `marker came from ${stray.domid === undefined ? 'dom0 console' : `DOM${stray.domid}`}, not ${d.isDom0 ? "dom0's console" : d.domid !== undefined ? `d${d.domid}` : 'a domU console'}` };
  return { ...base, passed: false, detail: 'created, but never wrote its marker' };
}

/** Per-domain pass/fail: Xen came up, the domain was created and wrote its marker (or, for user images, anything), no panic. */
export function judgeBoot(f: LogFindings, expected: readonly ExpectedDomain[]): BootVerdict {
  const problems: string[] = [];
  const xenPanic = f.panics.find((p) => p.source === 'xen');
  if (xenPanic) problems.push(`Xen panic (line ${xenPanic.line}): ${xenPanic.message}`);
  if (!f.xenSpoke) problems.push('the serial log has no (XEN) line: Xen found no console UART (check dtuart= and /aliases) or died before its console came up');
  const domUs = expected.filter((d) => !d.isDom0).length;
  if (f.xenSpoke && !xenPanic && f.domuBanners !== domUs) problems.push(`expected ${domUs} "LOADING DOMU" banner(s), saw ${f.domuBanners}`);
  const domains = expected.map((d) => judgeDomain(f, resolveDomid(f, d), xenPanic));
  const passed = problems.length === 0 && domains.every((d) => d.passed);
  return { passed, xenVersion: f.xenVersion, domains, problems };
}

/** Whether watching further cannot change the verdict: every domain decided, or Xen panicked. */
export function bootSettled(f: LogFindings, expected: readonly ExpectedDomain[]): boolean {
  if (f.panics.some((p) => p.source === 'xen')) return true;
  return expected.map((d) => resolveDomid(f, d)).every((d) => proofOf(f, d) !== undefined || guestPanicOf(f, d) !== undefined);
}
