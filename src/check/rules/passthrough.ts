/**
 * Partial device tree passthrough (dom0less-build.c, `multiboot,device-tree` blobs).
 * Before 4.18 scan_pfdt_node ignored a passthrough node's error (Xen
 * f51c92383b): 4.13–4.17 print the message and boot the domain without the
 * device, so the device rules start at 4.18 and each has a warning twin for
 * 4.13–4.17 saying so. The cells and phandle checks came with 4.22
 * (c3ce09cd90, a010efd323); older releases map nothing, or hand out the
 * clashing phandle, silently.
 */
import { type DeviceTree, getNodeByPath, walkNodes } from '../../fdt/tree/livetree.js';
import type { PassthroughFault } from '../../model/passthrough.js';
import type { CheckContext, PartialInput } from '../context.js';
import type { Where } from '../finding.js';
import { hex } from '../context.js';
import type { Rule } from '../rule.js';
import { KiB4, aligned } from './support.js';

const BUILD = 'xen/common/device-tree/dom0less-build.c';
/** Where 4.13–4.17 handle passthrough nodes. */
const BUILD_417 = 'xen/arch/arm/domain_build.c';
/** xen/include/public/device_tree_defs.h: the first phandle Xen keeps for itself. */
const GUEST_PHANDLE_GIC = 65000;
/** libfdt's FDT_MAX_PHANDLE: a tree holding it has no phandle left to generate. */
const FDT_MAX_PHANDLE = 0xfffffffe;

/** A node (or property) of a partial device tree: its own file, its source position when it came from DTS. */
function atPartial(p: PartialInput, path: string, prop?: string): Where {
  const node = getNodeByPath(p.tree.root, path);
  const position = (prop ? node?.getProperty(prop)?.position : undefined) ?? node?.position;
  return { path: prop ? `${path}:${prop}` : path, position, file: p.file };
}

/** A passthrough node one release refuses: where, and what to say. */
interface Problem {
  where: Where;
  message: string;
  hint?: string;
  /** Xen's line for this node, when the rule's format has a `%s` to fill. */
  xen?: string;
}

type Detect = (ctx: CheckContext) => Problem[];

function faults(ctx: CheckContext, codes: readonly PassthroughFault['code'][]): Problem[] {
  const out: Problem[] = [];
  for (const [name, p] of ctx.partials) {
    for (const f of p.devices.faults ?? []) if (codes.includes(f.code)) out.push({ where: atPartial(p, f.nodePath, f.property), message: `${name}: ${f.message}`, hint: f.hint });
  }
  return out;
}

function regPathMissing(ctx: CheckContext): Problem[] {
  const out = faults(ctx, ['PDT_REG_WITHOUT_PATH']);
  for (const [name, p] of ctx.partials) {
    for (const dev of p.devices.devices) {
      const hasReg = getNodeByPath(p.tree.root, dev.path)?.getProperty('xen,reg') !== undefined;
      if (dev.hostPath !== undefined && !hasReg) out.push({ where: atPartial(p, dev.path, 'xen,path'), message: `${name}: ${dev.path} has xen,path but no xen,reg` });
    }
  }
  return out;
}

function misaligned(ctx: CheckContext): Problem[] {
  const out: Problem[] = [];
  for (const [name, p] of ctx.partials) {
    for (const dev of p.devices.devices) {
      for (const m of dev.mappings) {
        if (!aligned(m.hostAddress, KiB4) || !aligned(m.size, KiB4) || !aligned(m.guestAddress, KiB4)) out.push({ where: atPartial(p, dev.path, 'xen,reg'), message: `${name}: ${dev.path} maps ${hex(m.hostAddress)} size ${hex(m.size)} at ${hex(m.guestAddress)}, not page aligned` });
      }
    }
  }
  return out;
}

function hostPathMissing(ctx: CheckContext): Problem[] {
  const out: Problem[] = [];
  if (!ctx.host) return out;
  for (const [name, p] of ctx.partials) {
    for (const dev of p.devices.devices) if (dev.hostPath !== undefined && !ctx.host.paths.has(dev.hostPath)) out.push({ where: atPartial(p, dev.path, 'xen,path'), message: `${name}: ${dev.path} points at ${dev.hostPath}, which ${ctx.host.source} does not have`, xen: `Couldn't find node ${dev.hostPath} in host_dt!` });
  }
  return out;
}

/** fdt_get_phandle: `phandle`, else `linux,phandle`, when 4 bytes long; else 0. */
function xenPhandle(node: { getProperty(name: string): { bytes: Uint8Array } | undefined }): number {
  for (const name of ['phandle', 'linux,phandle']) {
    const b = node.getProperty(name)?.bytes;
    if (b?.length === 4) return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }
  return 0;
}

/** The node with the largest phandle of the whole partial tree (fdt_find_max_phandle walks every node). */
function largestPhandle(tree: DeviceTree): { path: string; prop: string; phandle: number } | undefined {
  let best: { path: string; prop: string; phandle: number } | undefined;
  for (const n of walkNodes(tree.root)) {
    const ph = xenPhandle(n);
    if (ph > (best?.phandle ?? 0)) best = { path: n.path, prop: n.getProperty('phandle')?.bytes.length === 4 ? 'phandle' : 'linux,phandle', phandle: ph };
  }
  return best;
}

