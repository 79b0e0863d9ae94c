/**
 * ImageBuilder's semantics on top of the raw variables: command-line
 * overrides, defaults, derived command lines and the validation of
 * uboot-script-gen 2023.2, each failure with the script's own message.
 * Nothing here touches files: sizes and file types are the build's job.
 */
import type { FdtError } from '../../fdt/errors.js';
import { evalArithmetic } from '../../bindings/imagebuilder/arithmetic.js';
import type { DomUConfig, ImageBuilderConfig } from '../../bindings/imagebuilder/config.js';
import { configError } from '../../bindings/imagebuilder/errors.js';
import type { ImageBuilderPlan, ResolvedDomU } from '../../bindings/imagebuilder/plan.js';

export interface ImageBuilderOverrides {
  /** `-t`: alias or verbatim load command. */
  loadCmd?: string;
  /** `-o NAME`: NAME.scr / NAME.source. */
  outputName?: string;
  /** `-f`. */
  fit?: boolean;
  /** `-k`, `-u`. */
  keyDir?: string;
  ubootDtb?: string;
  /** Keep DOM0_CMD/LINUX_CMD as given (no `root=` added): for configs made from a devicetree. */
  verbatimCommandLines?: boolean;
}

const LOAD_ALIASES: Record<string, string> = { tftp: 'tftpb', sd: 'load mmc 0:1', scsi: 'load scsi 0:1', usb: 'fatload usb 0:1' };
const DEFAULT_DOM0_CMD = 'console=hvc0 earlycon=xen earlyprintk=xen clk_ignore_unused';
const DEFAULT_LINUX_CMD = 'earlycon console=ttyPS0,115200';
const MiB = 1024n * 1024n;

/** The script's test while loading (after the dom0 files): every booted domU needs a kernel. */
export function domUKernelMissing(d: ResolvedDomU): FdtError | undefined {
  if (d.skipped || d.kernel !== undefined) return undefined;
  return configError('IB_DOMU_KERNEL', `DOMU_KERNEL[${d.index}] is not defined`, `set DOMU_KERNEL[${d.index}] or lower NUM_DOMUS`, `DOMU_KERNEL[${d.index}]`);
}

export function loadCommandFor(alias: string): string {
  return LOAD_ALIASES[alias] ?? alias;
}

function set(v: string | undefined): v is string {
  return v !== undefined && v !== '';
}

function arith(cfg: ImageBuilderConfig, value: string | undefined, name: string): bigint {
  if (!set(value)) return 0n;
  const lookup = (n: string): string => cfg.variables.get(n)?.get('0') ?? '';
  try {
    return evalArithmetic(value, lookup, cfg.file, 0, 0);
  } catch {
    throw configError('IB_BAD_NUMBER', `${name}=${value} is not a number`, 'use a decimal or 0x-prefixed hex value', name);
  }
}

/**
 * find_root_dev: the device is the word before the last `:`, the partition
 * what follows the first `:` plus one; `mmc` or `scsi` anywhere in LOAD_CMD
 * picks the naming.
 */
function rootDevice(loadCmd: string): string {
  const beforeColon = loadCmd.includes(':') ? loadCmd.slice(0, loadCmd.lastIndexOf(':')) : loadCmd;
  const dev = beforeColon.slice(beforeColon.lastIndexOf(' ') + 1);
  const par = loadCmd.includes(':') ? loadCmd.slice(loadCmd.indexOf(':') + 1) : loadCmd;
  const num = (v: string): number | undefined => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined);
  if (loadCmd.includes('mmc') || loadCmd.includes('scsi')) {
    const d = num(dev);
    const p = num(par);
    if (d === undefined || p === undefined) {
      throw configError(
        'IB_ROOT_DEVICE',
        'Could not parse device and partition.\nPlease make sure the load command is correct or manually set {DOM0/LINUX}_CMD in the config file.',
        'LOAD_CMD should look like "load mmc 0:1"',
      );
    }
    if (loadCmd.includes('mmc')) return `/dev/mmcblk${d}p${p + 1}`;
    return `/dev/sd${String.fromCharCode(97 + d)}${p + 1}`;
  }
  throw configError(
    'IB_ROOT_DEVICE',
    'Only mmc and scsi are supported for automatically setting the root partition.\nManually set {DOM0/LINUX}_CMD with the root device in the config file to bypass this.',
    'put root=/dev/... in DOM0_CMD or LINUX_CMD',
  );
}

function withRoot(cmd: string, rootfs: string | undefined, loadCmd: string, verbatim = false): string {
  if (verbatim || cmd.includes('root=')) return cmd;
  return `${cmd} root=${set(rootfs) ? rootDevice(loadCmd) : '/dev/ram0'}`;
}

