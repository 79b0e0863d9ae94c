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
  return `${out.join('\n')}\n`;
}
