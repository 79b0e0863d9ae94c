/**
 * What a domain may do. dom0less and the 2025 Hyperlaunch series use one
 * `capabilities` bitfield (xen/include/public/bootfdt.h); the Hyperlaunch
 * design document splits it into `permissions` (control, hardware) and
 * `functions` (xenstore plus boot, crash, console, legacy dom0). The model
 * keeps capabilities for the three roles and functions for the rest.
 */
export interface Capabilities {
  control: boolean;
  hardware: boolean;
  xenstore: boolean;
}

export const CAP_CONTROL = 0x1;
export const CAP_HARDWARE = 0x2;
export const CAP_XENSTORE = 0x4;
export const CAP_MASK = 0x7;

export function capabilitiesFromBits(bits: number): Capabilities {
  return { control: (bits & CAP_CONTROL) !== 0, hardware: (bits & CAP_HARDWARE) !== 0, xenstore: (bits & CAP_XENSTORE) !== 0 };
}

export function capabilityBits(c: Capabilities): number {
  return (c.control ? CAP_CONTROL : 0) | (c.hardware ? CAP_HARDWARE : 0) | (c.xenstore ? CAP_XENSTORE : 0);
}

export const ALL_CAPABILITIES: Capabilities = { control: true, hardware: true, xenstore: true };

/** Hyperlaunch design document `permissions` bits. */
export const PERMISSION_CONTROL = 1 << 0;
export const PERMISSION_HARDWARE = 1 << 1;

/** Hyperlaunch design document `functions` bits (`>>> 0`: bit 31 is set). */
export const FUNCTION_BOOT = 1 << 0;
export const FUNCTION_CRASH = 1 << 1;
export const FUNCTION_CONSOLE = 1 << 2;
export const FUNCTION_XENSTORE = 1 << 30;
export const FUNCTION_LEGACY_DOM0 = (1 << 31) >>> 0;

/** The design document's functions other than xenstore (which is a capability). */
export interface Functions {
  boot: boolean;
  crash: boolean;
  console: boolean;
  legacyDom0: boolean;
}

export function functionsFromBits(bits: number): Functions {
  return {
    boot: (bits & FUNCTION_BOOT) !== 0,
    crash: (bits & FUNCTION_CRASH) !== 0,
    console: (bits & FUNCTION_CONSOLE) !== 0,
    legacyDom0: (bits & FUNCTION_LEGACY_DOM0) !== 0,
  };
}

export function functionBits(f: Functions): number {
  return ((f.boot ? FUNCTION_BOOT : 0) | (f.crash ? FUNCTION_CRASH : 0) | (f.console ? FUNCTION_CONSOLE : 0) | (f.legacyDom0 ? FUNCTION_LEGACY_DOM0 : 0)) >>> 0;
}

export function hasAnyFunction(f: Functions): boolean {
  return f.boot || f.crash || f.console || f.legacyDom0;
}

/**
 * Guest type. `pv` = BUILD_MODE_PARAVIRT, `hvm` = PV clear + ENABLE_DM,
 * `pvh` = neither. `longMode` is the design document's MODE_LONG (64-bit);
 * the 2025 series ignores that bit.
 */
export interface DomainMode {
  guest: 'pv' | 'pvh' | 'hvm';
  longMode?: boolean;
}

export const MODE_PARAVIRT = 1 << 0;
export const MODE_ENABLE_DM = 1 << 1;
export const MODE_LONG = 1 << 2;

export function modeBits(m: DomainMode): number {
  const guest = m.guest === 'pv' ? MODE_PARAVIRT : m.guest === 'hvm' ? MODE_ENABLE_DM : 0;
  return guest | (m.longMode ? MODE_LONG : 0);
}
