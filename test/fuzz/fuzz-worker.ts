/**
 * One fuzz target in a worker thread, so that run.ts can stop it when a
 * case never returns (a hang the per-case time bound cannot see, because
 * the case never ends). The worker counts finished cases into shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TARGETS, type TargetId } from './targets.js';
import { describeThrown } from './typed-diagnostic.js';

const { id, runs, seed, progress } = workerData as { id: TargetId; runs: number; seed: number; progress: SharedArrayBuffer };
const done = new Int32Array(progress);
try {
  const summary = TARGETS[id](runs, seed, (n) => Atomics.store(done, 0, n), (crash) => parentPort!.postMessage({ crash }));
  parentPort!.postMessage({ summary });
} catch (e) {
  parentPort!.postMessage({ thrown: describeThrown(e) });
}
