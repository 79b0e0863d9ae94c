/**
 * Errors and warnings about a boot configuration. Like FdtError they carry
 * a stable code, a DT path, a source position when the tree came from DTS,
 * and a hint; `location` formats them compiler-style.
 */
import { type SourcePosition, formatPosition } from '../fdt/srcpos.js';

export interface Located {
  path?: string;
  position?: SourcePosition;
  hint?: string;
}

export class BootConfigError extends Error {
  override readonly name = 'BootConfigError';
  readonly code: string;
  readonly path?: string;
  readonly position?: SourcePosition;
  readonly hint?: string;

  constructor(code: string, message: string, where: Located = {}) {
    super(message);
    this.code = code;
    this.path = where.path;
    this.position = where.position;
    this.hint = where.hint;
  }

  get location(): string | undefined {
    return this.position ? formatPosition(this.position) : this.path;
  }

  toJSON(): Record<string, unknown> {
    return { severity: 'error', code: this.code, message: this.message, location: this.location, path: this.path, position: this.position, hint: this.hint };
  }
}

export function isBootConfigError(e: unknown): e is BootConfigError {
  return e instanceof BootConfigError;
}

/** Something Xen accepts but probably not what was meant; reading goes on. */
export interface BootConfigWarning extends Located {
  code: string;
  message: string;
}
