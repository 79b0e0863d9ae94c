/**
 * The board readiness rules (src/check/rules/board.ts) against Debian's
 * Xen 4.17 under QEMU: QEMU virt's own DTB with one fact Xen needs taken
 * away. Our check must flag the edit, and Xen must fail it (or go on
 * without the secondary CPUs) as the rule says. docs/fidelity.md cites these.
 * The same edits on upstream 4.22 are cases of fidelity-cases-422.ts.
 */
import { test } from 'node:test';
import { parseXenBuild } from '../../src/check/target.js';
import { skipNotice } from '../support/paths.js';
import { type FidelityCase, runFidelity } from './fidelity-support.js';
import { bootPrerequisites, withTmpDir } from './support.js';

export const BOARD_CASES_417: FidelityCase[] = [
  // gic_preinit and preinit_xen_time run before the UART is set up: a release build stops without a word.
  { rule: 'board-timer', edit: '/ { /delete-node/ timer; };', outcome: 'silent', hostEdit: true },
  { rule: 'board-gic', edit: '&{/intc@8000000} { compatible = "arm,cortex-a9-gic"; };', outcome: 'silent', hostEdit: true },
  // The maintenance interrupt is read in gicv3_init, after the console: the panic is in the log.
  { rule: 'board-gic-virt', edit: '&{/intc@8000000} { /delete-property/ interrupts; };', outcome: 'panic', xen: /GICv3: Cannot find the maintenance IRQ/, hostEdit: true },
  // CPU1 without an enable-method stays off; Xen and the domain run on CPU0.
  { rule: 'board-cpu-enable', edit: '&{/cpus/cpu@1} { /delete-property/ enable-method; };', outcome: 'boots', xen: /CPU1 has no enable method[\s\S]*Brought up 1 CPUs/, hostEdit: true },
  // QEMU's loader is the firmware here: it writes /memory into the DTB it passes (hw/arm/boot.c), and Xen boots.
  { rule: 'host-ram-missing', label: 'host-ram-missing (no /memory)', edit: '/ { /delete-node/ memory@40000000; };', outcome: 'boots', hostEdit: true },
  { rule: 'host-ram-missing', label: 'host-ram-missing (size 0)', edit: '&{/memory@40000000} { reg = <0x0 0x40000000 0x0 0x0>; };', outcome: 'boots', hostEdit: true },
  // The PL061 assigned through the IOMMU QEMU virt does not have (examples/passthrough-partial.dts without force-assign).
];

test('board readiness on Debian 4.17: each fact taken from QEMU virt\'s DTB is flagged, and Xen fails as the rule says', async (t) => {
  const prereq = bootPrerequisites();
  if (!prereq.guest) return skipNotice(t, prereq.missing!);
  const guest = prereq.guest;
  await withTmpDir((dir) => runFidelity(t, { name: 'Debian 4.17', build: parseXenBuild('debian-4.17'), xen: guest.xen }, guest, BOARD_CASES_417, dir));
});
