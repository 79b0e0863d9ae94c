/**
 * dom0's initramfs for an x86 boot with late launch: busybox, the Xen
 * kernel modules the toolstack needs, Debian's xl, xenstored, xenconsoled
 * and xen-init-dom0 with every library they load, one xl.cfg per late
 * domain with its kernel and initramfs, and an /init that starts the
 * toolstack and creates the domains in order (writeLateLaunchScript's
 * script, the reference's measured recipe). Each late domain's console reaches the serial line through dom0:
 * xenconsoled logs it to a file, and /init copies every line to its own
 * console as `HYPERLAUNCH-CONSOLE <domid> <text>` (serial-log.ts reads it
 * back as that domain's console).
 */
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CpioEntry, writeCpioNewc } from './cpio-newc.js';
import { libraryClosure } from './elf-needed.js';
import { markerLine, markerToken } from './initramfs.js';
import type { X86GuestBinaries } from './guest-packages-x86.js';
import { LATE_CONSOLE_PREFIX, LATE_CREATED_PREFIX } from './late-console.js';
import { QemuError } from './errors.js';
import { LATE_LAUNCH_DEFAULTS, XEN_DOM0_MODULES as DOM0_XEN_MODULES, xlConfigName } from '../artifacts/x86/late-launch-script.js';

/** The real binaries (Debian's /usr/sbin/xl is a shell wrapper choosing the version). */
export const XEN_TOOLS_DIR = 'usr/lib/xen-4.17/bin';
export const XEN_TOOLS = ['xl', 'xenstored', 'xenconsoled', 'xen-init-dom0', 'libxl-save-helper'] as const;
/** Where each module lives under lib/modules/<release>/kernel. */
const MODULE_DIRS: Record<(typeof DOM0_XEN_MODULES)[number], string> = {
  'xen-evtchn': 'drivers/xen', 'xen-privcmd': 'drivers/xen', 'xen-gntdev': 'drivers/xen', 'xen-gntalloc': 'drivers/xen', xenfs: 'drivers/xen/xenfs',
};

/** A file dom0 needs at a fixed path (a late domain's kernel, its initramfs). */
export interface Dom0File {
  /** Absolute path inside dom0 ("/boot/domu1/vmlinuz"). */
  path: string;
  data: Uint8Array;
}

/** The same bytes at a second path: a symlink to the first (every late domain boots one kernel). */
export interface Dom0Link {
  path: string;
  /** Absolute path inside dom0 of the file it stands for. */
  target: string;
}

export interface LateGuest {
  name: string;
  /** The xl.cfg text. */
  xlConfig: string;
  /** Files its xl.cfg names, at the paths it names them. */
  files: (Dom0File | Dom0Link)[];
}

export interface X86Dom0InitramfsInput {
  guest: X86GuestBinaries;
  dom0Name: string;
  /** In `xl create` order. */
  late: readonly LateGuest[];
  /** The start-up script (writeLateLaunchScript's). */
  lateLaunchScript: string;
}

/** Where the start-up script and the xl.cfg files go (the script's default XL_DIR). */
export const LATE_LAUNCH_DIR = LATE_LAUNCH_DEFAULTS.xlDir;
export const LATE_LAUNCH_SCRIPT = `${LATE_LAUNCH_DIR}/late-launch.sh`;

/** The sh word for a path or name: quoted so that a space cannot split it. */
function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * After the start-up script: each domain `xl` knows is announced with its
 * domid and its console log (written by xenconsoled once the domain's console
 * is up; tail -f would give up on a missing file) is copied to dom0's console.
 */
function relayCommands(name: string): string[] {
  const token = markerToken(name);
  const log = `${LATE_LAUNCH_DEFAULTS.consoleLogDir}/guest-${name}.log`;
  return [
    `if d=$(xl domid ${sq(name)} 2>/dev/null); then`,
    `  echo "${LATE_CREATED_PREFIX} ${token} created domid=$d"`,
    `  (while [ ! -e ${sq(log)} ]; do sleep 0.2; done; tail -n +1 -f ${sq(log)} | while IFS= read -r l; do echo "${LATE_CONSOLE_PREFIX} $d $l"; done) &`,
    'else',
    `  echo "${LATE_CREATED_PREFIX} ${token} failed"`,
    'fi',
  ];
}

