/** One line of the doctor's answer: a tool or file, whether it is usable, and how to fix it. */
export type ItemKind = 'command' | 'file' | 'architecture' | 'cache';

/** ok: usable; missing: not found; broken: found but the probe failed (e.g. QEMU will not start). */
export type ItemStatus = 'ok' | 'missing' | 'broken';

export interface DoctorItem {
  name: string;
  kind: ItemKind;
  /** The Debian package that provides it, when there is one. */
  package?: string;
  /** What it enables in hyperlaunch or its test suite. */
  feature: string;
  /** Whether the machine counts as unusable without it (the suite or `qemu` would lose a feature). */
  required: boolean;
  status: ItemStatus;
  version?: string;
  /** Where it was found. */
  path?: string;
  /** Why it is missing or broken, or a note on what it is for. */
  detail?: string;
  /** The exact command that installs or repairs it. */
  fix?: string;
}

export interface DoctorReport {
  /** Every required item is ok. */
  usable: boolean;
  items: DoctorItem[];
}
