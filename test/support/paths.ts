/** Where tests find the repository, the CLI and the shared test corpus. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const cliPath = join(repoRoot, 'bin', 'hyperlaunch.js');
export const dtcTestsDir = resolve(repoRoot, '..', 'shared', 'corpus', 'dtc-tests');

/** Whether an external tool runs; the reason to print when it does not. */
export function toolMissing(tool: string, args: string[] = ['--version']): string | undefined {
  try {
    execFileSync(tool, args, { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return err.code === 'ENOENT' ? `${tool} is not installed (run scripts/install-test-deps.sh)` : undefined;
  }
}

/** Print a visible notice, then skip: a missing oracle must never pass silently. */
export function skipNotice(t: { skip(msg?: string): void }, reason: string): void {
  console.log(`SKIP: ${reason}`);
  t.skip(reason);
}
