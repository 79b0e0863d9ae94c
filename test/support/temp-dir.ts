/** A test's scratch directory, removed however the test ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Run `fn` on `dir`, then remove `dir`. */
export function removedAfter(dir: string, fn: (dir: string) => void): void {
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run `fn` in a fresh temporary directory named after `prefix`. */
export function inTempDir(prefix: string, fn: (dir: string) => void): void {
  removedAfter(mkdtempSync(join(tmpdir(), prefix)), fn);
}
