/**
 * dom0's initramfs for an x86 boot with late launch: busybox, the Xen
 * kernel modules the toolstack needs, Debian's xl, xenstored, xenconsoled
 * and xen-init-dom0 with every library they load, one xl.cfg per late
 * domain with its kernel and initramfs, and an /init that starts the
 * toolstack and creates the domains in order (the reference's measured
 * recipe). Each late domain's console reaches the serial line through dom0:
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

/** The real binaries (Debian's /usr/sbin/xl is a shell wrapper choosing the version). */
export const XEN_TOOLS_DIR = 'usr/lib/xen-4.17/bin';
export const XEN_TOOLS = ['xl', 'xenstored', 'xenconsoled', 'xen-init-dom0', 'libxl-save-helper'] as const;
/** In load order: xenfs needs privcmd's symbols. */
export const DOM0_XEN_MODULES = ['xen-evtchn', 'xen-privcmd', 'xen-gntdev', 'xen-gntalloc', 'xenfs'] as const;
/** Where each module lives under lib/modules/<release>/kernel. */
const MODULE_DIRS: Record<(typeof DOM0_XEN_MODULES)[number], string> = {
  'xen-evtchn': 'drivers/xen', 'xen-privcmd': 'drivers/xen', 'xen-gntdev': 'drivers/xen', 'xen-gntalloc': 'drivers/xen', xenfs: 'drivers/xen/xenfs',
};
export const XL_CONSOLE_LOG_DIR = '/var/log/xen/console';

/** A file dom0 needs at a fixed path (a late domain's kernel, its initramfs). */
export interface Dom0File {
  /** Absolute path inside dom0 ("/boot/domu1/vmlinuz"). */
  path: string;
  data: Uint8Array;
}

export interface LateGuest {
  name: string;
  /** The xl.cfg text. */
  xlConfig: string;
  /** Files its xl.cfg names, at the paths it names them. */
  files: Dom0File[];
}

export interface X86Dom0InitramfsInput {
  guest: X86GuestBinaries;
  dom0Name: string;
  /** In `xl create` order. */
  late: readonly LateGuest[];
}

/** A late domain's xl.cfg inside dom0. */
export function xlConfigPath(name: string): string {
  return `/etc/xen/${markerToken(name)}.cfg`;
}

/** The sh word for a path: every path here is ours or a plan's, still quoted so a space cannot split it. */
function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function createCommands(name: string): string[] {
  const token = markerToken(name);
  const log = `${XL_CONSOLE_LOG_DIR}/guest-${name}.log`;
  return [
    `if xl create ${sq(xlConfigPath(name))}; then`,
    `  d=$(xl domid ${sq(name)})`,
    `  echo "${LATE_CREATED_PREFIX} ${token} created domid=$d"`,
    // The log appears once xenconsoled has seen the domain's console; tail -f would give up on a missing file.
    `  (while [ ! -e ${sq(log)} ]; do sleep 0.2; done; tail -n +1 -f ${sq(log)} | while IFS= read -r l; do echo "${LATE_CONSOLE_PREFIX} $d $l"; done) &`,
    'else',
    `  echo "${LATE_CREATED_PREFIX} ${token} failed"`,
    'fi',
  ];
}

/**
 * /init: busybox's applets, the mounts the toolstack needs (devpts, or
 * xenconsoled cannot make a tty: "console tty: timed out"), the Xen modules,
 * xenfs, then xenstored → xen-init-dom0 → xenconsoled → xl create per
 * domain; dom0's marker first, so dom0 is judged apart from its guests.
 */
export function x86Dom0InitScript(dom0Name: string, kernelRelease: string, late: readonly string[]): string {
  const modules = DOM0_XEN_MODULES.map((m) => `insmod /lib/modules/${kernelRelease}/kernel/${MODULE_DIRS[m]}/${m}.ko`);
  return [
    '#!/bin/busybox sh',
    '/bin/busybox --install -s /bin',
    `export PATH=/bin:/${XEN_TOOLS_DIR}`,
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    'mount -t devtmpfs devtmpfs /dev',
    'mkdir -p /dev/pts && mount -t devpts devpts /dev/pts',
    `echo "${markerLine(dom0Name)} kernel=$(uname -r)"`,
    ...modules,
    'mkdir -p /proc/xen && mount -t xenfs xenfs /proc/xen',
    `mkdir -p /var/lib/xen /var/lib/xenstored /var/run/xen /var/run/xenstored /var/lock ${XL_CONSOLE_LOG_DIR}`,
    'xenstored --pid-file /var/run/xenstored.pid',
    'xen-init-dom0',
    `xenconsoled --log=guest --log-dir=${XL_CONSOLE_LOG_DIR}`,
    ...late.flatMap(createCommands),
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
    throw new QemuError('BAD_DT_PATH', `late domain ${name}: cannot place ${JSON.stringify(path)} in dom0's initramfs`, { hint: 'give an absolute path of plain file-name characters' });
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
    add({ type: 'file', path: xlConfigPath(d.name), data: new TextEncoder().encode(d.xlConfig) });
    for (const f of d.files) {
      checkLatePath(d.name, f.path);
      add({ type: 'file', path: f.path, data: f.data });
    }
  }
  add({ type: 'file', path: 'init', data: new TextEncoder().encode(x86Dom0InitScript(input.dom0Name, guest.kernelRelease, input.late.map((d) => d.name))), mode: 0o755 });
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
