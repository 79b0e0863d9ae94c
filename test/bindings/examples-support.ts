/**
 * The bundled examples and their hand-written expected models
 * (examples/expected/*.json). A model is compared through `expectedView`:
 * plainModel's JSON with empty lists and objects left out, unknown
 * properties and nodes by name only, and phandles (plumbing that dtc adds
 * to referenced nodes) ignored — so the expected files say what each
 * example means and nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';

export const examplesDir = join(repoRoot, 'examples');

/** Boot configurations, by file name; their interface decides which round trips apply. */
export const DOM0LESS_EXAMPLES = ['qemu-dom0less.dts', 'xen-ci-smoke.dts', 'true-dom0less.dts', 'static-memory.dts', 'static-shm-evtchn.dts', 'boot-cpupools.dts', 'passthrough.dts'];
export const HYPERLAUNCH_EXAMPLES = ['hyperlaunch-x86-dom0.dts', 'hyperlaunch-disaggregated.dts', 'x86-dom0-two-guests.dts'];
export const BOOT_EXAMPLES = [...DOM0LESS_EXAMPLES, ...HYPERLAUNCH_EXAMPLES];
/** Every DTS in examples/, including the partial device tree. */
export const ALL_EXAMPLE_SOURCES = [...BOOT_EXAMPLES, 'passthrough-partial.dts'];

export function examplePath(name: string): string {
  return join(examplesDir, name);
}

export function expectedFor(name: string): unknown {
  return JSON.parse(readFileSync(join(examplesDir, 'expected', name.replace(/\.dts$/, '.json')), 'utf8'));
}

const PLUMBING = new Set(['phandle', 'linux,phandle']);

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v as object).length === 0;
}

/** `plainModel` output (or any JSON) reduced as described above. */
export function expectedView(plain: unknown, drop: readonly string[] = []): unknown {
  if (Array.isArray(plain)) return plain.map((x) => expectedView(x, drop));
  if (!plain || typeof plain !== 'object') return plain;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(plain as Record<string, unknown>)) {
    if (drop.includes(k)) continue;
    let value: unknown = v;
    if (k === 'unknownProperties') value = (v as { name: string }[]).map((p) => p.name).filter((n) => !PLUMBING.has(n));
    else if (k === 'unknownNodes') value = (v as { node: { name: string } }[]).map((n) => n.node.name);
    else value = expectedView(v, drop);
    if (!isEmpty(value)) out[k] = value;
  }
  return out;
}
