/**
 * An ImageBuilderConfig back as a config file: every variable that is set,
 * in the order of the reference's §2 tables, each value double-quoted with
 * bash's escapes so that reading it back (or sourcing it) gives the same.
 */
import { DOMU_FIELDS, GLOBAL_FIELDS, type ImageBuilderConfig } from './config.js';

export function quoteShell(value: string): string {
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

export function writeImageBuilderConfig(cfg: ImageBuilderConfig): string {
  const out: string[] = [];
  const g = cfg as unknown as Record<string, string | undefined>;
  for (const [field, name] of GLOBAL_FIELDS) {
    if (g[field] !== undefined) out.push(`${name}=${quoteShell(g[field]!)}`);
  }
  cfg.dtOverlays.forEach((v, i) => v !== undefined && out.push(`DT_OVERLAY[${i}]=${quoteShell(v)}`));
  cfg.cpupools.forEach((v, i) => v !== undefined && out.push(`CPUPOOL[${i}]=${quoteShell(v)}`));
  for (const d of cfg.domus) {
    const r = d as unknown as Record<string, string | undefined>;
    for (const [field, name] of DOMU_FIELDS) {
      if (r[field] !== undefined) out.push(`${name}[${d.index}]=${quoteShell(r[field]!)}`);
    }
  }
  // disk_image-only and unknown variables (GPT, BOOT_AUX_FILE[n], ...) go back as read
  const known = new Set([...GLOBAL_FIELDS.map(([, n]) => n), ...DOMU_FIELDS.map(([, n]) => n), 'CPUPOOL', 'DT_OVERLAY']);
  for (const [name, v] of cfg.variables) {
    if (known.has(name)) continue;
    for (const [key, value] of v) out.push(`${key === '0' ? name : `${name}[${key}]`}=${quoteShell(value)}`);
  }
  return `${out.join('\n')}\n`;
}
