/**
 * Xen release numbers (`4.17`), compared numerically so that `4.9` < `4.17`.
 * Binding features carry the first release that reads them (reference §5),
 * because an older Xen silently ignores what it does not know.
 */
export type XenVersion = string;

const VERSION = /^(\d+)\.(\d+)$/;

/** [major, minor] of a release string; throws on anything but `N.M`. */
export function parseXenVersion(v: XenVersion): [number, number] {
  const m = VERSION.exec(v);
  if (!m) throw new RangeError(`not a Xen version (expected N.M, e.g. 4.17): ${v}`);
  return [Number(m[1]), Number(m[2])];
}

/** Negative, zero or positive like a sort comparator. */
export function compareXenVersions(a: XenVersion, b: XenVersion): number {
  const [am, an] = parseXenVersion(a);
  const [bm, bn] = parseXenVersion(b);
  return am !== bm ? am - bm : an - bn;
}

/** Whether a feature first released in `since` is read by `target`. */
export function isSupportedBy(since: XenVersion, target: XenVersion): boolean {
  return compareXenVersions(since, target) <= 0;
}
