/**
 * Boot an ImageBuilder config under QEMU: build it with src/artifacts in a
 * private work directory (links to the user's files, never writing into
 * their directory), then hand the result to U-Boot over TFTP (the firmware
 * route, as Xen's CI boots) or load the built images directly.
 *
 * Domains are told apart by the address their kernel was loaded at: U-Boot's
 * `fdt mknod` puts each new node first, so the domids are only known from
 * Xen's "Loading d<n> kernel from boot module @ <address>" line.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import type { ImageBuilderConfig } from '../bindings/imagebuilder/config.js';
import { imageBuilderToModel } from '../bindings/imagebuilder/model.js';
import { resolveImageBuilder } from '../artifacts/imagebuilder-plan/resolve.js';
import type { ImageBuilderPlan } from '../bindings/imagebuilder/plan.js';
import { applyFdtput } from '../artifacts/fdtput-apply.js';
import { type FileSource, directorySource } from '../artifacts/file-source.js';
import { hostMemory } from '../artifacts/from-devicetree.js';
import { type UbootBuild, buildUboot } from '../artifacts/uboot-build.js';
import { writeDtb } from '../fdt/dtb/write.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { BootModel } from '../model/boot-model.js';
import type { Domain } from '../model/domain.js';
import type { BootModule } from '../model/module.js';
import type { DirectBootSpec, UbootBootSpec } from './boot.js';
import { QemuError } from './errors.js';
import { markerLine } from './initramfs.js';
import { VIRT_RAM_BASE } from './machine.js';
import type { ExpectedDomain } from './boot-verdict.js';

export type ConfigRoute = 'uboot' | 'direct';

/** The name the QEMU virt host DTB gets in the work directory when the config names none. */
export const VIRT_DTB_NAME = 'hyperlaunch-qemu-virt.dtb';
/** The direct route's final DTB (the host DTB with the script's `fdt set`/`mknod` edits applied). */
export const FINAL_DTB_NAME = 'hyperlaunch-final.dtb';
/**
 * QEMU's -kernel puts Xen at 0x40200000 and its -dtb at 0x48000000 (RAM base
 * + 128 MiB); the direct route lays the images out above both.
 */
export const DIRECT_LAYOUT_BASE = 0x5000_0000n;

export interface ConfigBootOptions {
  route: ConfigRoute;
  /** The directory the config's paths are relative to (read only). */
  dir: string;
  /** Private, empty: links to dir's files and the build's outputs go here. */
  workDir: string;
  /** QEMU virt's own DTB, used when the config names no DEVICE_TREE. */
  virtHost: () => DeviceTree;
  /**
   * Whether a domain's marker is its success line. Default 'auto': yes for a
   * domain whose ramdisk is our marker initramfs for its name (made with
   * buildInitramfs), else Linux's "Run /init as init process" is (the user's own images).
   */
  markers?: boolean | 'auto';
  /** Names to report domains by, keyed by ImageBuilder's (`domU0`...): a devicetree's own names. */
  domainNames?: ReadonlyMap<string, string>;
  /** The config was made from a devicetree: its command lines are used as written (no `root=` added). */
  verbatimCommandLines?: boolean;
}

export interface ConfigBootPlan {
  route: ConfigRoute;
  build: UbootBuild;
  /** What will boot, with every kernel at its placed address (for the checks). */
  model: BootModel;
  /** The host DTB the build used, relative to workDir. */
  hostDtb: string;
  uboot?: UbootBootSpec;
  direct?: DirectBootSpec;
  /** Things the user should know (defaults taken, settings replaced). */
  notes: string[];
}

/** Every entry of dir as a link in work, so the build reads the user's files and writes only into work. */
function linkInputs(dir: string, work: string): void {
  if (!existsSync(dir)) throw new QemuError('FILE_MISSING', `directory not found: ${dir}`, { path: dir, hint: 'give -d the directory the config\'s paths are relative to' });
  for (const f of readdirSync(dir)) symlinkSync(resolve(dir, f), join(work, f));
}

