/**
 * The one shape of every skip notice: `SKIP: <what>: <why> — run doctor`.
 * A test whose oracle (a tool, ../shared, a corpus) is missing must say so
 * in the log and point at the command that lists what to install, never
 * pass silently.
 */

export const DOCTOR_HINT = 'run `node bin/hyperlaunch.js doctor` to see what is missing';

/** What node:test gives a test or a suite to skip itself. */
export interface Skippable {
  skip(message?: string): void;
}

/** `<what>: <why>`, or `what` alone when the caller's reason already says both. */
export function skipReason(what: string, why?: string): string {
  return why === undefined ? what : `${what}: ${why}`;
}

/** The printed line; node:test's own `# SKIP` marker carries the reason without the hint. */
export function skipLine(what: string, why?: string): string {
  return `SKIP: ${skipReason(what, why)} — ${DOCTOR_HINT}`;
}

/** Print the notice, then skip the running test. */
export function skipNotice(t: Skippable, what: string, why?: string): void {
  console.log(skipLine(what, why));
  t.skip(skipReason(what, why));
}

/**
 * For `test(name, { skip: skipOption(...) }, fn)` where the test cannot even
 * be set up (its inputs are read while registering): prints the notice when
 * there is a reason and returns it, or undefined so the test runs.
 */
export function skipOption(what: string, why: string | undefined): string | undefined {
  if (why === undefined) return undefined;
  console.log(skipLine(what, why));
  return skipReason(what, why);
}
