/** Shared by the report tests: build the report data of a file as the CLI does, and read the page's contract attributes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPartialInput } from '../../src/check/engine.js';
import { buildReport } from '../../src/report/build-report.js';
import type { ReportData } from '../../src/report/report-data.js';
import { reportInputFromSource } from '../../src/report/report-input.js';
import { repoRoot } from '../support/paths.js';

export const examplesDir = join(repoRoot, 'examples');

type Partial = Exclude<ReturnType<typeof readPartialInput>, { ruleId: string }>;

export function reportOf(file: string, includeDirs = [examplesDir], partials?: Map<string, Partial>): ReportData {
  const input = reportInputFromSource(readFileSync(file), { file, includeDirs, ...(partials ? { partials } : {}) });
  if (!('model' in input)) throw new Error(`${file}: no model: ${input.findings.map((f) => f.message).join('; ')}`);
  return buildReport(input);
}

/** examples/passthrough-partial.dts (the PL061 handed to a domU), read as `--partial` reads it. */
export function examplePartial(): Partial {
  const file = join(examplesDir, 'passthrough-partial.dts');
  const partial = readPartialInput(readFileSync(file), file);
  if ('ruleId' in partial) throw new Error(`${file}: ${partial.message}`);
  return partial;
}

/** The opening tags of elements whose class list has `cls`, as attribute maps. */
export function elementsWithClass(html: string, cls: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of html.matchAll(/<([a-zA-Z]+)((?:\s+[a-zA-Z-]+="[^"]*")*)\s*\/?>/g)) {
    const attrs = Object.fromEntries([...m[2]!.matchAll(/([a-zA-Z-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!]));
    if ((attrs['class'] ?? '').split(/\s+/).includes(cls)) out.push({ tag: m[1]!, ...attrs });
  }
  return out;
}
