/** The fuzz targets `npm run fuzz` knows, by the name --only takes. */
import { runConfigFuzz } from './config-fuzz.js';
import { runDtbFuzz } from './dtb-fuzz.js';
import { runDtsFuzz } from './dts-fuzz.js';
import type { Crash, FuzzSummary } from './harness.js';
import { runImageBuilderFuzz } from './imagebuilder-fuzz.js';

export const TARGET_IDS = ['dtb', 'dts', 'config', 'imagebuilder'] as const;
export type TargetId = (typeof TARGET_IDS)[number];

type Run = (numRuns: number, seed: number, onCase: (n: number) => void, onCrash: (c: Crash) => void) => FuzzSummary;

/** dtb and dts stop at their first crash (they throw); the others collect crashes. */
const thrower = (run: (n: number, s: number, on: (n: number) => void) => { runs: number; ok: number; errors: number }): Run =>
  (n, s, on) => ({ ...run(n, s, on), crashes: [] });

export const TARGETS: Record<TargetId, Run> = {
  dtb: thrower(runDtbFuzz),
  dts: thrower(runDtsFuzz),
  config: runConfigFuzz,
  imagebuilder: runImageBuilderFuzz,
};
