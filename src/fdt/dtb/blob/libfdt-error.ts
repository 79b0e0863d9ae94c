import { FdtError } from '../../errors.js';

/** Thrown for a libfdt error return; `code` is the FDT_ERR_* name. */
export function libfdtError(code: string, detail: string, path?: string): FdtError {
  return new FdtError(code, `${code}: ${detail}`, { path });
}
