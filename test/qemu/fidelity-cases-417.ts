/**
 * What Debian's Xen 4.17 (4.17.7, a release build, debug=n) does with each
 * edit of the fidelity base (true dom0less, one domU: `/chosen/domU1` with
 * its kernel at module@50000000 and its ramdisk at module@51c00000), seen on
 * real boots and written here by hand. fidelity-cases-422.ts reuses the
 * edits for upstream 4.22.
 */
import { type FidelityCase, PARTIAL_MODULE, PASSED_THROUGH, partialWith } from './fidelity-support.js';

/** 257 reserved-memory regions of 4 KiB from 0x70000000, one more than Xen's bank table holds. */
const MANY_BANKS = Array.from({ length: 257 }, (_, i) => {
  const a = (0x7000_0000 + i * 0x1_0000).toString(16);
  return `r${i}@${a} { reg = <0x0 0x${a} 0x0 0x1000>; };`;
}).join(' ');

/** 33 device-tree modules in /chosen: with Xen, the DTB and the domU's two, past the 32 Xen keeps. */
const MANY_MODULES = Array.from({ length: 33 }, (_, i) => {
  const a = (0x6000_0000 + i * 0x1000).toString(16);
  return `module@${a} { compatible = "multiboot,device-tree", "multiboot,module"; reg = <0x0 0x${a} 0x0 0x100>; };`;
}).join(' ');

/** 33 device-tree modules at one address, each with a command line: Xen merges the modules (one slot) but keeps only 32 command lines. */
const MANY_CMDLINES = Array.from({ length: 33 }, (_, i) =>
  `dt${i}@60000000 { compatible = "multiboot,device-tree", "multiboot,module"; reg = <0x0 0x60000000 0x0 0x100>; bootargs = "a"; };`).join(' ');

/** Two static event channels of domU1 bound to each other (a loopback, which 4.17 accepts), `ea` given `eaValue`, `eb` `ebValue`. */
function evtchnPair(eaValue: string, ebValue: string): string {
  const node = (label: string, unit: number, value: string) => `${label}: evtchn@${unit} { compatible = "xen,evtchn-v1"; ${value} };`;
  return `&{/chosen/domU1} { xen,enhanced = "no-xenstore"; ${node('ea', 1, eaValue)} ${node('eb', 2, ebValue)} };`;
}

const LONG_BOOTARGS = `console=ttyAMA0 rdinit=/init ${'x'.repeat(1100)}`;

/** A second domU named `name`, with domU1's kernel and ramdisk and its own tagged command line. */
const tagged = (name: string) => `&{/chosen} { ${name} { compatible = "xen,domain"; #address-cells = <2>; #size-cells = <2>; memory = <0x0 0x20000>; cpus = <1>; vpl011;
  module@50000000 { compatible = "multiboot,kernel", "multiboot,module"; reg = <0x0 0x50000000 0x0 0x1a09a00>; bootargs = "console=ttyAMA0 rdinit=/init hl.tag=own"; };
  module@51c00000 { compatible = "multiboot,ramdisk", "multiboot,module"; reg = <0x0 0x51c00000 0x0 0xf7881>; }; }; };`;

/** A domain node name of `length` characters; Xen keeps DT_MAX_NAME - 1 = 40 of it. */
const longName = (length: number) => `domU-${'x'.repeat(length - 5)}`;
/** Xen loaded d2's kernel (the second domain, the edit's): it was built, with or without its command line. */
export const D2_LOADED = /Loading d2 kernel from boot module @ 0*50000000/;