/** An error rule from 4.18 on, from the problems `detect` finds. */
function refused(rule: Omit<Rule, 'check' | 'severity' | 'since'>, detect: Detect): Rule {
  return { ...rule, severity: 'error', since: '4.18', check: (ctx, report) => detect(ctx).forEach((p) => report(p.where, p.message, p.hint)) };
}

/**
 * The 4.13–4.17 twin of a refused rule: the same message, then the boot goes
 * on (the node's error is ignored, f51c92383b). The node's other properties
 * are already copied into the guest's tree by then; what Xen does not do is
 * the assignment: interrupts routed, the IOMMU set up, every range mapped.
 */
function skippedBefore418(rule: Rule, detect: Detect): Rule {
  return {
    id: `${rule.id}-skipped`, group: rule.group, severity: 'warning', xenSource: BUILD_417, since: '4.13', until: '4.17', needs: 'target',
    xenMessage: rule.xenMessage, summary: `${rule.summary}: Xen prints the message and the domain boots without this device`,
    hint: rule.hint,
    check(ctx, report) {
      for (const p of detect(ctx)) report(p.where, `${p.message}; Xen ${ctx.build?.version ?? '4.17'} prints "${p.xen ?? rule.xenMessage.replace('%pd', 'd<id>')}" and the domain boots without this device (no interrupts routed, no IOMMU assignment, its MMIO mapped partly or not at all)`, p.hint);
    },
  };
}

const REG_PATH = refused({
  id: 'pdt-reg-path', group: 'passthrough', xenSource: BUILD, needs: 'partial',
  xenMessage: 'xen,reg or xen,path missing for %pd', summary: 'a passthrough node with `xen,reg` but no `xen,path` (and no force), or the reverse',
  hint: 'give both xen,reg and xen,path (or xen,force-assign-without-iommu)', readerCodes: ['PDT_REG_WITHOUT_PATH'],
}, regPathMissing);

const ALIGN = refused({
  id: 'pdt-align', group: 'passthrough', xenSource: BUILD, needs: 'partial',
  xenMessage: 'DomU passthrough config has not page aligned addresses/sizes', summary: '`xen,reg` entries not 4 KiB aligned',
  hint: 'align host address, size and guest address to 4 KiB',
}, misaligned);

const PATH_EXISTS = refused({
  id: 'pdt-path-exists', group: 'passthrough', xenSource: BUILD, needs: 'host',
  xenMessage: "Couldn't find node %s in host_dt!", summary: '`xen,path` names no node of the host device tree',
  hint: 'use the device\'s full path in the host DTB',
}, hostPathMissing);

export const PASSTHROUGH_RULES: Rule[] = [
  REG_PATH,
  {
    id: 'pdt-cells', group: 'passthrough', severity: 'error', xenSource: BUILD, since: '4.22', needs: 'partial',
    xenMessage: 'Invalid address_cells %u or size_cells %u', summary: 'partial device tree cells other than 1 or 2 (or a `xen,reg` of no whole entry)',
    hint: 'use #address-cells / #size-cells of 1 or 2', readerCodes: ['PDT_CELLS', 'PDT_XEN_REG'],
    check(ctx, report) {
      for (const p of faults(ctx, ['PDT_CELLS', 'PDT_XEN_REG'])) report(p.where, p.message, p.hint);
    },
  },
  ALIGN,
  {
    id: 'pdt-phandle', group: 'passthrough', severity: 'error', xenSource: BUILD, since: '4.22', needs: 'partial',
    xenMessage: 'Phandle allocation overlaps Xen reserved range',
    summary: 'the largest phandle of a partial device tree (any node) ≥ 64999: Xen allocates from largest + 1, which must stay below 65000 (GUEST_PHANDLE_GIC); debug builds print the message, release builds only "Device tree generation failed"',
    hint: 'renumber phandles below 64999',
    check(ctx, report) {
      for (const [name, p] of ctx.partials) {
        const top = largestPhandle(p.tree);
        // 0xffffffff wraps to 0 (fdt_generate_phandle's max + 1): Xen goes on.
        if (!top || top.phandle === 0xffffffff || top.phandle + 1 < GUEST_PHANDLE_GIC) continue;
        const why = top.phandle === FDT_MAX_PHANDLE ? 'leaves no phandle to allocate' : `makes Xen allocate from ${top.phandle + 1}, in its reserved range (≥ ${GUEST_PHANDLE_GIC})`;
        report(atPartial(p, top.path, top.prop), `${name}: phandle ${top.phandle}, the largest of the partial device tree, ${why}`);
      }
    },
  },
  PATH_EXISTS,
  skippedBefore418(REG_PATH, regPathMissing),
  skippedBefore418(ALIGN, misaligned),
  skippedBefore418(PATH_EXISTS, hostPathMissing),
];