/** Write an output into work: a link to the user's file of that name is replaced, never written through. */
function writeInto(work: string, rel: string, data: Uint8Array): void {
  const target = join(work, rel);
  if (!resolve(target).startsWith(resolve(work))) throw new QemuError('OUTPUT_OUTSIDE', `build output ${rel} would leave the work directory`, { path: rel });
  mkdirSync(dirname(target), { recursive: true });
  rmSync(target, { force: true });
  writeFileSync(target, data);
}

/** A path the work directory holds (as a link to DIR's entry or a build output); others are DIR's. */
function inWork(p: string): boolean {
  return !isAbsolute(p) && !normalize(p).startsWith('..');
}

/** The config's paths as uboot-script-gen sees them from DIR, though the build runs in the work directory. */
function inputSource(o: ConfigBootOptions): FileSource {
  const work = directorySource(o.workDir);
  const dir = directorySource(o.dir);
  const pick = (p: string): FileSource => (inWork(p) ? work : dir);
  return { size: (p) => pick(p).size(p), head: (p, n) => pick(p).head(p, n), read: (p) => pick(p).read(p) };
}

function inputFile(o: ConfigBootOptions, p: string): string {
  return resolve(inWork(p) ? o.workDir : o.dir, p);
}

function hex(n: bigint): string {
  return `0x${n.toString(16)}`;
}

/** The config as this route needs it: a host DTB, TFTP loading, and (direct) a layout clear of QEMU's own loads. */
function adapt(config: ImageBuilderConfig, o: ConfigBootOptions, notes: string[]): ImageBuilderConfig {
  const out: ImageBuilderConfig = { ...config };
  if (!config.deviceTree) {
    const dtb = writeDtb(o.virtHost());
    writeInto(o.workDir, VIRT_DTB_NAME, dtb);
    out.deviceTree = VIRT_DTB_NAME;
    notes.push('no DEVICE_TREE: using QEMU virt\'s own DTB (PL061 disabled, serial0 alias added)');
    // The board is known, so its RAM is too: a config written for QEMU need not repeat it.
    const ram = hostMemory(dtb);
    if (!config.memoryStart && ram) out.memoryStart = hex(ram.start);
    if (!config.memoryEnd && ram) out.memoryEnd = hex(ram.end);
  }
  if (!out.memoryStart) out.memoryStart = hex(VIRT_RAM_BASE);
  if (o.route === 'direct') {
    // An arithmetic MEMORY_START is left to the build (and to the overlap it may cause).
    const plain = out.memoryStart !== undefined && /^(0x[0-9a-fA-F]+|\d+)$/.test(out.memoryStart);
    if (plain && BigInt(out.memoryStart!) < DIRECT_LAYOUT_BASE) out.memoryStart = hex(DIRECT_LAYOUT_BASE);
  }
  return out;
}

/** Our initramfs for this domain: a gzip whose /init echoes the domain's marker line. */
function carriesMarker(file: string | undefined, domainName: string): boolean {
  if (file === undefined) return false;
  try {
    const bytes = readFileSync(file);
    if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return false;
    return gunzipSync(bytes).includes(`echo "${markerLine(domainName)} `);
  } catch {
    return false;
  }
}

function expectations(model: BootModel, files: ReadonlyMap<BootModule, string>, o: ConfigBootOptions): ExpectedDomain[] {
  const markers = o.markers ?? 'auto';
  const named = (d: Domain): string => o.domainNames?.get(d.name) ?? d.name;
  const marked = (d: Domain): boolean => {
    if (markers !== 'auto') return markers;
    const ramdisk = d.modules.find((m) => m.kind === 'ramdisk');
    const file = ramdisk && files.get(ramdisk);
    return carriesMarker(file === undefined ? undefined : inputFile(o, file), named(d));
  };
  return model.domains
    .filter((d) => d.modules.some((m) => m.kind === 'kernel'))
    .map((d) => {
      const loc = d.modules.find((m) => m.kind === 'kernel')?.location;
      return {
        name: named(d),
        domid: d.isDom0 ? 0 : undefined,
        kernelAddress: loc?.type === 'range' ? loc.address : undefined,
        isDom0: d.isDom0,
        consoleOnSerial: d.isDom0 || d.vpl011 === true,
        marker: marked(d),
      };
    });
}

