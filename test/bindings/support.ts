/**
 * Test support for the bindings: fixture trees in the three shapes a tool
 * meets (freshly parsed DTS with unresolved references, dtc-checked tree,
 * DTB), and a plain view of a model with the source details (origins,
 * positions, exact compatibles) left out, for semantic comparisons.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDtc } from '../../src/fdt/dtc.js';
import { parseDts } from '../../src/fdt/dts/parser.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { writeDtb } from '../../src/fdt/dtb/write.js';
import type { DeviceTree, Node } from '../../src/fdt/tree/livetree.js';
import type { BootModel } from '../../src/model/boot-model.js';
import { repoRoot } from '../support/paths.js';

export function fixturePath(name: string): string {
  return name.startsWith('examples/') ? join(repoRoot, name) : join(repoRoot, 'test', 'bindings', 'fixtures', name);
}

export function fixtureSource(name: string): Uint8Array {
  return readFileSync(fixturePath(name));
}

export function parsed(name: string): DeviceTree {
  return parseDts(fixtureSource(name), { file: name });
}

export function compiled(name: string): DeviceTree {
  const r = runDtc(fixtureSource(name), { file: name });
  if (!r.tree) throw new Error(`${name}: ${r.messages.join('\n')}`);
  return r.tree;
}

export function fromDtb(name: string): DeviceTree {
  return readDtb(writeDtb(compiled(name)));
}

/** The three shapes of one fixture, labelled. */
export function shapes(name: string): [string, DeviceTree][] {
  return [
    ['parsed DTS', parsed(name)],
    ['dtc-checked DTS', compiled(name)],
    ['DTB', fromDtb(name)],
  ];
}

export function dts(text: string, file = 'test.dts'): DeviceTree {
  return parseDts(text, { file });
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function nodeView(n: Node): unknown {
  return {
    name: n.name,
    props: Object.fromEntries(Array.from(n.liveProperties(), (p) => [p.name, hex(p.bytes)])),
    children: Array.from(n.liveChildren(), nodeView),
  };
}

const DROP = new Set(['origin', 'position', 'compatible', 'implicitKind', 'host', 'interface', 'hyperlaunchForm', 'target']);

/** What a model means, as plain data. */
export function semantic(model: BootModel): unknown {
  return JSON.parse(
    JSON.stringify(model, (key, v: unknown) => {
      if (DROP.has(key)) return undefined;
      // phandle values are plumbing: dtc adds them to referenced nodes, writers allocate them.
      if (key === 'unknownProperties' && Array.isArray(v)) return (v as { name: string }[]).filter((p) => p.name !== 'phandle' && p.name !== 'linux,phandle');
      if (typeof v === 'bigint') return `${v}n`;
      if (key === 'value' && v && typeof v === 'object' && 'bytes' in v) return hex((v as { bytes: Uint8Array }).bytes);
      if (key === 'node' && v && typeof v === 'object' && 'liveChildren' in v) return nodeView(v as Node);
      return v;
    }),
  );
}

export const DOM0LESS_FIXTURES = ['examples/qemu-dom0less.dts', 'dom0less-full.dts', 'imagebuilder-dom0less.dts', 'booting-txt-example.dts'];
export const HYPERLAUNCH_FIXTURES = ['hyperlaunch-design.dts', 'hyperlaunch-x86-dom0.dts', 'hyperlaunch-disaggregated.dts'];
