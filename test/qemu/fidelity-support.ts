/**
 * The fidelity runner shared by the Debian 4.17 and upstream 4.22 suites:
 * one known-good tree (examples/true-dom0less.dts cut to its first domU,
 * planned for the direct route), one hand edit per case, our check run on the
 * edited tree for the target's build facts, then the edited tree booted
 * anyway (the force path) and Xen's log compared with what a real boot of
 * that Xen showed, written by hand in the case tables (fidelity-cases*.ts).
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkTree, readPartialInput } from '../../src/check/engine.js';
import type { PartialInput } from '../../src/check/context.js';
import { RULES } from '../../src/check/rules/index.js';
import { type XenBuild, parseXenBuild } from '../../src/check/target.js';
import { runDtc } from '../../src/fdt/dtc.js';
import { printDts } from '../../src/fdt/dts/print.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import type { DeviceTree } from '../../src/fdt/tree/livetree.js';
import { compareXenVersions } from '../../src/model/version.js';
import { type DirectBootSpec, type LoadImage, bootDirect } from '../../src/qemu/boot.js';
import { planDirectBoot } from '../../src/qemu/direct-plan.js';
import { buildInitramfs, dtReportLine } from '../../src/qemu/initramfs.js';
import { virtHostTree } from '../../src/qemu/virt-dtb.js';
import type { GuestBinaries } from '../../src/qemu/guest-packages.js';
import { repoRoot } from '../support/paths.js';
import { modelFromDts } from './support.js';

/**
 * What the target Xen does with the edit, seen on real boots:
 * - panic: Xen panics (or faults) and `xen` is in its log. Where Xen's words
 *   differ from the rule's message, `ruleMessage` is false and
 *   docs/fidelity.md says how;
 * - silent: Xen stops before its console exists (early FDT parsing, a
 *   release build without early printk): the serial log stays empty, while
 *   the base tree prints its first (XEN) line within about a second;
 * - boots: Xen goes on without the setting (a warning rule, or an error
 *   rule outside the target's since/until) and the domain comes up;
 * - guest-fails: Xen builds the domain without a panic, and the guest
 *   fails (`xen` is its failure, e.g. a kernel panic over a clobbered ramdisk);
 * - stalls: Xen goes on without a panic (it frees its init memory), but the
 *   domain's console never speaks: the boot times out.
 */
export interface FidelityCase {
  rule: string;
  edit: string;
  outcome: 'panic' | 'silent' | 'boots' | 'stalls' | 'guest-fails';
  /** panic: the failure in Xen's log; boots: a line Xen prints on the way (optional). */
  xen?: RegExp;
  ruleMessage?: boolean;
  /** The edit is to the board (reserved memory): check it as its own host tree. */
  hostEdit?: boolean;
  /** Text put before the tree (a `/memreserve/` entry). */
  header?: string;
  /** domU1's partial device tree (DTS): loaded at PARTIAL_ADDRESS, named by the module node the edit adds, checked with the tree. */
  partial?: string;
  /**
   * A node domU1's guest must find in its /proc/device-tree (its /init
   * reports it): the proof that Xen read the edit where its log says
   * nothing, since "Xen goes on" is also what an unread partial DTB gives.
   */
  guestSees?: string;
  /** A rule not in force on the target: the warning rule that tells the target what it does instead. */
  warnsOnTarget?: string;
  /** Boot the early-printk build of the target: its release build stops silently here. */
  earlyPrintk?: boolean;
  /** Rules the target's check may also report for the edit (a second fault of the same edit). */
  alsoFlagged?: string[];
  /** Label of the case when one rule has several (`static-heap-align` vs `static-heap-align (size)`). */
  label?: string;
  /**
   * boots: the edit adds a domain that runs domU1's ramdisk too, so the
   * per-domain verdict cannot tell them apart: judged by the log instead
   * (no panic, domU1's marker, `xen` found, `notInLog` not found).
   */
  byLog?: boolean;
  /** boots: a line that must not be in the log (a command line the domain should not have got). */
  notInLog?: RegExp;
}

/** The Xen a fidelity suite boots, and the facts our check judges for. */
export interface FidelityTarget {
  name: string;
  build: XenBuild;
  /** The Xen image for the direct route. */
  xen: string;
  /** The same build with early printk (4.22 only). */
  earlyPrintkXen?: string;
}

