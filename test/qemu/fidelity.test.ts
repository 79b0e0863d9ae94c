/**
 * Fidelity, both directions, on a real Xen (Debian's 4.17 build, direct
 * route, a couple of seconds a boot):
 * - for each check rule Xen 4.17 enforces at boot, one edit of a known-good
 *   tree that our check rejects with that rule is booted anyway (the force
 *   path: the tree goes to Xen as it is) and Xen's log shows the failure the
 *   rule names (its Xen message, written here by hand from the rule table);
 * - for a rule that starts after 4.17 (its `since`), the same edit: our
 *   check flags it for that release but not for 4.17, and 4.17 boots it;
 *   where 4.17 is silent, domU1's guest shows the edit was read;
 * - every example our check accepts for Debian 4.17 on Arm boots (see the
 *   last test). docs/fidelity.md is the table of what is proven where.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { cliPath, repoRoot, skipNotice } from '../support/paths.js';
import { bootPrerequisites, modelFromDts, withTmpDir } from './support.js';

const prereq = bootPrerequisites();
const DEBIAN_417 = parseXenBuild('debian-4.17');

/**
 * One rule, one edit of the base tree (true dom0less, one domU: `/chosen/domU1`
 * with its kernel at module@50000000 and its ramdisk at module@51c00000), and
 * what Debian's Xen 4.17 (a release build, debug=n) does with it, seen on
 * real boots and written here by hand:
 * - panic: Xen panics and `xen` is in its log. Where 4.17's words differ from
 *   the rule's message (a debug-only message, older wording, a later check
 *   firing first), `ruleMessage` is false and docs/fidelity.md says how;
 * - silent: Xen stops before its console exists (early FDT parsing; Debian's
 *   build has no early printk): the serial log stays empty, while the base
 *   tree prints its first (XEN) line within about a second;
 * - boots: 4.17 goes on without the setting (a warning rule, or an error
 *   rule whose `since` is later than 4.17) and the domain comes up;
 * - stalls: Xen goes on without a panic (it frees its init memory), but the
 *   domain's console never speaks: the boot times out.
 */
interface FidelityCase {
  rule: string;
  edit: string;
  outcome: 'panic' | 'silent' | 'boots' | 'stalls';
  /** panic: the failure in Xen's log; boots: a line Xen prints on the way (optional). */
  xen?: RegExp;
  ruleMessage?: boolean;
  /** The edit is to the board (reserved memory): check it as its own host tree. */
  hostEdit?: boolean;
  /** domU1's partial device tree (DTS): loaded at PARTIAL_ADDRESS, named by the module node the edit adds, checked with the tree. */
  partial?: string;
  /**
   * A node domU1's guest must find in its /proc/device-tree (its /init
   * reports it): the proof that Xen read the edit where its log says
   * nothing, since "Xen goes on" is also what an unread partial DTB gives.
   */
  guestSees?: string;
  /** A rule that starts after 4.17: the warning rule that tells a 4.17 target what 4.17 does instead. */
  warnsOn417?: string;
}

/** examples/passthrough-partial.dts (pl061@9030000 force-assigned, which boots) with one hand edit. */
const PARTIAL_BASE = readFileSync(join(repoRoot, 'examples', 'passthrough-partial.dts'), 'utf8');
function partialWith(from: string, to: string): string {
  if (!PARTIAL_BASE.includes(from)) throw new Error(`passthrough-partial.dts has no ${JSON.stringify(from)}`);
  return PARTIAL_BASE.replace(from, to);
}
const PARTIAL_ADDRESS = 0x5300_0000n;
const PARTIAL_MODULE = '&{/chosen/domU1} { module@53000000 { compatible = "multiboot,device-tree", "multiboot,module"; reg = <0x0 0x53000000 0x0 0x1000>; }; };';
/** Where Xen puts the partial tree's passthrough device in the guest's tree: absent unless the partial DTB was read. */
const PASSED_THROUGH = '/passthrough/pl061@9030000';

