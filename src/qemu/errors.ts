/**
 * Failures of the QEMU harness (tools missing, package archive unreachable,
 * QEMU would not start). Same shape as FdtError and BootConfigError: a stable
 * code, where it happened (a file or a command), and how to fix it.
 */
export class QemuError extends Error {
  override readonly name = 'QemuError';
  readonly code: string;
  /** The file or command the failure is about. */
  readonly path?: string;
  readonly hint?: string;

  constructor(code: string, message: string, where: { path?: string; hint?: string } = {}) {
    super(message);
    this.code = code;
    this.path = where.path;
    this.hint = where.hint;
  }

  get location(): string | undefined {
    return this.path;
  }

  toJSON(): Record<string, unknown> {
    return { severity: 'error', code: this.code, message: this.message, location: this.location, hint: this.hint };
  }
}

export function isQemuError(e: unknown): e is QemuError {
  return e instanceof QemuError;
}
