/**
 * Reading Xen's serial log. Xen prefixes its own lines with "(XEN) "; a
 * domU's vpl011 console comes out as "(XEN) DOM<n>: ..." (Xen forwards it a
 * line at a time); dom0's hvc0 console comes out unprefixed. Each guest's
 * /init prints "HYPERLAUNCH-MARKER <token> up" (see initramfs.ts).
 *
 * This file only finds things in the text; boot-verdict.ts judges them.
 */
import { MARKER_PREFIX } from './initramfs.js';

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

/** One line a guest wrote to its console. */
export interface ConsoleLine {
  /** The DOM<n> prefix, or undefined for dom0's hvc0 (unprefixed). */
  domid?: number;
  line: number;
  /** The guest's own words, without Xen's "(XEN) DOM<n>: " prefix. */
  text: string;
}

/**
 * A line saying a domain died: its kernel's panic or oops on its own console,
 * or Xen's "Domain <n> ... crashed" / "Hardware Dom<n> crashed" naming it.
 */
export interface Death {
  source: 'console' | 'xen';
  /** console: the DOM<n> prefix (undefined: dom0's console); xen: the domid Xen names. */
  domid?: number;
  line: number;
}

export interface LogFindings {
  /** The log's lines (see logLines), for quoting a proving line. */
  lines: string[];
  /** dom0 lines that Xen's lines had cut, joined again: line number (where it ends) → whole text. */
  joined: Map<number, string>;
  /** From "(XEN) Xen version 4.17.7 (...)". */
  xenVersion?: string;
  /** Any "(XEN)" line at all: without one, Xen's console never came up (e.g. dtuart naming no UART). */
  xenSpoke: boolean;
  /** "Loading d<n> kernel from boot module @ <address>", with its line. */
  kernelsLoaded: { domid: number; address: bigint; line: number }[];
  /** First line of each DOM<n> console (domUs, vpl011). */
  guestOutput: Map<number, number>;
  /** First unprefixed line after Xen's first line: dom0's hvc0 console. */
  dom0Output?: number;
  /** Every guest console line, in order. */
  consoles: ConsoleLine[];
  /** Count of "*** LOADING DOMU ..." banners. */
  domuBanners: number;
  markers: MarkerSighting[];
  panics: Panic[];
  deaths: Death[];
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
/** Linux's words for a dying kernel (the panic line carries "Attempted to kill init!" when /init exits). */
const KERNEL_DEATH = /Kernel panic - not syncing|Internal error: Oops|Unable to handle kernel/;
/** xen/common/domain.c __domain_crash and common/shutdown.c hwdom_shutdown (on a dom0 kernel panic). */
const XEN_CRASH = new RegExp(`${XEN}(?:Domain (\\d+) (?:\\(vcpu#\\d+\\) crashed|reported crashed)|Hardware Dom(\\d+) crashed)`);

/** Lines as `grep -n` numbers them; the guests' CR (or CR CR) before LF is dropped. */
export function logLines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\r+$/, ''));
}

/** Xen prints "Panic on CPU 0:" and the reason on the next "(XEN) " line. */
function panicMessage(inline: string, next: string | undefined): string {
  if (inline.trim() !== '' || next === undefined) return inline.trim();
  return next.replace(XEN_LINE_START, '').trim();
}

function xenCrash(l: string, n: number): Death | undefined {
  const crash = XEN_CRASH.exec(l);
  return crash ? { source: 'xen', domid: Number(crash[1] ?? crash[2]), line: n } : undefined;
}

/** A line from Xen's "(XEN) " on: a domU's console line, or Xen's own. */
function readXenLine(f: LogFindings, l: string, n: number, next: string | undefined): void {
  const guest = GUEST_PREFIX.exec(l);
  if (guest) {
    addConsole(f, { domid: Number(guest[1]), line: n, text: l.slice(guest.index + guest[0].length) });
    return;
  }
  const version = XEN_VERSION.exec(l);
  if (version && !f.xenVersion) f.xenVersion = version[1];
  const loaded = KERNEL_LOADED.exec(l);
  if (loaded) f.kernelsLoaded.push({ domid: Number(loaded[1]), address: BigInt(`0x${loaded[2]}`), line: n });
  if (DOMU_BANNER.test(l)) f.domuBanners++;
  const crash = xenCrash(l, n);
  if (crash) f.deaths.push(crash);
  const xenPanic = XEN_PANIC.exec(l);
  if (xenPanic) f.panics.push({ source: 'xen', message: panicMessage(xenPanic[1]!, next), line: n });
}

function addConsole(f: LogFindings, c: ConsoleLine): void {
  f.consoles.push(c);
  if (c.domid === undefined) f.dom0Output ??= c.line;
  else if (!f.guestOutput.has(c.domid)) f.guestOutput.set(c.domid, c.line);
  if (KERNEL_DEATH.test(c.text)) f.deaths.push({ source: 'console', domid: c.domid, line: c.line });
  const marker = MARKER.exec(c.text);
  if (marker) f.markers.push({ token: marker[1]!, domid: c.domid, line: c.line });
  const kernelPanic = KERNEL_PANIC.exec(c.text);
  if (kernelPanic) f.panics.push({ source: 'guest', domid: c.domid, message: kernelPanic[1]!.trim(), line: c.line });
}

/**
 * dom0's hvc0 text reaches the serial line in chunks, unprefixed, while Xen
 * writes its own and the domUs' lines whole: a Xen line often starts in the
 * middle of a dom0 line ("[    4.224309] c(XEN) DOM2: ...", the rest of
 * dom0's line on the next). The cut pieces are joined back into one dom0
 * line, numbered where it ends.
 */
export function scanSerialLog(text: string): LogFindings {
  const lines = logLines(text);
  const f: LogFindings = { lines, joined: new Map(), xenSpoke: false, kernelsLoaded: [], guestOutput: new Map(), consoles: [], domuBanners: 0, markers: [], panics: [], deaths: [] };
  let cut = '';
  lines.forEach((l, i) => {
    const n = i + 1;
    const xenAt = l.indexOf('(XEN)');
    const before = xenAt === -1 ? l : l.slice(0, xenAt);
    if (f.xenSpoke && xenAt === -1 && (cut !== '' || before.trim() !== '')) {
      if (cut !== '') f.joined.set(n, cut + before);
      addConsole(f, { line: n, text: cut + before });
      cut = '';
    } else if (f.xenSpoke) cut += before;
    if (xenAt === -1) return;
    f.xenSpoke = true;
    readXenLine(f, l.slice(xenAt), n, lines[i + 1]);
  });
  return f;
}
