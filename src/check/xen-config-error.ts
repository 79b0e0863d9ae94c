/**
 * A Xen build description that cannot be used: a `.config` that is not one,
 * an Image whose version cannot be read, a config that contradicts `--xen`.
 * Same shape as the other errors: a stable code, where (file:line), a hint.
 */
export class XenConfigError extends Error {
  override readonly name = 'XenConfigError';
  readonly code: string;
  readonly file?: string;
  readonly line?: number;
  readonly hint?: string;

  constructor(code: string, message: string, where: { file?: string; line?: number; hint?: string } = {}) {
    super(message);
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.hint = where.hint;
  }

  get location(): string | undefined {
    return this.file && this.line !== undefined ? `${this.file}:${this.line}` : this.file;
  }

  toJSON(): Record<string, unknown> {
    return { severity: 'error', code: this.code, message: this.message, location: this.location, hint: this.hint };
  }
}

export function isXenConfigError(e: unknown): e is XenConfigError {
  return e instanceof XenConfigError;
}
