/** The code tables: closed (every code the source raises is listed), unique, documented (docs/diagnostics.md drift), one base class. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ImageBuilderError } from '../../src/bindings/imagebuilder/imagebuilder-error.js';
import { XenConfigError } from '../../src/check/xen-config-error.js';
import { UsageError } from '../../src/cli/getopt.js';
import { CODE_LAYERS, diagnosticsMarkdown } from '../../src/cli/diagnostics-doc.js';
import { HyperlaunchError } from '../../src/diagnostics/hyperlaunch-error.js';
import { FdtError } from '../../src/fdt/errors.js';
import { BootConfigError } from '../../src/model/errors.js';
import { QemuError } from '../../src/qemu/errors.js';
import { repoRoot } from '../support/paths.js';

const known = new Map<string, string>();
for (const l of CODE_LAYERS) for (const code of Object.keys(l.table)) known.set(code, l.title);

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/**
 * Code literals where the source raises or names a problem code: an error
 * constructor or helper's first argument, a `code:` field, a `readerCodes`
 * list, a `code ===` comparison, a printed `error[CODE]`.
 */
const RAISED = [
  /(?:Error|fail|bad|error|configError|shellError|libfdtError)\(\s*'([A-Z][A-Z0-9_]*)'/g,
  /\bcode: '([A-Z][A-Z0-9_]*)'/g,
  /\bcode === '([A-Z][A-Z0-9_]*)'/g,
  /dtcWouldFail\([^;]*?'(DTC_[A-Z_]+)'\)/g,
  /strictEnum\(\[[^\]]*\], '([A-Z][A-Z0-9_]*)'/g,
  /error\[([A-Z][A-Z0-9_]*)\]/g,
];

/** Each code with the last file it was seen in; `only` limits the scan to files under that prefix. */
function raisedCodes(only = ''): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sources(join(repoRoot, 'src'))) {
    if (!file.slice(repoRoot.length + 1).startsWith(only)) continue;
    const text = readFileSync(file, 'utf8');
    // `code === 'ENOENT'` and the like compare Node's errno codes, not ours.
    for (const re of RAISED) for (const m of text.matchAll(re)) if (!/^E[A-Z]+$/.test(m[1]!)) found.set(m[1]!, file.slice(repoRoot.length + 1));
    for (const m of text.matchAll(/readerCodes: \[([^\]]*)\]/g)) for (const c of m[1]!.matchAll(/'([A-Z][A-Z0-9_]*)'/g)) found.set(c[1]!, file.slice(repoRoot.length + 1));
  }
  return found;
}

test('every code the source raises is in a code table', () => {
  const raised = raisedCodes();
  // The scan must see the codes it is meant to see, or it proves nothing.
  for (const sample of ['DTB_BAD_MAGIC', 'CAPS_INVALID', 'IB_FILE', 'GUEST_UNPACK', 'DTC_CHECK_CRASH', 'FILE_WRITE', 'LOSSY_CONVERSION', 'USAGE']) assert.ok(raised.has(sample), `scan misses ${sample}`);
  assert.ok(raised.size > 120, `only ${raised.size} codes found`);
  const missing = [...raised].filter(([c]) => !known.has(c)).map(([c, f]) => `${c} (${f})`);
  assert.deepEqual(missing, [], 'add these codes to their layer table');
});

/** A property that is not a string means the same in the devicetree library and in a boot configuration. */
const SHARED = new Set(['PROP_NOT_STRING']);

test('codes are unique across the tables (but the listed shared ones) and every table entry has a meaning', () => {
  const seen = new Map<string, string>();
  for (const l of CODE_LAYERS) {
    for (const [code, info] of Object.entries(l.table)) {
      assert.ok(!seen.has(code) || SHARED.has(code), `${code} is in ${seen.get(code)} and ${l.title}`);
      seen.set(code, l.title);
      assert.match(code, /^[A-Z][A-Z0-9_]*$/);
      assert.ok(info.meaning.length > 5, code);
    }
  }
});

