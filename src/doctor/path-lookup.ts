/**
 * Finds a command on a PATH string the way execvp does, so the doctor
 * answers for the PATH it is given (a test hides tools by passing a PATH
 * holding only some of them) rather than for its own process.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export function findOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(':')) {
    // An empty or relative entry would depend on the current directory: not a place to trust.
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not there or not executable: look further along PATH.
    }
  }
  return undefined;
}