/**
 * uboot-script-gen writes the mask as one shell number (golden 02: 4-7 is <0xf0>), and bash numbers are
 * 64-bit: no color above 63 fits. How it builds the mask is not verified (reference imagebuilder.md §6).
 */
const MAX_COLOR = 63n;

function colorsMask(spec: string, name: string): bigint {
  const m = /^(\d+)-(\d+)$/.exec(spec.trim());
  if (!m) throw configError('IB_BAD_COLORS', `${name}="${spec}" is not a color range a-b`, 'write e.g. 4-7', name);
  const [first, last] = [BigInt(m[1]!), BigInt(m[2]!)];
  if (last > MAX_COLOR) {
    throw configError('IB_BAD_COLORS', `${name}="${spec}" goes beyond color ${MAX_COLOR}: the mask is one 64-bit shell number`, `keep both ends of the range between 0 and ${MAX_COLOR}`, name);
  }
  // A closed form: a loop over the range is as long as the number the config writes.
  return last < first ? 0n : (1n << (last + 1n)) - (1n << first);
}

function resolveDomU(cfg: ImageBuilderConfig, d: DomUConfig, hasDom0: boolean, plan: ImageBuilderPlan): ResolvedDomU {
  const i = d.index;
  const skipped = set(d.rootfs) || set(d.noboot);
  if (set(d.rootfs) && !set(d.noboot)) plan.notices.push(`Skipping DomU[${i}]: cannot handle non-ramdisk rootfs for dom0less VMs.`);
  const memMb = set(d.mem) ? arith(cfg, d.mem, `DOMU_MEM[${i}]`) : 512n;
  let memoryKb = memMb * 1024n;
  let staticMem: bigint[] | undefined;
  if (set(d.staticMem)) {
    const words = d.staticMem.trim().split(/\s+/);
    if (words.length % 2 !== 0) {
      throw configError('IB_STATIC_MEM', `DOMU_STATIC_MEM[${i}] needs base/size pairs`, 'write "base1 size1 base2 size2 ..."', `DOMU_STATIC_MEM[${i}]`);
    }
    staticMem = words.map((w) => arith(cfg, w, `DOMU_STATIC_MEM[${i}]`));
    const total = staticMem.filter((_, k) => k % 2 === 1).reduce((a, b) => a + b, 0n);
    if (set(d.mem) && memMb * MiB !== total) {
      plan.warnings.push(`/chosen/domU${i}: specified DOMU_MEM does not match DOMU_STATIC_MEM amount. Ignoring DOMU_MEM.`);
    }
    memoryKb = total >> 10n;
  }
  const enhanced = d.enhanced === '1' || (hasDom0 && d.enhanced !== '0');
  return {
    index: i,
    skipped,
    kernel: d.kernel,
    ramdisk: set(d.ramdisk) ? d.ramdisk : undefined,
    passthroughDtb: set(d.passthroughDtb) ? d.passthroughDtb : undefined,
    passthroughPaths: set(d.passthroughPaths) ? d.passthroughPaths.trim().split(/\s+/) : [],
    memoryKb,
    vcpus: set(d.vcpus) ? checkedCount(d.vcpus, `DOMU_VCPUS[${i}]`) : '1',
    cmd: set(d.cmd) ? d.cmd : 'console=ttyAMA0',
    staticMem,
    directMap: (set(d.directMap) ? d.directMap : '1') === '1',
    vpl011Pl011: cfg.domuVuartPl011 === '1',
    enhanced,
    viommu: d.viommu === '1',
    colorsMask: set(d.colors) ? colorsMask(d.colors, `DOMU_COLORS[${i}]`) : undefined,
    cpupool: set(d.cpupool) ? d.cpupool.trim() : undefined,
    capabilities: set(d.caps) ? capabilityValue(d.caps, `DOMU_CAPS[${i}]`) : undefined,
  };
}

const CAPABILITY_NAMES: Record<string, number> = { none: 0, control: 1, hardware: 2, xenstore: 4, dom0: 7 };

/** DOMU_CAPS: names joined by `|` (control|xenstore) or a number of the bits 1, 2, 4. */
function capabilityValue(v: string, name: string): number {
  const bad = (): never => {
    throw configError('IB_DOMU_CAPS', `${name}="${v}" is not valid`, 'use control, hardware, xenstore, dom0, none (joined by |) or a number 0-7', name);
  };
  if (/^\s*\d+\s*$/.test(v)) return Number(v) <= 7 ? Number(v) : bad();
  let bits = 0;
  for (const word of v.split('|').map((w) => w.trim())) bits |= CAPABILITY_NAMES[word] ?? bad();
  return bits;
}

function checkedCount(v: string, name: string): string {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(v.trim())) throw configError('IB_BAD_NUMBER', `${name}=${v} is not a number`, 'give a vCPU count such as 2', name);
  return v;
}

