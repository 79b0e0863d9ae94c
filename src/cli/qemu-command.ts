/**
 * `hyperlaunch qemu`: boot a configuration under QEMU with Debian's Xen 4.17
 * (or the user's own arm64 Xen Image, --xen-image, with its .config for the checks)
 * and print which domains came up.
 * - `qemu FILE.dts`: a dom0less (or Hyperlaunch) tree by the direct route,
 *   with Debian's Linux as every kernel and a marker initramfs as its ramdisk;
 * - `qemu -c CONFIG -d DIR`: an ImageBuilder config and the user's own files,
 *   built by src/artifacts in a temp dir and booted through real U-Boot (default)
 *   or loaded directly.
 * The check engine runs first (for Debian's 4.17 build, or the user's Xen); errors stop the
 * boot unless --force, which is how a rejected configuration is shown to fail.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readImageBuilderConfig } from '../bindings/imagebuilder/config.js';
import { parseShellConfig } from '../bindings/imagebuilder/shell-config.js';
import { checkGate } from '../check/gate.js';
import { findingDiagnostic } from '../check/format.js';
import { type XenBuild, parseXenBuild } from '../check/target.js';
import { FdtError } from '../fdt/errors.js';
import { readDtb } from '../fdt/dtb/read.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { BootModel } from '../model/boot-model.js';
import { type BootOptions, type BootReport, bootDirect, bootUboot } from '../qemu/boot.js';
import { DEFAULT_GRACE_SECONDS, type ExpectedDomain } from '../qemu/boot-verdict.js';
import { type ConfigRoute, planConfigBoot } from '../qemu/config-boot.js';
import { type DirectXsm, planDirectBoot } from '../qemu/direct-plan.js';
import { XsmError } from '../artifacts/xsm/xsm-error.js';
import { XSM_OPTIONS_HELP, XSM_OPTION_SPECS, type XsmRequest, parseXsmOptions, writePolicyModule } from './xsm-options.js';
import { QemuError, qemuErrorDiagnostic } from '../qemu/errors.js';
import { type GuestBinaries, fetchGuestBinaries } from '../qemu/guest-packages.js';
import { stageTreeConfig } from '../qemu/tree-config.js';
import { convert } from '../bindings/boot-config.js';
import { virtHostTree } from '../qemu/virt-dtb.js';
import { lossError } from '../bindings/loss-error.js';
import type { Loss } from '../model/loss.js';
import { BootConfigError } from '../model/errors.js';
import { type LoadedConfig, loadBootConfig, reportBootConfigError } from './boot-config-input.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { RAM_OPTION_SPEC, ramBanks } from './ram-option.js';
import type { MemoryBank } from '../model/memory.js';
import { DEFAULT_MACHINE, VIRT_RAM_BASE, type VirtMachine } from '../qemu/machine.js';
import { type Reporter, createReporter, printUsageError } from './report.js';
import { xenBuildFromArgs, xenTargetProblem } from './xen-target-options.js';
import { X86_DEFAULT_TIMEOUT, X86_ROUTES, bootX86Tree, treeImpliesX86 } from './qemu-x86.js';
import type { EfiLoader, X86Route } from '../qemu/x86-boot.js';

const SPECS: OptionSpec[] = [
  { short: 'i', long: 'include', value: true, key: 'i' },
  { short: 'c', value: true, key: 'c' },
  { short: 'd', value: true, key: 'd' },
  { long: 'route', value: true, key: 'route' },
  { long: 'force', value: false, key: 'force' },
  { long: 'timeout', value: true, key: 'timeout' },
  { long: 'grace', value: true, key: 'grace' },
  { long: 'expect', value: true, key: 'expect' },
  { long: 'serial-log', value: true, key: 'serial-log' },
  { long: 'json', value: false, key: 'json' },
  { long: 'xen-image', value: true, key: 'xen-image' },
  { long: 'xen-config', value: true, key: 'xen-config' },
  { long: 'xen', value: true, key: 'xen' },
  { long: 'arch', value: true, key: 'arch' },
  { long: 'efi-loader', value: true, key: 'efi-loader' },
  { long: 'allow-loss', value: false, key: 'allow-loss' },
  { long: 'iommu', value: true, key: 'iommu' },
  { long: 'kernel', value: true, key: 'kernel' },
  RAM_OPTION_SPEC,
  ...XSM_OPTION_SPECS,
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const QEMU_USAGE = `usage: hyperlaunch qemu [-i DIR]... [options] <config.dts|config.dtb>
       hyperlaunch qemu -c CONFIG -d DIR [--route uboot|direct] [options]
       hyperlaunch qemu --arch x86_64 [--route direct|grub|efi] [options] <config.dts|config.dtb>
Boots a configuration under qemu-system-aarch64 (virt, 2 CPUs, 2 GiB).
A devicetree goes by the direct route by default: QEMU loads Debian's Xen 4.17, the configuration
written into QEMU's own host DTB, and for every domain Debian's Linux and an initramfs
printing a marker.
An ImageBuilder config (-c) names its own Xen, kernels and ramdisks in DIR: it is built
in a temp dir (DIR is only read) and booted through real U-Boot over TFTP (default) or
loaded directly; with no DEVICE_TREE, QEMU virt's own DTB is the host DTB.
Each domain is reported by the furthest stage it reached: created (Xen loaded its kernel),
kernel (its first console line), userspace (Linux's "Run /init as init process", our
initramfs's marker, or the --expect line), alive (that line, then the grace period with no
kernel panic, oops or Xen crash line for it). PASS means alive.
  --route R           uboot (default for -c; a devicetree is then built into boot.scr
                      with Debian's Linux and marker initramfs) or direct (default for a devicetree)
  --force             boot even when the checks (for the Xen that boots) find errors
  --timeout S         give up on the boot after S seconds (default 60; x86: ${X86_DEFAULT_TIMEOUT})
  --grace S           seconds a domain must live after its success line (default ${DEFAULT_GRACE_SECONDS})
  --expect DOM=REGEX  DOM's success line is the first on its console matching REGEX (JavaScript
                      syntax), instead of its marker or "Run /init"; repeatable
  --serial-log FILE   keep the whole serial log (a failed boot's log is kept anyway)
  --xen-image FILE    boot this arm64 Xen Image instead of Debian's 4.17 (devicetree input);
                      its release is read from the Image, else give --xen VERSION
  --xen-config FILE   the .config of the Xen that boots: the checks use its options
                      (with a devicetree, goes with --xen-image)
  --xen VERSION       the release of that Xen when the Image or .config does not say it
  --json              the report as one JSON object (per domain: stage, proof, failure)
  --ram 0x40000000:SIZE  QEMU virt's RAM (it always starts at 0x40000000; SIZE may end in M or G,
                      default 2G): the machine's -m, its DTB's /memory, and the checks' RAM
${XSM_OPTIONS_HELP}                      (--xsm: devicetree input, direct route, a --xen-image built with FLASK)
x86 (--arch x86_64, implied by a Hyperlaunch tree whose modules are multiboot indexes):
qemu-system-x86_64 (q35, qemu64 with SVM and NPT, 2 CPUs, 2 GiB) boots Debian's Xen 4.17
amd64 with dom0 from the configuration; every other domain is started from dom0 with xl
(late launch), its console copied from xenconsoled's log to the serial line.
  --route R           direct (default: QEMU's multiboot loader), grub (BIOS ISO from
                      grub-mkrescue with our grub.cfg) or efi (OVMF)
  --efi-loader L      under --route efi: grub (default, the same ISO) or xen (xen.efi and our
                      xen.cfg on a FAT disk)
  --iommu on|off      add an Intel IOMMU (default: only for a PVH dom0, which needs one)
  --kernel FILE       this bzImage for every domain instead of Debian's generic kernel
  --allow-loss        boot what x86 Xen can of a configuration that says more
The Debian packages are downloaded once into $HYPERLAUNCH_CACHE/guest
(default ~/.cache/hyperlaunch/guest).
Exit status: 0 every domain passed, 1 otherwise, 2 usage error.
`;

interface QemuArgs {
  file: string;
  /** -c: file is an ImageBuilder config whose files are in dir. */
  dir?: string;
  config: boolean;
  route: ConfigRoute;
  force: boolean;
  includeDirs: string[];
  timeoutSeconds: number;
  /** --timeout was given (else each architecture has its default). */
  timeoutGiven: boolean;
  graceSeconds: number;
  /** --expect: domain name → its success line. */
  expects: Map<string, RegExp>;
  serialLog?: string;
  json: boolean;
  xenImage?: string;
  xenConfig?: string;
  xen?: string;
  /** --arch: x86_64, arm64, or unset (x86 when the tree implies it). */
  arch?: string;
  /** --route as given (checked against the architecture once it is known). */
  routeText?: string;
  efiLoader: EfiLoader;
  allowLoss: boolean;
  iommu?: boolean;
  kernel?: string;
  xsm?: XsmRequest;
  /** --ram: QEMU virt with that much RAM. */
  machine?: VirtMachine;
}

