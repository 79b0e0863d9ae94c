/**
 * uboot-script-gen without bash: from a resolved plan and the input files,
 * the load layout, the U-Boot script, boot.scr (or the FIT and its .its),
 * the edited host DTB and, for bootm, Xen's uImage — all as bytes in
 * memory; the caller decides where they go.
 */
import { ImageBuilderError } from '../bindings/imagebuilder/imagebuilder-error.js';
import type { KeyObject } from 'node:crypto';
import { FdtError } from '../fdt/errors.js';
import { applyOverlays } from '../fdt/fdtoverlay.js';
import type { ImageBuilderPlan } from '../bindings/imagebuilder/plan.js';
import { domUKernelMissing } from './imagebuilder-plan/resolve.js';
import { type NamingStyle, type PlacedImage, linuxChosenEdits, xenChosenEdits } from './chosen-edits.js';
import { type DtEdit, hexUpper, scriptLine } from './dt-edits.js';
import { applyFdtput } from './fdtput-apply.js';
import { type FileRole, ROLE_PATTERN, fileTypeMatches } from './file-types.js';
import { type FileSource, loadPath, typedReads } from './file-source.js';
import { fitBlob, fitIts, keyHint } from './fit.js';
import { addPublicKey, loadSigningKey } from './fit-sign.js';
import { type Range, SLOT, nextSlot, placeImage, scriptAddress } from './layout.js';
import { reservedRanges } from './reserved.js';
import { IH_ARCH_ARM, IH_ARCH_ARM64, kernelImage, scriptImage } from './uimage.js';

export interface UbootBuildOptions {
  /** The build directory: load paths are relative to it. */
  dir: string;
  files: FileSource;
  /** `-p`: put before every load path. */
  prefix?: string;
  naming?: NamingStyle;
  /** Skip /reserved-memory and /memreserve/ ranges of the host DTB. */
  avoidReserved?: boolean;
  /** More ranges to skip (a devicetree's static memory, static heap and shared memory). */
  extraReserved?: readonly Range[];
  /** uImage/FIT time stamp; 0 as with SOURCE_DATE_EPOCH=0. */
  time?: number;
}

export interface LoadedImage extends PlacedImage {
  /** The file as named in the config (relative to the build dir). */
  file: string;
  /** As printed in the load line (prefix included). */
  loadPath: string;
  /** The image node's name in a FIT. */
  fitName: string;
  /** Also the kind of image in a FIT. */
  role: FileRole;
}

export interface BuildOutput {
  /** Relative to the build directory. */
  path: string;
  data: Uint8Array;
}

export interface UbootBuild {
  plan: ImageBuilderPlan;
  scriptAddress: bigint;
  images: LoadedImage[];
  edits: DtEdit[];
  source: string;
  outputs: BuildOutput[];
  /** What uboot-script-gen prints: notices, warnings, then the two "Generated" lines. */
  stdout: string[];
  /** The address after the last image (FIT: where the FIT goes). */
  end: bigint;
  /** Every file the build read, relative to the build directory (outputs must not replace one). */
  inputs: string[];
}

interface Wanted {
  label: string;
  file: string;
  role: FileRole;
  fitName: string;
  compressedOk: boolean;
  /** A config error the script only meets at this point of the loading. */
  error?: FdtError;
}

function fileError(message: string, file: string, hint: string): FdtError {
  return new ImageBuilderError('IB_FILE', message, { path: file, hint });
}

function checkFile(files: FileSource, w: Wanted, read?: string[]): bigint {
  read?.push(w.file);
  const size = files.size(w.file);
  if (size === undefined) throw fileError(`File ${w.file} doesn't exist, exiting`, w.file, 'paths in the config are relative to the -d directory');
  const gz = w.compressedOk && size >= 2n && (() => {
    const h = files.head(w.file, 2);
    return h[0] === 0x1f && h[1] === 0x8b;
  })();
  const sample = gz || w.role === 'text' ? files.read(w.file) : files.head(w.file, 4096);
  if (!fileTypeMatches(sample, w.role, w.compressedOk)) {
    throw new ImageBuilderError('IB_FILE_TYPE', `Wrong file type ${w.file}. It should be ${ROLE_PATTERN[w.role]}, exiting.`, {
      path: w.file,
      hint: `the file does not look like a ${w.role} image`,
    });
  }
  return size;
}