function defaultXenCmd(cfg: ImageBuilderConfig): string {
  const mem = set(cfg.dom0Mem) ? cfg.dom0Mem : '1500';
  const vcpus = set(cfg.dom0Vcpus) ? cfg.dom0Vcpus : '1';
  const xenColors = set(cfg.xenColors) ? `xen_colors=${cfg.xenColors}` : '';
  const dom0Colors = set(cfg.dom0Colors) ? `dom0_colors=${cfg.dom0Colors}` : '';
  const viommu = cfg.dom0Viommu === '1' ? 'dom0_viommu=1' : '';
  return `console=dtuart dtuart=serial0 dom0_mem=${mem}M dom0_max_vcpus=${vcpus} bootscrub=0 vwfi=native sched=null ${xenColors} ${dom0Colors} ${viommu}`;
}

function xenConfig(cfg: ImageBuilderConfig, plan: ImageBuilderPlan, verbatim: boolean): void {
  const numDomus = Number(arith(cfg, cfg.numDomus, 'NUM_DOMUS'));
  const hasDom0 = set(cfg.dom0Kernel);
  if (!hasDom0) {
    if (numDomus <= 0) throw configError('IB_NO_DOMAINS', 'Neither dom0 or domUs are specified, exiting.', 'set DOM0_KERNEL or NUM_DOMUS with DOMU_KERNEL[i]');
    const dom0Params = [cfg.dom0Mem, cfg.dom0Vcpus, cfg.dom0Colors, cfg.dom0Cmd, cfg.dom0Ramdisk, cfg.dom0Rootfs, cfg.dom0Viommu];
    if (dom0Params.some(set)) {
      throw configError(
        'IB_DOM0_PARAMS_WITHOUT_DOM0',
        'For dom0less configuration without dom0, no dom0 specific parameters should be specified, exiting.',
        'remove the DOM0_* variables or set DOM0_KERNEL',
      );
    }
    plan.notices.push('Dom0 kernel is not specified, continue with true dom0less setup.');
  }
  if (set(cfg.xenCmd) && (set(cfg.dom0Mem) || set(cfg.dom0Vcpus))) {
    throw configError('IB_XEN_CMD_CONFLICT', 'One can specify either XEN_CMD or (DOM0_MEM and/or DOM0_VCPUS)', 'put dom0_mem= and dom0_max_vcpus= into XEN_CMD, or drop XEN_CMD');
  }
  let xenCmd = set(cfg.xenCmd) ? cfg.xenCmd : defaultXenCmd(cfg);
  // true dom0less: `params=($XEN_CMD); "${params[@]/dom0*/}"` — bash splits into words
  // (dropping empty ones), empties each dom0* word and joins with single spaces
  if (!hasDom0) xenCmd = xenCmd.split(/[ \t\n]+/).filter(Boolean).map((w) => (w.startsWith('dom0') ? '' : w)).join(' ');
  plan.xenCmd = xenCmd;
  if (hasDom0) {
    plan.dom0 = {
      kernel: cfg.dom0Kernel!,
      ramdisk: set(cfg.dom0Ramdisk) ? cfg.dom0Ramdisk : undefined,
      cmd: withRoot(set(cfg.dom0Cmd) ? cfg.dom0Cmd : DEFAULT_DOM0_CMD, cfg.dom0Rootfs, plan.loadCmd, verbatim),
    };
  }
  for (let i = 0; i < numDomus; i++) {
    // a domU with no variable at all stops the build at its missing kernel: no need to look further
    const d = cfg.domus[i] ?? { index: i };
    plan.domus.push(resolveDomU(cfg, d, hasDom0, plan));
    if (!cfg.domus[i]) break;
  }
  const numPools = Number(arith(cfg, cfg.numCpupools, 'NUM_CPUPOOLS'));
  for (let n = 0; n < numPools; n++) {
    const words = (cfg.cpupools[n] ?? '').trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) throw configError('IB_CPUPOOL', `CPUPOOL[${n}] is not defined`, `set CPUPOOL[${n}]="cpu@1,cpu@2 null"`, `CPUPOOL[${n}]`);
    const sched = words.length > 1 ? words[words.length - 1] : undefined;
    plan.cpupools.push({ cpus: words[0]!.split(','), sched });
  }
}

function linuxConfig(cfg: ImageBuilderConfig, plan: ImageBuilderPlan): void {
  plan.linux = {
    kernel: cfg.linux!,
    ramdisk: set(cfg.linuxRamdisk) ? cfg.linuxRamdisk : undefined,
    cmd: withRoot(set(cfg.linuxCmd) ? cfg.linuxCmd : DEFAULT_LINUX_CMD, cfg.linuxRootfs, plan.loadCmd),
  };
}

