/**
 * The DTS front end against dtc 1.6.1 on dtc's own test sources, with dtc
 * run here as the oracle:
 *  - parseDts throws FdtError exactly for the files dtc rejects with exit 1,
 *    with dtc's position and message for the first error;
 *  - for files without references, every property's bytes equal those in
 *    dtc's blob (read back with readDtb), without the check/writer layers;
 *  - the whole pipeline (runDtc) gives dtc's dtb and dts bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDts } from '../../src/fdt/dts/parser.js';
import { runDtc } from '../../src/fdt/dtc.js';
import { readDtb } from '../../src/fdt/dtb/read.js';
import { FdtError } from '../../src/fdt/errors.js';
import { formatDtcPosition } from '../../src/fdt/srcpos.js';
import type { DeviceTree, Node } from '../../src/fdt/tree/livetree.js';
import { needDtcCorpus, tempDir } from './dtb-oracle.js';
import type { Skippable } from '../support/skip.js';

interface DtcRun {
  status: number | null;
  stderr: string;
  out?: Uint8Array;
}

const INCLUDE_DIRS = ['search_dir', 'search_dir_b'];

function runRealDtc(dir: string, file: string, format: 'dtb' | 'dts', outPath: string): DtcRun {
  const args = ['-I', 'dts', '-O', format, '-o', outPath, ...INCLUDE_DIRS.flatMap((d) => ['-i', join(dir, d)]), join(dir, file)];
  // dtc 1.6.1 loops forever on one corpus file (in its checks), hence the timeout.
  const r = spawnSync('dtc', args, { encoding: 'utf8', timeout: 5000 });
  return { status: r.status, stderr: r.stderr ?? '', out: r.status === 0 && existsSync(outPath) ? readFileSync(outPath) : undefined };
}

/** Files expectations.tsv marks as hanging dtc 1.6.1 (in its checks, after parsing): not worth a 5 s timeout each. */
function hangingFiles(dir: string): Set<string> {
  const tsv = join(dir, 'expectations.tsv');
  if (!existsSync(tsv)) return new Set();
  const rows = readFileSync(tsv, 'utf8').split('\n').map((l) => l.split('\t'));
  return new Set(rows.filter((r) => r[4]?.startsWith('HANG')).map((r) => `${r[0]}.dts`));
}

function corpusFiles(dir: string): string[] {
  const hanging = hangingFiles(dir);
  return readdirSync(dir)
    .filter((f) => (f.endsWith('.dts') || f.endsWith('.dtsi')) && !hanging.has(f))
    .sort();
}

function skipWithout(t: Skippable): string | undefined {
  return needDtcCorpus(t, 'DTS parser over the dtc corpus');
}

function parseFile(dir: string, file: string): DeviceTree {
  return parseDts(readFileSync(join(dir, file)), { file: join(dir, file), includeDirs: INCLUDE_DIRS.map((d) => join(dir, d)) });
}

/** dtc's first diagnostic line, reduced to what our FdtError carries. */
function dtcFirstError(stderr: string): { where?: string; message: string } {
  const line = stderr.split('\n')[0] ?? '';
  const m = /^(?:Error|Lexical error): (\S+) (.*)$/.exec(line);
  if (m) return { where: m[1]!, message: m[2]! };
  return { message: line.replace(/^FATAL ERROR: /, '') };
}

function liveNodes(root: Node): Node[] {
  const out: Node[] = [];
  const work = [root];
  while (work.length) {
    const n = work.pop()!;
    out.push(n);
    const kids = [...n.liveChildren()];
    for (let i = kids.length - 1; i >= 0; i--) work.push(kids[i]!);
  }
  return out;
}

