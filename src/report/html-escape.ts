/** Every user string on the page (names, paths, messages, bootargs) goes through here: text and attribute values alike. */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** The link target of a domain row. */
export function domainAnchor(name: string): string {
  return `domain-${name}`;
}

/** `class="a b"` from the classes that apply. */
export function classes(...names: (string | false | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}

/** The attributes and link of an element drawn because of findings: its first finding is the one it links to. */
export function errorMark(findings: readonly string[]): { attrs: string; href?: string } {
  if (findings.length === 0) return { attrs: '' };
  return { attrs: ` data-finding="${esc(findings[0]!)}"`, href: `#${findings[0]!}` };
}

/** A tooltip's finding lines: the first few, then how many more (an overlap in a 256-bank map can name hundreds). */
export function findingLines(ids: readonly string[], messages: ReadonlyMap<string, string>, max = 5): string[] {
  const lines = ids.slice(0, max).map((id) => `${id}: ${messages.get(id) ?? ''}`);
  return ids.length > max ? [...lines, `and ${ids.length - max} more`] : lines;
}
