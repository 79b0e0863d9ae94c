/**
 * The "newc" cpio format (magic 070701), the one the Linux kernel unpacks as
 * an initramfs: a 110-byte ASCII header of thirteen 8-digit hex fields, the
 * NUL-terminated name, padding to 4, the data, padding to 4; a TRAILER!!!
 * entry ends the archive. Owners are root and mtimes 0, so the same entries
 * give the same bytes.
 */
export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Uint8Array; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'char'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const TRAILER = 'TRAILER!!!';

interface Header {
  ino: number;
  mode: number;
  nlink: number;
  size: number;
  rdevMajor: number;
  rdevMinor: number;
}

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio field out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function headerBytes(h: Header, name: string): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const fields = [h.ino, h.mode, 0, 0, h.nlink, 0, h.size, 0, 0, h.rdevMajor, h.rdevMinor, nameBytes.length + 1, 0];
  const head = new TextEncoder().encode(`070701${fields.map(hex8).join('')}`);
  const out = new Uint8Array(head.length + nameBytes.length + 1 + pad4(head.length + nameBytes.length + 1));
  out.set(head);
  out.set(nameBytes, head.length);
  return out;
}

/** cpio paths are relative ("bin/sh"), as `find . | cpio -o` would give without the "./". */
function entryName(path: string): string {
  const name = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (name === '' || name.split('/').some((p) => p === '' || p === '.' || p === '..')) throw new RangeError(`bad cpio path: ${JSON.stringify(path)}`);
  return name;
}

function describe(e: CpioEntry): { header: Omit<Header, 'ino'>; data: Uint8Array } {
  switch (e.type) {
    case 'dir':
      return { header: { mode: S_IFDIR | (e.mode ?? 0o755), nlink: 2, size: 0, rdevMajor: 0, rdevMinor: 0 }, data: new Uint8Array(0) };
    case 'file':
      return { header: { mode: S_IFREG | (e.mode ?? 0o644), nlink: 1, size: e.data.length, rdevMajor: 0, rdevMinor: 0 }, data: e.data };
    case 'symlink': {
      const data = new TextEncoder().encode(e.target);
      return { header: { mode: S_IFLNK | 0o777, nlink: 1, size: data.length, rdevMajor: 0, rdevMinor: 0 }, data };
    }
    case 'char':
      return { header: { mode: S_IFCHR | (e.mode ?? 0o600), nlink: 1, size: 0, rdevMajor: e.major, rdevMinor: e.minor }, data: new Uint8Array(0) };
  }
}

/** The archive, entries in the given order (parents before children, as the kernel needs). */
export function writeCpioNewc(entries: readonly CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  entries.forEach((e, i) => {
    const { header, data } = describe(e);
    parts.push(headerBytes({ ino: i + 1, ...header }, entryName(e.path)));
    parts.push(data, new Uint8Array(pad4(data.length)));
  });
  parts.push(headerBytes({ ino: 0, mode: 0, nlink: 1, size: 0, rdevMajor: 0, rdevMinor: 0 }, TRAILER));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