/** `--ram` on QEMU virt: one bank, where virt's RAM is, in whole MiB. */
function virtMachine(banks: readonly MemoryBank[]): VirtMachine | undefined {
  if (!banks.length) return undefined;
  const [bank] = banks;
  if (banks.length > 1 || bank!.address !== VIRT_RAM_BASE) throw new UsageError(`--ram on QEMU virt is one bank at 0x${VIRT_RAM_BASE.toString(16)} (its RAM starts there): 0x40000000:SIZE`);
  if (bank!.size % 0x100000n !== 0n || bank!.size < 0x10000000n) throw new UsageError('--ram: QEMU virt takes whole MiB, at least 256M');
  return { ...DEFAULT_MACHINE, memoryMiB: Number(bank!.size / 0x100000n) };
}

function parseTimeout(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > 3600) throw new UsageError(`invalid --timeout '${value}' (seconds, 1 to 3600)`);
  return n;
}

function parseGrace(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n > 600) throw new UsageError(`invalid --grace '${value}' (seconds, 0 to 600)`);
  return n;
}

/** `DOMAIN=REGEX`, split at the first '=' (a pattern may hold more). */
function parseExpects(values: string[]): Map<string, RegExp> {
  const out = new Map<string, RegExp>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new UsageError(`invalid --expect '${v}' (DOMAIN=REGEX)`);
    const name = v.slice(0, eq);
    if (out.has(name)) throw new UsageError(`--expect given twice for ${name}`);
    try {
      out.set(name, new RegExp(v.slice(eq + 1)));
    } catch (e) {
      throw new UsageError(`invalid --expect pattern for ${name}: ${(e as Error).message}`);
    }
  }
  return out;
}