/** examples/passthrough-partial.dts (pl061@9030000 force-assigned, which boots) with one hand edit. */
const PARTIAL_BASE = readFileSync(join(repoRoot, 'examples', 'passthrough-partial.dts'), 'utf8');
export function partialWith(from: string, to: string): string {
  if (!PARTIAL_BASE.includes(from)) throw new Error(`passthrough-partial.dts has no ${JSON.stringify(from)}`);
  return PARTIAL_BASE.replace(from, to);
}
const PARTIAL_ADDRESS = 0x5300_0000n;
export const PARTIAL_MODULE = '&{/chosen/domU1} { module@53000000 { compatible = "multiboot,device-tree", "multiboot,module"; reg = <0x0 0x53000000 0x0 0x1000>; }; };';
/** Where Xen puts the partial tree's passthrough device in the guest's tree: absent unless the partial DTB was read. */
export const PASSED_THROUGH = '/passthrough/pl061@9030000';

/** The base: examples/true-dom0less.dts cut to its first domU, planned for the direct route. */
export function basePlan(dir: string, guest: GuestBinaries, xen: string) {
  const m = modelFromDts(join(repoRoot, 'examples', 'true-dom0less.dts'));
  const model = { ...m, domains: m.domains.filter((d) => d.name === 'domU1') };
  return planDirectBoot(model, virtHostTree(), { xen, kernel: guest.kernel, busybox: readFileSync(guest.busybox) }, dir);
}

export function edited(base: DeviceTree, edit: string, name: string, header = ''): DeviceTree {
  const text = printDts(base);
  // A header entry (/memreserve/) goes after /dts-v1/;, before the root node.
  const source = header ? text.replace('/dts-v1/;\n', `/dts-v1/;\n${header}\n`) : text;
  const r = runDtc(new TextEncoder().encode(`${source}\n${edit}\n`), { file: `${name}.dts` });
  if (!r.tree) throw new Error(`${name}: ${r.error?.message}`);
  return r.tree;
}

export function findings(tree: DeviceTree, host: DeviceTree, build: XenBuild, partials?: ReadonlyMap<string, PartialInput>) {
  return checkTree(tree, { host, hostName: 'QEMU virt', build, partials }).findings;
}

/** Whether the target is inside the rule's since/until. */
export function inForce(ruleId: string, build: XenBuild): boolean {
  const rule = RULES.find((r) => r.id === ruleId)!;
  return (!rule.since || compareXenVersions(rule.since, build.version) <= 0) && (!rule.until || compareXenVersions(rule.until, build.version) >= 0);
}

/** A release inside the rule's range, for a rule not in force on the target. */
function releaseInForce(ruleId: string): XenBuild {
  const rule = RULES.find((r) => r.id === ruleId)!;
  return parseXenBuild(rule.since ?? rule.until!);
}

/**
 * domU1's ramdisk swapped for one whose /init reports `paths`, and the tree
 * edit giving its module the new size (a cut-off gzip would not unpack).
 */
function reportingRamdisk(spec: DirectBootSpec, guest: GuestBinaries, dir: string, paths: readonly string[]): { loads: LoadImage[]; edit: string } {
  const old = spec.loads.find((l) => l.what === 'domU1 ramdisk');
  if (!old) throw new Error(`no domU1 ramdisk among ${spec.loads.map((l) => l.what).join(', ')}`);
  const bytes = buildInitramfs(readFileSync(guest.busybox), 'domU1', { reportDtPaths: paths });
  const file = join(dir, 'domU1-dt-report.cpio.gz');
  writeFileSync(file, bytes);
  const cells = (n: bigint) => `0x${(n >> 32n).toString(16)} 0x${(n & 0xffff_ffffn).toString(16)}`;
  const edit = `&{/chosen/domU1/module@${old.address.toString(16)}} { reg = <${cells(old.address)} ${cells(BigInt(bytes.length))}>; };`;
  return { loads: spec.loads.map((l) => (l === old ? { ...l, file } : l)), edit };
}

