/**
 * The Xen the configuration is checked for: a release number, and when
 * known the build's Kconfig choices. A feature compiled out of the build
 * is not "newer than the target": Xen either panics on it or ignores it,
 * so the checker treats it as an error for that build.
 */
import { type XenVersion, compareXenVersions, parseXenVersion } from '../model/version.js';

export interface XenBuild {
  version: XenVersion;
  /** Display name: `4.17`, `Debian 4.17`. */
  label: string;
  /** Kconfig options known to be on; undefined = unknown build (no build rules fire). */
  kconfig?: ReadonlySet<string>;
  /** Schedulers compiled in; undefined = unknown. */
  schedulers?: readonly string[];
  /** The same release's x86 build, when it differs and is known (Debian ships both). */
  x86Kconfig?: ReadonlySet<string>;
}

/**
 * Debian bookworm's xen-hypervisor-4.17-arm64 (4.17.7+13-g2445b30a44-0+deb12u1),
 * /boot/xen-4.17-arm64.config: CONFIG_UNSUPPORTED is off, so STATIC_MEMORY and
 * STATIC_SHM (both "UNSUPPORTED") are off; BOOT_TIME_CPUPOOLS is not set;
 * schedulers credit and credit2 only (default credit2).
 */
const DEBIAN_417_KCONFIG = ['ARM_64', 'GICV3', 'HAS_PASSTHROUGH', 'ARM_SMMU', 'XSM', 'XSM_FLASK', 'XSM_SILO', 'SCHED_CREDIT', 'SCHED_CREDIT2', 'SBSA_VUART_CONSOLE'];

/**
 * Debian bookworm's xen-hypervisor-4.17-amd64, /boot/xen-4.17-amd64.config:
 * PV and HVM, but `# CONFIG_SHADOW_PAGING is not set` (PVH/HVM need HAP),
 * `# CONFIG_XSM is not set`, `# CONFIG_PV32 is not set`.
 */
const DEBIAN_417_X86_KCONFIG = ['PV', 'HVM', 'HAS_PASSTHROUGH', 'SCHED_CREDIT', 'SCHED_CREDIT2'];

/** All schedulers Xen knows by name (xen/common/sched/*.c `opt_name`). */
export const ALL_SCHEDULERS = ['credit', 'credit2', 'rtds', 'arinc653', 'null'] as const;

/** `4.17` (an upstream release, build unknown) or `debian-4.17` (Debian's build). */
export function parseXenBuild(spec: string): XenBuild {
  const debian = /^debian-(.+)$/i.exec(spec);
  const version = debian ? debian[1]! : spec;
  parseXenVersion(version); // throws RangeError on a malformed version
  if (!debian) return { version, label: version };
  if (compareXenVersions(version, '4.17') !== 0) throw new RangeError(`no Kconfig facts for Debian's Xen ${version} (known: debian-4.17)`);
  return { version, label: `Debian ${version}`, kconfig: new Set(DEBIAN_417_KCONFIG), schedulers: ['credit', 'credit2'], x86Kconfig: new Set(DEBIAN_417_X86_KCONFIG) };
}

/** Whether the build has an option; unknown builds are assumed to have it. */
export function buildHas(build: XenBuild | undefined, option: string): boolean {
  return !build?.kconfig || build.kconfig.has(option);
}

/** Whether the x86 build has an option; unknown builds are assumed to have it. */
export function x86BuildHas(build: XenBuild | undefined, option: string): boolean {
  return !build?.x86Kconfig || build.x86Kconfig.has(option);
}
