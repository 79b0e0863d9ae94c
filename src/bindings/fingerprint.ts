/**
 * A stable text form of a decoded model value. Two reads of differently
 * encoded but equal values (`vpl011;` and `vpl011 = <1>;`) give the same
 * fingerprint, which is how a writer knows it may reuse the source bytes.
 */
import { PropertyValue } from '../fdt/tree/data.js';

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function fingerprint(value: unknown): string {
  // Most values are scalars; for them the replacer below changes nothing but a bigint's form, and costs a closure call.
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      return JSON.stringify(`${value}n`);
  }
  // Likewise a list of strings (every `compatible`).
  if (Array.isArray(value) && value.every((x) => typeof x === 'string')) return JSON.stringify(value);
  return JSON.stringify(value, (key, v: unknown) => {
    if (key === 'origin') return undefined;
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Uint8Array) return hex(v);
    if (v instanceof PropertyValue) return hex(v.bytes);
    return v;
  });
}
