/** Domain parse (dom0less-bindings.c, arch/arm/dom0less-build.c): per-domain properties Xen refuses. */
import { atDomain, commandLineOf } from '../context.js';
import type { Rule } from '../rule.js';
import { builtDom0, domUs, isHardware } from './support.js';

const BINDINGS = 'xen/common/device-tree/dom0less-bindings.c';
const ARM_BUILD = 'xen/arch/arm/dom0less-build.c';
const MAX_VIRT_CPUS = 128;
const GICV2_VCPUS = 8;
const MAX_SPIS = 988;
const INT32_MAX = 0x7fffffff;

export const DOMAIN_PARSE_RULES: Rule[] = [
  {
    id: 'caps-mask', group: 'domain-parse', severity: 'error', xenSource: BINDINGS, since: '4.21',
    xenMessage: 'Invalid capabilities (%x)', summary: '`capabilities` has bits outside 0x7',
    hint: 'use 0x1 control, 0x2 hardware, 0x4 xenstore', readerCodes: ['CAPS_INVALID'],
  },
  {
    id: 'cpus-missing', group: 'domain-parse', severity: 'error', xenSource: BINDINGS, since: '4.12',
    xenMessage: "Missing property 'cpus' for domain %s", summary: 'a dom0less domain without `cpus`',
    hint: 'add cpus = <1>; (the number of vCPUs)',
    check(ctx, report) {
      if (ctx.model.interface !== 'dom0less') return;
      for (const d of domUs(ctx.model)) if (d.vcpus === undefined) report(atDomain(ctx.model, d), `${d.name} has no cpus property; Xen panics`);
    },
  },
  {
    id: 'cpus-range', group: 'domain-parse', severity: 'error', xenSource: 'xen/common/domain.c', since: '4.12',
    xenMessage: 'Requested vCPUs (%u) exceeds max (%u)', summary: '`cpus` is 0, or above the vGIC / MAX_VIRT_CPUS limit (128; 8 on a GICv2 host)',
    hint: 'use between 1 and the limit',
    check(ctx, report) {
      const limit = ctx.host?.gic === 'v2' ? GICV2_VCPUS : MAX_VIRT_CPUS;
      for (const d of domUs(ctx.model)) {
        if (d.vcpus === undefined) continue;
        if (d.vcpus === 0) report(atDomain(ctx.model, d, 'cpus'), `${d.name}: cpus = 0; Xen panics "Error creating domain ${d.name}" (no vCPUs)`);
        else if (d.vcpus > limit) report(atDomain(ctx.model, d, 'cpus'), `${d.name}: ${d.vcpus} vCPUs exceed the maximum ${limit}${limit === GICV2_VCPUS ? ' of a GICv2 host' : ''}`);
      }
    },
  },
  {
    id: 'directmap-needs-staticmem', group: 'domain-parse', severity: 'error', xenSource: ARM_BUILD, since: '4.17',
    xenMessage: 'direct-map is not valid for domain %s without static allocation.', summary: '`direct-map` without `xen,static-mem`',
    hint: 'add xen,static-mem banks, or drop direct-map',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) if (d.directMap && !d.staticMemory?.length) report(atDomain(ctx.model, d, 'direct-map'), `${d.name} is direct-mapped without static memory`);
    },
  },
  {
    id: 'staticmem-vs-llc', group: 'domain-parse', severity: 'error', xenSource: ARM_BUILD, since: '4.20',
    xenMessage: 'LLC coloring and static memory are incompatible', summary: '`xen,static-mem` while LLC colouring is on (`llc-colors` or `llc-coloring` on Xen\'s command line)',
    hint: 'use either static memory or LLC colouring',
    check(ctx, report) {
      const coloringOn = /(^|\s)llc-coloring(=(on|1|true|yes))?(\s|$)/.test(commandLineOf(ctx.model) ?? '');
      for (const d of domUs(ctx.model)) {
        if (d.staticMemory?.length && (d.llcColors !== undefined || coloringOn)) report(atDomain(ctx.model, d, 'xen,static-mem'), `${d.name} has static memory while LLC colouring is on`);
      }
    },
  },
  {
    id: 'llc-disabled', group: 'domain-parse', severity: 'error', xenSource: ARM_BUILD, since: '4.20',
    xenMessage: "'llc-colors' found, but LLC coloring is disabled", summary: '`llc-colors` without `llc-coloring=on` on Xen\'s command line',
    hint: 'add llc-coloring=on to xen,xen-bootargs (Xen built with CONFIG_LLC_COLORING)',
    check(ctx, report) {
      const coloringOn = /(^|\s)llc-coloring(=(on|1|true|yes))?(\s|$)/.test(commandLineOf(ctx.model) ?? '');
      for (const d of domUs(ctx.model)) if (d.llcColors !== undefined && !coloringOn) report(atDomain(ctx.model, d, 'llc-colors'), `${d.name} sets llc-colors but Xen's command line does not turn LLC colouring on`);
    },
  },
  {
    id: 'passthrough-hwdom', group: 'domain-parse', severity: 'error', xenSource: ARM_BUILD, since: '4.21',
    xenMessage: "Don't specify passthrough for hardware domain", summary: '`passthrough` or a partial device tree on a hardware domain',
    hint: 'the hardware domain owns all devices already: drop passthrough / the multiboot,device-tree module',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) {
        if (!isHardware(d)) continue;
        if (d.passthrough !== undefined) report(atDomain(ctx.model, d, 'passthrough'), `${d.name} is the hardware domain and sets passthrough`);
        const pdt = d.modules.find((m) => m.kind === 'device-tree');
        if (pdt) report(atDomain(ctx.model, d), `${d.name} is the hardware domain and has a partial device tree; Xen panics "\\"multiboot,device-tree\\" incompatible with hardware domain"`);
      }
    },
  },
  {
    id: 'hwdom-iommu', group: 'domain-parse', severity: 'error', xenSource: ARM_BUILD, since: '4.21', needs: 'host',
    xenMessage: 'non-direct mapped hardware domain requires iommu', summary: 'a domU hardware domain without `direct-map` on a host without an IOMMU',
    hint: 'give the hardware domain direct-map and xen,static-mem, or boot on a host with an IOMMU (a node with #iommu-cells)',
    check(ctx, report) {
      // Arm's dom0less builder; Hyperlaunch's x86 builder has no such check.
      if (ctx.host!.iommu || ctx.model.interface !== 'dom0less') return;
      // Only the domain Xen makes the hardware domain; a second one is caps-hw-unique's.
      const hw = builtDom0(ctx.model) && isHardware(builtDom0(ctx.model)!) ? undefined : domUs(ctx.model).find(isHardware);
      if (hw && !hw.directMap) report(atDomain(ctx.model, hw, 'capabilities'), `${hw.name} is the hardware domain, is not direct-mapped, and ${ctx.host!.source} has no IOMMU`);
    },
  },
  {
    id: 'passthrough-value', group: 'domain-parse', severity: 'warning', xenSource: ARM_BUILD, since: '4.19',
    xenMessage: '(silent: anything but "enabled" means disabled)', summary: '`passthrough` with a value other than "enabled" / "disabled"',
    hint: 'write passthrough = "enabled" or "disabled"', readerCodes: ['PROP_UNKNOWN_VALUE'], readerProperty: 'passthrough',
  },
  {
    id: 'enhanced-value', group: 'domain-parse', severity: 'warning', xenSource: BINDINGS, since: '4.17',
    xenMessage: '(silent: an unknown value disables the PV interfaces)', summary: '`xen,enhanced` with an unknown value',
    hint: 'write "enabled", "disabled", "no-xenstore" (or "legacy", Xen 4.21+)', readerCodes: ['PROP_UNKNOWN_VALUE'], readerProperty: 'xen,enhanced',
  },
  {
    id: 'gnttab-frames', group: 'domain-parse', severity: 'error', xenSource: BINDINGS, since: '4.18',
    xenMessage: 'max_grant_frames (%u) overflow', summary: '`max_grant_frames` / `max_maptrack_frames` above INT32_MAX, or `max_grant_version` not 1 or 2',
    hint: 'use max_grant_version 1 or 2 and frame counts below 2^31',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) {
        for (const [prop, v] of [['max_grant_frames', d.maxGrantFrames], ['max_maptrack_frames', d.maxMaptrackFrames]] as const) {
          if (v !== undefined && v > INT32_MAX) report(atDomain(ctx.model, d, prop), `${d.name}: ${prop} = ${v} overflows; Xen panics "${prop} (${v}) overflow"`);
        }
        if (d.maxGrantVersion !== undefined && d.maxGrantVersion !== 1 && d.maxGrantVersion !== 2) report(atDomain(ctx.model, d, 'max_grant_version'), `${d.name}: max_grant_version = ${d.maxGrantVersion}; domain creation fails`);
      }
    },
  },
  {
    id: 'sci-type', group: 'domain-parse', severity: 'error', xenSource: ARM_BUILD, since: '4.21',
    xenMessage: 'xen,sci_type in not valid (%s) for domain %s', summary: '`xen,sci_type` other than "none" / "scmi_smc"',
    hint: 'use "none" or "scmi_smc"', readerCodes: ['SCI_TYPE_INVALID'],
  },
  {
    id: 'v8r-msa', group: 'domain-parse', severity: 'error', xenSource: ARM_BUILD, since: '4.22',
    xenMessage: 'Error getting v8r_el1_msa configuration', summary: '`v8r_el1_msa` unknown, or "mpu" without static memory and direct-map',
    hint: 'use "mpu" with xen,static-mem and direct-map, or "mmu"', readerCodes: ['V8R_MSA_INVALID'],
    check(ctx, report) {
      for (const d of domUs(ctx.model)) {
        if (d.v8rEl1Msa === 'mpu' && !(d.staticMemory?.length && d.directMap)) report(atDomain(ctx.model, d, 'v8r_el1_msa'), `${d.name}: v8r_el1_msa = "mpu" needs xen,static-mem and direct-map`);
      }
    },
  },
  {
    id: 'nr-spis-hwdom', group: 'domain-parse', severity: 'error', xenSource: ARM_BUILD, since: '4.21',
    xenMessage: 'nr_spis cannot be specified for hardware domain', summary: '`nr_spis` on the hardware domain',
    hint: 'drop nr_spis: the hardware domain gets the host\'s SPIs',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) if (isHardware(d) && d.nrSpis !== undefined) report(atDomain(ctx.model, d, 'nr_spis'), `${d.name} is the hardware domain and sets nr_spis`);
    },
  },
  {
    id: 'nr-spis-range', group: 'domain-parse', severity: 'error', xenSource: 'xen/arch/arm/vgic.c', since: '4.13',
    xenMessage: 'Error creating domain %s (rc = %ld)', summary: '`nr_spis` above 988 (1020 - 32)',
    hint: `use at most ${MAX_SPIS} SPIs`,
    check(ctx, report) {
      for (const d of domUs(ctx.model)) if (d.nrSpis !== undefined && d.nrSpis > MAX_SPIS) report(atDomain(ctx.model, d, 'nr_spis'), `${d.name}: nr_spis = ${d.nrSpis} exceeds ${MAX_SPIS}; the vGIC refuses it`);
    },
  },
  {
    id: 'nr-spis-vpl011', group: 'domain-parse', severity: 'error', xenSource: ARM_BUILD, since: '4.22',
    xenMessage: 'Could not set up domain %s (rc = -22)', summary: '`nr_spis = <0>` with `vpl011`: the vpl011 cannot reserve virq 32 and the domain is not built (seen on 4.22; 4.17 builds it, see nr-spis-vpl011-silent)',
    hint: 'use nr_spis >= 1 with vpl011, or leave nr_spis out (Xen then sizes it for the vpl011)',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) if (d.vpl011 && d.nrSpis === 0) report(atDomain(ctx.model, d, 'nr_spis'), `${d.name}: vpl011 uses virq 32 but nr_spis = 0; Xen cannot set the domain up`);
    },
  },
  {
    id: 'nr-spis-vpl011-silent', group: 'domain-parse', severity: 'warning', xenSource: ARM_BUILD, since: '4.13', until: '4.21', needs: 'target',
    xenMessage: '(silent: the domain runs, its vpl011 console never speaks)', summary: '`nr_spis = <0>` with `vpl011` on Xen before 4.22 (seen on 4.17): the domain is built, its console stays silent',
    hint: 'use nr_spis >= 1 with vpl011, or leave nr_spis out',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) if (d.vpl011 && d.nrSpis === 0) report(atDomain(ctx.model, d, 'nr_spis'), `${d.name}: vpl011 uses virq 32 but nr_spis = 0; the domain runs without a console`);
    },
  },
  {
    id: 'sve', group: 'domain-parse', severity: 'error', xenSource: ARM_BUILD, since: '4.18',
    xenMessage: 'SVE vector length error', summary: '`sve` not a multiple of 128, or above 2048',
    hint: 'use 0, an empty value (hardware maximum), or a multiple of 128 up to 2048',
    check(ctx, report) {
      for (const d of domUs(ctx.model)) {
        if (typeof d.sve === 'number' && (d.sve % 128 !== 0 || d.sve > 2048)) report(atDomain(ctx.model, d, 'sve'), `${d.name}: sve = ${d.sve} is not a valid vector length`);
      }
    },
  },
  {
    id: 'trap-unmapped', group: 'domain-parse', severity: 'error', xenSource: ARM_BUILD, since: '4.21',
    xenMessage: 'trap-unmapped-accesses: supported values are 0 or 1', summary: '`trap-unmapped-accesses` above 1',
    hint: 'use 0 or 1', readerCodes: ['TRAP_UNMAPPED_VALUE'],
  },
  {
    id: 'mode-invalid', group: 'domain-parse', severity: 'error', xenSource: 'xen/common/domain-builder/fdt.c', since: 'unreleased',
    xenMessage: 'mode: invalid (pv+hvm)', summary: 'Hyperlaunch `mode` with both the PV and the HVM bit',
    hint: 'set bit 0 for PV, bit 1 for HVM, neither for PVH', readerCodes: ['MODE_INVALID'],
  },
];
