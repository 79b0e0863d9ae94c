/**
 * The entry points a tool needs: read whatever interface a tree uses, and
 * convert a model to either interface with the list of what was lost.
 */
import type { DeviceTree } from '../fdt/tree/livetree.js';
import type { BootModel } from '../model/boot-model.js';
import { BootConfigError } from '../model/errors.js';
import type { Loss } from '../model/loss.js';
import type { BindingInterface } from '../model/origin.js';
import { detectInterface } from './detect.js';
import { readDom0less } from './dom0less/read.js';
import { writeDom0lessReport } from './dom0less/write.js';
import { readHyperlaunch } from './hyperlaunch/read.js';
import { writeHyperlaunchReport } from './hyperlaunch/write.js';
import type { ReadOptions } from './read-options.js';

/** Detect the interface (as Xen does) and read the tree with it. */
export function readBootConfig(tree: DeviceTree, opts: ReadOptions = {}): BootModel {
  const detected = detectInterface(tree);
  if (detected.interface === 'hyperlaunch') return readHyperlaunch(tree, opts);
  if (detected.interface === 'dom0less') return readDom0less(tree, opts);
  throw new BootConfigError('NO_BOOT_CONFIG', 'the tree has no Xen boot configuration (no /chosen/hypervisor, no xen,domain or module nodes in /chosen)', {
    path: '/chosen',
    hint: 'add xen,domain nodes under /chosen (dom0less) or a /chosen/hypervisor node (Hyperlaunch)',
  });
}

export interface ConvertOptions {
  /** Host tree to write into; default: the model's own host tree. */
  base?: DeviceTree;
  /** Hyperlaunch only: carry Arm properties (default unless the target is x86_64). */
  arm?: boolean;
}

export interface Conversion {
  tree: DeviceTree;
  /** Everything the target interface could not express, with its DT path; empty when nothing was lost. */
  losses: Loss[];
}

/** Write `model` in the `to` interface; never throws for losses, it lists them. */
export function convert(model: BootModel, to: BindingInterface, opts: ConvertOptions = {}): Conversion {
  return to === 'dom0less' ? writeDom0lessReport(model, opts.base) : writeHyperlaunchReport(model, opts.base, { arm: opts.arm });
}