/** 257 reserved-memory regions of 4 KiB from 0x70000000, one more than Xen's bank table holds. */
const MANY_BANKS = Array.from({ length: 257 }, (_, i) => {
  const a = (0x7000_0000 + i * 0x1_0000).toString(16);
  return `r${i}@${a} { reg = <0x0 0x${a} 0x0 0x1000>; };`;
}).join(' ');

/** 33 device-tree modules in /chosen: with Xen, the DTB and the domU's two, past the 32 Xen keeps. */
const MANY_MODULES = Array.from({ length: 33 }, (_, i) => {
  const a = (0x6000_0000 + i * 0x1000).toString(16);
  return `module@${a} { compatible = "multiboot,device-tree", "multiboot,module"; reg = <0x0 0x${a} 0x0 0x100>; };`;
}).join(' ');

/** 33 device-tree modules at one address, each with a command line: Xen merges the modules (one slot) but keeps only 32 command lines. */
const MANY_CMDLINES = Array.from({ length: 33 }, (_, i) =>
  `dt${i}@60000000 { compatible = "multiboot,device-tree", "multiboot,module"; reg = <0x0 0x60000000 0x0 0x100>; bootargs = "a"; };`).join(' ');

/** Two static event channels of domU1 bound to each other (a loopback, which 4.17 accepts), `ea` given `eaValue`, `eb` `ebValue`. */
function evtchnPair(eaValue: string, ebValue: string): string {
  const node = (label: string, unit: number, value: string) => `${label}: evtchn@${unit} { compatible = "xen,evtchn-v1"; ${value} };`;
  return `&{/chosen/domU1} { xen,enhanced = "no-xenstore"; ${node('ea', 1, eaValue)} ${node('eb', 2, ebValue)} };`;
}

const LONG_BOOTARGS = `console=ttyAMA0 rdinit=/init ${'x'.repeat(1100)}`;

