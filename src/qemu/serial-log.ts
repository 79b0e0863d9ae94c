/**
 * Reading Xen's serial log. Xen prefixes its own lines with "(XEN) "; a
 * domU's vpl011 console comes out as "(XEN) DOM<n>: ..." (Xen forwards it a
 * line at a time); dom0's hvc0 console comes out unprefixed. Each guest's
 * /init prints "HYPERLAUNCH-MARKER <token> up" (see initramfs.ts).
 *
 * The one exception is the domain holding serial input, which Xen names at
 * the end of its boot ("*** Serial input to DOM<n>"): vpl011 echoes that
 * domain's output a character at a time, as Xen's own text ("(XEN) " and no
 * "DOM<n>: "), and another CPU's printk may cut it mid-line. dom0 holds input
 * whenever it exists; without dom0, Xen 4.17 still names DOM0 (it rotates
 * through domids whether they exist or not), while 4.22 skips to the first
 * domU with a vpl011. So only a log naming DOM<n>, n >= 1, is read the
 * second way (readInputDomULine) and a 4.17 log reads as before.
 *
 * This file only finds things in the text; boot-verdict.ts judges them.
 */
import { MARKER_PREFIX } from './initramfs.js';
import { lateEvent } from './late-console.js';

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
  /** xl: dom0's `xl create` of a late domain failed (token names it). */
  source: 'console' | 'xen' | 'xl';
  /** xl: the domain's marker token. */
  token?: string;
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
  /**
   * The domU holding serial input ("*** Serial input to DOM<n>", n >= 1; the
   * last such line): from that line on, text without "DOM<n>: " that is not
   * Xen's own is that domU's console. Undefined: dom0 or Xen holds it.
   */
  inputDomU?: number;
  /** Any "(XEN)" line at all: without one, Xen's console never came up (e.g. dtuart naming no UART). */
  xenSpoke: boolean;
  /** "Loading d<n> kernel from boot module @ <address>", with its line. */
  kernelsLoaded: { domid: number; address: bigint; line: number }[];
  /**
   * Domains built without a "Loading d<n> kernel" line: x86 dom0 ("Dom0 has
   * maximum N VCPUs", PV and PVH alike) and late-launched domains (dom0's
   * `HYPERLAUNCH-LATE <token> created domid=<n>`, late-console.ts).
   */
  created: { domid: number; token?: string; line: number }[];
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
  /**
   * The first line where Xen stops the whole machine because the hardware
   * domain ended (common/shutdown.c hwdom_shutdown: "Hardware Dom0 crashed:
   * rebooting machine in 5 seconds.", "... halted: halting machine", ...).
   * Xen halts the other CPUs right then, so no domain runs after it: the
   * 5 s of the reboot countdown are not anybody's grace period.
   */
  machineStop?: number;
}

/** "(XEN) ", then "[    0.007383] " when Xen runs with console_timestamps=boot (Xen CI's XEN_CMD). */
const XEN = String.raw`\(XEN\) (?:\[[ \d.:-]+\] )?`;
const XEN_VERSION = new RegExp(`${XEN}Xen version (\\S+)`);
const KERNEL_LOADED = new RegExp(`${XEN}Loading d(\\d+) kernel from boot module @ ([0-9a-fA-F]+)`);
/** xen/arch/x86/dom0_build.c dom0_setup_vcpus: after dom0's kernel is loaded, for PV and PVH. */
const X86_DOM0_BUILT = new RegExp(`${XEN}Dom0 has maximum \\d+ VCPUs`);
const DOMU_BANNER = new RegExp(`${XEN}\\*\\*\\* LOADING DOMU\\b`);
const GUEST_PREFIX = new RegExp(`${XEN}DOM(\\d+): `);

/** Xen's "(XEN) DOM<n>: " prefix of domain n's console lines, wherever it stands in a line. */
export function guestPrefix(domid: number): RegExp {
  return new RegExp(`${XEN}DOM${domid}: `);
}

const XEN_LINE_START = new RegExp(`^${XEN}`);
const GUEST_AT_START = new RegExp(`^${XEN}DOM\\d+: `);
const MARKER = new RegExp(`${MARKER_PREFIX} (\\S+) up`);
const XEN_PANIC = /Panic on CPU \d+:?\s*(.*)$/;
const KERNEL_PANIC = /Kernel panic - not syncing:?\s*(.*)$/;
/** Linux's words for a dying kernel (the panic line carries "Attempted to kill init!" when /init exits). */
const KERNEL_DEATH = /Kernel panic - not syncing|Internal error: Oops|Unable to handle kernel/;
/** xen/common/domain.c __domain_crash and common/shutdown.c hwdom_shutdown (on a dom0 kernel panic). */
const XEN_CRASH = new RegExp(`${XEN}(?:Domain (\\d+) (?:\\(vcpu#\\d+\\) crashed|reported crashed)|Hardware Dom(\\d+) crashed)`);
/** xen/common/shutdown.c hwdom_shutdown: every way the hardware domain's end takes the machine down. */
const MACHINE_STOP = new RegExp(`${XEN}(?:Hardware Dom\\d+ (?:crashed|halted|shutdown)|Hardware domain \\d+ did unsupported soft reset)`);
/** xen/drivers/char/console.c console_switch_input: "Xen" or "DOM<n>", then " (type 'CTRL-a' three times to switch input)". */
const SERIAL_INPUT = new RegExp(`${XEN}\\*\\*\\* Serial input to (?:DOM(\\d+)|Xen)`);

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
  if (X86_DOM0_BUILT.test(l)) f.created.push({ domid: 0, line: n });
  const crash = xenCrash(l, n);
  if (crash) f.deaths.push(crash);
  if (MACHINE_STOP.test(l)) f.machineStop ??= n;
  const xenPanic = XEN_PANIC.exec(l);
  if (xenPanic) f.panics.push({ source: 'xen', message: panicMessage(xenPanic[1]!, next), line: n });
  const input = SERIAL_INPUT.exec(l);
  if (input) f.inputDomU = input[1] !== undefined && Number(input[1]) >= 1 ? Number(input[1]) : undefined;
}

