/**
 * The fuzz harness can fail: an untyped exception is a crash of its step,
 * a typed diagnostic is not, a slow case is a hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BootConfigError, FdtError } from '../../src/index.js';
import { SLOW_MS, Tally, judgeCase, step } from './harness.js';
import { isTypedDiagnostic } from './typed-diagnostic.js';

test('typed diagnostics: FdtError and BootConfigError with a code; not a plain Error, a TypeError or a lower-case code', () => {
  assert.equal(isTypedDiagnostic(new FdtError('DTS_SYNTAX', 'syntax error')), true);
  assert.equal(isTypedDiagnostic(new BootConfigError('NO_BOOT_CONFIG', 'no configuration')), true);
  assert.equal(isTypedDiagnostic(new FdtError('oops' as 'DTS_SYNTAX', 'x')), false);
  assert.equal(isTypedDiagnostic(new Error('ENOENT')), false);
  assert.equal(isTypedDiagnostic(new TypeError("Cannot read properties of undefined (reading 'x')")), false);
  assert.equal(isTypedDiagnostic('a string'), false);
});

test('a step that throws a TypeError is a crash of that step; a typed error ends the case as typed', () => {
  const crash = judgeCase(() => {
    step('first', () => 1);
    step('reader', () => (undefined as unknown as { x: number }).x);
    return 'ok';
  });
  assert.ok(typeof crash === 'object' && crash.step === 'reader' && /TypeError/.test(crash.error), JSON.stringify(crash));
  const typed = judgeCase(() => (step('reader', () => {
    throw new FdtError('DTS_SYNTAX', 'syntax error');
  }) === undefined ? 'typed' : 'ok'));
  assert.equal(typed, 'typed');
});

test(`a case slower than ${SLOW_MS} ms, twice, is a hang`, () => {
  const busy = (): 'ok' => {
    // CPU time, not the clock: on a loaded machine the clock runs ahead of the work
    const start = process.cpuUsage();
    const used = (): number => { const u = process.cpuUsage(start); return (u.user + u.system) / 1000; };
    while (used() < SLOW_MS + 50);
    return 'ok';
  };
  const r = judgeCase(busy);
  assert.ok(typeof r === 'object' && r.step === 'time bound' && /^hang/.test(r.error), JSON.stringify(r));
});

test(`a case that waits ${SLOW_MS} ms without working is not a hang: the bound is CPU time, not a loaded machine's clock`, () => {
  const idle = (): 'ok' => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SLOW_MS + 50);
    return 'ok';
  };
  assert.equal(judgeCase(idle), 'ok');
});

test('the tally counts one crash per place, with how often it happened', () => {
  const t = new Tally('unit');
  for (let i = 0; i < 3; i++) t.judge(() => step('s', () => JSON.parse('{') as 'ok') ?? 'typed', () => ({ label: `case ${i}`, replay: { i } }));
  t.judge(() => 'ok', () => ({ label: '', replay: {} }));
  const s = t.summary();
  assert.deepEqual([s.runs, s.ok, s.errors, s.crashes.length, s.crashes[0]!.count, s.crashes[0]!.label], [4, 1, 0, 1, 3, 'case 0']);
});