/**
 * /init: busybox's applets and the mounts every Linux init makes, dom0's
 * marker (so dom0 is judged apart from its guests), the plan's late-launch
 * script (modules, xenfs, devpts, xenstored → xen-init-dom0 → xenconsoled →
 * xl create in order), then the console relay of each late domain.
 */
export function x86Dom0InitScript(dom0Name: string, late: readonly string[]): string {
  return [
    '#!/bin/busybox sh',
    '/bin/busybox --install -s /bin',
    `export PATH=/bin:/${XEN_TOOLS_DIR}`,
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    'mount -t devtmpfs devtmpfs /dev',
    `echo "${markerLine(dom0Name)} kernel=$(uname -r)"`,
    ...(late.length > 0 ? [`sh ${LATE_LAUNCH_SCRIPT}`, ...late.flatMap(relayCommands)] : []),
    'while :; do sleep 3600; done',
    '',
  ].join('\n');
}

/** Parents first, as the kernel unpacks a cpio. */
function directories(paths: readonly string[]): CpioEntry[] {
  const dirs = new Set<string>();
  for (const p of paths) {
    const parts = p.replace(/^\/+/, '').split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort().map((path) => ({ type: 'dir', path }));
}

function checkLatePath(name: string, path: string): void {
  if (!/^(\/[A-Za-z0-9_.+@,-]+)+$/.test(path) || path.split('/').includes('..')) {
    throw new QemuError('BAD_GUEST_PATH', `late domain ${name}: cannot place ${JSON.stringify(path)} in dom0's initramfs`, { hint: 'give an absolute path of plain file-name characters' });
  }
}

/** The cpio entries (uncompressed), for inspection and tests. */
export function x86Dom0InitramfsEntries(input: X86Dom0InitramfsInput): CpioEntry[] {
  const { guest } = input;
  const files = new Map<string, CpioEntry>();
  const add = (e: CpioEntry): void => void files.set(e.path.replace(/^\/+/, ''), { ...e, path: e.path.replace(/^\/+/, '') });
  add({ type: 'file', path: 'bin/busybox', data: readFileSync(guest.busybox), mode: 0o755 });
  add({ type: 'symlink', path: 'bin/sh', target: 'busybox' });
  for (const t of XEN_TOOLS) add({ type: 'file', path: `${XEN_TOOLS_DIR}/${t}`, data: readFileSync(join(guest.root, XEN_TOOLS_DIR, t)), mode: 0o755 });
  for (const lib of libraryClosure(guest.root, XEN_TOOLS.map((t) => `${XEN_TOOLS_DIR}/${t}`), ['libgcc_s.so.1'])) {
    add({ type: 'file', path: lib.path, data: readFileSync(lib.source), mode: 0o755 });
  }
  for (const m of DOM0_XEN_MODULES) {
    const rel = `kernel/${MODULE_DIRS[m]}/${m}.ko`;
    add({ type: 'file', path: `lib/modules/${guest.kernelRelease}/${rel}`, data: readFileSync(join(guest.modules, rel)) });
  }
  for (const d of input.late) {
    add({ type: 'file', path: `${LATE_LAUNCH_DIR}/${xlConfigName(d.name)}`, data: new TextEncoder().encode(d.xlConfig) });
    for (const f of d.files) {
      checkLatePath(d.name, f.path);
      add('target' in f ? { type: 'symlink', path: f.path, target: f.target } : { type: 'file', path: f.path, data: f.data });
    }
  }
  add({ type: 'file', path: LATE_LAUNCH_SCRIPT, data: new TextEncoder().encode(input.lateLaunchScript), mode: 0o755 });
  add({ type: 'file', path: 'init', data: new TextEncoder().encode(x86Dom0InitScript(input.dom0Name, input.late.map((d) => d.name))), mode: 0o755 });
  const paths = [...files.keys()];
  const fixed: CpioEntry[] = [
    ...directories([...paths, 'dev/x', 'proc/x', 'sys/x', 'tmp/x']),
    // Without /dev/console the kernel opens no stdin/stdout for init: the marker would be lost.
    { type: 'char', path: 'dev/console', major: 5, minor: 1, mode: 0o600 },
  ];
  return [...fixed, ...paths.sort().map((p) => files.get(p)!)];
}

/** gzip'd newc cpio. Level 6: most of it is an already compressed bzImage, level 9 would only cost time. */
export function buildX86Dom0Initramfs(input: X86Dom0InitramfsInput): Uint8Array {
  return gzipSync(writeCpioNewc(x86Dom0InitramfsEntries(input)), { level: 6 });
}