/**
 * What Xen itself prints once a domU holds serial input: the lines read
 * above, and the ones seen after "Serial input to DOM1" in 4.22 boots
 * (init_done's "Freed <n>kB init memory.", gprintk's "d<n>v<n>: ...",
 * "printk: <n> messages suppressed.", a panic's frame and "Reboot in five
 * seconds...").
 */
const XEN_OWN = [
  XEN_VERSION, KERNEL_LOADED, DOMU_BANNER, XEN_CRASH, MACHINE_STOP, SERIAL_INPUT,
  new RegExp(`^${XEN}(?:Panic on CPU \\d|\\*+ *$|\\*\\*\\* |Freed \\d+kB init memory|d\\d+v\\d+[ :]|printk: \\d+ messages suppressed|Reboot in |Xen call trace|Manual reset required)`),
];

/** "(XEN) " lines and pieces: a line may hold several when another CPU's printk cut the input domU's line. */
function splitAtXen(l: string): { head: string; pieces: string[] } {
  const at: number[] = [];
  for (let i = l.indexOf('(XEN)'); i !== -1; i = l.indexOf('(XEN)', i + 1)) at.push(i);
  const head = at.length === 0 ? l : l.slice(0, at[0]);
  return { head, pieces: at.map((a, k) => l.slice(a, at[k + 1])) };
}

/**
 * A line once a domU holds serial input: "(XEN) DOM<m>: " lines are domU m's
 * as ever, Xen's own lines are Xen's, and every other piece is the input
 * domU's text, joined across cuts until a line ends it. Returns the text
 * still waiting for its end.
 */
function readInputDomULine(f: LogFindings, l: string, n: number, next: string | undefined, cut: string): string {
  const domid = f.inputDomU!;
  let waiting = cut;
  const text = (piece: string, ends: boolean): void => {
    if (!ends) {
      waiting += piece;
      return;
    }
    const whole = waiting + piece;
    if (waiting !== '') f.joined.set(n, whole);
    if (whole.trim() !== '') addConsole(f, { domid, line: n, text: whole });
    waiting = '';
  };
  const { head, pieces } = splitAtXen(l);
  if (pieces.length === 0 || head !== '') text(head, pieces.length === 0);
  for (let k = 0; k < pieces.length; k++) {
    const piece = pieces[k]!;
    if (GUEST_AT_START.test(piece)) {
      // Xen prints a DOM<m> line whole, to its end.
      readXenLine(f, pieces.slice(k).join(''), n, next);
      break;
    }
    if (XEN_OWN.some((re) => re.test(piece))) readXenLine(f, piece, n, next);
    else text(piece.replace(/^\(XEN\) /, ''), k === pieces.length - 1);
  }
  return waiting;
}

function addConsole(f: LogFindings, c: ConsoleLine): void {
  if (c.domid === undefined && readLateEvent(f, c)) return;
  f.consoles.push(c);
  if (c.domid === undefined) f.dom0Output ??= c.line;
  else if (!f.guestOutput.has(c.domid)) f.guestOutput.set(c.domid, c.line);
  if (KERNEL_DEATH.test(c.text)) f.deaths.push({ source: 'console', domid: c.domid, line: c.line });
  const marker = MARKER.exec(c.text);
  if (marker) f.markers.push({ token: marker[1]!, domid: c.domid, line: c.line });
  const kernelPanic = KERNEL_PANIC.exec(c.text);
  if (kernelPanic) f.panics.push({ source: 'guest', domid: c.domid, message: kernelPanic[1]!.trim(), line: c.line });
}

/** A dom0 line about a late-launched domain: its creation, its failure, or a line of its console (read as that domain's). */
function readLateEvent(f: LogFindings, c: ConsoleLine): boolean {
  const e = lateEvent(c.text);
  if (!e) return false;
  if (e.kind === 'console') addConsole(f, { domid: e.domid, line: c.line, text: e.text });
  else if (e.kind === 'created') f.created.push({ domid: e.domid, token: e.token, line: c.line });
  else f.deaths.push({ source: 'xl', token: e.token, line: c.line });
  return true;
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
  const f: LogFindings = { lines, joined: new Map(), xenSpoke: false, kernelsLoaded: [], created: [], guestOutput: new Map(), consoles: [], domuBanners: 0, markers: [], panics: [], deaths: [] };
  let cut = '';
  // Xen writes its start-of-day banner ("Xen 4.22.0", or figlet art) unprefixed, after the early lines it kept and
  // right before its version line: no domain runs before that line.
  const version = lines.findIndex((l) => XEN_VERSION.test(l));
  lines.forEach((l, i) => {
    const n = i + 1;
    if (i < version && !l.includes('(XEN)')) return;
    if (f.inputDomU !== undefined) {
      cut = readInputDomULine(f, l, n, lines[i + 1], cut);
      return;
    }
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
