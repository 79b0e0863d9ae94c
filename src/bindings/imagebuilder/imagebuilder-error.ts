/**
 * ImageBuilder config and build failures: the message is uboot-script-gen's
 * own text (so users recognise it), the location is the config line or the
 * variable. It extends FdtError because callers have long caught these as
 * FdtErrors (and its `name` stays 'FdtError' for them); its codes are the
 * IB_ table's, not the devicetree library's.
 */
import { FdtError } from '../../fdt/errors.js';
import type { FdtCode } from '../../fdt/codes.js';
import type { SourcePosition } from '../../fdt/srcpos.js';
import type { ImageBuilderCode } from './codes.js';

export class ImageBuilderError extends FdtError {
  declare readonly code: ImageBuilderCode;

  constructor(code: ImageBuilderCode, message: string, where: { position?: SourcePosition; path?: string; hint?: string } = {}) {
    // FdtError's constructor takes the devicetree table; this class's own parameter type closes the IB_ set.
    super(code as string as FdtCode, message, where);
  }
}
