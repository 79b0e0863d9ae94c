/**
 * Where `/include/` and `/incbin/` find their files: first the directory of
 * the file that names them, then each include directory in order (dtc's
 * search order). Unlike dtc, lookups are confined to those directories, so a
 * source file cannot read arbitrary files through an absolute path or `..`.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { FdtError } from '../errors.js';
import type { SourcePosition } from '../srcpos.js';

export type ReadFile = (path: string) => Uint8Array;

export const defaultReadFile: ReadFile = (path) => readFileSync(path);

/** dtc's get_dirname: everything before the last slash, or undefined without one. */
export function dirnameOf(path: string): string | undefined {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? undefined : path.slice(0, slash);
}

/** dtc's join_path: one slash between the parts. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

export interface OpenedFile {
  /** The name dtc would use for it: directory joined with the requested name. */
  name: string;
  bytes: Uint8Array;
}

export class SourceFiles {
  private readonly roots: string[];

  constructor(
    mainFile: string,
    private readonly includeDirs: readonly string[],
    private readonly readFile: ReadFile,
  ) {
    this.roots = [dirnameOf(mainFile) ?? '.', ...includeDirs].map((d) => posix.normalize(d === '' ? '/' : d));
  }

  /**
   * Open `name` as dtc's srcfile_relative_open does, from the directory
   * `currentDir` (undefined: relative to the working directory).
   */
  open(name: string, currentDir: string | undefined, position: SourcePosition): OpenedFile {
    if (name.startsWith('/')) {
      throw new FdtError('DTS_INCLUDE_FORBIDDEN', `Couldn't open "${name}": absolute paths are not allowed`, {
        position,
        hint: 'name the file relative to the including file or an include directory (-i)',
      });
    }
    const candidates = [currentDir === undefined ? name : joinPath(currentDir, name), ...this.includeDirs.map((d) => joinPath(d, name))];
    let escaped = false;
    for (const full of candidates) {
      if (!this.isConfined(full)) {
        escaped = true;
        continue;
      }
      const bytes = this.tryRead(full);
      if (bytes) return { name: full, bytes };
    }
    if (escaped) {
      throw new FdtError('DTS_INCLUDE_FORBIDDEN', `Couldn't open "${name}": path leaves the source and include directories`, {
        position,
        hint: 'files may only be read from the source file\'s directory or an include directory (-i)',
      });
    }
    throw new FdtError('DTS_INCLUDE_NOT_FOUND', `Couldn't open "${name}": No such file or directory`, {
      position,
      hint: `searched ${currentDir ?? '.'}${this.includeDirs.length ? ' and ' + this.includeDirs.join(', ') : ''}; add the directory with -i`,
    });
  }

  private isConfined(path: string): boolean {
    const norm = posix.normalize(path);
    return this.roots.some((root) => isInside(norm, root));
  }

  private tryRead(path: string): Uint8Array | undefined {
    try {
      return this.readFile(path);
    } catch {
      return undefined;
    }
  }
}

function isInside(path: string, root: string): boolean {
  if (root === '.') return !path.startsWith('/') && path !== '..' && !path.startsWith('../');
  const r = root.endsWith('/') ? root : root + '/';
  return path === root || path.startsWith(r);
}