function parseArgs(argv: string[]): QemuArgs | 'help' {
  const { options, positionals } = getopt(argv, SPECS);
  if (options.some((o) => o.key === 'h')) return 'help';
  const last = (key: string): string | undefined => options.filter((o) => o.key === key).at(-1)?.value;
  const config = last('c');
  const dir = last('d');
  if (config !== undefined && positionals.length > 0) throw new UsageError('give either -c CONFIG or a devicetree file, not both');
  if (config === undefined && positionals.length !== 1) throw new UsageError('expected exactly one configuration file');
  if (config !== undefined && dir === undefined) throw new UsageError('-c CONFIG needs -d DIR (the directory its files are in)');
  if (config === undefined && dir !== undefined) throw new UsageError('-d DIR goes with -c CONFIG');
  const arch = last('arch');
  if (arch !== undefined && arch !== 'x86_64' && arch !== 'arm64') throw new UsageError(`unknown --arch '${arch}' (arm64 or x86_64)`);
  if (arch === 'x86_64' && config !== undefined) throw new UsageError('--arch x86_64 boots a devicetree; -c CONFIG is an Arm ImageBuilder config');
  const routeText = last('route');
  const route = routeText === 'uboot' || (routeText === undefined && config !== undefined) ? 'uboot' : 'direct';
  if (routeText !== undefined && !['uboot', 'direct', ...X86_ROUTES].includes(routeText)) throw new UsageError(`unknown --route '${routeText}' (uboot or direct; x86: direct, grub or efi)`);
  if (arch === 'arm64' && routeText !== undefined && routeText !== 'uboot' && routeText !== 'direct') throw new UsageError(`--route ${routeText} is an x86 route (arm64: uboot or direct)`);
  if (arch === 'x86_64' && routeText === 'uboot') throw new UsageError('--route uboot is an Arm route (x86_64: direct, grub or efi)');
  const efiLoader = last('efi-loader') ?? 'grub';
  if (efiLoader !== 'grub' && efiLoader !== 'xen') throw new UsageError(`unknown --efi-loader '${efiLoader}' (grub or xen)`);
  const iommuText = last('iommu');
  if (iommuText !== undefined && iommuText !== 'on' && iommuText !== 'off') throw new UsageError(`invalid --iommu '${iommuText}' (on or off)`);
  const file = config ?? positionals[0]!;
  const ownXen = { xenImage: last('xen-image'), xenConfig: last('xen-config'), xen: last('xen') };
  if (config !== undefined && ownXen.xenImage !== undefined) throw new UsageError('--xen-image is for a devicetree: an ImageBuilder config names its own XEN');
  if (config === undefined && ownXen.xenImage === undefined && (ownXen.xenConfig ?? ownXen.xen) !== undefined) {
    throw new UsageError(`${ownXen.xenConfig !== undefined ? '--xen-config' : '--xen'} describes the Xen that boots: give --xen-image FILE too (without it, Debian's 4.17 boots)`);
  }
  const xsm = parseXsmOptions(last);
  if (xsm && (config !== undefined || route !== 'direct')) throw new UsageError('--xsm boots by the direct route of a devicetree (give the devicetree, not -c; no --route uboot)');
  const timeout = last('timeout');
  const grace = last('grace');
  const serialLog = last('serial-log');
  if (serialLog !== undefined && resolve(serialLog) === resolve(file)) throw new UsageError(`refusing to overwrite input file '${serialLog}' with the serial log`);
  return {
    file,
    dir,
    config: config !== undefined,
    route,
    force: options.some((o) => o.key === 'force'),
    includeDirs: options.filter((o) => o.key === 'i').map((o) => o.value!),
    timeoutSeconds: timeout === undefined ? 60 : parseTimeout(timeout),
    timeoutGiven: timeout !== undefined,
    graceSeconds: grace === undefined ? DEFAULT_GRACE_SECONDS : parseGrace(grace),
    expects: parseExpects(options.filter((o) => o.key === 'expect').map((o) => o.value!)),
    serialLog,
    json: options.some((o) => o.key === 'json'),
    xsm,
    ...ownXen,
    arch,
    routeText,
    efiLoader,
    allowLoss: options.some((o) => o.key === 'allow-loss'),
    iommu: iommuText === undefined ? undefined : iommuText === 'on',
    kernel: last('kernel'),
    machine: virtMachine(ramBanks(options)),
  };
}

