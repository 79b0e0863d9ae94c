/**
 * Every check fixture (one bad and one good configuration per rule) through
 * the report: a configuration the reader accepts gives a page with one row
 * per domain and one list item per finding check gives, and each of its
 * pictures; one it refuses gives the findings instead. Nothing throws.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkSource } from '../../src/check/engine.js';
import { buildReport } from '../../src/report/build-report.js';
import { reportHtml } from '../../src/report/html-page.js';
import { reportInputFromSource } from '../../src/report/report-input.js';
import { reportSvg } from '../../src/report/svg-view.js';
import { repoRoot } from '../support/paths.js';
import { elementsWithClass, examplesDir } from './report-helpers.js';

const fixtures = join(repoRoot, 'test/check/fixtures');

test('every check fixture: a page with a row per domain and an item per finding, or the findings that leave no model', () => {
  const files = readdirSync(fixtures).filter((f) => f.endsWith('.dts')).sort();
  assert.ok(files.length > 100, `only ${files.length} fixtures`);
  let pages = 0;
  let drawnInError = 0;
  for (const name of files) {
    const file = join(fixtures, name);
    const bytes = readFileSync(file);
    const includeDirs = [fixtures, examplesDir];
    const input = reportInputFromSource(bytes, { file, includeDirs });
    const checked = checkSource(bytes, { file, includeDirs });
    if (!('model' in input)) {
      assert.equal(checked.model, undefined, name);
      assert.deepEqual(input.findings.map((f) => f.ruleId), checked.findings.map((f) => f.ruleId), name);
      continue;
    }
    const data = buildReport(input);
    const html = reportHtml(data);
    assert.deepEqual(elementsWithClass(html, 'domain').map((r) => r['data-domain']), checked.model!.domains.map((d) => d.name), name);
    assert.deepEqual(elementsWithClass(html, 'finding').map((r) => r['data-rule']), checked.findings.map((f) => f.ruleId), name);
    for (const view of ['memory', 'cpus', 'graph'] as const) assert.match(reportSvg(data, view), /^<\?xml [^\n]*\n<svg /, `${name} ${view}`);
    drawnInError += elementsWithClass(html, 'error').length;
    pages++;
  }
  assert.ok(pages > 100, `only ${pages} pages`);
  assert.ok(drawnInError > 20, `only ${drawnInError} elements drawn in error over all fixtures`);
});