/** The case's partial device tree: what reading it finds (a reader error is a finding), and its blob to load. */
function partialOf(c: FidelityCase, dir: string) {
  if (c.partial === undefined) return { found: [], partials: undefined, loads: [] };
  const source = new TextEncoder().encode(c.partial);
  const input = readPartialInput(source, `${c.rule}-partial.dts`);
  const compiled = runDtc(source, { file: `${c.rule}-partial.dts` });
  if (!compiled.tree) throw new Error(`${c.rule}: ${compiled.error?.message}`);
  const file = join(dir, `${c.rule}-partial.dtb`);
  writeFileSync(file, writeDtb(compiled.tree));
  const loads = [{ file, address: PARTIAL_ADDRESS, what: 'domU1 partial device tree' }];
  return 'ruleId' in input ? { found: [input], partials: undefined, loads } : { found: [], partials: new Map([['domU1', input]]), loads };
}

export function caseName(c: FidelityCase): string {
  return c.label ?? c.rule;
}

/** The whole suite on one target: the controls, then each case as a subtest. */
export async function runFidelity(t: TestContext, target: FidelityTarget, guest: GuestBinaries, cases: readonly FidelityCase[], dir: string): Promise<void> {
  const spec = basePlan(dir, guest, target.xen);
  const host = virtHostTree();
  const base = readDtb(readFileSync(spec.dtb));
  const errorRules = (tree: DeviceTree) => findings(tree, host, target.build).filter((f) => f.severity === 'error').map((f) => f.ruleId);
  // The control: the unedited tree is clean (and boots: the control boot below).
  assert.deepEqual(errorRules(base), []);
  // The control for guestSees: without the partial DTB the guest reports the node absent,
  // so a partial DTB Xen never read would fail those cases.
  await t.test(`${target.name} control: the base boots; without a partial DTB the passed-through node is absent in domU1`, async () => {
    const report = reportingRamdisk(spec, guest, dir, [PASSED_THROUGH]);
    const dtb = join(dir, 'control.dtb');
    writeFileSync(dtb, writeDtb(edited(base, report.edit, 'control')));
    const r = await bootDirect({ ...spec, dtb, loads: report.loads }, { timeoutSeconds: 180, serialLog: join(dir, 'control.log') });
    const log = readFileSync(join(dir, 'control.log'), 'latin1');
    assert.equal(r.passed, true, log.slice(-400));
    assert.ok(log.includes(dtReportLine('domU1', PASSED_THROUGH, false)), `the guest's report is missing\n${log.slice(-400)}`);
    assert.ok(!log.includes(dtReportLine('domU1', PASSED_THROUGH, true)));
  });
  for (const c of cases) await t.test(caseName(c), () => runCase(c, target, { spec, base, host, guest, dir }));
}

interface CaseContext {
  spec: DirectBootSpec;
  base: DeviceTree;
  host: DeviceTree;
  guest: GuestBinaries;
  dir: string;
}

/** Our check on the edited tree: the rule for a target it is in force on; for another target, not it (its twin instead). */
function assertFlagged(c: FidelityCase, target: FidelityTarget, flagged: (build: XenBuild) => string[]): void {
  const rule = RULES.find((r) => r.id === c.rule);
  assert.ok(rule, `${c.rule} is not a rule`);
  if (inForce(c.rule, target.build)) {
    const found = flagged(target.build);
    assert.ok(found.includes(`${c.rule}:${rule.severity}`), `${caseName(c)}: our check should flag the edit for ${target.name} (got ${found.join(', ') || 'nothing'})`);
    return;
  }
  // A rule outside the target's range: a release in range is flagged, the target is not, and the target must boot it.
  assert.equal(c.outcome, 'boots', `${c.rule} is not in force on ${target.name}: the boot can only show Xen going on`);
  const inRange = flagged(releaseInForce(c.rule));
  assert.ok(inRange.includes(`${c.rule}:${rule.severity}`), `${c.rule}: our check should flag the edit for Xen ${rule.since ?? rule.until} (got ${inRange.join(', ') || 'nothing'})`);
  const onTarget = flagged(target.build);
  assert.ok(!onTarget.some((f) => f.startsWith(`${c.rule}:`)), `${c.rule} is not in force on ${target.name}: it should not be flagged (got ${onTarget.join(', ')})`);
  if (c.warnsOnTarget) assert.ok(onTarget.includes(`${c.warnsOnTarget}:warning`), `${c.rule}: ${target.name} goes on without it, which ${c.warnsOnTarget} should say (got ${onTarget.join(', ') || 'nothing'})`);
}