function reportQemuError(reporter: Reporter, e: QemuError): void {
  reporter.report(qemuErrorDiagnostic(e));
}

/** Xen 4.17 boots the dom0less form; what that form cannot say would not be in the booted system. */
function unbootable(losses: readonly Loss[]): BootConfigError {
  const e = lossError(losses);
  return new BootConfigError(e.code, e.message, {
    path: e.path,
    position: e.position,
    hint: 'Xen 4.17 reads only dom0less: remove these settings to boot the rest, or wait for a Xen that reads Hyperlaunch',
  });
}

export function reportTable(file: string, r: BootReport): string[] {
  const head = r.xenVersion ? `Xen ${r.xenVersion}` : 'Xen';
  const lines = [`${file}: ${head}, ${r.route} route, ${r.seconds.toFixed(1)} s (${r.end}), grace ${r.graceSeconds} s`];
  const width = Math.max(6, ...r.domains.map((d) => d.name.length));
  lines.push(`  ${'domain'.padEnd(width)}  domid  result  stage reached and its proof`);
  for (const d of r.domains) lines.push(`  ${d.name.padEnd(width)}  ${String(d.domid ?? '?').padEnd(5)}  ${d.passed ? 'PASS' : 'FAIL'}    ${d.detail}`);
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  if (r.serialLogFile) lines.push(`  serial log: ${r.serialLogFile}`);
  lines.push(r.passed ? `  all ${r.domains.length} domain(s) passed` : '  FAILED');
  return lines;
}

