/**
 * Upstream Xen 4.22 built from ../shared/xen-src (through the one ../shared
 * resolver, so HYPERLAUNCH_SHARED_DIR moves it) for the tests: the release
 * build and the early-printk build, cached by xenBuildCacheDir. The source is
 * test data beside the project, not in a user's clone: without it, or
 * without the build tools, tests print SKIP.
 */
import { isQemuError } from '../../src/qemu/errors.js';
import { XEN_BUILD_PACKAGES, type XenSourceBuild, buildXenFromSource, missingBuildTool } from '../../src/qemu/xen-source-build.js';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';
import { sharedAbsent, sharedPath } from '../support/shared.js';
import { skipReason } from '../support/skip.js';

const XEN_SRC = 'xen-src';
const TARBALL = `${XEN_SRC}/xen-4.22.0-hypervisor.tar.xz`;
const RELEASE = `${XEN_SRC}/xen-4.22-probe.config`;
const EARLY_PRINTK = `${XEN_SRC}/xen-4.22-probe-earlyprintk.config`;

export const XEN_TARBALL = sharedPath(TARBALL);
export const RELEASE_FRAGMENT = sharedPath(RELEASE);
export const EARLY_PRINTK_FRAGMENT = sharedPath(EARLY_PRINTK);
/** The project's own third fragment: debug, LLC colouring and SVE on, with early printk (fidelity-cases-422.ts). */
export const DEBUG_FRAGMENT = join(repoRoot, 'test', 'qemu', 'fixtures', 'xen-4.22-debug-llc-sve.config');

export interface Xen422 {
  release?: XenSourceBuild;
  earlyPrintk?: XenSourceBuild;
  /** DEBUG, LLC_COLORING and ARM64_SVE on, early printk: for the rules the two probe builds cannot show. */
  debug?: XenSourceBuild;
  /** Why there are no builds, as skipNotice's reason. */
  missing?: string;
}

const WHAT = 'upstream Xen 4.22 built from source';

let built: Xen422 | undefined;

/** The three builds (minutes the first time on a machine, then cached), or why they cannot be made here. */
export function xen422Builds(): Xen422 {
  built ??= makeBuilds();
  return built;
}

function makeBuilds(): Xen422 {
  for (const rel of [TARBALL, RELEASE, EARLY_PRINTK]) {
    const absent = sharedAbsent(rel);
    if (absent) return { missing: skipReason(WHAT, absent) };
  }
  const tool = missingBuildTool();
  if (tool) return { missing: skipReason(WHAT, `${tool} is not installed (apt-get install ${XEN_BUILD_PACKAGES})`) };
  const log = (l: string): void => console.log(`xen 4.22 build: ${l}`);
  try {
    return {
      release: buildXenFromSource({ tarball: XEN_TARBALL, fragment: RELEASE_FRAGMENT, log }),
      earlyPrintk: buildXenFromSource({ tarball: XEN_TARBALL, fragment: EARLY_PRINTK_FRAGMENT, log }),
      debug: buildXenFromSource({ tarball: XEN_TARBALL, fragment: DEBUG_FRAGMENT, log }),
    };
  } catch (e) {
    // A failed build is a finding, not a reason to skip.
    if (isQemuError(e) && e.code === 'XEN_BUILD_TOOLS_MISSING') return { missing: skipReason(WHAT, e.message) };
    throw e;
  }
}
