/**
 * How the build sees its input files: sizes and bytes of paths relative
 * to the build directory (uboot-script-gen `cd`s there). Tests and the
 * devicetree path can supply files that exist only in memory.
 */
import { closeSync, openSync, readSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ImageBuilderError } from '../bindings/imagebuilder/imagebuilder-error.js';

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

/** The same files, but a read that fails (unreadable, gone since its size was taken) is IB_FILE naming the file, not fs's own error. */
export function typedReads(files: FileSource): FileSource {
  const guard = <T>(file: string, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ImageBuilderError) throw e;
      const why = e instanceof Error && 'code' in e ? String(e.code) : e instanceof Error ? e.message : String(e);
      throw new ImageBuilderError('IB_FILE', `File ${file} cannot be read (${why}), exiting`, {
        path: file,
        hint: 'check that it exists and is readable; paths in the config are relative to the -d directory',
      });
    }
  };
  return {
    size: (p) => files.size(p),
    head: (p, n) => guard(p, () => files.head(p, n)),
    read: (p) => guard(p, () => files.read(p)),
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
