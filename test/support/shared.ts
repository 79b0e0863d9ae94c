/**
 * The project's sibling folder of reference material, `../shared` (recorded
 * ImageBuilder outputs, dtc's test sources, Xen's source): the developers'
 * checkout and CI have it, a user's clone does not. Every test reads it
 * through here, so its absence is a printed skip and never an ENOENT.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from './paths.js';
import { type Skippable, skipLine, skipNotice } from './skip.js';

/** HYPERLAUNCH_SHARED_DIR points elsewhere when the folder is not beside the checkout. */
export const sharedRoot = process.env['HYPERLAUNCH_SHARED_DIR'] ? resolve(process.env['HYPERLAUNCH_SHARED_DIR']) : resolve(repoRoot, '..', 'shared');

export function sharedPath(rel: string): string {
  return join(sharedRoot, rel);
}

/** Why ../shared/<rel> cannot be read here, or undefined when it can. */
export function sharedAbsent(rel: string): string | undefined {
  if (existsSync(sharedPath(rel))) return undefined;
  return `../shared/${rel} is absent (the project's sibling reference folder, which a plain clone lacks; HYPERLAUNCH_SHARED_DIR can point to it)`;
}

/** The path of ../shared/<rel>, or undefined once the test has printed its skip. */
export function needShared(t: Skippable, what: string, rel: string): string | undefined {
  const absent = sharedAbsent(rel);
  if (absent) {
    skipNotice(t, what, absent);
    return undefined;
  }
  return sharedPath(rel);
}

const noticed = new Set<string>();

/**
 * The path of ../shared/<rel> for a test that still runs without it, only
 * with less (fewer fuzz seeds): when absent, one printed notice per process
 * says what is left out.
 */
export function sharedOrNotice(leftOut: string, rel: string): string | undefined {
  const absent = sharedAbsent(rel);
  if (!absent) return sharedPath(rel);
  if (!noticed.has(leftOut)) console.log(skipLine(leftOut, absent));
  noticed.add(leftOut);
  return undefined;
}

/** dtc's own test sources, the oracle corpus of the fdt tests. */
export const DTC_TESTS = 'corpus/dtc-tests';
/** ImageBuilder 2023.2's recorded outputs, the golden files of the build tests. */
export const IMAGEBUILDER_GOLDEN = 'reference/imagebuilder-golden';
