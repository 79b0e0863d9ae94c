/**
 * The one place the fuzzers decide whether a thrown value is one of the
 * project's typed diagnostics (a stable code and a message) rather than a
 * crash: every layer's error extends HyperlaunchError.
 */
import { HyperlaunchError } from '../../src/index.js';

export function isTypedDiagnostic(e: unknown): boolean {
  return e instanceof HyperlaunchError && /^[A-Z][A-Z0-9_]*$/.test(e.code) && e.message.length > 0;
}

/** What a crash looks like in a report: the stack, or the value thrown. */
export function describeThrown(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : `non-Error thrown: ${String(e)}`;
}
