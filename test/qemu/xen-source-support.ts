/**
 * Upstream Xen 4.22 built from ../shared/xen-src (or $HYPERLAUNCH_XEN_SRC)
 * for the tests: the release build and the early-printk build, cached by
 * xenBuildCacheDir. The source is test data beside the project, not in a
 * user's clone: without it, or without the cross compiler, tests print SKIP.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isQemuError } from '../../src/qemu/errors.js';
import { XEN_BUILD_PACKAGES, type XenSourceBuild, buildXenFromSource, missingBuildTool } from '../../src/qemu/xen-source-build.js';
import { repoRoot } from '../support/paths.js';

export const xenSourceDir = process.env.HYPERLAUNCH_XEN_SRC ?? resolve(repoRoot, '..', 'shared', 'xen-src');
export const XEN_TARBALL = join(xenSourceDir, 'xen-4.22.0-hypervisor.tar.xz');
export const RELEASE_FRAGMENT = join(xenSourceDir, 'xen-4.22-probe.config');
export const EARLY_PRINTK_FRAGMENT = join(xenSourceDir, 'xen-4.22-probe-earlyprintk.config');

export interface Xen422 {
  release?: XenSourceBuild;
  earlyPrintk?: XenSourceBuild;
  missing?: string;
}

let built: Xen422 | undefined;

/** Both builds (minutes the first time on a machine, then cached), or why they cannot be made here. */
export function xen422Builds(): Xen422 {
  built ??= makeBuilds();
  return built;
}

function makeBuilds(): Xen422 {
  for (const f of [XEN_TARBALL, RELEASE_FRAGMENT, EARLY_PRINTK_FRAGMENT]) {
    if (!existsSync(f)) return { missing: `${f} is absent (upstream Xen source is test data beside the project; set HYPERLAUNCH_XEN_SRC to its directory)` };
  }
  const tool = missingBuildTool();
  if (tool) return { missing: `${tool} is not installed, cannot build Xen 4.22 (apt-get install ${XEN_BUILD_PACKAGES})` };
  const log = (l: string): void => console.log(`xen 4.22 build: ${l}`);
  try {
    return {
      release: buildXenFromSource({ tarball: XEN_TARBALL, fragment: RELEASE_FRAGMENT, log }),
      earlyPrintk: buildXenFromSource({ tarball: XEN_TARBALL, fragment: EARLY_PRINTK_FRAGMENT, log }),
    };
  } catch (e) {
    // A failed build is a finding, not a reason to skip.
    if (isQemuError(e) && e.code === 'XEN_BUILD_TOOLS_MISSING') return { missing: e.message };
    throw e;
  }
}
