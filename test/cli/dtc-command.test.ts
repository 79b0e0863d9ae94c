import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, repoRoot } from '../support/paths.js';
import { skipNotice } from '../support/skip.js';
import { toolMissing } from '../support/tools.js';

function run(cmd: string, args: string[], cwd = repoRoot) {
  const r = spawnSync(cmd, args, { cwd });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}
const cli = (...args: string[]) => run(process.execPath, [cliPath, ...args]);
const dtcMissing = toolMissing('dtc');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hl-cli-'));
}

const GOOD = `/dts-v1/;
/ {
	model = "test";
	a: node@1 { reg = <1>; ref = <&b>; };
	b: other { s = "x", "y"; };
};
`;

test('dtc: compiles to the same bytes as dtc, for dtb and dts output', (t) => {
  if (dtcMissing) return skipNotice(t, dtcMissing);
  const dir = tmp();
  const src = join(dir, 'good.dts');
  writeFileSync(src, GOOD);
  for (const outForm of ['dtb', 'dts']) {
    const ours = cli('dtc', '-I', 'dts', '-O', outForm, src);
    const theirs = run('dtc', ['-I', 'dts', '-O', outForm, src]);
    assert.equal(ours.status, theirs.status, ours.stderr);
    assert.deepEqual(Buffer.from(ours.stdout), Buffer.from(theirs.stdout), `-O ${outForm}`);
  }
});

test('dtc: -o writes the file and leaves no temporary file', (t) => {
  if (dtcMissing) return skipNotice(t, dtcMissing);
  const dir = tmp();
  const src = join(dir, 'good.dts');
  writeFileSync(src, GOOD);
  const out = join(dir, 'good.dtb');
  const r = cli('dtc', '-@', '-o', out, src);
  assert.equal(r.status, 0, r.stderr);
  const theirs = run('dtc', ['-@', '-o', '-', '-O', 'dtb', src]);
  assert.deepEqual(readFileSync(out), Buffer.from(theirs.stdout));
  assert.deepEqual(readdirSync(dir).sort(), ['good.dtb', 'good.dts']);
});

test('dtc: never overwrites its input', () => {
  const dir = tmp();
  const src = join(dir, 'in.dts');
  writeFileSync(src, GOOD);
  const r = cli('dtc', '-O', 'dts', '-o', src, src);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /refusing to overwrite input/);
  assert.equal(readFileSync(src, 'utf8'), GOOD);
});

test('dtc: a syntax error exits 1 like dtc, with file:line:col, code and no stack trace', (t) => {
  if (dtcMissing) return skipNotice(t, dtcMissing);
  const dir = tmp();
  const src = join(dir, 'bad.dts');
  writeFileSync(src, '/dts-v1/;\n/ {\n\tprop = <1 2;\n};\n');
  const ours = cli('dtc', src);
  const theirs = run('dtc', [src]);
  assert.equal(theirs.status, 1);
  assert.equal(ours.status, 1);
  assert.match(ours.stderr, /bad\.dts:3:\d+: error\[DTS_[A-Z_]+\]: /);
  assert.doesNotMatch(ours.stderr, /\n\s+at /);
});

test('dtc: check errors exit 2 like dtc; -f forces output', (t) => {
  if (dtcMissing) return skipNotice(t, dtcMissing);
  const dir = tmp();
  const src = join(dir, 'dup.dts');
  writeFileSync(src, '/dts-v1/;\n/ {\n\tp = <1>;\n\tp = <2>;\n\tn { };\n\tn { x; };\n};\n');
  const theirs = run('dtc', ['-o', '/dev/null', src]);
  const ours = cli('dtc', '-o', join(dir, 'x.dtb'), src);
  assert.equal(theirs.status, 2);
  assert.equal(ours.status, 2);
  assert.match(ours.stderr, /error\[duplicate_node_names\]/);
  const forcedTheirs = run('dtc', ['-f', '-O', 'dtb', src]);
  const forcedOurs = cli('dtc', '-f', '-O', 'dtb', src);
  assert.equal(forcedOurs.status, forcedTheirs.status);
  assert.deepEqual(Buffer.from(forcedOurs.stdout), Buffer.from(forcedTheirs.stdout));
});

