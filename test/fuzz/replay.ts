/**
 * Replays one case as `npm run fuzz` writes it on a crash (the `case`
 * field of its JSON file, or a fixture in test/fuzz/crashers/) through the
 * same harness: `ok`, `typed`, or the crash.
 */
import { configCaseFromJson, runConfigCase } from './config-fuzz.js';
import { type Outcome, judgeCase } from './harness.js';
import { imageBuilderCaseFromJson, runImageBuilderCase } from './imagebuilder-fuzz.js';

export function replayCase(json: Record<string, unknown>): ReturnType<typeof judgeCase> {
  const c = (json.case ?? json) as Record<string, unknown>;
  const run = (): Outcome => {
    if (c.target === 'config') return runConfigCase(configCaseFromJson(c));
    if (c.target === 'imagebuilder') return runImageBuilderCase(imageBuilderCaseFromJson(c));
    throw new Error(`unknown fuzz target '${String(c.target)}' in a replayed case`);
  };
  return judgeCase(run);
}