function wantedImages(plan: ImageBuilderPlan, dtbFile: string): Wanted[] {
  const w: Wanted[] = [];
  const add = (label: string, file: string | undefined, role: FileRole, fitName: string, compressedOk = true): void => {
    if (file !== undefined) w.push({ label, file, role, fitName, compressedOk });
  };
  if (plan.mode === 'xen') {
    add('dom0-kernel', plan.dom0?.kernel, 'kernel', 'dom0_linux');
    add('dom0-ramdisk', plan.dom0?.ramdisk, 'ramdisk', 'dom0_ramdisk');
    for (const d of plan.domus) {
      if (d.skipped) continue;
      const missing = domUKernelMissing(d);
      if (missing) w.push({ label: `domU${d.index}-kernel`, file: '', role: 'kernel', fitName: '', compressedOk: false, error: missing });
      add(`domU${d.index}-kernel`, d.kernel, 'kernel', `domU${d.index}_kernel`);
      add(`domU${d.index}-ramdisk`, d.ramdisk, 'ramdisk', `domU${d.index}_ramdisk`);
      add(`domU${d.index}-dtb`, d.passthroughDtb, 'dtb', `domU${d.index}_fdt`);
    }
    add('xen', plan.xen, 'kernel', 'host_kernel', false);
    add('xen-policy', plan.xenPolicy, 'xsm-policy', 'xen_policy', false);
  } else {
    add('linux-kernel', plan.linux?.kernel, 'kernel', 'host_kernel');
    add('linux-ramdisk', plan.linux?.ramdisk, 'ramdisk', 'host_ramdisk');
  }
  if (!plan.fdtedit) plan.overlays.forEach((o, n) => add(`overlay${n}`, o, 'dtb', `host_fdto${n}`, false));
  add('dtb', dtbFile, 'dtb', 'host_fdt', false);
  add('bitstream', plan.bitstream, 'bitstream', 'fpga_bitstream', false);
  return w;
}

/** `${prepend_path:+$prepend_path/}`: a slash is added even when the prefix ends in one. */
function joinPrefix(prefix: string | undefined, p: string): string {
  return prefix ? `${prefix}/${p}` : p;
}

function overlayMissing(o: string): FdtError {
  return new ImageBuilderError('IB_FILE', `Can not find ${o}, exiting`, { path: o, hint: 'paths in the config are relative to the -d directory' });
}

/** FDTEDIT: a copy of DEVICE_TREE with the overlays merged as fdtoverlay does, one at a time. */
function mergeOverlays(files: FileSource, hostDtb: Uint8Array, overlays: string[], fdtedit: string, inputs: string[]): Uint8Array {
  let out = hostDtb;
  for (const o of overlays) {
    if (files.size(o) === undefined) throw overlayMissing(o);
    inputs.push(o);
    try {
      out = applyOverlays(out, [files.read(o)], [o]);
    } catch (e) {
      if (!(e instanceof FdtError)) throw e;
      throw new ImageBuilderError('IB_OVERLAY', `Can add overlay ${o} to ${fdtedit}, exiting`, { path: o, hint: e.message });
    }
  }
  return out;
}

/** generate_uboot_images: `file | grep ARM` decides, so an arm64 Image or ARM ELF gives arch arm. */
function xenUImageArch(head: Uint8Array): number {
  const armImage = head.length >= 60 && head[56] === 0x41 && head[57] === 0x52 && head[58] === 0x4d && head[59] === 0x64;
  const elf = head.length >= 20 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
  const machine = elf ? (head[5] === 2 ? (head[18]! << 8) | head[19]! : head[18]! | (head[19]! << 8)) : 0;
  return armImage || machine === 40 || machine === 183 ? IH_ARCH_ARM : IH_ARCH_ARM64;
}

