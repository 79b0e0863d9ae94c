/**
 * A guest's initramfs: static busybox and an /init that prints the domain's
 * own marker, so the serial log shows which domain reached user space.
 */
import { gzipSync } from 'node:zlib';
import { type CpioEntry, writeCpioNewc } from './cpio-newc.js';

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

/**
 * /init: mount proc and sys, print the marker with the running kernel, then
 * idle — init must never exit, or the kernel panics.
 */
export function initScript(domainName: string): string {
  return [
    '#!/bin/sh',
    '/bin/busybox mount -t proc proc /proc',
    '/bin/busybox mount -t sysfs sysfs /sys',
    `echo "${markerLine(domainName)} kernel=$(/bin/busybox uname -r)"`,
    'while :; do /bin/busybox sleep 3600; done',
    '',
  ].join('\n');
}

/** The cpio entries (uncompressed), for inspection and tests. */
export function initramfsEntries(busybox: Uint8Array, domainName: string): CpioEntry[] {
  return [
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'dev' },
    { type: 'dir', path: 'proc' },
    { type: 'dir', path: 'sys' },
    // Without /dev/console the kernel opens no stdin/stdout for init: the marker would be lost.
    { type: 'char', path: 'dev/console', major: 5, minor: 1, mode: 0o600 },
    { type: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
    { type: 'file', path: 'init', data: new TextEncoder().encode(initScript(domainName)), mode: 0o755 },
  ];
}

/** gzip'd newc cpio, as the kernel's RD_GZIP unpacks it. */
export function buildInitramfs(busybox: Uint8Array, domainName: string): Uint8Array {
  return gzipSync(writeCpioNewc(initramfsEntries(busybox, domainName)), { level: 9 });
}
