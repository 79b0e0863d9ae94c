/**
 * Module compatible strings of each interface and the kind they name
 * (reference §1.2, §2.2, §2.3; Xen's fdt_node_to_kind). Which list a writer
 * may keep, and the canonical list it writes otherwise.
 */
import type { BindingInterface } from '../model/origin.js';
import type { BootModule, ModuleKind } from '../model/module.js';

/** Generic "this is a module" markers. */
export const GENERIC_MODULE = ['multiboot,module', 'xen,multiboot-module'] as const;

const DOM0LESS_KINDS: ReadonlyMap<string, ModuleKind> = new Map<string, ModuleKind>([
  ['multiboot,kernel', 'kernel'],
  ['xen,linux-zimage', 'kernel'],
  ['multiboot,ramdisk', 'ramdisk'],
  ['xen,linux-initrd', 'ramdisk'],
  ['multiboot,device-tree', 'device-tree'],
  ['xen,xsm-policy', 'xsm-policy'],
  ['multiboot,microcode', 'microcode'],
]);

/** 2025 series (`multiboot,*`) plus the design document's `module,*`. */
const HYPERLAUNCH_KINDS: ReadonlyMap<string, ModuleKind> = new Map<string, ModuleKind>([
  ['multiboot,kernel', 'kernel'],
  ['multiboot,ramdisk', 'ramdisk'],
  ['multiboot,device-tree', 'device-tree'],
  ['module,kernel', 'kernel'],
  ['module,ramdisk', 'ramdisk'],
  ['module,device-tree', 'device-tree'],
  ['module,microcode', 'microcode'],
  ['module,xsm-policy', 'xsm-policy'],
  ['module,config', 'config'],
]);

/** Older prototype's location markers; they carry no kind. */
const HYPERLAUNCH_EXTRA = ['module,index', 'module,addr'];

export const LEGACY_MODULE_COMPATIBLES = ['xen,multiboot-module', 'xen,linux-zimage', 'xen,linux-initrd'];

export function isModuleNode(compatible: readonly string[], iface: BindingInterface): boolean {
  if (compatible.some((c) => (GENERIC_MODULE as readonly string[]).includes(c))) return true;
  return iface === 'hyperlaunch' && compatible.some((c) => HYPERLAUNCH_KINDS.has(c));
}

/** The kind named by the first specific string, or undefined for a generic-only list. */
export function kindFromCompatible(compatible: readonly string[], iface: BindingInterface): ModuleKind | undefined {
  const table = iface === 'dom0less' ? DOM0LESS_KINDS : HYPERLAUNCH_KINDS;
  for (const c of compatible) {
    const k = table.get(c);
    if (k) return k;
  }
  return undefined;
}

function vocabulary(iface: BindingInterface): Set<string> {
  const table = iface === 'dom0less' ? DOM0LESS_KINDS : HYPERLAUNCH_KINDS;
  return new Set([...table.keys(), ...GENERIC_MODULE, ...(iface === 'hyperlaunch' ? HYPERLAUNCH_EXTRA : [])]);
}

const CANONICAL_DOM0LESS: Record<ModuleKind, string | undefined> = {
  kernel: 'multiboot,kernel',
  ramdisk: 'multiboot,ramdisk',
  'device-tree': 'multiboot,device-tree',
  'xsm-policy': 'xen,xsm-policy',
  microcode: 'multiboot,microcode',
  config: undefined,
  unspecified: undefined,
};

/** The 2025 series names kernel and ramdisk only; the rest follow the design document. */
const CANONICAL_HYPERLAUNCH: Record<ModuleKind, string | undefined> = {
  kernel: 'multiboot,kernel',
  ramdisk: 'multiboot,ramdisk',
  'device-tree': 'multiboot,device-tree',
  'xsm-policy': 'module,xsm-policy',
  microcode: 'module,microcode',
  config: 'module,config',
  unspecified: undefined,
};

/** Whether `kind` has a name in `iface` (dom0less has no `config` module). */
export function kindExpressible(kind: ModuleKind, iface: BindingInterface): boolean {
  return kind === 'unspecified' || (iface === 'dom0less' ? CANONICAL_DOM0LESS : CANONICAL_HYPERLAUNCH)[kind] !== undefined;
}

export function canonicalCompatible(kind: ModuleKind, iface: BindingInterface): string[] {
  const specific = (iface === 'dom0less' ? CANONICAL_DOM0LESS : CANONICAL_HYPERLAUNCH)[kind];
  return specific ? [specific, 'multiboot,module'] : ['multiboot,module'];
}

/**
 * The list to write: the module's own when every string belongs to the
 * interface and it still names the module's kind (or names none and the
 * kind was implicit), the canonical one otherwise. The 2025 Hyperlaunch
 * form requires `multiboot,module`, so design-only lists are rewritten.
 */
export function compatibleFor(m: BootModule, iface: BindingInterface): string[] {
  const own = m.compatible;
  if (own && own.length > 0) {
    const vocab = vocabulary(iface);
    const kind = kindFromCompatible(own, iface);
    // Typing by position is a dom0less rule; Hyperlaunch needs the kind spelled out.
    const implicitOk = iface === 'dom0less' && m.implicitKind === true;
    const fits = own.every((c) => vocab.has(c)) && (kind === m.kind || (kind === undefined && (implicitOk || m.kind === 'unspecified')));
    const generic = iface === 'dom0less' || own.includes('multiboot,module');
    // Design names (`module,kernel`) give way to the 2025 series' where it has one.
    const designOnly = iface === 'hyperlaunch' && own.some((c) => c.startsWith('module,')) && !canonicalCompatible(m.kind, iface)[0]!.startsWith('module,');
    if (fits && generic && !designOnly) return own.slice();
  }
  return canonicalCompatible(m.kind, iface);
}