export async function qemuCommand(argv: string[]): Promise<number> {
  let args: QemuArgs | 'help';
  try {
    args = parseArgs(argv);
    if (args === 'help') {
      process.stdout.write(QEMU_USAGE);
      return 0;
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('qemu', e.message, QEMU_USAGE);
    return 2;
  }
  const reporter = createReporter(args.json);
  if (!args.config && (args.arch === 'x86_64' || (args.arch === undefined && treeImpliesX86(args.file, args.includeDirs)))) {
    if (args.machine) {
      printUsageError('qemu', '--ram is for QEMU virt (arm64); the x86 machine has 2 GiB', QEMU_USAGE);
      return 2;
    }
    return qemuX86(args, reporter);
  }
  const x86Only = args.routeText !== undefined && args.routeText !== 'uboot' && args.routeText !== 'direct' ? `--route ${args.routeText}` : args.kernel !== undefined ? '--kernel' : args.iommu !== undefined ? '--iommu' : args.allowLoss ? '--allow-loss' : undefined;
  if (x86Only) {
    printUsageError('qemu', `${x86Only} is for an x86 boot (--arch x86_64)`, QEMU_USAGE);
    return 2;
  }
  let build: XenBuild;
  try {
    build = bootedXenBuild(args);
  } catch (e) {
    if (e instanceof UsageError) {
      printUsageError('qemu', e.message, QEMU_USAGE);
      return 2;
    }
    const problem = xenTargetProblem(e);
    if (!problem) throw e;
    reporter.report(problem);
    return 1;
  }
  return runBoot(args, reporter, 'hl-qemu-', (work) => (args.config ? bootConfig(args, build, reporter, work) : bootTree(args, build, reporter, work)));
}

/**
 * One boot in a scratch directory: its report printed (table or JSON), exit
 * 0 when every domain passed, and an input error reported as such (1, or 2
 * for usage) instead of thrown.
 */
async function runBoot(args: QemuArgs, reporter: Reporter, prefix: string, boot: (work: string) => Promise<BootReport | number>): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), prefix));
  try {
    const report = await boot(work);
    if (typeof report === 'number') return report;
    if (args.json) process.stdout.write(`${JSON.stringify({ file: args.file, ...report })}\n`);
    else process.stdout.write(`${reportTable(args.file, report).join('\n')}\n`);
    return report.passed ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) {
      printUsageError('qemu', e.message);
      return 2;
    }
    if (e instanceof BootConfigError) {
      reportBootConfigError(reporter, e, args.file);
      return 1;
    }
    if (e instanceof FdtError) {
      reporter.error(e, args.file);
      return 1;
    }
    if (!(e instanceof QemuError)) throw e;
    reportQemuError(reporter, e);
    return 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The x86 boot: planned from the tree, booted with Debian's amd64 Xen 4.17. */
