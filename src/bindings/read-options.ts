/** Options shared by the readers. */
import { BootConfigError, type BootConfigWarning } from '../model/errors.js';
import type { Target } from '../model/target.js';

export interface ReadOptions {
  /** Source file name, for messages when the tree has no positions. */
  file?: string;
  /** Architecture and Xen release the configuration is for (enables version flags). */
  target?: Target;
  /** Collects warnings (things Xen accepts but probably not what was meant). */
  warnings?: BootConfigWarning[];
}

/** Where a reader sends warnings: `opts.warnings`, naming `opts.file` when a warning has no source position. */
export function warner(opts: ReadOptions): (w: BootConfigWarning) => void {
  return (w) => {
    opts.warnings?.push(opts.file && !w.position && !w.file ? { ...w, file: opts.file } : w);
  };
}

/** Run a reader, naming `opts.file` in errors that have no source position (DTB input). */
export function readingFile<T>(opts: ReadOptions, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw e instanceof BootConfigError ? e.inFile(opts.file) : e;
  }
}
