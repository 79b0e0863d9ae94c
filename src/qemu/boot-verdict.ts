/**
 * Per-domain verdicts by stage, from the serial log's findings. A domain
 * passes only at the last stage: a kernel printing its first line is not a
 * boot, nor is one that reaches /init and panics a second later.
 *
 *   none      Xen never loaded its kernel
 *   created   "Loading d<n> kernel from boot module @ ..." (Xen built it);
 *             x86 dom0: "Dom0 has maximum N VCPUs"; a late-launched
 *             domain: dom0's "HYPERLAUNCH-LATE <name> created domid=<n>"
 *             (a failed `xl create` is its death)
 *   kernel    its first line on its own console
 *   userspace Linux's "Run /init as init process" (or "Freeing unused kernel
 *             memory"), or the domain's success line: our initramfs's marker,
 *             or the user's --expect pattern
 *   alive     the success line, then a grace period with no panic, oops or
 *             Xen crash line for the domain (any later one still fails it)
 */
import { markerToken } from './initramfs.js';
import { type ConsoleLine, type Death, type LogFindings, type Panic, guestPrefix } from './serial-log.js';

export type BootStage = 'none' | 'created' | 'kernel' | 'userspace' | 'alive';
export const BOOT_STAGES: readonly BootStage[] = ['none', 'created', 'kernel', 'userspace', 'alive'];

/** Why a domain stopped short of `alive`. */
export type FailureKind =
  /** its kernel panicked or oopsed, or Xen crashed it */
  | 'died'
  /** Xen itself panicked */
  | 'xen-panic'
  /** the run ended (settled elsewhere, timeout, QEMU exit) before its next stage */
  | 'stalled'
  /** its console cannot be seen on the serial line, or its domid is unknown */
  | 'unobservable'
  /** its marker came out on another domain's console */
  | 'wrong-console';

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
   * true (default): our initramfs runs, and its marker is the success line.
   * false: the user's own kernel and initrd; Linux's "Run /init as init
   * process" is (unless `expect` names another line).
   */
  marker?: boolean;
  /** The user's own success line on the domain's console (`--expect DOMAIN=REGEX`); replaces the marker. */
  expect?: RegExp;
  /**
   * Started from dom0 by `xl create` (x86 late launch), not by Xen at boot:
   * no "LOADING DOMU" banner; its domid comes from dom0's HYPERLAUNCH-LATE line.
   */
  lateLaunch?: boolean;
}

/** A log line quoted as proof: its number and its text, trimmed. */
export interface LogLine {
  line: number;
  text: string;
  /** When the line arrived, seconds from QEMU's start (a timed run only): the time the domain reached its stage. */
  seconds?: number;
}

export interface DomainFailure {
  kind: FailureKind;
  /** What it failed on, in words. */
  reason: string;
  /** The line showing it (the panic, Xen's crash line), when there is one. */
  at?: LogLine;
}

export interface DomainResult {
  name: string;
  /** The expected domid, else the one read from the log (kernel address, marker console). */
  domid?: number;
  passed: boolean;
  /** The furthest stage reached; passed is stage === 'alive'. */
  stage: BootStage;
  /** The line proving that stage (none for 'none'). */
  proof?: LogLine;
  failure?: DomainFailure;
  /** One line for a table: "alive: line N: text" for a PASS, "stage → what it failed on" for a FAIL. */
  detail: string;
}

export interface BootVerdict {
  passed: boolean;
  xenVersion?: string;
  domains: DomainResult[];
  /** Problems not tied to one domain (Xen panic, silent log, wrong DOMU count). */
  problems: string[];
}

/** When each line arrived, so "alive" can mean a grace period of wall time after the success line. */
export interface LogClock {
  /** Seconds from the start of the run at which line n (index n - 1) was complete. */
  lineSeconds: readonly number[];
  /** Seconds from the start of the run now (or when the run ended). */
  now: number;
}

export interface JudgeOptions {
  /** Seconds a domain must live after its success line (default DEFAULT_GRACE_SECONDS). */
  graceSeconds?: number;
  /** Without one the log is taken as finished long ago: every success line has had its grace. */
  clock?: LogClock;
}