/** The steps of uboot-script-gen up to (not including) loading files, in its order. */
export function resolveImageBuilder(cfg: ImageBuilderConfig, over: ImageBuilderOverrides = {}): ImageBuilderPlan {
  const loadCmd = over.loadCmd ? loadCommandFor(over.loadCmd) : cfg.loadCmd;
  if (!set(loadCmd)) {
    throw configError('IB_NO_LOAD_CMD', 'LOAD_CMD not set, either specify it in the config or set it with the -t option', 'add LOAD_CMD="tftpb" or pass -t tftp');
  }
  const bootCmd = set(cfg.bootCmd) ? cfg.bootCmd : 'booti';
  // 2023.2 tests `" bootm booti bootefi none " =~ " ${BOOT_CMD}"`: a prefix match
  if (!' bootm booti bootefi none '.includes(` ${bootCmd}`)) {
    throw configError('IB_BOOT_CMD', `"BOOT_CMD=${bootCmd}" is not valid`, 'use booti, bootm, bootefi or none', 'BOOT_CMD');
  }
  const ubootSource = over.outputName !== undefined ? `${over.outputName}.source` : cfg.ubootSource;
  const ubootScript = over.outputName !== undefined ? `${over.outputName}.scr` : cfg.ubootScript;
  if (!set(ubootSource) || !set(ubootScript)) {
    throw configError('IB_NO_OUTPUT', 'UBOOT_SOURCE and UBOOT_SCRIPT are not set', 'set them in the config or pass -o NAME');
  }
  const keyDir = over.keyDir ?? cfg.fitEncKeyDir;
  const ubootDtb = over.ubootDtb ?? cfg.fitEncUbDtb;
  if (set(ubootDtb) && !set(keyDir)) {
    throw configError('IB_FIT_KEY_DIR', 'if encryption, you need to specify the key directory', 'pass -k KEYDIR/HINT');
  }
  if (set(cfg.passthroughDtsRepo) || set(cfg.lopperPath)) {
    throw configError(
      'IB_EXTERNAL_STEP',
      `${set(cfg.passthroughDtsRepo) ? 'PASSTHROUGH_DTS_REPO' : 'LOPPER_PATH'} needs git/dtc/lopper runs, which this tool does not perform`,
      'generate the partial device trees first and set DOMU_PASSTHROUGH_DTB[i]',
    );
  }
  const plan: ImageBuilderPlan = {
    mode: 'xen', loadCmd, bootCmd, memoryStart: arith(cfg, cfg.memoryStart, 'MEMORY_START'),
    memoryEnd: arith(cfg, cfg.memoryEnd, 'MEMORY_END'), deviceTree: set(cfg.deviceTree) ? cfg.deviceTree : undefined,
    domus: [], cpupools: [], overlays: [], ubootSource, ubootScript, notices: [], warnings: [],
  };
  if (set(cfg.xen)) {
    plan.xen = cfg.xen;
    if (set(cfg.xenPolicy)) plan.xenPolicy = cfg.xenPolicy;
    xenConfig(cfg, plan, over.verbatimCommandLines ?? false);
  } else if (set(cfg.linux)) {
    plan.mode = 'linux';
    linuxConfig(cfg, plan);
  } else {
    throw configError('IB_NO_KERNEL', 'Neither a Xen or Linux kernel is specified, exiting', 'set XEN (with DOM0_KERNEL/DOMU_KERNEL) or LINUX');
  }
  const numOverlays = Number(arith(cfg, cfg.numDtOverlay, 'NUM_DT_OVERLAY'));
  for (let n = 0; n < numOverlays; n++) {
    const o = cfg.dtOverlays[n];
    if (!set(o)) throw configError('IB_DT_OVERLAY', `DT_OVERLAY[${n}] is not defined`, `set DT_OVERLAY[${n}] or lower NUM_DT_OVERLAY`);
    plan.overlays.push(o);
  }
  if (set(cfg.bitstream)) plan.bitstream = cfg.bitstream;
  if (set(cfg.appendExtraCmds)) plan.appendExtraCmds = cfg.appendExtraCmds;
  const fitFile = set(cfg.fit) ? cfg.fit : over.fit ? `${ubootSource.replace(/\.source$/, '')}.fit` : undefined;
  if (fitFile !== undefined) {
    plan.fit = { file: fitFile, its: `${fitFile.replace(/\.fit$/, '')}.its`, keyDir: set(keyDir) ? keyDir : undefined, ubootDtb: set(ubootDtb) ? ubootDtb : undefined };
    plan.fdtedit = set(cfg.fdtedit) ? cfg.fdtedit : plan.deviceTree ? `${plan.deviceTree.replace(/\.dtb$/, '')}-fit.dtb` : undefined;
  } else if (set(cfg.fdtedit)) {
    plan.fdtedit = cfg.fdtedit;
  }
  return plan;
}
