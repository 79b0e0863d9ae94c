/**
 * FIT (`-f`): the .its text exactly as uboot-script-gen 2023.2 writes it
 * (golden 04), and the FIT blob itself as `mkimage -f` would build it from
 * that text — images with their data and md5 hash values, a time stamp —
 * written with our FDT library instead of dtc + mkimage.
 */
import { ImageBuilderError } from '../bindings/imagebuilder/imagebuilder-error.js';
import { createHash } from 'node:crypto';
import { writeDtb } from '../fdt/dtb/write.js';
import { DeviceTree, Node, Property } from '../fdt/tree/livetree.js';
import { PropertyValue } from '../fdt/tree/data.js';
import type { ImageBuilderPlan } from '../bindings/imagebuilder/plan.js';
import type { KeyObject } from 'node:crypto';
import { hexUpper } from './dt-edits.js';
import { FIT_SIGN_ALGO, signImage } from './fit-sign.js';
import type { LoadedImage } from './uboot-build.js';

const SIGNER_VERSION = '1';

type FitKind = 'flat_dt' | 'kernel' | 'ramdisk' | 'script' | 'fpga';

interface FitImage {
  name: string;
  description: string;
  file: string;
  kind: FitKind;
  load: bigint;
  entry?: bigint;
  img?: LoadedImage;
}

function describe(plan: ImageBuilderPlan, img: LoadedImage): { description: string; kind: FitKind; entry: boolean } {
  const os = plan.mode === 'xen' ? 'xen' : 'linux';
  const m = /^domU(\d+)-(kernel|ramdisk|dtb)$/.exec(img.label);
  if (m) {
    const what = m[2] === 'kernel' ? 'kernel binary' : m[2] === 'ramdisk' ? 'ramdisk' : 'fdt';
    return { description: `domU${m[1]} ${what}`, kind: m[2] === 'kernel' ? 'kernel' : m[2] === 'ramdisk' ? 'ramdisk' : 'flat_dt', entry: false };
  }
  switch (img.label) {
    case 'dtb': return { description: `${os} fdt`, kind: 'flat_dt', entry: false };
    case 'xen':
    case 'linux-kernel': return { description: `${os} kernel`, kind: 'kernel', entry: true };
    case 'dom0-ramdisk': return { description: 'dom0 ramdisk', kind: 'ramdisk', entry: false };
    case 'linux-ramdisk': return { description: 'linux ramdisk', kind: 'ramdisk', entry: false };
    case 'dom0-kernel': return { description: 'dom0 linux kernel binary', kind: 'kernel', entry: false };
    case 'bitstream': return { description: 'FPGA bit stream', kind: 'fpga', entry: false };
    default: return { description: `${os} fdt overlay ${img.label.slice('overlay'.length)}`, kind: 'flat_dt', entry: false };
  }
}

/** The image nodes in uboot-script-gen's order (not the load order). */
function fitImages(plan: ImageBuilderPlan, images: LoadedImage[], scriptAt: bigint): FitImage[] {
  const rank = (img: LoadedImage): number => {
    if (img.label === 'dtb') return 0;
    if (img.label === 'xen' || img.label === 'linux-kernel') return 1;
    if (img.label === 'dom0-ramdisk' || img.label === 'linux-ramdisk') return 2;
    if (img.label === 'dom0-kernel') return 3;
    if (img.label.startsWith('domU')) return 4;
    if (img.label.startsWith('overlay')) return 5;
    return 6;
  };
  const sorted = images.map((img, i) => ({ img, i })).sort((a, b) => rank(a.img) - rank(b.img) || a.i - b.i);
  const out: FitImage[] = sorted.map(({ img }) => {
    const d = describe(plan, img);
    return { name: img.fitName, description: d.description, file: img.file, kind: d.kind, load: img.address, entry: d.entry ? img.address : undefined, img };
  });
  out.push({ name: 'boot_scr', description: "imagebuilder's boot script", file: plan.ubootSource, kind: 'script', load: scriptAt, entry: scriptAt });
  return out;
}

const TYPE: Record<FitKind, string> = { flat_dt: 'flat_dt', kernel: 'kernel', ramdisk: 'ramdisk', script: 'script', fpga: 'fpga' };

function hasArch(k: FitKind): boolean {
  return k !== 'script';
}

function hasOs(k: FitKind): boolean {
  return k === 'kernel' || k === 'ramdisk';
}

function imageIts(f: FitImage, keyHint: string | undefined): string[] {
  const l = [`        ${f.name} {`, `            description = "${f.description}";`, `            data = /incbin/("${f.file}");`, `            type = "${TYPE[f.kind]}";`];
  if (hasArch(f.kind)) l.push('            arch = "arm64";');
  if (hasOs(f.kind)) l.push('            os = "linux";');
  l.push('            compression = "none";');
  if (f.kind === 'fpga') l.push('            compatible = "u-boot,fpga-legacy";');
  l.push(`            load = <${hexUpper(f.load)}>;`);
  if (f.entry !== undefined) l.push(`            entry = <${hexUpper(f.entry)}>;`);
  // the script's signature block closes at column 0
  if (keyHint) l.push('            signature {', '                algo = "sha1,rsa2048";', `                key-name-hint = "${keyHint}";`, '};');
  else l.push('            hash {', '                algo = "md5";', '            };');
  l.push('        };');
  return l;
}

export function keyHint(plan: ImageBuilderPlan): string | undefined {
  const dir = plan.fit?.keyDir;
  return dir ? dir.slice(dir.lastIndexOf('/') + 1) : undefined;
}

