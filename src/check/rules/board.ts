/**
 * Board readiness: what Xen on Arm needs from the board's own device tree
 * before any domain exists (a GIC it drives, with its virtualization
 * interface; the generic timer; a way to start the secondary CPUs; RAM).
 * Not here: an IOMMU for passthrough. Debian's 4.17 under QEMU (no SMMU)
 * assigned a partial device tree's PL061 without xen,force-assign-without-iommu
 * and the guest used it (test/qemu/board-fidelity.test.ts); the hardware
 * domain's need is hwdom-iommu's. They run on a tree that describes a board
 * (CPUs or an interrupt controller), not on a configuration alone.
 */
import type { CheckContext } from '../context.js';
import type { HostFacts } from '../host-facts.js';
import type { Rule } from '../rule.js';

const SMPBOOT = 'xen/arch/arm/arm64/smpboot.c';

function board(ctx: CheckContext): HostFacts | undefined {
  return ctx.host?.board ? ctx.host : undefined;
}

/** The rules that need the board's RAM; `host-ram-missing` names them. */
export const RAM_RULE_IDS = ['memory-fit', 'mod-outside-ram', 'static-outside-ram'] as const;

/** The places RAM can come from when the tree has none, for the hint. */
const RAM_SOURCES = 'give it: --ram START:SIZE (one per bank), MEMORY_START/MEMORY_END in an ImageBuilder config, or the running board\'s own DTB (/sys/firmware/fdt)';

/** Why the secondary CPUs would not start: one sentence per missing fact, each naming every CPU it concerns. */
function cpuProblems(host: HostFacts): string[] {
  const out: string[] = [];
  const named = (cpus: typeof host.cpus): string => cpus.map((c) => c.path).join(', ');
  const none = host.cpus.filter((c) => c.enableMethod === undefined);
  if (none.length) out.push(`${named(none)} ${none.length === 1 ? 'has' : 'have'} no enable-method ("CPU%d has no enable method")`);
  const unknown = host.cpus.filter((c) => c.enableMethod !== undefined && c.enableMethod !== 'psci' && c.enableMethod !== 'spin-table');
  if (unknown.length) out.push(`${named(unknown)}: enable-method ${[...new Set(unknown.map((c) => `"${c.enableMethod}"`))].join(', ')} Xen does not know ("CPU%d has unknown enable method")`);
  const psci = host.cpus.filter((c) => c.enableMethod === 'psci');
  // psci.c also wants method = "smc", but Debian's 4.17 under QEMU brings CPU1 up with "hvc" (booted): not claimed here.
  if (psci.length && host.psciMethod === undefined) out.push(`${named(psci)} ${psci.length === 1 ? 'asks' : 'ask'} for PSCI but the tree has no PSCI node ("CPU%d asks for PSCI, but DTB has no PSCI node")`);
  const spin = host.cpus.filter((c) => c.enableMethod === 'spin-table' && !c.releaseAddr);
  if (spin.length) out.push(`${named(spin)}: spin-table without cpu-release-addr ("CPU%d has no cpu-release-addr")`);
  return out;
}

