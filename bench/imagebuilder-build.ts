/**
 * `npx tsx bench/imagebuilder-build.ts`: a 16-domain ImageBuilder config
 * built end to end in-process (parse, resolve, layout, script, boot.scr,
 * FDTEDIT), against the process calls uboot-script-gen makes for the same
 * work: one `fdtput` per DT edit on FDTEDIT, then `mkimage` for boot.scr.
 * Both sides' DTB and boot.scr are compared byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageBuilderConfig } from '../src/bindings/imagebuilder/config.js';
import { resolveImageBuilder } from '../src/artifacts/imagebuilder-plan/resolve.js';
import { parseShellConfig } from '../src/bindings/imagebuilder/shell-config.js';
import { fdtputArguments as fdtputArgs } from '../src/artifacts/dt-edits.js';
import { directorySource } from '../src/artifacts/file-source.js';
import { buildUboot } from '../src/artifacts/uboot-build.js';
import { runDtc } from '../src/fdt/dtc.js';
import { dummyCpio, dummyImage } from '../test/artifacts/golden-inputs.js';

const DOMUS = 16;
const dir = mkdtempSync(join(tmpdir(), 'hl-bench-ib-'));
// A small arm64 host written inline, so the bench runs in a clone without ../shared.
const HOST = `/dts-v1/;
/ { #address-cells = <2>; #size-cells = <2>; compatible = "linux,dummy-virt"; chosen { };
  cpus { #address-cells = <1>; #size-cells = <0>; cpu@0 { device_type = "cpu"; compatible = "arm,cortex-a53"; reg = <0>; }; };
  memory@40000000 { device_type = "memory"; reg = <0x0 0x40000000 0x1 0x0>; };
  serial@9000000 { compatible = "arm,pl011", "arm,primecell"; reg = <0x0 0x9000000 0x0 0x1000>; }; };
`;
writeFileSync(join(dir, 'host.dtb'), runDtc(new TextEncoder().encode(HOST), { file: 'host.dts', outputFormat: 'dtb' }).output!);
dummyImage(join(dir, 'xen'), 950000);
dummyImage(join(dir, 'Image-dom0'), 20000000);
const cfg = ['MEMORY_START=0x40000000', 'MEMORY_END=0x140000000', 'DEVICE_TREE=host.dtb', 'FDTEDIT=host-edit.dtb', 'XEN=xen',
  'DOM0_KERNEL=Image-dom0', `NUM_DOMUS=${DOMUS}`, 'UBOOT_SOURCE=boot.source', 'UBOOT_SCRIPT=boot.scr', 'LOAD_CMD=tftpb'];
for (let i = 0; i < DOMUS; i++) {
  dummyImage(join(dir, `Image-${i}`), 8000000 + i * 4096);
  dummyCpio(join(dir, `rootfs-${i}.cpio`), 2000000);
  cfg.push(`DOMU_KERNEL[${i}]=Image-${i}`, `DOMU_RAMDISK[${i}]=rootfs-${i}.cpio`, `DOMU_MEM[${i}]=256`, `DOMU_VCPUS[${i}]=1`);
}
const config = `${cfg.join('\n')}\n`;

function ours() {
  const plan = resolveImageBuilder(readImageBuilderConfig(parseShellConfig(config, 'config')));
  return buildUboot(plan, { dir, files: directorySource(dir), naming: 'imagebuilder-2023' });
}

const runs = 20;
ours();
let t0 = process.hrtime.bigint();
let b = ours();
for (let i = 1; i < runs; i++) b = ours();
const oursMs = Number(process.hrtime.bigint() - t0) / 1e6 / runs;

const edited = join(dir, 'fdtput.dtb');
copyFileSync(join(dir, 'host.dtb'), edited);
writeFileSync(join(dir, 'boot.source'), b.source);
t0 = process.hrtime.bigint();
for (const e of b.edits) {
  const r = spawnSync('fdtput', fdtputArgs(edited, e));
  if (r.status !== 0) throw new Error(`fdtput ${fdtputArgs(edited, e).join(' ')}: ${r.stderr}`);
}
const mk = spawnSync('mkimage', ['-A', 'arm64', '-T', 'script', '-C', 'none', '-a', '0x40200000', '-e', '0x40200000', '-d', join(dir, 'boot.source'), join(dir, 'ref.scr')], {
  env: { ...process.env, SOURCE_DATE_EPOCH: '0' },
});
const toolsMs = Number(process.hrtime.bigint() - t0) / 1e6;
if (mk.status !== 0) throw new Error(`mkimage: ${mk.stderr}`);
const sameDtb = Buffer.compare(readFileSync(edited), Buffer.from(b.outputs.find((o) => o.path === 'host-edit.dtb')!.data)) === 0;
const sameScr = Buffer.compare(readFileSync(join(dir, 'ref.scr')), Buffer.from(b.outputs.find((o) => o.path === 'boot.scr')!.data)) === 0;
console.log(`16 domUs + dom0: ${b.images.length} images, ${b.edits.length} DT edits, script ${b.source.length} bytes`);
console.log(`hyperlaunch build (in-process, mean of ${runs}): ${oursMs.toFixed(2)} ms`);
console.log(`fdtput x${b.edits.length} + mkimage x1 (process calls): ${toolsMs.toFixed(1)} ms`);
console.log(`ratio: ${(toolsMs / oursMs).toFixed(1)}x; edited DTB identical: ${sameDtb}; boot.scr identical: ${sameScr}`);
rmSync(dir, { recursive: true, force: true });
