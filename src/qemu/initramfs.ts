/**
 * A guest's initramfs: static busybox and an /init that prints the domain's
 * own marker, so the serial log shows which domain reached user space.
 */
import { gzipSync } from 'node:zlib';
import { type CpioEntry, writeCpioNewc } from './cpio-newc.js';
import { QemuError } from './errors.js';

/** What /init prints; the serial-log reader looks for it. */
export const MARKER_PREFIX = 'HYPERLAUNCH-MARKER';

/**
 * The token a domain's marker carries. Domain names come from user input and
 * end up in a shell script run by the guest, so only a safe alphabet survives.
 */
export function markerToken(domainName: string): string {
  const t = domainName.replace(/[^A-Za-z0-9_.-]/g, '_');
  return t === '' ? '_' : t;
}

export function markerLine(domainName: string): string {
  return `${MARKER_PREFIX} ${markerToken(domainName)} up`;
}

/** What /init prints, before the marker, for each device-tree path it was asked about. */
export const DT_REPORT_PREFIX = 'HYPERLAUNCH-DT';

export interface InitramfsOptions {
  /**
   * Device-tree paths (`/passthrough/pl061@9030000`) the guest reports on,
   * one `HYPERLAUNCH-DT <token> <path> present|absent` line each, from
   * /proc/device-tree: proof of what Xen put in the guest's tree. Printed
   * before the marker, so a log cut at the marker holds them; without paths
   * the script is byte for byte the default one.
   */
  reportDtPaths?: readonly string[];
}

export function dtReportLine(domainName: string, path: string, present: boolean): string {
  return `${DT_REPORT_PREFIX} ${markerToken(domainName)} ${path} ${present ? 'present' : 'absent'}`;
}

/** Node names' own alphabet (and '/'): the path goes into a shell script unquoted by anything else. */
const DT_PATH = /^(\/[A-Za-z0-9,._+@-]+)+$/;

function dtReportCommands(domainName: string, paths: readonly string[]): string[] {
  return paths.map((path) => {
    if (!DT_PATH.test(path)) {
      throw new QemuError('BAD_DT_PATH', `cannot report device-tree path ${JSON.stringify(path)}`, { hint: 'give an absolute node path made of node-name characters, e.g. /passthrough/pl061@9030000' });
    }
    const yes = dtReportLine(domainName, path, true);
    const no = dtReportLine(domainName, path, false);
    return `if /bin/busybox test -e "/proc/device-tree${path}"; then echo "${yes}"; else echo "${no}"; fi`;
  });
}

/**
 * /init: mount proc and sys, report the asked-for device-tree paths, print
 * the marker with the running kernel, then idle — init must never exit, or
 * the kernel panics.
 */
export function initScript(domainName: string, opts: InitramfsOptions = {}): string {
  return [
    '#!/bin/sh',
    '/bin/busybox mount -t proc proc /proc',
    '/bin/busybox mount -t sysfs sysfs /sys',
    ...dtReportCommands(domainName, opts.reportDtPaths ?? []),
    `echo "${markerLine(domainName)} kernel=$(/bin/busybox uname -r)"`,
    'while :; do /bin/busybox sleep 3600; done',
    '',
  ].join('\n');
}

/** The cpio entries (uncompressed), for inspection and tests. */
export function initramfsEntries(busybox: Uint8Array, domainName: string, opts: InitramfsOptions = {}): CpioEntry[] {
  return [
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'dev' },
    { type: 'dir', path: 'proc' },
    { type: 'dir', path: 'sys' },
    // Without /dev/console the kernel opens no stdin/stdout for init: the marker would be lost.
    { type: 'char', path: 'dev/console', major: 5, minor: 1, mode: 0o600 },
    { type: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
    { type: 'file', path: 'init', data: new TextEncoder().encode(initScript(domainName, opts)), mode: 0o755 },
  ];
}

/** gzip'd newc cpio, as the kernel's RD_GZIP unpacks it. */
export function buildInitramfs(busybox: Uint8Array, domainName: string, opts: InitramfsOptions = {}): Uint8Array {
  return gzipSync(writeCpioNewc(initramfsEntries(busybox, domainName, opts)), { level: 9 });
}