test('dtc-tests corpus: parseDts fails iff dtc 1.6.1 exits 1, with dtc\'s first error', (t) => {
  const dir = skipWithout(t);
  if (!dir) return;
  const tmp = tempDir();
  let agree = 0;
  let rejected = 0;
  let sameError = 0;
  const problems: string[] = [];
  for (const file of corpusFiles(dir)) {
    const dtc = runRealDtc(dir, file, 'dtb', join(tmp, 'out.dtb'));
    let err: unknown;
    try {
      parseFile(dir, file);
    } catch (e) {
      err = e;
    }
    if (err !== undefined && !(err instanceof FdtError)) {
      problems.push(`${file}: threw ${String(err)}`);
      continue;
    }
    const dtcRejects = dtc.status === 1;
    if (dtcRejects !== (err !== undefined)) {
      problems.push(`${file}: dtc exit ${dtc.status}, ours ${err ? (err as FdtError).message : 'parsed'}`);
      continue;
    }
    agree++;
    if (!(err instanceof FdtError)) continue;
    rejected++;
    const want = dtcFirstError(dtc.stderr);
    const where = want.where && err.position ? formatDtcPosition(err.position) : undefined;
    if (where === want.where && err.message === want.message) sameError++;
    else problems.push(`${file}: dtc "${want.where ?? ''} ${want.message}", ours "${where ?? ''} ${err.message}"`);
  }
  // dtc never finishes on these (a loop in its checks); it does parse them, and so must we.
  for (const file of hangingFiles(dir)) {
    if (existsSync(join(dir, file))) assert.doesNotThrow(() => parseFile(dir, file), file);
  }
  const total = corpusFiles(dir).length;
  console.log(`dts corpus: accept/reject agrees with dtc on ${agree}/${total} files; first error identical for ${sameError}/${rejected} rejected`);
  assert.deepEqual(problems, []);
  assert.ok(agree > 100, `dtc and we agree on only ${agree} files`);
});

test('dtc-tests corpus: property bytes equal dtc\'s blob for sources without references', (t) => {
  const dir = skipWithout(t);
  if (!dir) return;
  const tmp = tempDir();
  let files = 0;
  let props = 0;
  const problems: string[] = [];
  for (const file of corpusFiles(dir)) {
    const text = readFileSync(join(dir, file), 'latin1');
    if (text.includes('&') || text.includes('/include/') || text.includes('/plugin/')) continue;
    const dtc = runRealDtc(dir, file, 'dtb', join(tmp, 'out.dtb'));
    if (!dtc.out) continue;
    const ours = liveNodes(parseFile(dir, file).root);
    const theirs = liveNodes(readDtb(dtc.out).root);
    files++;
    if (ours.length !== theirs.length) {
      problems.push(`${file}: ${ours.length} nodes, dtc ${theirs.length}`);
      continue;
    }
    ours.forEach((n, i) => {
      const m = theirs[i]!;
      if (n.path !== m.path) problems.push(`${file}: node ${n.path} vs ${m.path}`);
      const b = [...m.liveProperties()];
      // dtc's name_properties check drops a `name` property that repeats the node name.
      const a = [...n.liveProperties()].filter((p) => p.name !== 'name' || b.some((q) => q.name === 'name'));
      if (a.map((p) => p.name).join() !== b.map((p) => p.name).join()) problems.push(`${file}: ${n.path} property names differ`);
      a.forEach((p, k) => {
        props++;
        const q = b[k];
        if (!q || Buffer.compare(Buffer.from(p.bytes), Buffer.from(q.bytes)) !== 0) problems.push(`${file}: ${n.path}:${p.name} bytes differ`);
      });
    });
  }
  console.log(`dts corpus: ${props} properties in ${files} reference-free files compared with dtc's blobs`);
  assert.deepEqual(problems, []);
  assert.ok(files > 20);
});

test('dtc-tests corpus: runDtc output equals dtc\'s, dtb and dts', (t) => {
  const dir = skipWithout(t);
  if (!dir) return;
  const tmp = tempDir();
  const problems: string[] = [];
  for (const format of ['dtb', 'dts'] as const) {
    let same = 0;
    let total = 0;
    for (const file of corpusFiles(dir)) {
      if (!file.endsWith('.dts')) continue;
      const dtc = runRealDtc(dir, file, format, join(tmp, `out.${format}`));
      if (!dtc.out) continue;
      total++;
      const res = runDtc(readFileSync(join(dir, file)), {
        file: join(dir, file),
        includeDirs: INCLUDE_DIRS.map((d) => join(dir, d)),
        outputFormat: format,
      });
      if (res.output && Buffer.compare(Buffer.from(res.output), Buffer.from(dtc.out)) === 0) same++;
      else problems.push(`${file} -O ${format}: exit ${res.exitCode} ${res.error?.message ?? ''}`);
    }
    console.log(`dts corpus: runDtc -O ${format} identical for ${same}/${total} files dtc accepts`);
    assert.ok(total > 50, `only ${total} files compared with -O ${format}`);
  }
  assert.deepEqual(problems, []);
});
