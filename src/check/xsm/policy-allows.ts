/**
 * What a FLASK policy source allows: its `allow` rules and `type`
 * declarations, read from checkpolicy's policy language (plain rules, as
 * `hyperlaunch xsm` writes them and as m4 leaves a hand-written policy;
 * attributes and macros are not expanded, so they allow nothing here).
 */
export interface PolicyAllows {
  types: ReadonlySet<string>;
  /** Declared, or named in an allow rule. */
  mentions(type: string): boolean;
  /** `source target class perm` for every permission allowed. */
  has(source: string, target: string, cls: string, perm: string): boolean;
}

const ALLOW = /allow\s+(\S+)\s+(\S+?)\s*:\s*(\w+)\s*(\{[^}]*\}|\w+)\s*;/g;
const TYPE = /(?:^|\s)type\s+(\w+)/g;

function words(set: string): string[] {
  return set.replace(/[{}]/g, ' ').split(/\s+/).filter((w) => w !== '');
}

export function readPolicyAllows(source: string): PolicyAllows {
  const text = source.replace(/#.*$/gm, '');
  const allowed = new Set<string>();
  for (const m of text.matchAll(ALLOW)) {
    const [, s, t, c, perms] = m;
    for (const src of words(s!)) for (const tgt of words(t!)) for (const p of words(perms!)) allowed.add(`${src} ${tgt === 'self' ? src : tgt} ${c} ${p}`);
  }
  const types = new Set([...text.matchAll(TYPE)].map((m) => m[1]!));
  const named = new Set([...allowed].flatMap((k) => k.split(' ').slice(0, 2)));
  return { types, mentions: (t) => types.has(t) || named.has(t), has: (s, t, c, p) => allowed.has(`${s} ${t} ${c} ${p}`) };
}