/**
 * 5 s: on the shared 2-core host (load ~19), an /init that runs `exit 1`
 * panicked its kernel 2.6 s after "Run /init as init process" (the kernel's
 * own timestamps, which follow wall time under TCG); 5 s leaves a margin, and
 * costs the suite's ~40 boots only on those that pass (the grace of all
 * domains runs at once).
 */
export const DEFAULT_GRACE_SECONDS = 5;

const USERSPACE_RUN = /\bRun \S+ as init process/;
const USERSPACE_FREE = /Freeing unused kernel memory/;
const MAX_QUOTE = 160;

/**
 * A log line as a proof: trimmed, control characters dropped, cut at
 * MAX_QUOTE characters. A domU's own line starts at its "(XEN) DOM<n>: "
 * prefix: what comes before it on the same line is another console's
 * fragment (a dom0 line Xen cut), and quoting it first would push the
 * domain's own words, such as its panic message, past the cut.
 */
function quote(f: LogFindings, line: number, domU?: number): LogLine {
  let text = (f.joined.get(line) ?? f.lines[line - 1] ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const own = domU === undefined ? -1 : text.search(guestPrefix(domU));
  if (own > 0) text = text.slice(own);
  return { line, text: text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE - 1)}…` : text };
}

/** The domid whose "DOM<n>: " prefix marks this domain's own console lines (none for dom0). */
function ownDomU(d: Pick<ExpectedDomain, 'isDom0' | 'domid'>): number | undefined {
  return d.isDom0 ? undefined : d.domid;
}

/** Whether a console line with this DOM<n> prefix (undefined: none) is the domain's. */
function onConsole(d: ExpectedDomain, domid: number | undefined): boolean {
  if (d.isDom0) return domid === undefined;
  if (domid === undefined || domid === 0) return false;
  return d.domid === undefined || d.domid === domid;
}

function markerOf(f: LogFindings, d: ExpectedDomain) {
  const token = markerToken(d.name);
  return f.markers.find((m) => m.token === token && onConsole(d, m.domid));
}

/** The domid from the expectation, else from the address Xen loaded its kernel from, else the console its marker came on. */
function resolveDomid(f: LogFindings, d: ExpectedDomain): ExpectedDomain {
  if (d.domid !== undefined) return d;
  const loaded = d.kernelAddress === undefined ? undefined : f.kernelsLoaded.find((k) => k.address === d.kernelAddress);
  if (loaded) return { ...d, domid: loaded.domid };
  const late = d.lateLaunch ? f.created.find((c) => c.token === markerToken(d.name)) : undefined;
  if (late) return { ...d, domid: late.domid };
  const fromMarker = d.marker !== false && d.expect === undefined ? markerOf(f, d)?.domid : undefined;
  return fromMarker === undefined ? d : { ...d, domid: fromMarker };
}

/** Whether this domain's lines can be told from the others': dom0, or a domU whose domid is known. */
function identified(d: ExpectedDomain): boolean {
  return d.isDom0 || d.domid !== undefined;
}

function consoleOf(f: LogFindings, d: ExpectedDomain): ConsoleLine[] {
  return identified(d) ? f.consoles.filter((c) => onConsole(d, c.domid)) : [];
}

function deathOf(f: LogFindings, d: ExpectedDomain): Death | undefined {
  const xlFailed = f.deaths.find((x) => x.source === 'xl' && x.token === markerToken(d.name));
  if (xlFailed) return xlFailed;
  if (!identified(d)) return undefined;
  const own = d.isDom0 ? 0 : d.domid;
  return f.deaths.find((x) => (x.source === 'console' ? onConsole(d, x.domid) : x.source === 'xen' && x.domid === own));
}

/** The line that must come before the grace period: --expect's, our marker, or Linux running init. */
function successOf(f: LogFindings, d: ExpectedDomain, lines: ConsoleLine[]): number | undefined {
  if (d.expect) return lines.find((c) => d.expect!.test(c.text))?.line;
  if (d.marker !== false) return markerOf(f, d)?.line;
  return (lines.find((c) => USERSPACE_RUN.test(c.text)) ?? lines.find((c) => USERSPACE_FREE.test(c.text)))?.line;
}

function successWords(d: ExpectedDomain): string {
  if (d.expect) return `a line matching /${d.expect.source}/`;
  return d.marker !== false ? 'its marker' : '"Run /init as init process"';
}

interface Progress {
  stage: BootStage;
  proof?: number;
  success?: number;
  death?: Death;
}

/** How far the log shows the domain got, not yet counting the grace period. */
function progress(f: LogFindings, d: ExpectedDomain): Progress {
  const lines = consoleOf(f, d);
  const success = successOf(f, d, lines);
  const death = deathOf(f, d);
  const linux = lines.find((c) => USERSPACE_RUN.test(c.text) || USERSPACE_FREE.test(c.text))?.line;
  const own = d.isDom0 ? 0 : d.domid;
  const created = (f.kernelsLoaded.find((k) => k.domid === own) ?? f.created.find((c) => c.domid === own))?.line;
  if (success !== undefined || linux !== undefined) return { stage: 'userspace', proof: success ?? linux, success, death };
  if (lines.length > 0) return { stage: 'kernel', proof: lines[0]!.line, death };
  if (created !== undefined) return { stage: 'created', proof: created, death };
  return { stage: 'none', death };
}

function arrival(clock: LogClock | undefined, line: number): number {
  if (!clock) return Number.NEGATIVE_INFINITY;
  return clock.lineSeconds[line - 1] ?? clock.now;
}

/** When domains stopped running: when Xen stopped the machine, else now. */
function runEnd(f: LogFindings, clock: LogClock): number {
  return f.machineStop === undefined ? clock.now : Math.min(clock.now, arrival(clock, f.machineStop));
}

/** Seconds of grace still owed after the success line (0: alive). */
function graceLeft(f: LogFindings, p: Progress, o: JudgeOptions): number {
  const grace = o.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  if (!o.clock) return 0;
  return Math.max(0, grace - (runEnd(f, o.clock) - arrival(o.clock, p.success!)));
}

function failed(f: LogFindings, d: ExpectedDomain, p: Progress, failure: DomainFailure): DomainResult {
  const at = failure.at ? `: line ${failure.at.line}: ${failure.at.text}` : '';
  const detail = `${p.stage} → ${failure.kind === 'died' ? 'died' : failure.reason}${at}`;
  const proof = p.proof === undefined ? undefined : quote(f, p.proof, ownDomU(d));
  return { name: d.name, domid: d.domid, passed: false, stage: p.stage, proof, failure, detail };
}

/** Why a domain with no death and no Xen panic is not (yet) alive. */
function stalled(f: LogFindings, d: ExpectedDomain, p: Progress, o: JudgeOptions): DomainFailure {
  const stop = f.machineStop;
  const stalledAt = (reason: string): DomainFailure => (stop === undefined ? { kind: 'stalled', reason } : { kind: 'stalled', reason: `${reason} before Xen stopped the machine`, at: quote(f, stop) });
  if (p.success !== undefined) {
    const ended = stop === undefined ? 'the run ended' : 'Xen stopped the machine';
    const after = (runEnd(f, o.clock!) - arrival(o.clock, p.success)).toFixed(1);
    const reason = `${ended} ${after} s after its success line, inside the ${o.graceSeconds ?? DEFAULT_GRACE_SECONDS} s grace period`;
    return stop === undefined ? { kind: 'stalled', reason } : { kind: 'stalled', reason, at: quote(f, stop) };
  }
  if (p.stage === 'userspace') return stalledAt(`never printed ${successWords(d)}`);
  if (p.stage === 'kernel') return stalledAt('its kernel never reached userspace');
  if (!d.consoleOnSerial) return { kind: 'unobservable', reason: 'no vpl011: its console cannot reach the serial line' };
  if (d.lateLaunch && !identified(d)) return stalledAt('dom0 never said it was created (no HYPERLAUNCH-LATE line: the toolstack or xl create did not finish)');
  if (!identified(d)) return { kind: 'unobservable', reason: 'its domid is unknown (no domid, and no kernel loaded from its kernelAddress)' };
  if (p.stage === 'created') return stalledAt('its kernel never wrote to its console');
  return stalledAt(`Xen never loaded ${d.isDom0 ? 'd0' : d.domid !== undefined ? `d${d.domid}` : 'its'}'s kernel`);
}

