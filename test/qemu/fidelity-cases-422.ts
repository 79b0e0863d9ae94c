/**
 * What upstream Xen 4.22 (built from ../shared/xen-src: the release build,
 * debug=n, with static memory, static shared memory, static event channels,
 * boot-time cpupools and every scheduler; its early-printk twin where the
 * release build stops silently) does with each edit of the fidelity base
 * (true dom0less, one domU: `/chosen/domU1`, kernel at module@50000000,
 * ramdisk at module@51c00000), seen on real boots and written by hand.
 * Static ranges sit at 0x60000000 and above, clear of the modules.
 * From 4.19 (02d0a615b3) an early-FDT error stops the boot:
 * `fdt: node ...: parsing failed`, then `Early FDT parsing failed (<rc>)`.
 */
import { DEFAULT_XEN_BOOTARGS } from '../../src/qemu/direct-plan.js';
import { BORROWED_CMDLINE, D2_LOADED, EDITS, OWN_CMDLINE, case417 } from './fidelity-cases-417.js';
import type { FidelityCase } from './fidelity-support.js';

const domU1 = (body: string) => `&{/chosen/domU1} { ${body} };`;
/** 256 MiB, domU1's `memory`. */
const STATIC_BANK = 'xen,static-mem = <0x0 0x60000000 0x0 0x10000000>;';
const shm = (unit: string, body: string) => `shm@${unit} { compatible = "xen,domain-shared-memory-v1"; ${body} };`;
const SHM_HOST = 'xen,shared-mem = <0x0 0x60000000 0x0 0x70000000 0x0 0x1000>;';
/** A second domU sharing domU1's kernel and ramdisk (Xen 4.22 logs the shared modules as overlapping and goes on). */
const domU2 = (body: string) => `&{/chosen} { domU2 { compatible = "xen,domain"; #address-cells = <2>; #size-cells = <2>; memory = <0x0 0x20000>; cpus = <1>; vpl011; ${body}
  module@50000000 { compatible = "multiboot,kernel", "multiboot,module"; reg = <0x0 0x50000000 0x0 0x1a09a00>; bootargs = "console=ttyAMA0 rdinit=/init"; };
  module@51c00000 { compatible = "multiboot,ramdisk", "multiboot,module"; reg = <0x0 0x51c00000 0x0 0xf7881>; }; }; };`;
const pool = (label: string, body: string) => `&{/chosen} { ${label}: ${label} { compatible = "xen,cpupool"; ${body} }; };`;
const EARLY_FDT = (node: string, rc: number) => new RegExp(`fdt: node \`${node}': parsing failed[\\s\\S]*Early FDT parsing failed \\(${rc}\\)`);
/** A direct-mapped hardware domain: no IOMMU needed, so the hardware checks after it are reached. */
const HW_DIRECT = `capabilities = <0x2>; direct-map; ${STATIC_BANK}`;

/** The 4.17 edit, with what 4.22 does. */
function again(rule: string, on422: Omit<FidelityCase, 'rule' | 'edit'>): FidelityCase {
  const c = case417(rule);
  return { rule, edit: c.edit, hostEdit: c.hostEdit, partial: c.partial, guestSees: on422.outcome === 'boots' ? c.guestSees : undefined, ...on422 };
}

