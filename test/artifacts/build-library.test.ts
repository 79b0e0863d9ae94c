/** The build as library calls: readImageBuilderFile, buildFromConfig, checkBuild (the gate), writeBuild, imageTime; SARIF for any diagnostic. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildFromConfig, checkBuild, imageTime, readImageBuilderFile, writeBuild } from '../../src/artifacts/build-from-config.js';
import { renderDiagnostics } from '../../src/diagnostics/print.js';
import { FdtError } from '../../src/fdt/errors.js';
import { makePosition } from '../../src/fdt/srcpos.js';
import { skipNotice } from '../support/paths.js';
import { removedAfter } from '../support/temp-dir.js';
import { goldenDir, makeGoldenInputs } from './golden-inputs.js';

const case01 = join(goldenDir, '01-dom0-2domus-tftp');

test('golden 01: the gate refuses (module outside RAM), forced it builds, and writeBuild writes the golden script', (t) => {
  if (!existsSync(case01)) return skipNotice(t, `ImageBuilder goldens not found at ${goldenDir}`);
  removedAfter(makeGoldenInputs('01-dom0-2domus-tftp', ['host-fit.dtb']), (dir) => {
    const cfg = join(dir, 'config');
    writeFileSync(cfg, readFileSync(join(case01, 'config')));
    const b = buildFromConfig(readImageBuilderFile(cfg), { dir, overrides: { loadCmd: 'tftp' }, naming: 'imagebuilder-2023', sourceFiles: [cfg] });
    const refused = checkBuild(b);
    assert.equal(refused?.outcome, 'refused');
    assert.ok(refused.findings.some((f) => f.ruleId === 'mod-outside-ram'), JSON.stringify(refused.findings));
    assert.equal(checkBuild(b, { force: true })?.outcome, 'forced');
    writeBuild(b);
    assert.deepEqual(readFileSync(join(dir, 'boot.source')), readFileSync(join(case01, 'boot.source')));
    assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temp file is left behind');
  });
});

test('writeBuild refuses an output over an input (OUTPUT) before writing anything', (t) => {
  if (!existsSync(case01)) return skipNotice(t, `ImageBuilder goldens not found at ${goldenDir}`);
  removedAfter(makeGoldenInputs('01-dom0-2domus-tftp', ['host-fit.dtb']), (dir) => {
    const cfg = join(dir, 'config');
    writeFileSync(cfg, readFileSync(join(case01, 'config'), 'utf8').replace('UBOOT_SCRIPT="boot.scr"', 'UBOOT_SCRIPT="xen"'));
    const xen = readFileSync(join(dir, 'xen'));
    const b = buildFromConfig(readImageBuilderFile(cfg), { dir, overrides: { loadCmd: 'tftp' }, sourceFiles: [cfg] });
    assert.throws(() => writeBuild(b), (e: unknown) => e instanceof FdtError && e.code === 'OUTPUT' && /refusing to overwrite input file/.test(e.message));
    assert.deepEqual(readFileSync(join(dir, 'xen')), xen);
    assert.equal(existsSync(join(dir, 'boot.source')), false);
  });
});

test('imageTime: SOURCE_DATE_EPOCH when it is a 32-bit number, else 0 (never the clock)', () => {
  assert.equal(imageTime({ SOURCE_DATE_EPOCH: '1700000000' }), 1700000000);
  assert.equal(imageTime({ SOURCE_DATE_EPOCH: 'yesterday' }), 0);
  assert.equal(imageTime({ SOURCE_DATE_EPOCH: '4294967296' }), 0);
  assert.equal(imageTime({}), 0);
});

test('SARIF is one of the printer forms for any diagnostic, not only check findings', () => {
  const d = new FdtError('DTS', 'syntax error', { position: makePosition('a b.dts', 3, 7), hint: 'close the brace' }).toDiagnostic();
  const log = JSON.parse(renderDiagnostics([d], 'sarif', { sarif: { toolName: 'hyperlaunch', informationUri: 'https://xenproject.org', rules: [] } })) as {
    version: string; runs: [{ results: [{ ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: [{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }] }] }];
  };
  assert.equal(log.version, '2.1.0');
  const r = log.runs[0].results[0];
  assert.deepEqual([r.ruleId, r.ruleIndex, r.level, r.message.text], ['DTS', -1, 'error', 'syntax error\nhint: close the brace']);
  assert.deepEqual(r.locations[0].physicalLocation, { artifactLocation: { uri: 'a%20b.dts' }, region: { startLine: 3, startColumn: 7 } });
});
