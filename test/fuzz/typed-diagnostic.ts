/**
 * The one place the fuzzers decide whether a thrown value is one of the
 * project's typed diagnostics (a stable code and a message) rather than a
 * crash. When every typed error extends one `Diagnostic` base class this
 * becomes `e instanceof Diagnostic`.
 */
import { BootConfigError, FdtError, QemuError } from '../../src/index.js';
import { UsageError } from '../../src/cli/getopt.js';

export function isTypedDiagnostic(e: unknown): boolean {
  if (e instanceof UsageError) return e.message.length > 0;
  const typed = e instanceof FdtError || e instanceof BootConfigError || e instanceof QemuError;
  return typed && /^[A-Z][A-Z0-9_]*$/.test(e.code) && e.message.length > 0;
}

/** What a crash looks like in a report: the stack, or the value thrown. */
export function describeThrown(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : `non-Error thrown: ${String(e)}`;
}