/** Our marker on another console: the domain may be fine, but the log cannot say it is this one. */
function strayMarker(f: LogFindings, d: ExpectedDomain): DomainFailure | undefined {
  if (d.marker === false || d.expect) return undefined;
  const stray = f.markers.find((m) => m.token === markerToken(d.name));
  if (!stray) return undefined;
  const from = stray.domid === undefined ? 'dom0 console' : `DOM${stray.domid}`;
  const want = d.isDom0 ? "dom0's console" : d.domid !== undefined ? `d${d.domid}` : 'a domU console';
  return { kind: 'wrong-console', reason: `marker came from ${from}, not ${want}`, at: quote(f, stray.line) };
}

function judgeDomain(f: LogFindings, expected: ExpectedDomain, xenPanic: Panic | undefined, o: JudgeOptions): DomainResult {
  const d = resolveDomid(f, expected);
  const p = progress(f, d);
  if (p.death) return failed(f, d, p, { kind: 'died', reason: 'died', at: quote(f, p.death.line, ownDomU(d)) });
  if (p.success !== undefined && !xenPanic && graceLeft(f, p, o) === 0) {
    const proof = quote(f, p.success, ownDomU(d));
    return { name: d.name, domid: d.domid, passed: true, stage: 'alive', proof, detail: `alive: line ${proof.line}: ${proof.text}` };
  }
  if (xenPanic) return failed(f, d, p, { kind: 'xen-panic', reason: 'Xen panicked', at: quote(f, xenPanic.line) });
  if (!f.xenSpoke) return failed(f, d, p, { kind: 'stalled', reason: 'no (XEN) output at all' });
  return failed(f, d, p, (p.success === undefined && strayMarker(f, d)) || stalled(f, d, p, o));
}

