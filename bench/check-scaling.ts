/**
 * Check scaling: a synthetic dom0less configuration of N domains (each with
 * the shared kernel — Xen keeps at most 32 distinct modules and 32 command
 * lines, so a large system shares one blob — a vCPU pin, an event channel
 * to its neighbour, every tenth one sharing memory) checked against a host
 * DTB with 8 CPUs and 256 GiB.
 * Goal: < 100 ms for 1,000 domains, linear growth. Prints compile time
 * (dtc-equivalent, DTS → tree) and check time (read the model + every rule)
 * separately, medians of several runs.
 *
 * Run: node dist/bench/check-scaling.js    (or import benchCheckScaling)
 */
import { fileURLToPath } from 'node:url';
import { readBootConfig } from '../src/bindings/boot-config.js';
import { checkModel } from '../src/check/engine.js';
import { runDtc } from '../src/fdt/dtc.js';
import { readDtb } from '../src/fdt/dtb/read.js';
import type { DeviceTree } from '../src/fdt/tree/livetree.js';

const HOST_DTS = `/dts-v1/;
/ {
	#address-cells = <2>;
	#size-cells = <2>;
	cpus {
		#address-cells = <1>;
		#size-cells = <0>;
${Array.from({ length: 8 }, (_, i) => `\t\tcpu${i}: cpu@${i} { device_type = "cpu"; compatible = "arm,cortex-a57"; reg = <${i}>; };`).join('\n')}
	};
	memory@40000000 { device_type = "memory"; reg = <0x0 0x40000000 0x40 0x0>; };
	intc@8000000 { compatible = "arm,gic-v3"; interrupt-controller; #interrupt-cells = <3>; reg = <0x0 0x8000000 0x0 0x10000>; };
};
`;

function domain(i: number, n: number): string {
  const peer = i % 2 === 0 ? i + 1 : i - 1;
  const evtchn = peer < n ? `\t\t\tec${i}: evtchn { compatible = "xen,evtchn-v1"; xen,evtchn = <${(i % 1000) + 1} &ec${peer}>; };\n` : '';
  const shm = i % 10 === 0 ? `\t\t\tshm { compatible = "xen,domain-shared-memory-v1"; xen,shm-id = "s${i}"; xen,shared-mem = <0x2 0x${(i * 0x1000).toString(16)} 0x0 0x80000000 0x0 0x1000>; role = "owner"; };\n` : '';
  return `\t\tdomU${i} {
			compatible = "xen,domain";
			#address-cells = <2>;
			#size-cells = <2>;
			memory = <0x0 0x4000>;
			cpus = <2>;
			vpl011;
			xen,enhanced = "no-xenstore";
			kernel { compatible = "multiboot,kernel", "multiboot,module"; reg = <0x1 0x0 0x0 0x1000000>; };
			vcpu0 { compatible = "xen,vcpu"; id = <0>; hard-affinity = "${i % 8}"; };
${evtchn}${shm}\t\t};
`;
}

export function syntheticConfig(n: number): string {
  const domains = Array.from({ length: n }, (_, i) => domain(i, n)).join('');
  return `/dts-v1/;
/ {
	#address-cells = <2>;
	#size-cells = <2>;
	chosen {
		#address-cells = <2>;
		#size-cells = <2>;
		xen,xen-bootargs = "console=dtuart dom0_mem=1G";
		dom0-kernel { compatible = "multiboot,kernel", "multiboot,module"; reg = <0x0 0x48000000 0x0 0x1000000>; };
${domains}	};
};
`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed<T>(fn: () => T): [T, number] {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return [r, Number(process.hrtime.bigint() - t0) / 1e6];
}

export interface CheckScalingRow {
  domains: number;
  /** DTS text → tree (runDtc). */
  compileMs: number;
  /** tree → boot model (src/bindings readBootConfig). */
  readMs: number;
  /** model + host DTB → findings (every rule). */
  rulesMs: number;
  findings: number;
}

export function measureCheckScaling(sizes: readonly number[] = [1000, 10000], runs = 5): CheckScalingRow[] {
  const host: DeviceTree = readDtb(runDtc(new TextEncoder().encode(HOST_DTS), { file: 'host.dts' }).output!);
  const rows: CheckScalingRow[] = [];
  for (const n of sizes) {
    const src = new TextEncoder().encode(syntheticConfig(n));
    const compile: number[] = [];
    const read: number[] = [];
    const rules: number[] = [];
    let findings = 0;
    // The largest size once: reading 10,000 domains takes about a second, so one read is enough to show the growth.
    for (let r = 0; r < (n >= 10000 ? 1 : runs); r++) {
      const [res, c] = timed(() => runDtc(src, { file: `config-${n}.dts`, quiet: 3 }));
      const [model, m] = timed(() => readBootConfig(res.tree!, { file: `config-${n}.dts` }));
      compile.push(c);
      read.push(m);
      // The rules are cheap next to the read: time them several times on the same model.
      for (let k = 0; k < 3; k++) {
        const [out, ms] = timed(() => checkModel(model, { tree: res.tree, file: `config-${n}.dts`, host, hostName: 'host.dtb' }));
        rules.push(ms);
        findings = out.length;
      }
    }
    rows.push({ domains: n, compileMs: median(compile), readMs: median(read), rulesMs: median(rules), findings });
  }
  return rows;
}

export function benchCheckScaling(): void {
  console.log('## check scaling (synthetic dom0less configuration + host DTB, median; 1,000 domains: 5 reads × 3 rule runs; 10,000: 1 read × 3 rule runs)\n');
  const rows = measureCheckScaling();
  console.log('| domains | compile DTS (ms) | read model (ms) | rules (ms) | rules µs/domain | findings |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.domains} | ${r.compileMs.toFixed(1)} | ${r.readMs.toFixed(1)} | ${r.rulesMs.toFixed(1)} | ${((r.rulesMs * 1000) / r.domains).toFixed(1)} | ${r.findings} |`);
  const [a, b] = rows;
  if (a && b) {
    const grow = (x: number, y: number): string => `×${(y / x).toFixed(1)}`;
    console.log(`\ngrowth ${a.domains} → ${b.domains} domains (linear: ×${(b.domains / a.domains).toFixed(0)}): rules ${grow(a.rulesMs, b.rulesMs)}, read ${grow(a.readMs, b.readMs)}, compile ${grow(a.compileMs, b.compileMs)}`);
    console.log(`goal < 100 ms at ${a.domains} domains: rules ${a.rulesMs < 100 ? 'met' : 'MISSED'} (${a.rulesMs.toFixed(1)} ms), read + rules ${a.readMs + a.rulesMs < 100 ? 'met' : 'MISSED'} (${(a.readMs + a.rulesMs).toFixed(1)} ms)\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) benchCheckScaling();
