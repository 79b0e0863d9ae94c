/** Early FDT scan (bootinfo-fdt.c, bootinfo.c): what Xen does before any domain exists. */
import { type Node, walkNodes } from '../../fdt/tree/livetree.js';
import { at, atDomain, hex } from '../context.js';
import type { Rule } from '../rule.js';
import { KiB4, aligned, allModules, compatibleList, domUs } from './support.js';

const BOOTINFO_FDT = 'xen/common/device-tree/bootinfo-fdt.c';
/** MAX_MODULES counts Xen's own image and the DTB too (xen/include/xen/bootinfo.h). */
const MAX_MODULES = 32;
const BOOTMOD_MAX_CMDLINE = 1024;
const DT_MAX_NAME = 41;
const MODULE_PATH_MAX = 92;
const NR_MEM_BANKS = 256;

const MODULE_MARK = Buffer.from('module\0');

function isModuleNode(n: Node): boolean {
  const bytes = n.getProperty('compatible')?.bytes;
  // Cheap native scan first: most nodes of a board are not modules.
  if (!bytes || Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(MODULE_MARK) < 0) return false;
  const c = compatibleList(bytes);
  return c.includes('multiboot,module') || c.includes('xen,multiboot-module');
}

function isDomainNode(n: Node | undefined): boolean {
  return compatibleList(n?.getProperty('compatible')?.bytes).includes('xen,domain');
}

function depth(n: Node): number {
  let d = 0;
  for (let x: Node | undefined = n; x?.parent; x = x.parent) d++;
  return d;
}

