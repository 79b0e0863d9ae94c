import type { FdtCode } from '../../codes.js';
import { FdtError } from '../../errors.js';

/** Thrown for a libfdt error return; `code` is the FDT_ERR_* name (lookups return theirs as plain strings). */
export function libfdtError(code: string, detail: string, path?: string): FdtError {
  return new FdtError(code as FdtCode, `${code}: ${detail}`, { path });
}