interface FitConfig {
  fdt: string[];
  ramdisk?: string;
  fpga?: string;
  loadables: string[];
}

function fitConfig(plan: ImageBuilderPlan, images: LoadedImage[]): FitConfig {
  const name = (label: string): string | undefined => images.find((i) => i.label === label)?.fitName;
  const overlays = images.filter((i) => i.label.startsWith('overlay')).map((i) => i.fitName);
  const loadables = plan.mode === 'xen'
    ? images.filter((i) => i.label.startsWith('dom0') || i.label.startsWith('domU')).map((i) => i.fitName)
    : [];
  return { fdt: ['host_fdt', ...overlays], ramdisk: name('linux-ramdisk'), fpga: name('bitstream'), loadables };
}

const quoteList = (xs: string[]): string => xs.map((x) => `"${x}"`).join(', ');

export function fitIts(plan: ImageBuilderPlan, images: LoadedImage[], scriptAt: bigint): string {
  const hint = keyHint(plan);
  const c = fitConfig(plan, images);
  const lines = ['/dts-v1/;', '/ {', '    description = "Configuration from Imagebuilder to load Xen/Linux";', '    #address-cells = <1>;', '    images {'];
  for (const f of fitImages(plan, images, scriptAt)) lines.push(...imageIts(f, hint));
  lines.push(
    '    };',
    '    configurations {',
    '        default = "config";',
    '        config {',
    `            description = "Imagebuilder ${plan.mode}";`,
    '            kernel = "host_kernel";',
    `            fdt = ${quoteList(c.fdt)};`,
    `            ${c.ramdisk ? `ramdisk = "${c.ramdisk}";` : ''}`,
    `            ${c.fpga ? `fpga = "${c.fpga}";` : ''}`,
    `            ${plan.mode === 'xen' ? `loadables = ${quoteList(c.loadables)};` : ''}`,
    '        };',
    '    };',
    '};',
  );
  return `${lines.join('\n')}\n`;
}

function prop(node: Node, name: string, value: Uint8Array): void {
  node.addProperty(new Property(name, new PropertyValue(value)));
}

const str = (s: string): Uint8Array => new TextEncoder().encode(`${s}\0`);
const strs = (xs: string[]): Uint8Array => new TextEncoder().encode(xs.map((x) => `${x}\0`).join(''));
function u32(v: bigint | number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, Number(BigInt.asUintN(32, BigInt(v))));
  return b;
}

/**
 * The FIT as `mkimage -f` lays it out: the .its tree with each /incbin/
 * inlined, then mkimage's additions — `timestamp` at the root and a hash
 * `value` in each hash node, each put first in its node as libfdt does.
 */
export function fitBlob(
  plan: ImageBuilderPlan,
  images: LoadedImage[],
  scriptAt: bigint,
  source: Uint8Array,
  read: (img: LoadedImage) => Uint8Array,
  time = 0,
  key?: KeyObject,
): Uint8Array {
  const hint = keyHint(plan);
  if (hint && !key) throw new ImageBuilderError('IB_FIT_KEY', 'a signed FIT needs the private key', { hint: 'pass -k KEYDIR/HINT with HINT.key in KEYDIR' });
  const root = new Node('');
  prop(root, 'timestamp', u32(time));
  prop(root, 'description', str('Configuration from Imagebuilder to load Xen/Linux'));
  prop(root, '#address-cells', u32(1));
  const imagesNode = root.addChild(new Node('images'));
  for (const f of fitImages(plan, images, scriptAt)) {
    const n = imagesNode.addChild(new Node(f.name));
    const data = f.img ? read(f.img) : source;
    prop(n, 'description', str(f.description));
    prop(n, 'data', data);
    prop(n, 'type', str(TYPE[f.kind]));
    if (hasArch(f.kind)) prop(n, 'arch', str('arm64'));
    if (hasOs(f.kind)) prop(n, 'os', str('linux'));
    prop(n, 'compression', str('none'));
    if (f.kind === 'fpga') prop(n, 'compatible', str('u-boot,fpga-legacy'));
    prop(n, 'load', u32(f.load));
    if (f.entry !== undefined) prop(n, 'entry', u32(f.entry));
    if (hint && key) {
      // mkimage adds value, signer-name, signer-version, timestamp, each first in the node
      const sig = n.addChild(new Node('signature'));
      prop(sig, 'timestamp', u32(time));
      prop(sig, 'signer-version', str(SIGNER_VERSION));
      prop(sig, 'signer-name', str('hyperlaunch'));
      prop(sig, 'value', signImage(data, key));
      prop(sig, 'algo', str(FIT_SIGN_ALGO));
      prop(sig, 'key-name-hint', str(hint));
      continue;
    }
    const hash = n.addChild(new Node('hash'));
    prop(hash, 'value', createHash('md5').update(data).digest());
    prop(hash, 'algo', str('md5'));
  }
  const c = fitConfig(plan, images);
  const configs = root.addChild(new Node('configurations'));
  prop(configs, 'default', str('config'));
  const config = configs.addChild(new Node('config'));
  prop(config, 'description', str(`Imagebuilder ${plan.mode}`));
  prop(config, 'kernel', str('host_kernel'));
  prop(config, 'fdt', strs(c.fdt));
  if (c.ramdisk) prop(config, 'ramdisk', str(c.ramdisk));
  if (c.fpga) prop(config, 'fpga', str(c.fpga));
  if (c.loadables.length) prop(config, 'loadables', strs(c.loadables));
  return writeDtb(new DeviceTree(root));
}