test('dtc: --json prints one JSON object per diagnostic', () => {
  const dir = tmp();
  const src = join(dir, 'bad.dts');
  writeFileSync(src, '/dts-v1/;\n/ { x = <1 / 0>; };\n');
  const r = cli('dtc', '--json', src);
  assert.equal(r.status, 1);
  const lines = r.stderr.trim().split('\n');
  for (const l of lines) {
    const o = JSON.parse(l) as { code: string; location: string; severity: string };
    assert.equal(o.severity, 'error');
    assert.ok(o.code);
    assert.match(o.location, /bad\.dts:2:\d+/);
  }
});

test('dtc: usage errors exit 2 and print the usage', () => {
  for (const args of [['-Q'], ['-I', 'xml', 'x.dts'], ['-H', 'odd', 'x'], ['a.dts', 'b.dts'], ['-Wno-such-check', 'x']]) {
    const r = cli('dtc', ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('dtc: a missing input file exits 1 with a located message', () => {
  const r = cli('dtc', '/nonexistent/none.dts');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error\[FILE_READ\]: Couldn't open/);
});

test('dtc: a truncated blob exits 1 with an FdtError code and offset', (t) => {
  if (dtcMissing) return skipNotice(t, dtcMissing);
  const dir = tmp();
  const src = join(dir, 'good.dts');
  writeFileSync(src, GOOD);
  const blob = Buffer.from(run('dtc', ['-O', 'dtb', src]).stdout);
  const cut = join(dir, 'cut.dtb');
  writeFileSync(cut, blob.subarray(0, blob.length - 9));
  const r = cli('dtc', '-I', 'dtb', '-O', 'dts', cut);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cut\.dtb(:0x[0-9a-f]+)?: error\[DTB_[A-Z_]+\]/);
});

test('fdtoverlay: same bytes as fdtoverlay', (t) => {
  const missing = dtcMissing ?? toolMissing('fdtoverlay', ['-h']);
  if (missing) return skipNotice(t, missing);
  const dir = tmp();
  writeFileSync(join(dir, 'base.dts'), '/dts-v1/;\n/ { a: node { x = <1>; }; };\n');
  writeFileSync(join(dir, 'ov.dts'), '/dts-v1/;\n/plugin/;\n&a { y = "new"; sub { z; }; };\n');
  assert.equal(run('dtc', ['-@', '-o', join(dir, 'base.dtb'), join(dir, 'base.dts')]).status, 0);
  assert.equal(run('dtc', ['-@', '-o', join(dir, 'ov.dtbo'), join(dir, 'ov.dts')]).status, 0);
  const theirs = run('fdtoverlay', ['-i', join(dir, 'base.dtb'), '-o', join(dir, 'theirs.dtb'), join(dir, 'ov.dtbo')]);
  assert.equal(theirs.status, 0, theirs.stderr);
  const ours = cli('fdtoverlay', '-i', join(dir, 'base.dtb'), '-o', join(dir, 'ours.dtb'), join(dir, 'ov.dtbo'));
  assert.equal(ours.status, 0, ours.stderr);
  assert.deepEqual(readFileSync(join(dir, 'ours.dtb')), readFileSync(join(dir, 'theirs.dtb')));
});

test('fdtoverlay: a non-overlay blob fails with exit 1, usage errors with 2', (t) => {
  if (dtcMissing) return skipNotice(t, dtcMissing);
  const dir = tmp();
  writeFileSync(join(dir, 'base.dts'), '/dts-v1/;\n/ { a: node { }; };\n');
  assert.equal(run('dtc', ['-o', join(dir, 'base.dtb'), join(dir, 'base.dts')]).status, 0);
  writeFileSync(join(dir, 'junk.dtbo'), 'not a blob at all');
  const r = cli('fdtoverlay', '-i', join(dir, 'base.dtb'), '-o', join(dir, 'o.dtb'), join(dir, 'junk.dtbo'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /error\[/);
  assert.equal(cli('fdtoverlay', '-o', join(dir, 'o.dtb')).status, 2);
});

test('summary: describes the bundled example', () => {
  const r = cli('summary', 'examples/qemu-dom0less.dts');
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.toString();
  assert.match(out, /examples\/qemu-dom0less\.dts: 19 nodes/);
  assert.match(out, /domU1/);
  const j = cli('summary', '--json', 'examples/qemu-dom0less.dts');
  const o = JSON.parse(j.stdout.toString()) as { nodes: number; reservations: number };
  assert.equal(o.nodes, 19); // 17 before psci and timer (QEMU virt has both)
  assert.equal(o.reservations, 1);
});

test('the top-level command: help exits 0, unknown command exits 2', () => {
  assert.equal(cli('--help').status, 0);
  assert.equal(cli('frobnicate').status, 2);
  assert.equal(cli().status, 2);
});
