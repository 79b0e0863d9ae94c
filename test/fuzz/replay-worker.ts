/**
 * Replays one case JSON in a worker thread, so that a case that never
 * returns (a fixed hang coming back) fails its test instead of blocking
 * the test file: the parent stops the worker at its deadline.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { replayCase } from './replay.js';

parentPort!.postMessage(replayCase(workerData as Record<string, unknown>));
