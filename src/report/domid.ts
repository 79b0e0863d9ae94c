/**
 * Which domid each domain will get at boot, and why.
 *
 * What Xen does (4.17 xen/arch/arm/domain_build.c, 4.22
 * xen/common/device-tree/dom0less-build.c and xen/common/domid.c):
 * - dom0, when a dom0 kernel is given, is created first as domain 0;
 * - then `create_domUs()` walks the children of /chosen in DT order and
 *   gives every `xen,domain` node the next id: 4.17 `++max_init_domid`,
 *   4.22 `domid_alloc(DOMID_ANY)`, which never hands out 0. Both give 1, 2,
 *   3... in node order, with or without dom0.
 * - Neither release reads a `domid` property under /chosen: only the
 *   Hyperlaunch series (unreleased) does.
 *
 * A boot.scr (ImageBuilder's or `build`'s) creates the domU nodes with
 * `fdt mknod` in config order, and libfdt's fdt_add_subnode puts a new node
 * before its parent's existing children, so Xen sees them reversed: the
 * last one created becomes d1 (proven by test/qemu/uboot-imagebuilder.test.ts).
 *
 * Xen 4.17 on x86 builds dom0 alone; `build --arch x86_64` starts the other
 * domains from dom0 with `xl create`, in dependency order, and Xen's
 * createdomain hands out the next free id from 1 (proven by
 * test/qemu/x86-boot.test.ts).
 */
import { orderLateDomains } from '../artifacts/x86/late-order.js';
import { chooseDom0 } from '../check/x86-dom0.js';
import type { BootModel } from '../model/boot-model.js';
import type { Domain } from '../model/domain.js';

/** 'uboot-script': an ImageBuilder/`build` boot.scr creating domU nodes with `fdt mknod` (reverses order). */
export type DomidRoute = 'devicetree' | 'uboot-script';

export interface DomidPrediction {
  domain: string;
  domid: number | undefined;
  why: string;
}

export const WHY_DOM0 = 'dom0 is always 0';
export const WHY_DT_ORDER = 'DT order in /chosen';
export const WHY_PROPERTY = '`domid` property';
export const WHY_MKNOD = 'U-Boot `fdt mknod` reverses order (boot.scr build)';
export const WHY_XL = '`xl create` order from dom0 (x86 Xen builds dom0 alone)';

const hasKernel = (d: Domain): boolean => d.modules.some((m) => m.kind === 'kernel');

/** Only the Hyperlaunch series reads `domid`; a tree given with a released Xen version is booted as dom0less. */
function propertyHonoured(model: BootModel): boolean {
  return model.interface === 'hyperlaunch' && model.target.xenVersion === undefined;
}

/** A `domid` that Xen will not read, said so the reader does not trust it. */
function ignoredDomid(model: BootModel, d: Domain, domid: number): string {
  const written = d.domid ?? domidProperty(d);
  if (written === undefined || written === domid) return '';
  const xen = model.target.xenVersion ? `Xen ${model.target.xenVersion}` : 'Xen';
  return ` (${xen} ignores \`domid = <${written}>\`)`;
}

/** A dom0less tree keeps a `domid` it does not know as an unknown property. */
function domidProperty(d: Domain): number | undefined {
  const p = d.unknownProperties.find((u) => u.name === 'domid');
  const b = p?.value.bytes;
  if (!b || b.length !== 4) return undefined;
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
}

function dom0Prediction(d: Domain): DomidPrediction {
  if (hasKernel(d)) return { domain: d.name, domid: 0, why: WHY_DOM0 };
  return { domain: d.name, domid: undefined, why: 'no dom0 kernel: Xen builds no dom0' };
}

/** x86 with a released Xen: the domain `build --arch x86_64` makes dom0, the others numbered as xl creates them. */
function x86LateLaunch(model: BootModel): DomidPrediction[] {
  const dom0 = chooseDom0(model)?.domain;
  const late = orderLateDomains(model.domains.filter((d) => d !== dom0));
  return model.domains.map((d) => {
    if (d === dom0) return { domain: d.name, domid: 0, why: WHY_DOM0 };
    const domid = late.indexOf(d) + 1;
    return { domain: d.name, domid, why: WHY_XL + ignoredDomid(model, d, domid) };
  });
}

/** One prediction per domain of the model, in the model's order. */
export function predictDomids(model: BootModel, route: DomidRoute): DomidPrediction[] {
  if (model.target.arch === 'x86_64' && model.target.xenVersion !== undefined) return x86LateLaunch(model);
  const byProperty = propertyHonoured(model);
  const domUs = model.domains.filter((d) => !d.isDom0);
  return model.domains.map((d) => {
    if (byProperty && d.domid !== undefined) return { domain: d.name, domid: d.domid, why: WHY_PROPERTY };
    if (d.isDom0) return dom0Prediction(d);
    const k = domUs.indexOf(d);
    if (route === 'uboot-script') {
      const domid = domUs.length - k;
      return { domain: d.name, domid, why: WHY_MKNOD + ignoredDomid(model, d, domid) };
    }
    return { domain: d.name, domid: k + 1, why: WHY_DT_ORDER + ignoredDomid(model, d, k + 1) };
  });
}
