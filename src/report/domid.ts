/**
 * PLACEHOLDER: replaced by n-domid's src/report/domid.ts (same signature),
 * which carries the real-boot proof. This version only follows the rules
 * the report's tests need: dom0 is 0, a Hyperlaunch `domid` wins, the other
 * domains count from 1 in node order, reversed for a boot.scr build.
 */
import type { BootModel } from '../model/boot-model.js';

/** 'uboot-script': an ImageBuilder/`build` boot.scr creating domU nodes with `fdt mknod` (reverses order). */
export type DomidRoute = 'devicetree' | 'uboot-script';

export interface DomidPrediction {
  domain: string;
  domid: number | undefined;
  why: string;
}

export function predictDomids(model: BootModel, route: DomidRoute): DomidPrediction[] {
  const others = model.domains.filter((d) => !d.isDom0 && d.domid === undefined);
  const order = route === 'uboot-script' ? [...others].reverse() : others;
  return model.domains.map((d) => {
    if (d.isDom0) return { domain: d.name, domid: 0, why: 'dom0 is always 0' };
    if (d.domid !== undefined) return { domain: d.name, domid: d.domid, why: '`domid` property' };
    const domid = order.indexOf(d) + 1;
    return { domain: d.name, domid, why: route === 'uboot-script' ? 'U-Boot `fdt mknod` reverses order (boot.scr build)' : 'DT order in /chosen' };
  });
}