export const EARLY_FDT_RULES: Rule[] = [
  {
    id: 'fdt-header', group: 'early-fdt', severity: 'error', xenSource: 'xen/arch/arm/setup.c',
    xenMessage: 'No valid device tree', summary: 'the input is not a valid device tree blob',
    hint: 'rebuild the DTB with dtc; check it was not truncated',
  },
  {
    id: 'mod-reg-missing', group: 'early-fdt', severity: 'error', xenSource: BOOTINFO_FDT,
    xenMessage: "node %s missing `reg' property", summary: 'a boot module has neither `reg` nor (UEFI) `xen,uefi-binary`',
    hint: 'add reg = <address size> (the parent node\'s cells), or xen,uefi-binary for UEFI boot',
    check(ctx, report) {
      for (const { module: m, path } of allModules(ctx.model)) {
        if (ctx.model.interface !== 'dom0less' || m.location || m.uefiBinary !== undefined) continue;
        report(at(m, path), `${path}: boot module without reg; Xen panics`);
      }
    },
  },
  {
    id: 'mod-reg-short', group: 'early-fdt', severity: 'error', xenSource: BOOTINFO_FDT,
    xenMessage: "fdt: node `%s': `reg` property length is too short", summary: 'a module `reg` is shorter than one (address, size) entry',
    hint: 'write one <address size> entry with the parent node\'s #address-cells / #size-cells', readerCodes: ['MODULE_REG_SHORT'],
  },
  {
    id: 'mod-depth', group: 'early-fdt', severity: 'warning', xenSource: BOOTINFO_FDT,
    xenMessage: '(silent: the module node is not scanned)', summary: 'a module node outside /chosen/<mod> or /chosen/<domain>/<mod>: ignored, or taken for dom0\'s when its parent is not a domain',
    hint: 'put dom0 modules directly under /chosen and domU modules directly under their xen,domain node',
    check(ctx, report) {
      if (!ctx.tree || ctx.model.interface !== 'dom0less') return;
      for (const n of walkNodes(ctx.tree.root)) {
        if (!isModuleNode(n)) continue;
        const d = depth(n);
        const underChosen = n.path.startsWith('/chosen/');
        if (underChosen && (d === 2 || (d === 3 && isDomainNode(n.parent)))) continue;
        // Xen scans modules to depth 3 and sets the domU flag from the parent's compatible only.
        const asDom0 = underChosen && d === 3;
        report({ path: n.path, position: n.position }, asDom0
          ? `${n.path}: the parent is not a xen,domain node; Xen takes this module for dom0's`
          : `${n.path}: module node at depth ${d}${underChosen ? '' : ' outside /chosen'}; Xen does not load it`);
      }
    },
  },
  {
    id: 'mod-path-len', group: 'early-fdt', severity: 'warning', xenSource: BOOTINFO_FDT,
    xenMessage: '(silent: the path does not fit the 92-byte buffer and the module is skipped)', summary: 'a module node path of 92 characters or more is ignored',
    hint: 'shorten the domain and module node names',
    check(ctx, report) {
      for (const { module: m, path } of allModules(ctx.model)) {
        if (path.length + 1 > MODULE_PATH_MAX) report(at(m, path), `${path}: path is ${path.length} characters; Xen's buffer holds ${MODULE_PATH_MAX - 1}, the module is ignored`);
      }
    },
  },
  {
    id: 'mod-count', group: 'early-fdt', severity: 'warning', xenSource: 'xen/common/device-tree/bootinfo.c',
    xenMessage: 'Ignoring %s boot module at %"PRIpaddr"-%"PRIpaddr" (too many)', summary: 'more than 30 distinct modules (32 with Xen and the DTB; one blob shared at one address counts once): the rest are ignored',
    hint: 'share kernels between domains (same address) or drop modules',
    check(ctx, report) {
      // Xen merges a module of the same kind at the same address (add_boot_module): shared kernels count once.
      const seen = new Set<string>();
      const mods = allModules(ctx.model).filter(({ module: m }) => {
        if (m.location?.type !== 'range') return true;
        const key = `${m.kind}:${m.location.address}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      const limit = MAX_MODULES - 2;
      if (mods.length > limit) {
        const first = mods[limit]!;
        report(at(first.module, first.path), `${mods.length} boot modules; Xen keeps ${limit} besides itself and the DTB and ignores ${first.path} and later ones`);
      }
    },
  },
  {
    id: 'cmdline-len', group: 'early-fdt', severity: 'error', xenSource: BOOTINFO_FDT,
    xenMessage: 'module %s command line too long', summary: 'a module `bootargs` of 1024 bytes or more (with the NUL)',
    hint: 'shorten the command line below 1024 characters',
    check(ctx, report) {
      for (const { module: m, path } of allModules(ctx.model)) {
        if (m.bootargs !== undefined && Buffer.byteLength(m.bootargs) + 1 > BOOTMOD_MAX_CMDLINE) report(at(m, path, 'bootargs'), `${path}: bootargs is ${Buffer.byteLength(m.bootargs)} bytes; Xen's limit is ${BOOTMOD_MAX_CMDLINE - 1}`);
      }
    },
  },
  {
    id: 'cmdline-count', group: 'early-fdt', severity: 'warning', xenSource: 'xen/common/device-tree/bootinfo.c',
    xenMessage: 'Ignoring %s cmdline (too many)', summary: 'more than 32 module command lines: the rest are ignored',
    hint: 'put fewer bootargs on modules',
    check(ctx, report) {
      const withArgs = allModules(ctx.model).filter((x) => x.module.bootargs !== undefined);
      if (withArgs.length > MAX_MODULES) {
        const first = withArgs[MAX_MODULES]!;
        report(at(first.module, first.path, 'bootargs'), `${withArgs.length} module command lines; Xen keeps ${MAX_MODULES}`);
      }
    },
  },
  {
    id: 'dom-name-len', group: 'early-fdt', severity: 'error', xenSource: 'xen/include/xen/bootinfo.h',
    // Booted on 4.17 and 4.22 (docs/fidelity.md): at 41 characters the domain's own command line is lost, at 40 it is applied;
    // the ASSERT allows strlen <= DT_MAX_NAME (41), so a debug build stops only from 42. Xen stores the name only
    // for a module's `bootargs` (bootinfo-fdt.c process_multiboot_node), so a domain without one is not affected.
    xenMessage: "(silent: the name is stored cut to 40 characters, and the domain's kernel command line, looked up by the whole name, is not found; a debug build stops from 42 characters: Assertion 'strlen(name) <= DT_MAX_NAME' failed)",
    summary: 'a domain node name of 41 characters or more, on a domain whose module has `bootargs`',
    hint: 'use a domain node name of at most 40 characters',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) {
        if (d.name.length + 1 <= DT_MAX_NAME || !d.modules.some((m) => m.bootargs !== undefined)) continue;
        report(atDomain(ctx.model, d), `domain node name "${d.name}" is ${d.name.length} characters; Xen stores ${DT_MAX_NAME - 1}, and the domain's command line is not applied`);
      }
    },
  },
  {
    id: 'dom-name-unit', group: 'early-fdt', severity: 'warning', xenSource: 'xen/common/device-tree/kernel.c',
    xenMessage: '(silent: the kernel command line is not applied)', summary: 'a `xen,domain` node name with `@unit` loses its kernel `bootargs`',
    hint: 'drop the @unit-address from the domain node name',
    check(ctx, report) {
      if (ctx.model.interface !== 'dom0less') return;
      for (const d of domUs(ctx.model)) {
        const k = d.modules.find((m) => m.kind === 'kernel' && m.bootargs !== undefined);
        if (d.name.includes('@') && k) report(atDomain(ctx.model, d), `domain node "${d.name}" has a unit address: Xen looks the command line up by "${d.name.split('@')[0]}" and boots the kernel without its bootargs`);
      }
    },
  },
  {
    id: 'dom-name-unique', group: 'early-fdt', severity: 'warning', xenSource: 'xen/common/device-tree/kernel.c',
    xenMessage: '(silent: command lines are looked up by name without @unit)', summary: 'two domain nodes share a name before `@`',
    hint: 'give every domain node a distinct name',
    check(ctx, report) {
      const seen = new Map<string, string>();
      for (const d of domUs(ctx.model)) {
        const base = d.name.split('@')[0]!;
        const prev = seen.get(base);
        if (prev !== undefined) report(atDomain(ctx.model, d), `domain nodes "${prev}" and "${d.name}" share the base name "${base}"`);
        else seen.set(base, d.name);
      }
    },
  },
  {
    id: 'cells-min', group: 'early-fdt', severity: 'error', xenSource: BOOTINFO_FDT,
    xenMessage: "fdt: property `%s': invalid #address-cells or #size-cells", summary: '`xen,static-mem` / `xen,static-heap` read with cells < 1',
    hint: 'set #address-cells and #size-cells to 1 or 2 on /chosen (xen,static-mem is in the cells of the domain node\'s parent) or on the root (xen,static-heap)', readerCodes: ['CELLS_INVALID', 'BANKS_BAD_LENGTH', 'STATIC_HEAP_BAD'],
  },
  {
    // Xen 4.16 sized the banks with #xen,static-mem-*-cells; 4.17 moved to the parent's cells.
    id: 'static-mem-cells', group: 'early-fdt', severity: 'error', xenSource: BOOTINFO_FDT, since: '4.17',
    xenMessage: 'CPU0: Unexpected Trap: Data Abort (4.22, before the console: the misread bank lies outside RAM and unprepare_staticmem_pages faults; other lists are read as other banks than meant)',
    summary: '`xen,static-mem` written in the domain node\'s own cells, which differ from the /chosen cells Xen reads it with',
    hint: 'write xen,static-mem in /chosen\'s #address-cells / #size-cells (the domain node\'s own cells are for its modules)', readerCodes: ['STATIC_MEM_OWN_CELLS'],
  },
  {
    id: 'banks-max', group: 'early-fdt', severity: 'error', xenSource: BOOTINFO_FDT,
    xenMessage: 'Warning: Max number of supported memory regions reached.', summary: 'more than 256 reserved memory banks (reserved-memory, static memory, static heap)',
    hint: 'merge adjacent static memory banks',
    check(ctx, report) {
      const statics = ctx.model.domains.reduce((n, d) => n + (d.staticMemory?.length ?? 0), 0) + (ctx.model.hypervisor.staticHeap?.length ?? 0);
      const reserved = ctx.host?.reserved.filter((r) => !r.memreserve).length ?? 0;
      if (statics + reserved > NR_MEM_BANKS) report({ path: '/chosen' }, `${statics + reserved} reserved memory banks; Xen holds ${NR_MEM_BANKS} and panics "Early FDT parsing failed"`);
    },
  },
  {
    id: 'static-mem-align', group: 'early-fdt', severity: 'error', xenSource: 'xen/common/device-tree/static-memory.c', since: '4.16',
    xenMessage: 'Failed to allocate requested static memory for domain %pd.', summary: '`xen,static-mem` bank address or size not 4 KiB aligned (a debug build ASSERTs; 4.22 release: `failed to acquire static memory: -2`)',
    hint: 'align static memory banks to 4 KiB',
    check(ctx, report) {
      for (const d of ctx.model.domains) {
        for (const b of d.staticMemory ?? []) {
          if (!aligned(b.address, KiB4) || !aligned(b.size, KiB4)) report(atDomain(ctx.model, d, 'xen,static-mem'), `static memory bank ${hex(b.address)} size ${hex(b.size)} is not 4 KiB aligned`);
        }
      }
    },
  },
  {
    id: 'static-heap-align', group: 'early-fdt', severity: 'warning', xenSource: 'docs/misc/arm/device-tree/booting.txt', since: '4.17',
    xenMessage: '(documented: static heap regions need 64 KiB alignment; not enforced: 4.22 boots a 4 KiB-aligned heap)', summary: '`xen,static-heap` region not 64 KiB aligned (booting.txt asks for it; Xen 4.22 does not check it)',
    hint: 'align static heap regions (address and size) to 64 KiB',
    check(ctx, report) {
      for (const b of ctx.model.hypervisor.staticHeap ?? []) {
        if (!aligned(b.address, 0x10000n) || !aligned(b.size, 0x10000n)) report(at(ctx.model.hypervisor, '/chosen', 'xen,static-heap'), `static heap region ${hex(b.address)} size ${hex(b.size)} is not 64 KiB aligned`);
      }
    },
  },
  {
    id: 'initrd-chosen', group: 'early-fdt', severity: 'error', xenSource: BOOTINFO_FDT,
    xenMessage: 'linux,initrd limits invalid', summary: '`linux,initrd-start` / `-end` in /chosen missing a half, malformed, or start ≥ end',
    hint: 'give both linux,initrd-start and linux,initrd-end (u32 or u64), start < end, or drop both',
    check(ctx, report) {
      const props = ctx.model.hypervisor.unknownProperties;
      const start = props.find((p) => p.name === 'linux,initrd-start');
      const end = props.find((p) => p.name === 'linux,initrd-end');
      if (!start && !end) return;
      const where = { path: `/chosen:${(start ?? end)!.name}`, position: (start ?? end)!.position };
      if (!start || !end) {
        report(where, start ? 'linux,initrd-end not present but -start was' : 'linux,initrd-start missing while linux,initrd-end is given');
        return;
      }
      const val = (b: Uint8Array): bigint | undefined => (b.length === 4 ? BigInt(new DataView(b.buffer, b.byteOffset).getUint32(0)) : b.length === 8 ? new DataView(b.buffer, b.byteOffset).getBigUint64(0) : undefined);
      const s = val(start.value.bytes);
      const e = val(end.value.bytes);
      if (s === undefined || e === undefined) report(where, `linux,initrd-start/-end must be 4 or 8 bytes (have ${start.value.bytes.length} and ${end.value.bytes.length})`);
      else if (s >= e) report(where, `linux,initrd-start ${hex(s)} is not below linux,initrd-end ${hex(e)}`);
    },
  },
];