/** Per-domain verdicts by stage; the boot passes when Xen came up and every domain is alive. */
export function judgeBoot(f: LogFindings, expected: readonly ExpectedDomain[], o: JudgeOptions = {}): BootVerdict {
  const problems: string[] = [];
  const xenPanic = f.panics.find((p) => p.source === 'xen');
  if (xenPanic) problems.push(`Xen panic (line ${xenPanic.line}): ${xenPanic.message}`);
  if (!f.xenSpoke) problems.push('the serial log has no (XEN) line: Xen found no console UART (check dtuart= and /aliases) or died before its console came up');
  const domUs = expected.filter((d) => !d.isDom0 && !d.lateLaunch).length;
  if (f.xenSpoke && !xenPanic && f.domuBanners !== domUs) problems.push(`expected ${domUs} "LOADING DOMU" banner(s), saw ${f.domuBanners}`);
  const domains = expected.map((d) => timeProof(judgeDomain(f, d, xenPanic, o), o.clock));
  const passed = problems.length === 0 && domains.every((d) => d.passed);
  return { passed, xenVersion: f.xenVersion, domains, problems };
}

function timeProof(r: DomainResult, clock: LogClock | undefined): DomainResult {
  const seconds = r.proof && clock?.lineSeconds[r.proof.line - 1];
  if (seconds === undefined || !r.proof) return r;
  return { ...r, proof: { ...r.proof, seconds: Math.round(seconds * 10) / 10 } };
}

/**
 * Whether watching further cannot change the verdict: Xen panicked, or every
 * domain has died, lived through its grace period, or cannot be observed.
 * Never just "it printed something".
 */
export function bootSettled(f: LogFindings, expected: readonly ExpectedDomain[], o: JudgeOptions = {}): boolean {
  // After a Xen panic, or once Xen stops the machine for its hardware domain, no domain runs again.
  if (f.panics.some((p) => p.source === 'xen') || f.machineStop !== undefined) return true;
  return expected.every((d) => {
    const r = judgeDomain(f, d, undefined, o);
    // An unknown domid may still be learnt (a later "Loading d<n>" line, a marker); a missing vpl011 never changes.
    return r.passed || r.failure?.kind === 'died' || (r.failure?.kind === 'unobservable' && !d.consoleOnSerial);
  });
}