const CASES: FidelityCase[] = [
  // Static memory (CONFIG_STATIC_MEMORY).
  { rule: 'staticmem-sum', edit: domU1('xen,static-mem = <0x0 0x60000000 0x0 0x8000000>;'), outcome: 'panic', xen: /Size of "memory" property doesn't match up with the sum-up of "xen,static-mem"\. Unsupported configuration\.[\s\S]*Failed to allocate requested static memory for domain d1\./, ruleMessage: true },
  { rule: 'staticmem-sum', label: 'staticmem-sum (direct-map)', edit: domU1('direct-map; xen,static-mem = <0x0 0x60000000 0x0 0x8000000>;'), outcome: 'panic', xen: /Size of "memory" property doesn't match up with the sum-up of "xen,static-mem"\.[\s\S]*Failed to assign requested static memory for direct-map domain d1\./, ruleMessage: true },
  { rule: 'static-mem-align', edit: domU1('xen,static-mem = <0x0 0x60000800 0x0 0x10000000>;'), outcome: 'panic', xen: /d1: failed to acquire static memory: -2\.[\s\S]*Failed to allocate requested static memory for domain d1\./, ruleMessage: false },
  { rule: 'cells-min', edit: `&{/chosen} { #address-cells = <1>; #size-cells = <0>; }; ${domU1('xen,static-mem = <0x60000000>;')}`, outcome: 'panic', xen: /fdt: property `xen,static-mem': invalid #address-cells or #size-cells[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: true },
  { rule: 'static-mem-overlap', edit: `&{/chosen} { xen,static-heap = <0x0 0x68000000 0x0 0x10000000>; }; ${domU1(STATIC_BANK)}`, outcome: 'panic', xen: /Region: \[0x00000060000000, 0x00000070000000\) overlapping with bank\[0\]: \[0x00000068000000, 0x00000078000000\)[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: true },
  { rule: 'static-outside-ram', edit: domU1('xen,static-mem = <0x0 0x20000000 0x0 0x10000000>;'), outcome: 'panic', earlyPrintk: true, xen: /CPU0: Unexpected Trap: Data Abort[\s\S]*unprepare_staticmem_pages/, ruleMessage: false },
  // Static shared memory (CONFIG_STATIC_SHM): each failure stops the early FDT parse.
  { rule: 'shm-role', edit: domU1(shm('60000000', `role = "reader"; xen,shm-id = "shm0"; ${SHM_HOST}`)), outcome: 'panic', xen: /fdt: invalid `role` property for static shared memory node\.[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: true },
  { rule: 'shm-id-len', edit: domU1(shm('60000000', `role = "owner"; xen,shm-id = "0123456789abcdef"; ${SHM_HOST}`)), outcome: 'panic', xen: /fdt: invalid xen,shm-id 0123456789abcdef, it must be limited to 16 characters[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: true },
  { rule: 'shm-id-missing', edit: domU1(shm('60000000', `role = "owner"; ${SHM_HOST}`)), outcome: 'panic', xen: EARLY_FDT('shm@60000000', -2), ruleMessage: true },
  { rule: 'shm-region', edit: domU1(shm('60000000', 'role = "owner"; xen,shm-id = "shm0"; xen,shared-mem = <0x0 0x60000000 0x0 0x70000000 0x1000>;')), outcome: 'panic', xen: /fdt: invalid `xen,shared-mem` property\.[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: true },
  { rule: 'shm-align', edit: domU1(shm('60000000', 'role = "owner"; xen,shm-id = "shm0"; xen,shared-mem = <0x0 0x60000000 0x0 0x70000000 0x0 0x0>;')), outcome: 'panic', xen: /fdt: static shared memory region shm0 overflow[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: false },
  { rule: 'shm-align', label: 'shm-align (host address)', edit: domU1(shm('60000800', 'role = "owner"; xen,shm-id = "shm0"; xen,shared-mem = <0x0 0x60000800 0x0 0x70000000 0x0 0x1000>;')), outcome: 'panic', xen: /fdt: physical address 0x0000000060000800 is not suitably aligned\.[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: false },
  { rule: 'shm-id-range', edit: domU1(shm('60000000', `role = "owner"; xen,shm-id = "shm0"; ${SHM_HOST}`) + shm('61000000', 'role = "owner"; xen,shm-id = "shm0"; xen,shared-mem = <0x0 0x61000000 0x0 0x71000000 0x0 0x1000>;')), outcome: 'panic', xen: /fdt: different shared memory region could not share the same shm ID shm0[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: true },
  { rule: 'shm-id-range', label: 'shm-id-range (no host address, sizes differ)', edit: domU1(shm('0', 'xen,shm-id = "shm0"; xen,shared-mem = <0x0 0x70000000 0x0 0x1000>;')) + domU2(shm('0', 'xen,shm-id = "shm0"; xen,shared-mem = <0x0 0x70000000 0x0 0x2000>;')), outcome: 'panic', xen: /fdt: different shared memory region could not share the same shm ID shm0[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: true },
  { rule: 'shm-id-range', label: 'shm-id-range (one region, two ids)', edit: domU1(shm('60000000', `role = "owner"; xen,shm-id = "shm0"; ${SHM_HOST}`)) + domU2(shm('60000000', `xen,shm-id = "shm1"; ${SHM_HOST}`)), outcome: 'panic', xen: /fdt: xen,shm-id shm1 does not match for all the nodes using the same region[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: false, alsoFlagged: ['static-mem-overlap'] },
  { rule: 'shm-owner-unique', edit: domU1(shm('60000000', `role = "owner"; xen,shm-id = "shm0"; ${SHM_HOST}`)) + domU2(shm('60000000', `role = "owner"; xen,shm-id = "shm0"; ${SHM_HOST}`)), outcome: 'panic', xen: /d2: failed to acquire static memory: -2\.[\s\S]*Could not set up domain domU2 \(rc = -22\)/, ruleMessage: true },
  { rule: 'shm-direct-map', edit: domU1(`direct-map; ${STATIC_BANK} ${shm('0', 'role = "owner"; xen,shm-id = "shm0"; xen,shared-mem = <0x0 0x70000000 0x0 0x1000>;')}`), outcome: 'panic', xen: /Could not set up domain domU1 \(rc = -22\)/, ruleMessage: false },
  { rule: 'shm-cells', edit: `&{/chosen/domU1} { #size-cells = <0>; #address-cells = <1>; module@50000000 { reg = <0x50000000>; }; module@51c00000 { reg = <0x51c00000>; }; ${shm('60000000', 'role = "owner"; xen,shm-id = "shm0"; xen,shared-mem = <0x60000000 0x70000000>;')} };`, outcome: 'panic', xen: /fdt: invalid #address-cells or #size-cells for static shared memory node\.[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: true },
  // Boot-time cpupools (CONFIG_BOOT_TIME_CPUPOOLS): QEMU's cpu@1 into a second pool.
  { rule: 'cpupool-empty', edit: pool('cp1', 'cpupool-sched = "null";') + domU1('domain-cpupool = <&cp1>;'), outcome: 'panic', xen: /Missing or empty cpupool-cpus property!/, ruleMessage: true },
  { rule: 'cpupool-cpu-twice', edit: pool('cp1', 'cpupool-cpus = <&{/cpus/cpu@1}>;') + pool('cp2', 'cpupool-cpus = <&{/cpus/cpu@1}>;') + domU1('domain-cpupool = <&cp1>;'), outcome: 'panic', xen: /Logical cpu 1 already added to a cpupool!/, ruleMessage: true },
  { rule: 'cpupool-sched', edit: pool('cp1', 'cpupool-cpus = <&{/cpus/cpu@1}>; cpupool-sched = "fifo";') + domU1('domain-cpupool = <&cp1>;'), outcome: 'panic', xen: /Scheduler fifo does not exists!/, ruleMessage: true },
  { rule: 'cpupool-cpu-node', edit: pool('cp1', 'cpupool-cpus = <&{/pl011@9000000}>;') + domU1('domain-cpupool = <&cp1>;'), outcome: 'panic', xen: /Error retrieving logical cpu from node cp1 \(-2\)/, ruleMessage: false },
  // Xen goes on and the guest boots on one CPU: the null scheduler never runs its second vCPU (a release build says nothing).
  { rule: 'cpupool-overcommit', edit: pool('cp1', 'cpupool-cpus = <&{/cpus/cpu@1}>; cpupool-sched = "null";') + domU1('cpus = <2>; domain-cpupool = <&cp1>;'), outcome: 'boots', xen: /CPU1: failed to come online[\s\S]*smp: Brought up 1 node, 1 CPU/ },
  { rule: 'cpupool-ref', edit: domU1('domain-cpupool = <&{/pl011@9000000}>;'), outcome: 'panic', xen: /Error getting cpupool id from domain-cpupool \(-3\)/, ruleMessage: true },
  // Capabilities and the 4.18–4.21 domain properties.
  { rule: 'caps-mask', edit: domU1('capabilities = <0x8>;'), outcome: 'panic', xen: /Invalid capabilities \(8\)/, ruleMessage: true },
  { rule: 'hwdom-iommu', edit: domU1('capabilities = <0x2>;'), outcome: 'panic', xen: /non-direct mapped hardware domain requires iommu/, ruleMessage: true },
  { rule: 'caps-hw-unique', edit: domU1(HW_DIRECT) + domU2('capabilities = <0x2>;'), outcome: 'panic', xen: /Only 1 hardware domain can be specified! \(d1\)/, ruleMessage: true },
  { rule: 'passthrough-hwdom', edit: domU1(`${HW_DIRECT} passthrough = "enabled";`), outcome: 'panic', xen: /Don't specify passthrough for hardware domain/, ruleMessage: true },
  { rule: 'nr-spis-hwdom', edit: domU1(`${HW_DIRECT} nr_spis = <0x40>;`), outcome: 'panic', xen: /nr_spis cannot be specified for hardware domain/, ruleMessage: true },
  { rule: 'caps-xs-unique', edit: domU1('capabilities = <0x4>;') + domU2('capabilities = <0x4>;'), outcome: 'panic', xen: /Only 1 xenstore domain can be specified! \(1\)/, ruleMessage: true },
  { rule: 'gnttab-frames', edit: domU1('max_grant_frames = <0x80000000>;'), outcome: 'panic', xen: /max_grant_frames \(2147483648\) overflow/, ruleMessage: true },
  { rule: 'trap-unmapped', edit: domU1('trap-unmapped-accesses = <2>;'), outcome: 'panic', xen: /trap-unmapped-accesses: supported values are 0 or 1/, ruleMessage: true },
  { rule: 'sci-type', edit: domU1('xen,sci_type = "foo";'), outcome: 'panic', xen: /xen,sci_type in not valid \(foo\) for domain domU1[\s\S]*Error getting SCI configuration/, ruleMessage: true },
  { rule: 'vcpu-node', edit: domU1('vcpu@5 { compatible = "xen,vcpu"; id = <5>; };'), outcome: 'panic', xen: /Invalid vcpu_id 5 for domain domU1, max_vcpus=1/, ruleMessage: true },
  { rule: 'host-affinity', edit: domU1('vcpu@0 { compatible = "xen,vcpu"; id = <0>; hard-affinity = "7"; };'), outcome: 'panic', xen: /Invalid pCPU 7 for domain domU1/, ruleMessage: true },
  { rule: 'llc-disabled', edit: domU1('llc-colors = "0-3";'), outcome: 'panic', xen: /'llc-colors' found, but LLC coloring is disabled/, ruleMessage: true },
  { rule: 'build-sve', edit: domU1('sve = <128>;'), outcome: 'panic', xen: /'sve' property found, but CONFIG_ARM64_SVE not selected/, ruleMessage: true },
  { rule: 'xenstore-needed', edit: domU1('xen,enhanced = "enabled";'), outcome: 'panic', xen: /xenstore requested, but xenstore domain not present/, ruleMessage: true },
  // Rules 4.17 proves too, booted again on 4.22 (same edits).
  again('cpus-missing', { outcome: 'panic', xen: /Missing property 'cpus' for domain domU1/, ruleMessage: true }),
  again('cpus-range', { outcome: 'panic', xen: /Error creating domain domU1 \(rc = -22\)/, ruleMessage: false }),
  again('memory-u64', { outcome: 'panic', xen: /Error building DomU: cannot read "memory" property[\s\S]*Could not set up domain domU1 \(rc = -22\)/, ruleMessage: true }),
  again('memory-zero', { outcome: 'panic', xen: /Device tree generation failed \(-2\)\.[\s\S]*Could not set up domain domU1 \(rc = -22\)/, ruleMessage: true }),
  again('memory-guest-max', { outcome: 'panic', xen: /Failed to allocate P2M pages\.[\s\S]*Could not set up domain domU1 \(rc = -12\)/, ruleMessage: false, alsoFlagged: ['memory-fit'] }),
  again('kernel-missing', { outcome: 'panic', xen: /Missing kernel boot module\?/, ruleMessage: true }),
  again('directmap-needs-staticmem', { outcome: 'panic', xen: /direct-map is not valid for domain domU1 without static allocation/, ruleMessage: true }),
  again('nr-spis-range', { outcome: 'panic', xen: /Error creating domain domU1 \(rc = -22\)/, ruleMessage: false }),
  // 4.17 stalls here (nr-spis-vpl011-silent); 4.22 refuses the domain.
  { rule: 'nr-spis-vpl011', edit: domU1('nr_spis = <0>;'), outcome: 'panic', xen: /Could not set up domain domU1 \(rc = -22\)/, ruleMessage: true },
  // No allocator BUG on 4.22: the ramdisk over the kernel's tail is copied in, and the guest kernel finds no root.
  again('mod-overlap', { outcome: 'guest-fails', xen: /Kernel panic - not syncing: VFS: Unable to mount root fs/ }),
  again('initrd-chosen', { outcome: 'panic', xen: /linux,initrd-end not present but -start was[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: false }),
  again('mod-overlap-reserved', { outcome: 'panic', xen: /Region: \[0x00000051c00000, 0x00000051d00000\) overlapping with mod\[3\]: \[0x00000051c00000, 0x00000051cf7881\)[\s\S]*Early FDT parsing failed \(-22\)/, ruleMessage: true }),
  again('evtchn-value', { outcome: 'panic', xen: /xen,evtchn property should not be empty\.[\s\S]*Could not set up domains evtchn/, ruleMessage: true }),
  again('evtchn-remote', { outcome: 'panic', xen: /Could not set up domains evtchn/, ruleMessage: false }),
  again('evtchn-port', { outcome: 'panic', xen: /Could not set up domains evtchn/, ruleMessage: false }),
  again('mod-outside-ram', { outcome: 'panic', xen: /CPU0: Unexpected Trap: Data Abort[\s\S]*PC: +[0-9a-f]+ memcpy\+/, ruleMessage: false }),
  // Partial device trees: 4.17 goes on without the device; 4.18+ stop the domain (f51c92383b), 4.22 adds the cells and phandle checks.
  again('pdt-reg-path', { outcome: 'panic', xen: /xen,reg or xen,path missing for d1[\s\S]*Could not set up domain domU1/, ruleMessage: true }),
  again('pdt-cells', { outcome: 'panic', xen: /Invalid address_cells 3 or size_cells 2[\s\S]*Could not set up domain domU1/, ruleMessage: true }),
  again('pdt-align', { outcome: 'panic', xen: /DomU passthrough config has not page aligned addresses\/sizes[\s\S]*Could not set up domain domU1/, ruleMessage: true }),
  // The phandle message is a dprintk: a release build prints the failing rc only.
  again('pdt-phandle', { outcome: 'panic', xen: /Device tree generation failed \(-75\)[\s\S]*Could not set up domain domU1/, ruleMessage: false }),
  again('pdt-path-exists', { outcome: 'panic', xen: /Couldn't find node \/pl061@9040000 in host_dt![\s\S]*Could not set up domain domU1/, ruleMessage: true }),
  // Early-FDT stops: the release build is silent, the early-printk build shows the message.
  again('cmdline-len', { outcome: 'panic', earlyPrintk: true, xen: /module domU1 command line too long/, ruleMessage: true }),
  again('mod-reg-short', { outcome: 'panic', earlyPrintk: true, xen: /fdt: node `module@51c00000': `reg` property length is too short/, ruleMessage: true }),
  again('mod-reg-missing', { outcome: 'panic', earlyPrintk: true, xen: /node module@51c00000 missing `reg' property/, ruleMessage: true }),
  again('banks-max', { outcome: 'panic', earlyPrintk: true, xen: /Max number of supported reserved-memory regions reached\./, ruleMessage: true }),
  // A warning: 4.22 goes on, and its early-printk build shows Xen dropping the extra modules.
  again('mod-count', { outcome: 'boots', earlyPrintk: true, xen: /Ignoring DTB boot module at [0-9a-f]+-[0-9a-f]+ \(too many\)/ }),
  again('cmdline-count', { outcome: 'boots', earlyPrintk: true, xen: /Ignoring \S+ cmdline \(too many\)/ }),
  // 4 GiB for domU1 on QEMU virt's RAM: the domain is built, its memory cannot be found.
  { rule: 'memory-fit', edit: domU1('memory = <0x0 0x400000>;'), outcome: 'panic', xen: /Failed to allocate requested domain memory\. \d+KB unallocated\. Fix the VMs configurations\./, ruleMessage: true },
  // Board readiness (board-fidelity.test.ts on 4.17): QEMU virt's DTB with one fact Xen needs taken away.
  // The timer and the interrupt controller are looked up before the console: the early-printk build shows the panic.
  { rule: 'board-timer', edit: '/ { /delete-node/ timer; };', outcome: 'panic', earlyPrintk: true, xen: /Unable to find a compatible timer in the device tree/, ruleMessage: true, hostEdit: true },
  { rule: 'board-gic', edit: '&{/intc@8000000} { compatible = "arm,cortex-a9-gic"; };', outcome: 'panic', earlyPrintk: true, xen: /Unable to find compatible interrupt controller in the device tree/, ruleMessage: true, hostEdit: true },
  { rule: 'board-gic-virt', edit: '&{/intc@8000000} { /delete-property/ interrupts; };', outcome: 'panic', xen: /GICv3: Cannot find the maintenance IRQ/, ruleMessage: false, hostEdit: true },
  { rule: 'board-cpu-enable', edit: '&{/cpus/cpu@1} { /delete-property/ enable-method; };', outcome: 'boots', xen: /CPU1 has no enable method[\s\S]*Brought up 1 CPUs/, hostEdit: true },
  { rule: 'host-ram-missing', label: 'host-ram-missing (no /memory)', edit: '/ { /delete-node/ memory@40000000; };', outcome: 'boots', hostEdit: true },
  { rule: 'host-ram-missing', label: 'host-ram-missing (size 0)', edit: '&{/memory@40000000} { reg = <0x0 0x40000000 0x0 0x0>; };', outcome: 'boots', hostEdit: true },
  // Warnings: Xen goes on.
  { rule: 'static-heap-align', edit: '&{/chosen} { xen,static-heap = <0x0 0x80001000 0x0 0x3ffef000>; };', outcome: 'boots' },
  { rule: 'evtchn-needs-enhanced', edit: '&{/chosen/domU1} { ea: evtchn@1 { compatible = "xen,evtchn-v1"; xen,evtchn = <0xa &eb>; }; eb: evtchn@2 { compatible = "xen,evtchn-v1"; xen,evtchn = <0xb &ea>; }; };', outcome: 'boots' },
  { rule: 'mod-depth', edit: domU1('extra { module@60000000 { compatible = "multiboot,device-tree", "multiboot,module"; reg = <0x0 0x60000000 0x0 0x1000>; }; };'), outcome: 'boots' },
  { rule: 'mod-path-len', edit: EDITS.longModulePath, outcome: 'boots' },
  { rule: 'config-note', edit: domU1('cpus = <1 2>;'), outcome: 'boots' },
  { rule: 'host-vcpus', edit: domU1('cpus = <4>;'), outcome: 'boots' },
  { rule: 'dom-name-unit', edit: EDITS.tagged('domU2@1'), outcome: 'boots', byLog: true, notInLog: OWN_CMDLINE },
  { rule: 'dom-name-unique', edit: EDITS.tagged('domU1@1'), outcome: 'boots', byLog: true, xen: BORROWED_CMDLINE, notInLog: OWN_CMDLINE },
  again('dom-name-len', { label: 'dom-name-len (41 characters)', outcome: 'boots', byLog: true, xen: D2_LOADED, notInLog: OWN_CMDLINE }),
  // 4.19 only: 4.22 exempts a module exactly inside a /memreserve/ entry and boots it.
  { rule: 'mod-in-memreserve', edit: '', header: EDITS.memreserveHeader, hostEdit: true, outcome: 'boots' },
  { rule: 'vcpu-id-unique', edit: domU1('vcpu@0 { compatible = "xen,vcpu"; id = <0>; hard-affinity = "0"; }; vcpu@1 { compatible = "xen,vcpu"; id = <0>; hard-affinity = "1"; };'), outcome: 'boots' },
  { rule: 'passthrough-value', edit: domU1('passthrough = "yes";'), outcome: 'boots' },
  { rule: 'enhanced-value', edit: domU1('xen,enhanced = "maybe";'), outcome: 'boots' },
];

/**
 * An early-FDT failure stops the release build before its console exists
 * (a silent 20 s): those cases boot the early-printk build, which prints
 * the message in about a second. Nothing else differs between the two.
 */
export const FIDELITY_CASES_422: FidelityCase[] = CASES.map((c) => (c.xen && /Early FDT parsing failed/.test(c.xen.source) ? { ...c, earlyPrintk: true } : c));

/**
 * The rules the two probe builds cannot show, on the third build
 * (test/qemu/fixtures/xen-4.22-debug-llc-sve.config: debug, LLC colouring,
 * SVE, early printk).
 */
export const FIDELITY_CASES_422_DEBUG: FidelityCase[] = [
  // DT_MAX_NAME is 41 and the ASSERT allows strlen <= 41: from 42 characters a debug build stops while parsing the DT.
  { rule: 'dom-name-len', label: 'dom-name-len (45 characters)', edit: EDITS.tagged(EDITS.longName(45)), outcome: 'panic', xen: /Assertion 'strlen\(name\) <= DT_MAX_NAME' failed/, ruleMessage: true },
  { rule: 'staticmem-vs-llc', edit: `&{/chosen} { xen,xen-bootargs = "${DEFAULT_XEN_BOOTARGS} llc-coloring=on"; }; ${domU1(STATIC_BANK)}`, outcome: 'panic', xen: /LLC coloring and static memory are incompatible/, ruleMessage: true },
  { rule: 'sve', edit: domU1('sve = <100>;'), outcome: 'panic', xen: /SVE vector length error/, ruleMessage: true },
];

/** Edits 4.22 boots that prove a feature works (the rules' other side): no rule fires, every domain comes up. */
export const WORKING_422: { label: string; edit: string; xen?: RegExp }[] = [
  { label: 'static memory', edit: domU1(STATIC_BANK), xen: /d1: STATIC BANK\[0\] 0x00000060000000-0x00000070000000/ },
  { label: 'static memory, direct-mapped', edit: domU1(`direct-map; ${STATIC_BANK}`) },
  { label: 'static shared memory with a host address', edit: domU1(shm('60000000', `role = "owner"; xen,shm-id = "shm0"; ${SHM_HOST}`)) },
  { label: 'static shared memory without a host address (4.19+)', edit: domU1(shm('0', 'role = "owner"; xen,shm-id = "shm0"; xen,shared-mem = <0x0 0x70000000 0x0 0x1000>;')) },
  { label: 'a boot-time cpupool with the null scheduler', edit: pool('cp1', 'cpupool-cpus = <&{/cpus/cpu@1}>; cpupool-sched = "null";') + domU1('domain-cpupool = <&cp1>;'), xen: /Logical CPU 1 in Pool-1/ },
  { label: 'the control capability', edit: domU1('capabilities = <0x1>;') },
];