/** `-k DIR/HINT`: the key is DIR/HINT.key (`${FIT_ENC_KEY_DIR%/*}/` + hint, as the script builds it). */
function signingKey(plan: ImageBuilderPlan, files: FileSource, inputs: string[]): KeyObject | undefined {
  const dir = plan.fit?.keyDir;
  if (!dir) return undefined;
  const hint = dir.slice(dir.lastIndexOf('/') + 1);
  const file = `${dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : dir}/${hint}.key`;
  if (files.size(file) === undefined) throw fileError(`File ${file} doesn't exist, exiting`, file, 'create it with: openssl genrsa -out HINT.key 2048');
  inputs.push(file);
  return loadSigningKey(files.read(file), file);
}

export function buildUboot(plan: ImageBuilderPlan, opts: UbootBuildOptions): UbootBuild {
  const files = typedReads(opts.files);
  const naming = opts.naming ?? 'current';
  const time = opts.time ?? 0;
  if (!plan.deviceTree) throw new ImageBuilderError('IB_NO_DEVICE_TREE', 'DEVICE_TREE is not set', { hint: 'set DEVICE_TREE="host.dtb"' });
  const host = plan.deviceTree;
  const inputs: string[] = [];
  // DEVICE_TREE is checked at its turn in the load order, as the script does; a missing
  // one only fails there (the FDTEDIT copy before it fails quietly in the script too)
  const hostPresent = files.size(host) !== undefined;
  const hostDtb = hostPresent ? files.read(host) : new Uint8Array(0);
  // FDTEDIT starts as DEVICE_TREE with the overlays merged (NUM_DT_OVERLAY is then 0)
  let fdtedit: Uint8Array | undefined;
  if (plan.fdtedit && hostPresent) fdtedit = mergeOverlays(files, hostDtb, plan.overlays, plan.fdtedit, inputs);
  const fit = plan.fit !== undefined;
  const wanted = wantedImages(plan, fit && plan.fdtedit ? plan.fdtedit : host);
  const reserved: Range[] = [...(opts.avoidReserved && hostPresent ? reservedRanges(hostDtb) : []), ...(opts.extraReserved ?? [])];
  const { script: scriptAt, first } = scriptAddress(plan.memoryStart);
  let memaddr = first;
  const images: LoadedImage[] = [];
  const outputs: BuildOutput[] = [];
  for (const w of wanted) {
    if (w.error) throw w.error;
    let size: bigint;
    let file = w.file;
    if (w.label === 'dtb' && fit) {
      // check_file_type $DEVICE_TREE, then load_file $FDTEDIT (the FIT carries the edited copy)
      checkFile(files, { ...w, file: host }, inputs);
      size = BigInt(fdtedit!.length);
    } else {
      if (w.label.startsWith('overlay') && files.size(w.file) === undefined) throw overlayMissing(w.file);
      size = checkFile(files, w, inputs);
    }
    if (w.label === 'xen' && plan.bootCmd === 'bootm') {
      const at = placeImage(memaddr, size + 64n, reserved);
      const xen = files.read(w.file);
      const ub = kernelImage(xen, at, xenUImageArch(xen.subarray(0, 64)), time);
      file = `${w.file}.ub`;
      outputs.push({ path: file, data: ub });
      size = BigInt(ub.length);
    }
    const address = placeImage(memaddr, size, reserved);
    images.push({ label: w.label, address, size, file, loadPath: joinPrefix(opts.prefix, loadPath(opts.dir, file)), fitName: w.fitName, role: w.role });
    memaddr = nextSlot(address, size);
  }
  const spare = fit ? plan.memoryEnd - 2n * (memaddr + SLOT) : plan.memoryEnd - memaddr - SLOT;
  if (spare < 0n) {
    throw new ImageBuilderError('IB_MEMORY', 'Error, not enough memory to load all binaries', {
      hint: `the images end at ${hexUpper(memaddr)}; raise MEMORY_END (${hexUpper(plan.memoryEnd)}) or load less`,
    });
  }
  const edits = plan.mode === 'xen' ? xenChosenEdits(plan, images, hostDtb, naming) : linuxChosenEdits(plan, images);
  const lines: string[] = [];
  if (fit) lines.push('fit_addr=$fileaddr');
  for (const img of images) {
    lines.push(fit ? `imxtract $fit_addr ${img.fitName} ${hexUpper(img.address)}` : `${plan.loadCmd} ${hexUpper(img.address)} ${img.loadPath}`);
    if (img.label === 'bitstream') lines.push(`fpga load 0 ${hexUpper(img.address)} ${img.size}`);
  }
  const dtb = images.find((i) => i.label === 'dtb')!;
  lines.push(`fdt addr ${hexUpper(dtb.address)}`, 'fdt resize 1024');
  for (const img of images) if (img.label.startsWith('overlay')) lines.push(`fdt apply ${hexUpper(img.address)}`);
  if (!fit) lines.push(...edits.map(scriptLine));
  lines.push('setenv fdt_high 0xffffffffffffffff');
  let source = `${lines.join('\n')}\n`;
  if (plan.appendExtraCmds) {
    checkFile(files, { label: 'extra', file: plan.appendExtraCmds, role: 'text', fitName: '', compressedOk: false }, inputs);
  }
  if (plan.appendExtraCmds) source += new TextDecoder('latin1').decode(files.read(plan.appendExtraCmds));
  const kernel = images.find((i) => i.label === 'xen' || i.label === 'linux-kernel')!;
  source += plan.bootCmd === 'none'
    ? `setenv host_kernel_addr ${hexUpper(kernel.address)}\nsetenv host_fdt_addr ${hexUpper(dtb.address)}\n`
    : `${plan.bootCmd} ${hexUpper(kernel.address)} - ${hexUpper(dtb.address)}\n`;
  const sourceBytes = new TextEncoder().encode(source);
  const stdout = [...plan.notices, ...plan.warnings];
  outputs.push({ path: plan.ubootSource, data: sourceBytes });
  if (fdtedit && plan.fdtedit) outputs.push({ path: plan.fdtedit, data: applyFdtput(fdtedit, edits) });
  if (fit && plan.fit) {
    const fdteditBytes = outputs.find((o) => o.path === plan.fdtedit)!.data;
    const its = fitIts(plan, images, scriptAt);
    outputs.push({ path: plan.fit.its, data: new TextEncoder().encode(its) });
    // Xen for bootm is the uImage built above ($XEN.ub), an output and not an input file.
    const built = (file: string): Uint8Array | undefined => outputs.find((o) => o.path === file)?.data;
    const read = (img: LoadedImage): Uint8Array => (img.label === 'dtb' ? fdteditBytes : built(img.file) ?? files.read(img.file));
    const key = signingKey(plan, files, inputs);
    outputs.push({ path: plan.fit.file, data: fitBlob(plan, images, scriptAt, sourceBytes, read, time, key) });
    if (key && plan.fit.ubootDtb) {
      // mkimage -K edits U-Boot's DTB in place; we never write over an input
      const out = `${plan.fit.ubootDtb.replace(/\.dtb$/, '')}-pubkey.dtb`;
      if (files.size(plan.fit.ubootDtb) === undefined) throw fileError(`File ${plan.fit.ubootDtb} doesn't exist, exiting`, plan.fit.ubootDtb, 'give U-Boot\'s control DTB with -u');
      inputs.push(plan.fit.ubootDtb);
      outputs.push({ path: out, data: addPublicKey(files.read(plan.fit.ubootDtb), key, keyHint(plan)!) });
      stdout.push(`Public key ${keyHint(plan)} added to a copy of ${plan.fit.ubootDtb}: ${out}`);
    }
    const at = `0x${memaddr.toString(16)}`;
    stdout.push(`Generated uboot FIT image ${plan.fit.file}, to be loaded at or after address ${at}:`);
    stdout.push(`${plan.loadCmd} ${at} ${plan.fit.file}; source ${at}:boot_scr`);
  } else {
    outputs.push({ path: plan.ubootScript, data: scriptImage(sourceBytes, scriptAt, time) });
    stdout.push(`Generated uboot script ${plan.ubootScript}, to be loaded at address ${hexUpper(scriptAt)}:`);
    stdout.push(`${plan.loadCmd} ${hexUpper(scriptAt)} ${joinPrefix(opts.prefix, plan.ubootScript)}; source ${hexUpper(scriptAt)}`);
  }
  return { plan, scriptAddress: scriptAt, images, edits, source, outputs, stdout, end: memaddr, inputs };
}