export const BOARD_RULES: Rule[] = [
  {
    id: 'host-ram-missing', group: 'board', severity: 'warning', xenSource: 'xen/common/device-tree/bootinfo-fdt.c', needs: 'host',
    xenMessage: '(none: Xen boots on the banks the firmware or bootloader writes into /memory; the DTB alone has none)',
    summary: 'the board\'s tree describes no RAM (no /memory node, or banks of size 0): the RAM rules cannot be evaluated',
    hint: RAM_SOURCES,
    check(ctx, report) {
      const host = board(ctx);
      if (!host || host.ram === 'described' || host.ram === 'given') return;
      const what = host.ram === 'absent' ? 'has no /memory node' : 'declares /memory with size 0';
      report({ path: host.ramNode ?? '/' }, `${host.source} ${what}: the firmware or bootloader fills in RAM at boot, so ${RAM_RULE_IDS.join(', ')} cannot be evaluated and modules cannot be placed`);
    },
  },
  {
    id: 'board-gic', group: 'board', severity: 'error', xenSource: 'xen/common/device-tree/intc.c', needs: 'host',
    xenMessage: 'Unable to find compatible interrupt controller in the device tree',
    // gic.c's own lookup before common/device-tree/intc.c took it over (4.22 has intc.c; 4.21 not verified).
    olderMessages: [{ until: '4.20', text: 'Unable to find compatible GIC in the device tree', xenSource: 'xen/arch/arm/gic.c' }],
    summary: 'no interrupt controller Xen drives: a GICv2 (`arm,gic-400`, `arm,cortex-a15-gic`, `arm,cortex-a7-gic`) or GICv3 (`arm,gic-v3`)',
    hint: 'Xen on Arm needs a GICv2 or GICv3; a board with another interrupt controller (Apple AIC, a GICv1) cannot run Xen',
    check(ctx, report) {
      const host = board(ctx);
      if (host && !host.intc) report({ path: '/' }, `${host.source} has no GICv2 or GICv3 interrupt controller Xen has a driver for; Xen panics before its console is up (a release build stops without a word)`);
    },
  },
  {
    id: 'board-gic-virt', group: 'board', severity: 'error', xenSource: 'xen/arch/arm/gic-v2.c', needs: 'host',
    xenMessage: 'GICv2: Cannot find a valid address for the hypervisor',
    summary: 'the GIC lacks its virtualization interface: a GICv2 without GICH and GICV `reg` entries, or any GIC without its maintenance interrupt',
    hint: 'describe the GIC\'s hypervisor (GICH) and virtual CPU (GICV) regions and its maintenance interrupt, as the SoC vendor\'s hypervisor-capable DTS does',
    check(ctx, report) {
      const gic = board(ctx)?.intc;
      if (!gic) return;
      const v = gic.version === 'v2' ? 'GICv2' : 'GICv3';
      const missing: string[] = [];
      if (gic.version === 'v2' && gic.regs < 4) missing.push(`${gic.regs} reg entries where Xen reads 4 (GICD, GICC, GICH, GICV): "GICv2: Cannot find a valid address for the ${gic.regs < 3 ? 'hypervisor' : 'virtual CPU'}"`);
      if (!gic.maintenanceIrq) missing.push(`no maintenance interrupt: "${v}: Cannot find the maintenance IRQ"`);
      if (missing.length) report({ path: gic.path }, `${v} ${gic.path} has ${missing.join('; and ')}; Xen panics`);
    },
  },
  {
    id: 'board-timer', group: 'board', severity: 'error', xenSource: 'xen/arch/arm/time.c', needs: 'host',
    xenMessage: 'Unable to find a compatible timer in the device tree',
    summary: 'no Arm generic timer node (`arm,armv8-timer` or `arm,armv7-timer`)',
    hint: 'describe the architected timer (compatible "arm,armv8-timer" with its four PPIs)',
    check(ctx, report) {
      const host = board(ctx);
      if (host && !host.timer) report({ path: '/' }, `${host.source} has no node compatible with "arm,armv8-timer" or "arm,armv7-timer"; Xen panics before its console is up (a release build stops without a word)`);
    },
  },
  {
    id: 'board-cpu-enable', group: 'board', severity: 'warning', xenSource: SMPBOOT, needs: 'host',
    xenMessage: 'CPU%d has no enable method',
    summary: 'secondary CPUs Xen cannot start: no or an unknown `enable-method`, PSCI without a PSCI node, spin-table without `cpu-release-addr`',
    hint: 'give the CPUs enable-method = "psci" and a PSCI node (as TF-A based firmware does); a bootloader that adds them at boot (U-Boot on Layerscape does) makes this go away',
    check(ctx, report) {
      const host = board(ctx);
      if (!host || host.cpus.length < 2) return;
      const problems = cpuProblems(host);
      if (problems.length) report({ path: '/cpus' }, `${problems.join('; ')}: Xen runs on the boot CPU only`);
    },
  },

];