/** Edits shared with fidelity-cases-422.ts. */
export const EDITS = {
  tagged,
  longName,
  /** A device-tree module whose path is 14 + 79 = 93 characters: past Xen's 92-byte buffer. */
  longModulePath: `&{/chosen/domU1} { ${'m'.repeat(70)}@60000000 { compatible = "multiboot,device-tree", "multiboot,module"; reg = <0x0 0x60000000 0x0 0x1000>; }; };`,
  /** A ramdisk at 8 GiB: QEMU virt's RAM ends at 0xc0000000. */
  moduleOutsideRam: '&{/chosen/domU1/module@51c00000} { reg = <0x2 0x0 0x0 0xf7881>; };',
  /** A domU ramdisk exactly inside a /memreserve/ entry. */
  memreserveHeader: '/memreserve/ 0x51c00000 0xf7881;',
};
/** The second domain's kernel line carries domU1's command line, not its own. */
export const BORROWED_CMDLINE = /DOM2: \[[ 0-9.]+\] Kernel command line: console=ttyAMA0 rdinit=\/init\r?$/m;
export const OWN_CMDLINE = /Kernel command line: .*hl\.tag=own/;

export const FIDELITY_CASES_417: FidelityCase[] = [
  { rule: 'cpus-missing', edit: '&{/chosen/domU1} { /delete-property/ cpus; };', outcome: 'panic', xen: /Missing property 'cpus' for domain domU1/, ruleMessage: true },
  // "Requested vCPUs (%u) exceeds max" is a gdprintk: a release build prints only the panic.
  { rule: 'cpus-range', edit: '&{/chosen/domU1} { cpus = <200>; };', outcome: 'panic', xen: /Panic on CPU 0:\s*\n\(XEN\) Error creating domain domU1/, ruleMessage: false },
  { rule: 'memory-u64', edit: '&{/chosen/domU1} { memory = <0x40000>; };', outcome: 'panic', xen: /Error building DomU: cannot read "memory" property/, ruleMessage: true },
  { rule: 'memory-zero', edit: '&{/chosen/domU1} { memory = <0x0 0x0>; };', outcome: 'panic', xen: /Could not set up domain domU1/, ruleMessage: true },
  // 4 TiB: the P2M allocation fails before the RAM allocation the rule names.
  { rule: 'memory-guest-max', edit: '&{/chosen/domU1} { memory = <0x1 0x0>; };', outcome: 'panic', xen: /Failed to allocate P2M pages\.[\s\S]*Could not set up domain domU1/, ruleMessage: false },
  { rule: 'kernel-missing', edit: '&{/chosen/domU1} { /delete-node/ module@50000000; };', outcome: 'panic', xen: /Missing kernel boot module\?/, ruleMessage: true },
  { rule: 'directmap-needs-staticmem', edit: '&{/chosen/domU1} { direct-map; };', outcome: 'panic', xen: /direct-map is not valid for domain domU1 without static allocation/, ruleMessage: true },
  // 4.17's wording; later releases say "xenstore requested, but xenstore domain not present".
  { rule: 'xenstore-needed', edit: '&{/chosen/domU1} { xen,enhanced = "enabled"; };', outcome: 'panic', xen: /At the moment, Xenstore support requires dom0 to be present/, ruleMessage: false },
  // Without CONFIG_STATIC_MEMORY the bank is not parsed early; building the guest's DT fails instead.
  { rule: 'build-static-memory', edit: '&{/chosen/domU1} { xen,static-mem = <0x0 0x60000000 0x0 0x10000000>; };', outcome: 'panic', xen: /Device tree generation failed \(-2\)\.[\s\S]*Could not set up domain domU1/, ruleMessage: false },
  {
    rule: 'build-static-shm',
    edit: `&{/chosen/domU1} { shm@60000000 { compatible = "xen,domain-shared-memory-v1"; role = "owner"; xen,shm-id = "shm0";
      xen,shared-mem = <0x0 0x60000000 0x0 0x70000000 0x0 0x1000>; }; };`,
    outcome: 'boots',
  },
  { rule: 'cmdline-len', edit: `&{/chosen/domU1/module@50000000} { bootargs = "${LONG_BOOTARGS}"; };`, outcome: 'silent' },
  // 4.17 prints no rc.
  { rule: 'nr-spis-range', edit: '&{/chosen/domU1} { nr_spis = <1000>; };', outcome: 'panic', xen: /Panic on CPU 0:\s*\n\(XEN\) Error creating domain domU1/, ruleMessage: false },
  // 4.17 has no friendly overlap check: the ramdisk's pages are handed out twice and the allocator BUGs.
  { rule: 'mod-overlap', edit: '&{/chosen/domU1/module@51c00000} { reg = <0x0 0x51000000 0x0 0xf7881>; };', outcome: 'panic', xen: /Xen BUG at common\/page_alloc\.c/, ruleMessage: false },
  // Half an initrd in /chosen: 4.17 takes it as dom0's ramdisk and fails building a dom0 that has no kernel.
  { rule: 'initrd-chosen', edit: '&{/chosen} { linux,initrd-start = <0x0 0x60000000>; };', outcome: 'panic', xen: /Could not set up DOM0 guest OS/, ruleMessage: false },
  { rule: 'mod-reg-short', edit: '&{/chosen/domU1/module@51c00000} { reg = <0x0 0x51c00000>; };', outcome: 'silent' },
  { rule: 'banks-max', edit: `/ { reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges; ${MANY_BANKS} }; };`, outcome: 'silent', hostEdit: true },
  // A warning: Xen goes on without the extra modules (its "Ignoring ... (too many)" comes before the console exists).
  { rule: 'mod-count', edit: `&{/chosen} { ${MANY_MODULES} };`, outcome: 'boots' },
  // 4.17 has no module/reserved-memory overlap check: the ramdisk inside /reserved-memory boots.
  {
    rule: 'mod-overlap-reserved',
    edit: '/ { reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges; r@51c00000 { reg = <0x0 0x51c00000 0x0 0x100000>; }; }; };',
    outcome: 'boots', hostEdit: true,
  },
  { rule: 'mod-reg-missing', edit: '&{/chosen/domU1/module@51c00000} { /delete-property/ reg; };', outcome: 'silent' },
  // A warning: Xen goes on; its "Ignoring ... cmdline (too many)" comes before the console exists.
  { rule: 'cmdline-count', edit: `&{/chosen} { ${MANY_CMDLINES} };`, outcome: 'boots' },
  // A warning: no panic, the domain is built and runs, but its vpl011 console (SPI 0, virq 32) never speaks.
  { rule: 'nr-spis-vpl011-silent', edit: '&{/chosen/domU1} { nr_spis = <0>; };', outcome: 'stalls' },
  { rule: 'evtchn-value', edit: evtchnPair('xen,evtchn = <0xa &eb>;', ''), outcome: 'panic', xen: /xen,evtchn property should not be empty\.[\s\S]*Could not set up domains evtchn/, ruleMessage: true },
  { rule: 'evtchn-remote', edit: evtchnPair('xen,evtchn = <0xa &eb>;', 'xen,evtchn = <0xb &eb>;'), outcome: 'panic', xen: /xen,evtchn property is not setup correctly\.[\s\S]*Could not set up domains evtchn/, ruleMessage: true },
  // Port 2000 > 1023: evtchn_alloc_unbound fails with -ENOSPC (-28).
  { rule: 'evtchn-port', edit: evtchnPair('xen,evtchn = <0x7d0 &eb>;', 'xen,evtchn = <0xb &ea>;'), outcome: 'panic', xen: /evtchn_alloc_unbound\(\) failure \(Error -28\)[\s\S]*Could not set up domains evtchn/, ruleMessage: true },
  // Partial device trees. 4.17 prints the rule's message for the passthrough node, but its scan_pfdt_node
  // ignores a child node's error: the domain boots.
  { rule: 'pdt-reg-path', edit: PARTIAL_MODULE, partial: partialWith('xen,reg = <0x0 0x09030000 0x0 0x1000 0x0 0x09030000>;', ''), outcome: 'boots', xen: /xen,reg or xen,path missing for d1/, warnsOnTarget: 'pdt-reg-path-skipped' },
  // #address-cells 3 under /passthrough: 4.17 has no cells check; xen,reg then holds no whole entry and nothing is mapped.
  {
    rule: 'pdt-cells', edit: PARTIAL_MODULE, partial: partialWith('ranges;\n\t\t#address-cells = <2>;', 'ranges;\n\t\t#address-cells = <3>;'), outcome: 'boots',
    guestSees: PASSED_THROUGH,
  },
  { rule: 'pdt-align', edit: PARTIAL_MODULE, partial: partialWith('0x0 0x1000 0x0 0x09030000>', '0x0 0x800 0x0 0x09030000>'), outcome: 'boots', xen: /DomU passthrough config has not page aligned addresses\/sizes\s+\(XEN\) Failed to assign device to d1/, warnsOnTarget: 'pdt-align-skipped' },
  // The phandle check is newer than 4.17: a partial phandle of 65001 boots silently.
  {
    rule: 'pdt-phandle', edit: PARTIAL_MODULE, partial: partialWith('interrupt-controller;', 'interrupt-controller;\n\t\tphandle = <0xfde9>;'), outcome: 'boots',
    guestSees: PASSED_THROUGH,
  },
  { rule: 'pdt-path-exists', edit: PARTIAL_MODULE, partial: partialWith('xen,path = "/pl061@9030000";', 'xen,path = "/pl061@9040000";'), outcome: 'boots', xen: /Couldn't find node \/pl061@9040000 in host_dt!\s+\(XEN\) Failed to assign device to d1/, warnsOnTarget: 'pdt-path-exists-skipped' },
  // A ramdisk beyond RAM: Xen copies it and faults (the loader could never place it there, but the tree can name it).
  { rule: 'mod-outside-ram', edit: EDITS.moduleOutsideRam, outcome: 'panic', xen: /CPU0: Unexpected Trap: Data Abort[\s\S]*PC: +[0-9a-f]+ memcpy\+/, ruleMessage: false },
  // Warnings: 4.17 goes on, and where it can be seen, does what the warning says.
  { rule: 'mod-path-len', edit: EDITS.longModulePath, outcome: 'boots' },
  { rule: 'config-note', edit: '&{/chosen/domU1} { cpus = <1 2>; };', outcome: 'boots' },
  { rule: 'host-vcpus', edit: '&{/chosen/domU1} { cpus = <4>; };', outcome: 'boots' },
  { rule: 'newer-than-target', edit: '&{/chosen/domU1} { capabilities = <0x1>; };', outcome: 'boots' },
  // domU2@1 gets no command line (console= included): its kernel never prints one.
  { rule: 'dom-name-unit', edit: tagged('domU2@1'), outcome: 'boots', byLog: true, notInLog: OWN_CMDLINE },
  // A 41-character name is stored cut to 40: the command line, kept under the cut name, is not found by the whole one.
  { rule: 'dom-name-len', label: 'dom-name-len (41 characters)', edit: tagged(longName(41)), outcome: 'boots', byLog: true, xen: D2_LOADED, notInLog: OWN_CMDLINE },
  // domU1@1's command line is looked up as "domU1": it boots with domU1's.
  { rule: 'dom-name-unique', edit: tagged('domU1@1'), outcome: 'boots', byLog: true, xen: BORROWED_CMDLINE, notInLog: OWN_CMDLINE },
  // An error for the user's intent, but Xen goes on: without CONFIG_BOOT_TIME_CPUPOOLS the domain runs in Pool-0.
  { rule: 'build-cpupools', edit: '&{/chosen} { cp1: cp1 { compatible = "xen,cpupool"; cpupool-cpus = <&{/cpus/cpu@1}>; }; }; &{/chosen/domU1} { domain-cpupool = <&cp1>; };', outcome: 'boots' },
];

/** A 4.17 case by rule, to boot its edit on another Xen. */
export function case417(rule: string): FidelityCase {
  const c = FIDELITY_CASES_417.find((x) => x.rule === rule);
  if (!c) throw new Error(`no 4.17 fidelity case for ${rule}`);
  return c;
}