async function qemuX86(args: QemuArgs, reporter: Reporter): Promise<number> {
  if (args.xenImage ?? args.xenConfig ?? args.xen) {
    printUsageError('qemu', '--xen-image, --xen-config and --xen are for arm64 boots', QEMU_USAGE);
    return 2;
  }
  const route = (args.routeText ?? 'direct') as X86Route;
  // Late launch under TCG takes 25-100 s (xl create ~10 s a domain); 60 s suits only the Arm boots.
  const timeoutSeconds = args.timeoutGiven ? args.timeoutSeconds : X86_DEFAULT_TIMEOUT;
  return runBoot(args, reporter, 'hl-qemu-x86-', (work) => bootX86Tree({ ...args, route, timeoutSeconds, withExpects: (e) => withExpects(e, args.expects) }, reporter, work));
}

/** The Xen that boots: the user's (--xen-image, --xen-config, --xen), else Debian's 4.17 and its Kconfig facts. */
function bootedXenBuild(args: QemuArgs): XenBuild {
  const own = args.xenImage ?? args.xenConfig ?? args.xen;
  return (own === undefined ? undefined : xenBuildFromArgs(args)) ?? parseXenBuild('debian-4.17');
}

function bootOptions(args: QemuArgs): BootOptions {
  return { timeoutSeconds: args.timeoutSeconds, graceSeconds: args.graceSeconds, serialLog: args.serialLog, ...(args.machine ? { machine: args.machine } : {}) };
}

/** --expect's patterns on the domains they name; a name no domain has is a usage error, found only once the plan names the domains. */
function withExpects(expected: ExpectedDomain[], expects: ReadonlyMap<string, RegExp>): ExpectedDomain[] {
  const names = expected.map((d) => d.name);
  const unknown = [...expects.keys()].filter((n) => !names.includes(n));
  if (unknown.length > 0) throw new UsageError(`--expect names no domain of this configuration: ${unknown.join(', ')} (its domains: ${names.join(', ')})`);
  return expected.map((d) => (expects.has(d.name) ? { ...d, expect: expects.get(d.name) } : d));
}

/** The checks for the Xen that will boot; true when the boot may go on. */
function checksAllow(input: BootModel | DeviceTree, host: DeviceTree, hostName: string, args: QemuArgs, build: XenBuild, reporter: Reporter): boolean {
  const gate = checkGate(input, { host, hostName, file: args.file, build, force: args.force });
  for (const f of gate.findings) reporter.report(findingDiagnostic(f));
  if (gate.outcome === 'forced') reporter.note('hyperlaunch qemu: booting anyway (--force): expect Xen to refuse it');
  if (gate.outcome !== 'refused') return true;
  reporter.status('qemu', 'the checks found errors; not booted (use --force to boot anyway and see what Xen does)');
  return false;
}

async function bootTree(args: QemuArgs, build: XenBuild, reporter: Reporter, work: string): Promise<BootReport | number> {
  const loaded = loadBootConfig(args.file, { includeDirs: args.includeDirs, target: { arch: 'arm64', xenVersion: build.version }, reporter });
  if (typeof loaded === 'number') return loaded;
  const host = virtHostTree(args.machine);
  if (!checksAllow(loaded.tree, host, 'QEMU virt', args, build, reporter)) return 1;
  const debian = fetchGuestBinaries({ log: (l) => reporter.note(`hyperlaunch qemu: ${l}`) });
  // The user's Xen replaces Debian's; Debian's Linux and busybox still make the domains.
  const guest = args.xenImage === undefined ? debian : { ...debian, xen: resolve(args.xenImage) };
  if (loaded.model.interface === 'hyperlaunch') reporter.note(`${args.file}: note: Xen ${build.version} reads no Hyperlaunch tree; booting its dom0less equivalent`);
  if (args.route === 'uboot') return bootTreeByUboot(args, loaded, host, guest, reporter, work);
  const xsm = args.xsm && flaskModule(args, loaded.model, build, reporter, work);
  if (xsm === 1) return 1;
  const spec = planDirectBoot(loaded.model, host, { xen: guest.xen, kernel: guest.kernel, busybox: readFileSync(guest.busybox) }, work, xsm ? { xsm } : {});
  if (spec.losses.length > 0) {
    reportBootConfigError(reporter, unbootable(spec.losses), args.file);
    return 1;
  }
  for (const m of spec.notLoaded) reporter.note(`${args.file}: note: left out by the direct route (booted without it): ${m}`);
  return bootDirect({ ...spec, expected: withExpects(spec.expected, args.expects) }, bootOptions(args));
}

