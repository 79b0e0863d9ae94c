/**
 * ImageBuilder failures are FdtErrors with an `IB_` code: the message is
 * uboot-script-gen's own text (so users recognise it), the location is the
 * config line or the variable, and the exit code is the one the script uses.
 */
import { FdtError } from '../../fdt/errors.js';
import { makePosition } from '../../fdt/srcpos.js';

export function configError(code: string, message: string, hint?: string, path?: string): FdtError {
  return new FdtError(code, message, { hint, path });
}

export function shellError(code: string, message: string, file: string, line: number, column: number, hint?: string): FdtError {
  return new FdtError(code, message, { position: makePosition(file, line, column), hint });
}
