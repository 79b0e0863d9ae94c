/** Where tests find the repository and the CLI. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

// Re-exported: the boot tests (test/qemu) import them from here.
export { skipNotice } from './skip.js';
export { toolMissing } from './tools.js';
