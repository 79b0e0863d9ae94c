/**
 * The /chosen edits of uboot-script-gen 2023.2 (reference §3.3 step 5 and
 * §3.4), in its exact order, from a resolved plan and the load layout.
 */
import { ImageBuilderError } from '../bindings/imagebuilder/imagebuilder-error.js';
import { readDtb } from '../fdt/dtb/read.js';
import { getNodeByPath } from '../fdt/tree/livetree.js';
import type { ImageBuilderPlan, ResolvedDomU } from '../bindings/imagebuilder/plan.js';
import {
  type DtEdit, hexUpper, mknod, setBool, setHex, setInt, setReg, setStr, setStrings,
} from './dt-edits.js';

/** `imagebuilder-2023`: `module0x2800000`, `dom0`; `current`: `module@2800000`, `dom0@e00000` (upstream since Oct 2024). */
export type NamingStyle = 'imagebuilder-2023' | 'current';

export interface PlacedImage {
  /** What the image is, e.g. `dom0-kernel`, `domU0-ramdisk`, `xen`, `dtb`. */
  label: string;
  address: bigint;
  size: bigint;
}

function moduleName(base: string, address: bigint, naming: NamingStyle, always2023Suffix: boolean): string {
  if (naming === 'current') return `${base}@${address.toString(16)}`;
  return always2023Suffix ? `${base}${hexUpper(address)}` : base;
}

const lowerHex = (v: bigint): string => `0x${v.toString(16)}`;

function addModule(edits: DtEdit[], parent: string, name: string, compatible: string[], img: PlacedImage): string {
  const path = `${parent}/${name}`;
  edits.push(mknod(parent, name), setStrings(path, 'compatible', compatible), setReg(path, img.address, img.size));
  return path;
}

function domUEdits(edits: DtEdit[], d: ResolvedDomU, at: (label: string) => PlacedImage | undefined, naming: NamingStyle): void {
  for (const p of d.passthroughPaths) edits.push(setStrings(p, 'xen,passthrough', []));
  if (d.skipped) return;
  const node = `/chosen/domU${d.index}`;
  edits.push(
    mknod('/chosen', `domU${d.index}`),
    setStr(node, 'compatible', 'xen,domain'),
    setHex(node, '#address-cells', [2n]),
    setHex(node, '#size-cells', [2n]),
    setInt(node, 'memory', [0n, d.memoryKb]),
    setInt(node, 'cpus', [BigInt(d.vcpus)]),
  );
  if (d.staticMem) {
    const cells = d.staticMem.flatMap((v) => [v >> 32n, v & 0xffffffffn]);
    edits.push(setHex(node, 'xen,static-mem', cells, cells.map(lowerHex).join(' ')));
    if (d.directMap) edits.push(setBool(node, 'direct-map'));
  }
  edits.push(d.vpl011Pl011 ? setStr(node, 'vpl011', 'pl011') : setBool(node, 'vpl011'));
  if (d.enhanced) edits.push(setStr(node, 'xen,enhanced', 'enabled'));
  if (d.viommu) edits.push(setBool(node, 'viommu'));
  if (d.colorsMask !== undefined) edits.push(setHex(node, 'colors', [d.colorsMask], lowerHex(d.colorsMask)));
  // DOMU_CAPS came after 2023.2, which would ignore the variable
  if (d.capabilities !== undefined && naming === 'current') edits.push(setInt(node, 'capabilities', [BigInt(d.capabilities)]));
  const kernel = at(`domU${d.index}-kernel`)!;
  const kpath = addModule(edits, node, moduleName('module', kernel.address, naming, true), ['multiboot,kernel', 'multiboot,module'], kernel);
  edits.push(setStr(kpath, 'bootargs', d.cmd));
  const ramdisk = at(`domU${d.index}-ramdisk`);
  if (ramdisk) addModule(edits, node, moduleName('module', ramdisk.address, naming, true), ['multiboot,ramdisk', 'multiboot,module'], ramdisk);
  const dtb = at(`domU${d.index}-dtb`);
  if (dtb) addModule(edits, node, moduleName('module', dtb.address, naming, true), ['multiboot,device-tree', 'multiboot,module'], dtb);
}

/** fdtget -t x: the cell in bare lowercase hex, which the script pastes as is. */
function existingPhandle(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes || bytes.length !== 4) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(0).toString(16);
}

/** A phandle as the script wrote it (`8` from fdtget, `0xfffffffe` from the counter), as fdtput -t x reads it. */
function phandleCell(text: string): bigint {
  return BigInt(text.startsWith('0x') ? text : `0x${text}`);
}

