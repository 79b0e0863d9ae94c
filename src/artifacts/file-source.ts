/**
 * How the build sees its input files: sizes and bytes of paths relative
 * to the build directory (uboot-script-gen `cd`s there). Tests and the
 * devicetree path can supply files that exist only in memory.
 */
import { closeSync, openSync, readSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export interface FileSource {
  /** Size in bytes (following symlinks), or undefined when the file does not exist. */
  size(path: string): bigint | undefined;
  /** The first `n` bytes (fewer if the file is shorter). */
  head(path: string, n: number): Uint8Array;
  read(path: string): Uint8Array;
}

export function directorySource(dir: string): FileSource {
  const at = (p: string): string => resolve(dir, p);
  return {
    size(p) {
      try {
        const st = statSync(at(p), { bigint: true });
        return st.isFile() ? st.size : undefined;
      } catch {
        return undefined;
      }
    },
    head(p, n) {
      const fd = openSync(at(p), 'r');
      try {
        const buf = new Uint8Array(n);
        const got = readSync(fd, buf, 0, n, 0);
        return buf.subarray(0, got);
      } finally {
        closeSync(fd);
      }
    },
    read(p) {
      return readFileSync(at(p));
    },
  };
}

/**
 * The path a load line names: `realpath --no-symlinks` with the build
 * directory's prefix stripped, so `./x` is `x` and a file outside stays absolute.
 */
export function loadPath(dir: string, p: string): string {
  const root = resolve(dir);
  const full = resolve(root, p);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return full;
  return rel.split(sep).join('/');
}
