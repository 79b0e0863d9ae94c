/**
 * Partial device tree passthrough (dom0less-build.c, `multiboot,device-tree` blobs).
 * Before 4.18 scan_pfdt_node ignored a passthrough node's error (Xen
 * f51c92383b): 4.13–4.17 print the message and boot the domain without the
 * device, so the device rules start at 4.18. The cells and phandle checks
 * came with 4.22 (c3ce09cd90, a010efd323); older releases map nothing, or
 * hand out the clashing phandle, silently.
 */
import { getNodeByPath, walkNodes } from '../../fdt/tree/livetree.js';
import type { PartialInput } from '../context.js';
import type { Where } from '../finding.js';
import { hex } from '../context.js';
import type { Rule } from '../rule.js';
import { KiB4, aligned } from './support.js';

const BUILD = 'xen/common/device-tree/dom0less-build.c';
const GUEST_PHANDLE_GIC = 65000;

/** A node (or property) of a partial device tree: its own file, its source position when it came from DTS. */
function atPartial(p: PartialInput, path: string, prop?: string): Where {
  const node = getNodeByPath(p.tree.root, path);
  const position = (prop ? node?.getProperty(prop)?.position : undefined) ?? node?.position;
  return { path: prop ? `${path}:${prop}` : path, position, file: p.file };
}

export const PASSTHROUGH_RULES: Rule[] = [
  {
    id: 'pdt-reg-path', group: 'passthrough', severity: 'error', xenSource: BUILD, since: '4.18', needs: 'partial',
    xenMessage: 'xen,reg or xen,path missing for %pd', summary: 'a passthrough node with `xen,reg` but no `xen,path` (and no force), or the reverse',
    hint: 'give both xen,reg and xen,path (or xen,force-assign-without-iommu)', readerCodes: ['PDT_REG_WITHOUT_PATH'],
    check(ctx, report) {
      for (const [name, p] of ctx.partials) {
        for (const dev of p.devices.devices) if (dev.hostPath !== undefined && dev.mappings.length === 0) report(atPartial(p, dev.path, 'xen,path'), `${name}: ${dev.path} has xen,path but no xen,reg`);
      }
    },
  },
  {
    id: 'pdt-cells', group: 'passthrough', severity: 'error', xenSource: BUILD, since: '4.22',
    xenMessage: 'Invalid address_cells %u or size_cells %u', summary: 'partial device tree cells other than 1 or 2',
    hint: 'use #address-cells / #size-cells of 1 or 2', readerCodes: ['PDT_CELLS', 'PDT_XEN_REG'],
  },
  {
    id: 'pdt-align', group: 'passthrough', severity: 'error', xenSource: BUILD, since: '4.18', needs: 'partial',
    xenMessage: 'DomU passthrough config has not page aligned addresses/sizes', summary: '`xen,reg` entries not 4 KiB aligned',
    hint: 'align host address, size and guest address to 4 KiB',
    check(ctx, report) {
      for (const [name, p] of ctx.partials) {
        for (const dev of p.devices.devices) {
          for (const m of dev.mappings) {
            if (!aligned(m.hostAddress, KiB4) || !aligned(m.size, KiB4) || !aligned(m.guestAddress, KiB4)) report(atPartial(p, dev.path, 'xen,reg'), `${name}: ${dev.path} maps ${hex(m.hostAddress)} size ${hex(m.size)} at ${hex(m.guestAddress)}, not page aligned`);
          }
        }
      }
    },
  },
  {
    id: 'pdt-phandle', group: 'passthrough', severity: 'error', xenSource: BUILD, since: '4.22', needs: 'partial',
    xenMessage: 'Phandle allocation overlaps Xen reserved range', summary: 'a partial device tree phandle ≥ 65000 (GUEST_PHANDLE_GIC)',
    hint: 'renumber phandles below 65000',
    check(ctx, report) {
      for (const [name, p] of ctx.partials) {
        for (const n of walkNodes(p.tree.root)) if (n.phandle >= GUEST_PHANDLE_GIC && n.phandle !== 0xffffffff) report(atPartial(p, n.path, 'phandle'), `${name}: phandle ${n.phandle} is in Xen's reserved range`);
      }
    },
  },
  {
    id: 'pdt-path-exists', group: 'passthrough', severity: 'error', xenSource: BUILD, since: '4.18', needs: 'host',
    xenMessage: "Couldn't find node %s in host_dt!", summary: '`xen,path` names no node of the host device tree',
    hint: 'use the device\'s full path in the host DTB',
    check(ctx, report) {
      if (!ctx.host) return;
      for (const [name, p] of ctx.partials) {
        for (const dev of p.devices.devices) if (dev.hostPath !== undefined && !ctx.host.paths.has(dev.hostPath)) report(atPartial(p, dev.path, 'xen,path'), `${name}: ${dev.path} points at ${dev.hostPath}, which ${ctx.host.source} does not have`);
      }
    },
  },
];
