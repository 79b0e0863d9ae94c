/** Options shared by the readers. */
import type { ProblemSink } from '../diagnostics/hyperlaunch-error.js';
import { BootConfigError, type BootConfigWarning } from '../model/errors.js';
import type { Target } from '../model/target.js';

export interface ReadOptions {
  /** Source file name, for messages when the tree has no positions. */
  file?: string;
  /** Architecture and Xen release the configuration is for (enables version flags). */
  target?: Target;
  /** Collects warnings (things Xen accepts but probably not what was meant). */
  warnings?: BootConfigWarning[];
  /**
   * Receives every error the reader can get past: with a sink, a domain,
   * module, cpupool or other /chosen entry that fails to read is reported
   * here and left out of the model, and reading goes on. Without one the
   * first error is thrown. The model is incomplete when the sink was called.
   */
  onProblem?: ProblemSink<BootConfigError>;
}

/** Read one independent part; with a sink, report its error and go on without it. */
export function attempter(opts: ReadOptions): <T>(read: () => T) => T | undefined {
  const sink = opts.onProblem;
  if (!sink) return (read) => read();
  return (read) => {
    try {
      return read();
    } catch (e) {
      if (!(e instanceof BootConfigError)) throw e;
      sink(e.inFile(opts.file));
      return undefined;
    }
  };
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
