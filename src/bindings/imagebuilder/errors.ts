/**
 * The two ways an ImageBuilder config failure is located: by the variable
 * it is about, or by the config line and column.
 */
import { makePosition } from '../../fdt/srcpos.js';
import type { ImageBuilderCode } from './codes.js';
import { ImageBuilderError } from './imagebuilder-error.js';

export function configError(code: ImageBuilderCode, message: string, hint?: string, path?: string): ImageBuilderError {
  return new ImageBuilderError(code, message, { hint, path });
}

export function shellError(code: ImageBuilderCode, message: string, file: string, line: number, column: number, hint?: string): ImageBuilderError {
  return new ImageBuilderError(code, message, { position: makePosition(file, line, column), hint });
}