async function runCase(c: FidelityCase, target: FidelityTarget, ctx: CaseContext): Promise<void> {
  const name = caseName(c).replace(/[^a-z0-9-]+/g, '_');
  const report = c.guestSees ? reportingRamdisk(ctx.spec, ctx.guest, ctx.dir, [c.guestSees]) : undefined;
  const tree = edited(ctx.base, report ? `${c.edit}\n${report.edit}` : c.edit, name, c.header);
  const partial = partialOf(c, ctx.dir);
  const hostTree = c.hostEdit ? tree : ctx.host;
  const flagged = (build: XenBuild) => [...partial.found, ...findings(tree, hostTree, build, partial.partials)].map((f) => `${f.ruleId}:${f.severity}`);
  assertFlagged(c, target, flagged);
  const dtb = join(ctx.dir, `${name}.dtb`);
  writeFileSync(dtb, writeDtb(tree));
  const xen = c.earlyPrintk ? target.earlyPrintkXen : target.xen;
  assert.ok(xen, `${caseName(c)}: ${target.name} has no early-printk build`);
  // A silent boot is judged by the silence itself: the base prints within ~1 s.
  // A stall is judged by the timeout: the base's domain speaks within ~4 s. A boot that
  // goes on settles when its domains are alive, so its limit costs nothing when it passes:
  // 180 s, because a domU with 4 vCPUs on QEMU's 2 took over 45 s on a loaded 2-core host, and at load 10
  // Debian's example took 90 s.
  const timeoutSeconds = c.outcome === 'silent' ? 8 : c.outcome === 'stalls' ? 20 : 180;
  const serialLog = join(ctx.dir, `${name}.log`);
  const verdict = await bootDirect({ ...ctx.spec, xen, dtb, loads: [...(report?.loads ?? ctx.spec.loads), ...partial.loads] }, { timeoutSeconds, serialLog });
  console.log(`fidelity ${target.name} ${caseName(c)}: ${c.outcome}, ${verdict.seconds.toFixed(1)} s, ${verdict.end}`);
  const log = readFileSync(serialLog, 'latin1');
  if (c.outcome === 'boots' && c.byLog) {
    assert.doesNotMatch(log, /Panic on CPU/);
    assert.match(log, /HYPERLAUNCH-MARKER domU1 up/, `${caseName(c)}: domU1 did not come up\n${log.slice(-400)}`);
    if (c.xen) assert.match(log, c.xen);
    if (c.notInLog) assert.doesNotMatch(log, c.notInLog);
    return;
  }
  if (c.outcome === 'boots') {
    assert.equal(verdict.passed, true, `${caseName(c)}: ${target.name} was expected to go on\n${log.slice(-400)}`);
    if (c.xen) assert.match(log, c.xen);
    if (c.guestSees) assert.ok(log.includes(dtReportLine('domU1', c.guestSees, true)), `${c.rule}: domU1 does not see ${c.guestSees}: was the edit read?\n${log.slice(-400)}`);
    return;
  }
  assert.equal(verdict.passed, false, `${caseName(c)}: Xen booted the domain`);
  if (c.outcome === 'guest-fails') {
    assert.doesNotMatch(log, /Panic on CPU/);
    assert.match(log, c.xen!, `${caseName(c)}: the guest's failure is not in the log\n${log.slice(-400)}`);
    return;
  }
  if (c.outcome === 'stalls') {
    assert.equal(verdict.end, 'timeout');
    assert.doesNotMatch(log, /Panic on CPU/);
    assert.match(log, /\(XEN\) Freed \d+kB init memory/);
    assert.doesNotMatch(log, /DOM1:/, `${c.rule}: the domain's console spoke`);
    return;
  }
  if (c.outcome === 'silent') {
    assert.doesNotMatch(log, /\(XEN\)/, `${c.rule}: Xen reached its console`);
    return;
  }
  assert.match(log, /Panic on CPU/);
  assert.match(log, c.xen!, `${caseName(c)}: Xen's log does not show the expected failure\n${log.slice(-400)}`);
}
