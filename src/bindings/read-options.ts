/** Options shared by the readers. */
import type { BootConfigWarning } from '../model/errors.js';
import type { Target } from '../model/target.js';

export interface ReadOptions {
  /** Source file name, for messages when the tree has no positions. */
  file?: string;
  /** Architecture and Xen release the configuration is for (enables version flags). */
  target?: Target;
  /** Collects warnings (things Xen accepts but probably not what was meant). */
  warnings?: BootConfigWarning[];
}