test('docs/diagnostics.md is the text generated from the code tables', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'diagnostics.md'), 'utf8');
  assert.equal(doc, diagnosticsMarkdown(), 'regenerate: node dist/src/cli/diagnostics-doc.js > docs/diagnostics.md');
});

test('one instanceof catches every layer\'s error, and each gives a Diagnostic', () => {
  const errors = [
    new FdtError('DTB_BAD_MAGIC', 'Blob has incorrect magic number', { offset: 0 }),
    new BootConfigError('CAPS_INVALID', 'bad caps', { path: '/chosen/domU1:capabilities', file: 'b.dtb' }),
    new QemuError('QEMU_MISSING', 'qemu-system-aarch64 is not installed', { path: 'qemu-system-aarch64' }),
    new ImageBuilderError('IB_NO_KERNEL', 'Neither a Xen or Linux kernel is specified, exiting'),
    new UsageError('unknown option'),
    new XenConfigError('KCONFIG_SYNTAX', 'not a Kconfig line: x', { file: 'xen.config', line: 3 }),
  ];
  for (const e of errors) {
    assert.ok(e instanceof HyperlaunchError, e.name);
    const d = e.toDiagnostic();
    assert.equal(d.code, e.code);
    assert.equal(d.severity, 'error');
    assert.equal(d.message, e.message);
    assert.ok(known.has(d.code), d.code);
  }
  assert.ok(errors[3] instanceof FdtError, 'ImageBuilder errors stay FdtErrors for existing callers');
  assert.deepEqual(errors[0]!.toDiagnostic().location, { offset: 0 });
  assert.deepEqual(errors[5]!.toDiagnostic().location, { file: 'xen.config', span: { file: 'xen.config', line: 3, column: 1 }, display: 'xen.config:3' });
  assert.deepEqual(errors[1]!.toDiagnostic().location, { file: 'b.dtb', path: '/chosen/domU1:capabilities' });
});

test('every rule is whole: each reader code a rule names is emitted, and each emitted reader code has a rule or is a general read problem', async () => {
  const { RULES } = await import('../../src/check/rules/index.js');
  const { BOOT_CONFIG_CODES } = await import('../../src/model/codes.js');
  const emitted = new Set([...raisedCodes('src/bindings/')].filter(([c, f]) => !f.startsWith('src/bindings/imagebuilder/') && c in BOOT_CONFIG_CODES).map(([c]) => c));
  const named = new Set<string>(RULES.flatMap((r) => r.readerCodes ?? []));
  assert.deepEqual([...named].filter((c) => !emitted.has(c)), [], 'rules name reader codes nobody emits');
  // What config-read / config-note stand for: problems with the tree as a whole, or value shapes no single Xen check names.
  const general = new Set(['NO_BOOT_CONFIG', 'NO_CHOSEN', 'WRONG_INTERFACE', 'MIXED_INTERFACES', 'HL_BAD_COMPATIBLE', 'HL_UNKNOWN_NODE', 'HL_STRAY_MODULE',
    'PROP_NOT_U32', 'PROP_NOT_STRING', 'PROP_EXTRA_CELLS', 'PROP_EXTRA_STRINGS', 'CAPS_UNKNOWN_BITS', 'MODE_UNKNOWN_BITS', 'CELLS_BAD', 'VALUE_TOO_WIDE',
    'MODULE_REG_EXTRA', 'MODULE_REG_CELLS', 'MODULE_LOCATION_TWICE', 'MODULE_IMPLICIT_KIND', 'MODULE_LEGACY_IN_DOMU', 'STATIC_MEM_LEGACY_CELLS', 'REF_UNRESOLVED',
    'LOSSY_CONVERSION', 'NOT_EXPRESSIBLE', 'NEWER_THAN_TARGET']);
  const unmapped = [...emitted].filter((c) => !named.has(c) && !general.has(c));
  assert.deepEqual(unmapped, [], 'reader codes with no rule: add them to a rule\'s readerCodes, or to the general list here if config-read/config-note is meant');
  assert.deepEqual([...general].filter((c) => named.has(c) || !emitted.has(c)), [], 'the general list is stale');
});
