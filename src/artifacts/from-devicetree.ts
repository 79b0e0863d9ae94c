/**
 * Building from a dom0less or Hyperlaunch devicetree instead of a config:
 * the tree is read into the boot model (Hyperlaunch converted to dom0less,
 * which is what Xen on Arm boots, with the loss report), the model becomes
 * an ImageBuilder config, and the same layout/script/boot.scr follow. The
 * image files come from `xen,uefi-binary` or a `<domain>/<kind>` table.
 */
import { convert, readBootConfig } from '../bindings/boot-config.js';
import { readDom0less } from '../bindings/dom0less/read.js';
import { type ImageBuilderConfig } from '../bindings/imagebuilder/config.js';
import { modelToImageBuilder } from '../bindings/imagebuilder/model.js';
import { decodeReg } from '../fdt/tree/addresses.js';
import { readDtb } from '../fdt/dtb/read.js';
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { BootModel } from '../model/boot-model.js';
import type { Loss } from '../model/loss.js';

export interface DeviceTreeBuildOptions {
  /** Host DTB file (relative to the build directory) and its bytes. */
  hostFile: string;
  hostDtb: Uint8Array;
  /** Xen binary file. */
  xen: string;
  /** `dom0/kernel`, `domU1/ramdisk`, `domU1/device-tree` → file. */
  files: Map<string, string>;
  loadCmd?: string;
  memoryStart?: bigint;
  memoryEnd?: bigint;
  /** NAME.source / NAME.scr; default `boot`. */
  outputName?: string;
  bootCmd?: string;
}

export interface DeviceTreeConfig {
  config: ImageBuilderConfig;
  /** The model as built (dom0less). */
  model: BootModel;
  losses: Loss[];
}

/** The first /memory bank of the host: ImageBuilder's MEMORY_START / MEMORY_END (a size-0 placeholder is no RAM). */
export function hostMemory(hostDtb: Uint8Array): { start: bigint; end: bigint } | undefined {
  const root = readDtb(hostDtb).root;
  for (const n of root.liveChildren()) {
    const type = n.getProperty('device_type')?.bytes;
    if (n.baseName !== 'memory' && !(type && new TextDecoder().decode(type) === 'memory\0')) continue;
    const bank = decodeReg(n).find((b) => b.size > 0n);
    if (bank) return { start: bank.address, end: bank.address + bank.size };
  }
  return undefined;
}

export function configFromDeviceTree(tree: DeviceTree, o: DeviceTreeBuildOptions): DeviceTreeConfig {
  let model = readBootConfig(tree);
  const losses: Loss[] = [];
  if (model.interface === 'hyperlaunch') {
    const conv = convert(model, 'dom0less', { arm: true });
    losses.push(...conv.losses);
    model = readDom0less(conv.tree);
  }
  const { config, losses: more } = modelToImageBuilder(model, (m, d) => o.files.get(`${d.name}/${m.kind}`) ?? o.files.get(`${d.isDom0 ? 'dom0' : d.name}/${m.kind}`));
  losses.push(...more);
  const mem = hostMemory(o.hostDtb);
  const hex = (v: bigint): string => `0x${v.toString(16)}`;
  config.deviceTree = o.hostFile;
  config.xen = o.xen;
  config.memoryStart = hex(o.memoryStart ?? mem?.start ?? 0n);
  config.memoryEnd = hex(o.memoryEnd ?? mem?.end ?? 0n);
  if (o.loadCmd !== undefined) config.loadCmd = o.loadCmd;
  if (o.bootCmd !== undefined) config.bootCmd = o.bootCmd;
  const name = o.outputName ?? 'boot';
  config.ubootSource = `${name}.source`;
  config.ubootScript = `${name}.scr`;
  return { config, model, losses };
}