/** add_device_tree_cpupools (2023.2): every cpu gets `phandle`, existing or new, then the pool node. */
function cpupoolEdits(edits: DtEdit[], plan: ImageBuilderPlan, hostDtb: Uint8Array): void {
  if (plan.cpupools.length === 0) return;
  const host = readDtb(hostDtb).root;
  let next = 0xfffffffen;
  const allocate = (): string => lowerHex(next--);
  // the script's duplicate test is a substring match on a space-joined list
  let cpuList = '';
  plan.cpupools.forEach((pool, n) => {
    const phandles: string[] = [];
    for (const name of pool.cpus) {
      const cpu = `/cpus/${name}`;
      const node = getNodeByPath(host, cpu);
      if (!node?.getProperty('reg')) throw new ImageBuilderError('IB_CPUPOOL_CPU', `${cpu} does not exist`, { path: cpu, hint: 'name a cpu node under /cpus of DEVICE_TREE' });
      if (cpuList.includes(cpu)) throw new ImageBuilderError('IB_CPUPOOL_CPU', `${cpu} already assigned to another cpupool`, { path: cpu, hint: 'a cpu belongs to one pool' });
      const phandle = existingPhandle(node.getProperty('phandle')?.bytes) ?? allocate();
      edits.push(setHex(cpu, 'phandle', [phandleCell(phandle)], phandle));
      phandles.push(phandle);
      cpuList += ` ${cpu}`;
    }
    const poolPhandle = allocate();
    const node = `/chosen/cpupool_${n}`;
    edits.push(
      mknod('/chosen', `cpupool_${n}`),
      setHex(node, 'phandle', [phandleCell(poolPhandle)], poolPhandle),
      setStr(node, 'compatible', 'xen,cpupool'),
      setHex(node, 'cpupool-cpus', phandles.map(phandleCell), phandles.map((p) => ` ${p}`).join('')),
    );
    if (pool.sched) edits.push(setStr(node, 'cpupool-sched', pool.sched));
    // every domU index, booted or not (`test "${DOMU_CPUPOOL[j]}" -eq "$i"`)
    for (const d of plan.domus) {
      if (d.cpupool !== undefined && /^\d+$/.test(d.cpupool) && Number(d.cpupool) === n) {
        edits.push(setHex(`/chosen/domU${d.index}`, 'domain-cpupool', [phandleCell(poolPhandle)], poolPhandle));
      }
    }
  });
}

export function xenChosenEdits(plan: ImageBuilderPlan, images: PlacedImage[], hostDtb: Uint8Array, naming: NamingStyle): DtEdit[] {
  const at = (label: string): PlacedImage | undefined => images.find((i) => i.label === label);
  const edits: DtEdit[] = [
    setHex('/chosen', '#address-cells', [2n]),
    setHex('/chosen', '#size-cells', [2n]),
    setStr('/chosen', 'xen,xen-bootargs', plan.xenCmd ?? ''),
  ];
  if (plan.dom0) {
    const k = at('dom0-kernel')!;
    addModule(edits, '/chosen', moduleName('dom0', k.address, naming, false), ['xen,linux-zimage', 'xen,multiboot-module', 'multiboot,module'], k);
    edits.push(setStr('/chosen', 'xen,dom0-bootargs', plan.dom0.cmd));
    const r = at('dom0-ramdisk');
    if (r) addModule(edits, '/chosen', moduleName('dom0-ramdisk', r.address, naming, false), ['xen,linux-initrd', 'xen,multiboot-module', 'multiboot,module'], r);
  }
  const policy = at('xen-policy');
  if (policy) addModule(edits, '/chosen', moduleName('xen-policy', policy.address, naming, false), ['xen,xsm-policy', 'xen,multiboot-module', 'multiboot,module'], policy);
  for (const d of plan.domus) domUEdits(edits, d, at, naming);
  cpupoolEdits(edits, plan, hostDtb);
  return edits;
}

export function linuxChosenEdits(plan: ImageBuilderPlan, images: PlacedImage[]): DtEdit[] {
  const edits: DtEdit[] = [setStr('/chosen', 'bootargs', plan.linux!.cmd)];
  const r = images.find((i) => i.label === 'linux-ramdisk');
  if (r) {
    const end = r.address + r.size;
    edits.push(setHex('/chosen', 'linux,initrd-start', [r.address]), setHex('/chosen', 'linux,initrd-end', [end], lowerHex(end)));
  }
  return edits;
}