/** --xsm flask: our policy for the system, written into the work dir; 1 when it cannot be made. */
function flaskModule(args: QemuArgs, model: BootModel, build: XenBuild, reporter: Reporter, work: string): DirectXsm | 1 {
  try {
    const { file, notes } = writePolicyModule(model, work, build.version);
    for (const n of notes) reporter.note(`${args.file}: note: ${n}`);
    return { mode: args.xsm!.mode, policy: file };
  } catch (e) {
    if (!(e instanceof XsmError)) throw e;
    reporter.report(e.toDiagnostic());
    return 1;
  }
}

/**
 * A devicetree through real U-Boot: staged as an ImageBuilder config (Debian's
 * Linux and a marker initramfs per domain), built into boot.scr, fetched over TFTP.
 */
async function bootTreeByUboot(args: QemuArgs, loaded: LoadedConfig, host: DeviceTree, guest: GuestBinaries, reporter: Reporter, work: string): Promise<BootReport | number> {
  if (loaded.model.interface === 'hyperlaunch') {
    const { losses } = convert(loaded.model, 'dom0less', { arm: true });
    if (losses.length > 0) {
      reportBootConfigError(reporter, unbootable(losses), args.file);
      return 1;
    }
  }
  const stage = join(work, 'stage');
  const build = join(work, 'build');
  mkdirSync(stage);
  mkdirSync(build);
  const staged = stageTreeConfig(loaded.tree, host, { xen: guest.xen, kernel: guest.kernel, busybox: readFileSync(guest.busybox) }, stage);
  for (const l of staged.losses) reporter.note(`${args.file}: ${l.path}: note: left out of the build (booted without it): ${l.item} (${l.reason})`);
  const plan = planConfigBoot(staged.config, { route: 'uboot', dir: stage, workDir: build, virtHost: () => host, markers: true, verbatimCommandLines: true, domainNames: staged.domainNames });
  return bootUboot({ ...plan.uboot!, expected: withExpects(plan.uboot!.expected, args.expects) }, bootOptions(args));
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new FdtError('FILE_READ', `Couldn't open "${file}": ${(e as Error).message}`, { path: file, hint: 'check the config path' });
  }
}

async function bootConfig(args: QemuArgs, build: XenBuild, reporter: Reporter, work: string): Promise<BootReport | number> {
  const config = readImageBuilderConfig(parseShellConfig(readConfigText(args.file), args.file));
  const plan = planConfigBoot(config, { route: args.route, dir: args.dir!, workDir: work, virtHost: () => virtHostTree(args.machine) });
  // Before the checks: a misspelt --expect is the user's to fix first.
  const expected = withExpects((plan.uboot ?? plan.direct!).expected, args.expects);
  for (const n of plan.notes) reporter.note(`${args.file}: note: ${n}`);
  const host = readDtb(readFileSync(join(work, plan.hostDtb)));
  if (!checksAllow(plan.model, host, plan.hostDtb, args, build, reporter)) return 1;
  const opts = bootOptions(args);
  return plan.uboot ? bootUboot({ ...plan.uboot, expected }, opts) : bootDirect({ ...plan.direct!, expected }, opts);
}
