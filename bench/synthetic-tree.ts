/**
 * Synthetic devicetrees of any size, for the scaling benchmark and the
 * linear-time test. Each device node carries four plain properties and one
 * phandle reference to another device, so a compile exercises label lookup,
 * phandle assignment, reference fix-ups and string-table sharing — the
 * places where dtc 1.6.1 is quadratic. The text is valid for dtc without
 * warnings (unit addresses match reg, cell sizes are declared).
 */

export interface SyntheticTreeOptions {
  /** Number of device nodes. */
  devices: number;
  /**
   * Devices per bus node; the buses hang off /soc. 0 puts every device
   * directly under /soc (one node with `devices` children: dtc 1.6.1's
   * parser runs out of stack at about 10,000 siblings).
   */
  perBus?: number;
}

/** Deterministic pseudo-random reference target, far from the referrer. */
function targetOf(i: number, n: number): number {
  return (i * 7919 + 13) % n;
}

function deviceNode(i: number, n: number, indent: string): string {
  const addr = (i * 0x100).toString(16);
  return (
    `${indent}dev${i}: device@${addr} {\n` +
    `${indent}\tcompatible = "acme,widget-${i % 97}", "acme,widget";\n` +
    `${indent}\treg = <0x${addr} 0x100>;\n` +
    `${indent}\tstatus = "okay";\n` +
    `${indent}\tacme,cells = <${i} 0x${(i * 31).toString(16)} ${i % 7}>;\n` +
    `${indent}\tacme,peer = <&dev${targetOf(i, n)}>;\n` +
    `${indent}};\n`
  );
}

/** DTS source text of the tree. */
export function syntheticDts(opts: SyntheticTreeOptions): string {
  const n = opts.devices;
  const perBus = opts.perBus ?? 1000;
  const parts: string[] = [
    '/dts-v1/;\n\n/ {\n\tmodel = "synthetic";\n\tcompatible = "acme,synthetic";\n',
    '\t#address-cells = <1>;\n\t#size-cells = <1>;\n\n',
    '\tsoc {\n\t\tcompatible = "simple-bus";\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\tranges;\n\n',
  ];
  if (perBus <= 0) {
    for (let i = 0; i < n; i++) parts.push(deviceNode(i, n, '\t\t'));
  } else {
    for (let b = 0; b * perBus < n; b++) {
      parts.push(`\t\tbus@${b.toString(16)} {\n\t\t\tcompatible = "simple-bus";\n\t\t\treg = <0x${b.toString(16)} 0x1>;\n`);
      parts.push('\t\t\t#address-cells = <1>;\n\t\t\t#size-cells = <1>;\n\t\t\tranges;\n\n');
      for (let i = b * perBus; i < Math.min(n, (b + 1) * perBus); i++) parts.push(deviceNode(i, n, '\t\t\t'));
      parts.push('\t\t};\n');
    }
  }
  parts.push('\t};\n};\n');
  return parts.join('');
}

/** Total node count of the tree syntheticDts builds (root, soc, buses, devices). */
export function syntheticNodeCount(opts: SyntheticTreeOptions): number {
  const perBus = opts.perBus ?? 1000;
  const buses = perBus <= 0 ? 0 : Math.ceil(opts.devices / perBus);
  return 2 + buses + opts.devices;
}