export const FIDELITY_CASES: FidelityCase[] = [
  { rule: 'cpus-missing', edit: '&{/chosen/domU1} { /delete-property/ cpus; };', outcome: 'panic', xen: /Missing property 'cpus' for domain domU1/, ruleMessage: true },
  // "Requested vCPUs (%u) exceeds max" is a gdprintk: a release build prints only the panic.
  { rule: 'cpus-range', edit: '&{/chosen/domU1} { cpus = <200>; };', outcome: 'panic', xen: /Panic on CPU 0:\s*\n\(XEN\) Error creating domain domU1/, ruleMessage: false },
  { rule: 'memory-u64', edit: '&{/chosen/domU1} { memory = <0x40000>; };', outcome: 'panic', xen: /Error building DomU: cannot read "memory" property/, ruleMessage: true },
  { rule: 'memory-zero', edit: '&{/chosen/domU1} { memory = <0x0 0x0>; };', outcome: 'panic', xen: /Could not set up domain domU1/, ruleMessage: true },
  // 4 TiB: the P2M allocation fails before the RAM allocation the rule names.
  { rule: 'memory-guest-max', edit: '&{/chosen/domU1} { memory = <0x1 0x0>; };', outcome: 'panic', xen: /Failed to allocate P2M pages\.[\s\S]*Could not set up domain domU1/, ruleMessage: false },
  { rule: 'kernel-missing', edit: '&{/chosen/domU1} { /delete-node/ module@50000000; };', outcome: 'panic', xen: /Missing kernel boot module\?/, ruleMessage: true },
  { rule: 'directmap-needs-staticmem', edit: '&{/chosen/domU1} { direct-map; };', outcome: 'panic', xen: /direct-map is not valid for domain domU1 without static allocation/, ruleMessage: true },
  // 4.17's wording; later releases say "xenstore requested, but xenstore domain not present".
  { rule: 'xenstore-needed', edit: '&{/chosen/domU1} { xen,enhanced = "enabled"; };', outcome: 'panic', xen: /At the moment, Xenstore support requires dom0 to be present/, ruleMessage: false },
  // Without CONFIG_STATIC_MEMORY the bank is not parsed early; building the guest's DT fails instead.
  { rule: 'build-static-memory', edit: '&{/chosen/domU1} { xen,static-mem = <0x0 0x60000000 0x0 0x10000000>; };', outcome: 'panic', xen: /Device tree generation failed \(-2\)\.[\s\S]*Could not set up domain domU1/, ruleMessage: false },
  {
    rule: 'build-static-shm',
    edit: `&{/chosen/domU1} { shm@60000000 { compatible = "xen,domain-shared-memory-v1"; role = "owner"; xen,shm-id = "shm0";
      xen,shared-mem = <0x0 0x60000000 0x0 0x70000000 0x0 0x1000>; }; };`,
    outcome: 'boots',
  },
  { rule: 'cmdline-len', edit: `&{/chosen/domU1/module@50000000} { bootargs = "${LONG_BOOTARGS}"; };`, outcome: 'silent' },
  // 4.17 prints no rc.
  { rule: 'nr-spis-range', edit: '&{/chosen/domU1} { nr_spis = <1000>; };', outcome: 'panic', xen: /Panic on CPU 0:\s*\n\(XEN\) Error creating domain domU1/, ruleMessage: false },
  // 4.17 has no friendly overlap check: the ramdisk's pages are handed out twice and the allocator BUGs.
  { rule: 'mod-overlap', edit: '&{/chosen/domU1/module@51c00000} { reg = <0x0 0x51000000 0x0 0xf7881>; };', outcome: 'panic', xen: /Xen BUG at common\/page_alloc\.c/, ruleMessage: false },
  // Half an initrd in /chosen: 4.17 takes it as dom0's ramdisk and fails building a dom0 that has no kernel.
  { rule: 'initrd-chosen', edit: '&{/chosen} { linux,initrd-start = <0x0 0x60000000>; };', outcome: 'panic', xen: /Could not set up DOM0 guest OS/, ruleMessage: false },
  { rule: 'mod-reg-short', edit: '&{/chosen/domU1/module@51c00000} { reg = <0x0 0x51c00000>; };', outcome: 'silent' },
  { rule: 'banks-max', edit: `/ { reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges; ${MANY_BANKS} }; };`, outcome: 'silent', hostEdit: true },
  // A warning: Xen goes on without the extra modules (its "Ignoring ... (too many)" comes before the console exists).
  { rule: 'mod-count', edit: `&{/chosen} { ${MANY_MODULES} };`, outcome: 'boots' },
  // 4.17 has no module/reserved-memory overlap check: the ramdisk inside /reserved-memory boots.
  {
    rule: 'mod-overlap-reserved',
    edit: '/ { reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges; r@51c00000 { reg = <0x0 0x51c00000 0x0 0x100000>; }; }; };',
    outcome: 'boots', hostEdit: true,
  },
  { rule: 'mod-reg-missing', edit: '&{/chosen/domU1/module@51c00000} { /delete-property/ reg; };', outcome: 'silent' },
  // A warning: Xen goes on; its "Ignoring ... cmdline (too many)" comes before the console exists.
  { rule: 'cmdline-count', edit: `&{/chosen} { ${MANY_CMDLINES} };`, outcome: 'boots' },
  // A warning: no panic, the domain is built and runs, but its vpl011 console (SPI 0, virq 32) never speaks.
  { rule: 'nr-spis-vpl011', edit: '&{/chosen/domU1} { nr_spis = <0>; };', outcome: 'stalls' },
  { rule: 'evtchn-value', edit: evtchnPair('xen,evtchn = <0xa &eb>;', ''), outcome: 'panic', xen: /xen,evtchn property should not be empty\.[\s\S]*Could not set up domains evtchn/, ruleMessage: true },
  { rule: 'evtchn-remote', edit: evtchnPair('xen,evtchn = <0xa &eb>;', 'xen,evtchn = <0xb &eb>;'), outcome: 'panic', xen: /xen,evtchn property is not setup correctly\.[\s\S]*Could not set up domains evtchn/, ruleMessage: true },
  // Port 2000 > 1023: evtchn_alloc_unbound fails with -ENOSPC (-28).
  { rule: 'evtchn-port', edit: evtchnPair('xen,evtchn = <0x7d0 &eb>;', 'xen,evtchn = <0xb &ea>;'), outcome: 'panic', xen: /evtchn_alloc_unbound\(\) failure \(Error -28\)[\s\S]*Could not set up domains evtchn/, ruleMessage: true },
  // Partial device trees. 4.17 prints the rule's message for the passthrough node, but its scan_pfdt_node
  // ignores a child node's error: the domain boots.
  { rule: 'pdt-reg-path', edit: PARTIAL_MODULE, partial: partialWith('xen,reg = <0x0 0x09030000 0x0 0x1000 0x0 0x09030000>;', ''), outcome: 'boots', xen: /xen,reg or xen,path missing for d1/, warnsOn417: 'pdt-reg-path-skipped' },
  // #address-cells 3 under /passthrough: 4.17 has no cells check; xen,reg then holds no whole entry and nothing is mapped.
  {
    rule: 'pdt-cells', edit: PARTIAL_MODULE, partial: partialWith('ranges;\n\t\t#address-cells = <2>;', 'ranges;\n\t\t#address-cells = <3>;'), outcome: 'boots',
    guestSees: PASSED_THROUGH,
  },
  { rule: 'pdt-align', edit: PARTIAL_MODULE, partial: partialWith('0x0 0x1000 0x0 0x09030000>', '0x0 0x800 0x0 0x09030000>'), outcome: 'boots', xen: /DomU passthrough config has not page aligned addresses\/sizes\s+\(XEN\) Failed to assign device to d1/, warnsOn417: 'pdt-align-skipped' },
  // The phandle check is newer than 4.17: a partial phandle of 65001 boots silently.
  {
    rule: 'pdt-phandle', edit: PARTIAL_MODULE, partial: partialWith('interrupt-controller;', 'interrupt-controller;\n\t\tphandle = <0xfde9>;'), outcome: 'boots',
    guestSees: PASSED_THROUGH,
  },
  { rule: 'pdt-path-exists', edit: PARTIAL_MODULE, partial: partialWith('xen,path = "/pl061@9030000";', 'xen,path = "/pl061@9040000";'), outcome: 'boots', xen: /Couldn't find node \/pl061@9040000 in host_dt!\s+\(XEN\) Failed to assign device to d1/, warnsOn417: 'pdt-path-exists-skipped' },
];

/** The base: examples/true-dom0less.dts cut to its first domU, planned for the direct route. */
function basePlan(dir: string) {
  const g = prereq.guest!;
  const m = modelFromDts(join(repoRoot, 'examples', 'true-dom0less.dts'));
  const model = { ...m, domains: m.domains.filter((d) => d.name === 'domU1') };
  return planDirectBoot(model, virtHostTree(), { xen: g.xen, kernel: g.kernel, busybox: readFileSync(g.busybox) }, dir);
}

function edited(base: DeviceTree, edit: string, name: string): DeviceTree {
  const r = runDtc(new TextEncoder().encode(`${printDts(base)}\n${edit}\n`), { file: `${name}.dts` });
  if (!r.tree) throw new Error(`${name}: ${r.error?.message}`);
  return r.tree;
}

function errorRules(tree: DeviceTree, host: DeviceTree): string[] {
  return findings(tree, host).filter((f) => f.severity === 'error').map((f) => f.ruleId);
}

function findings(tree: DeviceTree, host: DeviceTree, partials?: ReadonlyMap<string, PartialInput>, build: XenBuild = DEBIAN_417) {
  return checkTree(tree, { host, hostName: 'QEMU virt', build, partials }).findings;
}

/** Whether Debian's 4.17 is inside the rule's since/until. */
function inForceOn417(ruleId: string): boolean {
  const rule = RULES.find((r) => r.id === ruleId)!;
  return (!rule.since || compareXenVersions(rule.since, DEBIAN_417.version) <= 0) && (!rule.until || compareXenVersions(rule.until, DEBIAN_417.version) >= 0);
}

/**
 * domU1's ramdisk swapped for one whose /init reports `paths`, and the tree
 * edit giving its module the new size (a cut-off gzip would not unpack).
 */
function reportingRamdisk(spec: DirectBootSpec, dir: string, paths: readonly string[]): { loads: LoadImage[]; edit: string } {
  const old = spec.loads.find((l) => l.what === 'domU1 ramdisk');
  if (!old) throw new Error(`no domU1 ramdisk among ${spec.loads.map((l) => l.what).join(', ')}`);
  const bytes = buildInitramfs(readFileSync(prereq.guest!.busybox), 'domU1', { reportDtPaths: paths });
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

test('fidelity: each rule Xen 4.17 enforces at boot — our check flags the edit, and Xen fails it (or goes on) as the rule says', async (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  await withTmpDir(async (dir) => {
    const spec = basePlan(dir);
    const host = virtHostTree();
    const base = readDtb(readFileSync(spec.dtb));
    // The control: the unedited tree is clean (and boots: the CLI's true dom0less test).
    assert.deepEqual(errorRules(base, host), []);
    // The control for guestSees: without the partial DTB the guest reports the node absent,
    // so a partial DTB Xen never read would fail those cases.
    await t.test('control: no partial DTB, the passed-through node is absent in domU1', async () => {
      const report = reportingRamdisk(spec, dir, [PASSED_THROUGH]);
      const dtb = join(dir, 'control.dtb');
      writeFileSync(dtb, writeDtb(edited(base, report.edit, 'control')));
      const r = await bootDirect({ ...spec, dtb, loads: report.loads }, { timeoutSeconds: 45, serialLog: join(dir, 'control.log') });
      const log = readFileSync(join(dir, 'control.log'), 'latin1');
      assert.equal(r.passed, true, log.slice(-400));
      assert.ok(log.includes(dtReportLine('domU1', PASSED_THROUGH, false)), `the guest's report is missing\n${log.slice(-400)}`);
      assert.ok(!log.includes(dtReportLine('domU1', PASSED_THROUGH, true)));
    });
    for (const c of FIDELITY_CASES) {
      await t.test(c.rule, async () => {
        const report = c.guestSees ? reportingRamdisk(spec, dir, [c.guestSees]) : undefined;
        const tree = edited(base, report ? `${c.edit}\n${report.edit}` : c.edit, c.rule);
        const partial = partialOf(c, dir);
        const rule = RULES.find((r) => r.id === c.rule)!;
        const hostTree = c.hostEdit ? tree : host;
        const flagged = (build: XenBuild) => [...partial.found, ...findings(tree, hostTree, partial.partials, build)].map((f) => `${f.ruleId}:${f.severity}`);
        if (inForceOn417(c.rule)) {
          const found = flagged(DEBIAN_417);
          assert.ok(found.includes(`${c.rule}:${rule.severity}`), `${c.rule}: our check should flag the edit (got ${found.join(', ') || 'nothing'})`);
        } else {
          // A rule that starts after 4.17: its first release is flagged, 4.17 is not, and 4.17 must boot it.
          assert.equal(c.outcome, 'boots', `${c.rule} is not in force on 4.17: the boot can only show 4.17 going on`);
          const found = flagged(parseXenBuild(rule.since!));
          assert.ok(found.includes(`${c.rule}:${rule.severity}`), `${c.rule}: our check should flag the edit for Xen ${rule.since} (got ${found.join(', ') || 'nothing'})`);
          // The partial DTB's reader keeps what only later releases refuse, so its findings are judged by target too.
          const on417 = flagged(DEBIAN_417);
          assert.ok(!on417.some((f) => f.startsWith(`${c.rule}:`)), `${c.rule} starts at ${rule.since}: a 4.17 target should not be flagged (got ${on417.join(', ')})`);
          if (c.warnsOn417) assert.ok(on417.includes(`${c.warnsOn417}:warning`), `${c.rule}: 4.17 goes on without the device, which ${c.warnsOn417} should say (got ${on417.join(', ') || 'nothing'})`);
        }
        const dtb = join(dir, `${c.rule}.dtb`);
        writeFileSync(dtb, writeDtb(tree));
        // A silent boot is judged by the silence itself: the base prints within ~1 s.
        // A stall is judged by the timeout: the base's domain speaks within ~4 s.
        const timeoutSeconds = c.outcome === 'silent' ? 8 : c.outcome === 'stalls' ? 20 : 45;
        const verdict = await bootDirect({ ...spec, dtb, loads: [...(report?.loads ?? spec.loads), ...partial.loads] }, { timeoutSeconds, serialLog: join(dir, `${c.rule}.log`) });
        console.log(`fidelity ${c.rule}: ${c.outcome}, ${verdict.seconds.toFixed(1)} s, ${verdict.end}`);
        const log = readFileSync(join(dir, `${c.rule}.log`), 'latin1');
        if (c.outcome === 'boots') {
          assert.equal(verdict.passed, true, `${c.rule}: 4.17 was expected to go on without the setting\n${log.slice(-400)}`);
          if (c.xen) assert.match(log, c.xen);
          if (c.guestSees) assert.ok(log.includes(dtReportLine('domU1', c.guestSees, true)), `${c.rule}: domU1 does not see ${c.guestSees}: was the edit read?\n${log.slice(-400)}`);
          return;
        }
        assert.equal(verdict.passed, false, `${c.rule}: Xen booted the domain`);
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
        assert.match(log, c.xen!, `${c.rule}: Xen's log does not show the expected failure\n${log.slice(-400)}`);
      });
    }
  });
});

/**
 * Every example our check accepts for Debian's 4.17 on Arm boots, through
 * the CLI (which runs the same check first and refuses on an error). The
 * rest — Hyperlaunch-only, x86, static memory/shm and boot-time cpupools
 * (not in Debian's build), and a bare partial device tree — are refused.
 */
const ACCEPTED_EXAMPLES = ['qemu-dom0less.dts', 'xen-ci-smoke.dts', 'passthrough.dts'];
// true-dom0less.dts boots in test/cli/qemu-command.test.ts.
const REFUSED_EXAMPLES = ['boot-cpupools.dts', 'static-memory.dts', 'static-shm-evtchn.dts', 'hyperlaunch-disaggregated.dts', 'hyperlaunch-x86-dom0.dts', 'passthrough-partial.dts'];

test('fidelity: every Arm example our check accepts for Debian 4.17 boots; the others are refused before booting', (t) => {
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  for (const name of REFUSED_EXAMPLES) {
    const r = spawnSync(process.execPath, [cliPath, 'qemu', '-i', 'examples', join('examples', name)], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 1, `${name}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '', `${name} was booted`);
  }
  for (const name of ACCEPTED_EXAMPLES) {
    const r = spawnSync(process.execPath, [cliPath, 'qemu', '-i', 'examples', '--timeout', '90', join('examples', name)], { cwd: repoRoot, encoding: 'utf8' });
    console.log(r.stdout.split('\n')[0]);
    assert.equal(r.status, 0, `${name}: ${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stderr, /error\[/);
    assert.match(r.stdout, /all \d+ domain\(s\) passed/);
    const saved = /serial log: (\S+)/.exec(r.stdout)?.[1];
    if (saved) rmSync(saved, { force: true });
  }
});

test('docs/fidelity.md: one row per check rule; every case booted here is marked proven', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'fidelity.md'), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([a-z0-9-]+)` \| (?:error|warning) \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!]));
  const missing = RULES.map((r) => r.id).filter((id) => !rows.has(id));
  assert.deepEqual(missing, [], `rules without a row in docs/fidelity.md: ${missing.join(', ')}`);
  for (const c of FIDELITY_CASES) assert.match(rows.get(c.rule) ?? '', /^proven/, `${c.rule} is booted in fidelity.test.ts`);
});