function requireXen(plan: ImageBuilderPlan, file: string | undefined): string {
  if (plan.mode !== 'xen' || !plan.xen) throw new QemuError('NOT_XEN', 'the config boots no Xen (no XEN variable): nothing for this harness to judge', { path: file, hint: 'set XEN to the hypervisor image' });
  return plan.xen;
}

/** Build the config into workDir and describe the boot; nothing is started. */
export function planConfigBoot(config: ImageBuilderConfig, o: ConfigBootOptions): ConfigBootPlan {
  const notes: string[] = [];
  linkInputs(o.dir, o.workDir);
  const adapted = adapt(config, o, notes);
  if (o.route === 'uboot' && config.loadCmd && config.loadCmd !== 'tftpb' && config.loadCmd !== 'tftp') {
    notes.push(`LOAD_CMD "${config.loadCmd}" replaced by tftpb: U-Boot fetches the files over QEMU's TFTP`);
  }
  // The script's name is ours to choose here (the user's DIR gets nothing); ImageBuilder would insist on one.
  const outputName = config.ubootSource && config.ubootScript ? undefined : 'boot';
  // U-Boot fetches over QEMU's TFTP whatever LOAD_CMD says; the direct route never runs the script,
  // so a config without LOAD_CMD is not refused for it (one it gives is kept: it may shape a derived root=).
  const loadCmd = o.route === 'uboot' ? 'tftp' : (config.loadCmd ? undefined : 'tftp');
  const plan = resolveImageBuilder(adapted, { loadCmd, verbatimCommandLines: o.verbatimCommandLines, outputName });
  const xen = requireXen(plan, config.file);
  const build = buildUboot(plan, { dir: o.workDir, files: inputSource(o), time: 0 });
  for (const out of build.outputs) writeInto(o.workDir, out.path, out.data);
  const at = (label: string) => build.images.find((i) => i.label === label);
  const { model, files } = imageBuilderToModel(plan, at);
  const expected = expectations(model, files, o);
  const result: ConfigBootPlan = { route: o.route, build, model, hostDtb: plan.deviceTree!, notes };
  if (o.route === 'uboot') {
    // QEMU's TFTP serves one directory: a path leading out of it cannot be fetched.
    const outside = build.images.find((i) => i.loadPath.startsWith('/') || i.loadPath.startsWith('../'));
    if (outside) {
      throw new QemuError('TFTP_OUTSIDE', `${outside.file} is an absolute path or leads out of ${o.dir}: QEMU's TFTP serves only that directory`, {
        path: config.file, hint: 'name the file relative to the -d directory (a symlink in it will do), or boot with --route direct',
      });
    }
    result.uboot = { tftpDir: o.workDir, script: plan.ubootScript, expected };
    return result;
  }
  const finalDtb = applyFdtput(inputSource(o).read(plan.deviceTree!), build.edits);
  writeInto(o.workDir, FINAL_DTB_NAME, finalDtb);
  // Xen and the DTB come in through -kernel and -dtb; the script's own copies are not needed.
  const loads = build.images
    .filter((i) => i.label !== 'xen' && i.label !== 'dtb')
    .map((i) => ({ file: inputFile(o, i.file), address: i.address, what: i.label }));
  result.direct = { xen: inputFile(o, xen), dtb: join(o.workDir, FINAL_DTB_NAME), loads, expected };
  return result;
}
