/**
 * One process at a time fills a cache directory: test files run in
 * parallel, and two downloads or two Xen builds at once would only race
 * (and double the load on a small machine). The others wait for the copy.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const LOCK = '.lock';
const LOCK_POLL_MS = 250;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * mkdir is atomic: whoever creates the lock directory does the work. A lock
 * older than staleMs (longer than any download or build) is taken over.
 * Returns the release function.
 */
export function takeCacheLock(cacheDir: string, staleMs: number): () => void {
  mkdirSync(cacheDir, { recursive: true });
  const lock = join(cacheDir, LOCK);
  for (;;) {
    try {
      mkdirSync(lock);
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    try {
      if (Date.now() - statSync(lock).mtimeMs > staleMs) rmSync(lock, { recursive: true, force: true });
    } catch {
      // released meanwhile
    }
    sleepSync(LOCK_POLL_MS);
  }
}
