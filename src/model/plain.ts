/**
 * The model as plain JSON-safe data, for `show --json` and snapshots:
 * bigints as `0x…` strings (addresses and sizes are read in hex), unknown
 * property values as hex bytes, unknown nodes as their path-free outline;
 * source details (origins, positions) and the host tree are left out.
 */
import type { Node } from '../fdt/tree/livetree.js';
import type { BootModel } from './boot-model.js';

function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function outline(n: Node): unknown {
  return {
    name: n.name,
    properties: Object.fromEntries(Array.from(n.liveProperties(), (p) => [p.name, hexBytes(p.bytes)])),
    children: Array.from(n.liveChildren(), outline),
  };
}

const SKIP = new Set(['origin', 'position', 'host']);

export function plainModel(model: BootModel): unknown {
  return JSON.parse(
    JSON.stringify(model, (key, v: unknown) => {
      if (SKIP.has(key)) return undefined;
      if (typeof v === 'bigint') return `0x${v.toString(16)}`;
      if (key === 'value' && v && typeof v === 'object' && 'bytes' in v) return hexBytes((v as { bytes: Uint8Array }).bytes);
      if (key === 'node' && v && typeof v === 'object' && 'liveChildren' in v) return outline(v as Node);
      return v;
    }),
  );
}
