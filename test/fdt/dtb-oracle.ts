/**
 * Test support for the DTB tests: where the repo and the shared corpus are,
 * whether dtc is installed, and a batch runner that makes many dtc calls in
 * one shell so the oracle stays fast.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceTree, Node } from '../../src/fdt/tree/livetree.js';
import { repoRoot as sharedRepoRoot } from '../support/paths.js';
import { DTC_TESTS, needShared, sharedPath } from '../support/shared.js';
import type { Skippable } from '../support/skip.js';
import { needTool } from '../support/tools.js';

export function repoRoot(): string {
  return sharedRepoRoot;
}

export function corpusDir(): string {
  return sharedPath(DTC_TESTS);
}

/**
 * The dtc-tests corpus when dtc and the corpus are both here; otherwise
 * undefined, the running test skipped with a printed notice.
 */
export function needDtcCorpus(t: Skippable, what: string): string | undefined {
  if (!needTool(t, 'dtc')) return undefined;
  return needShared(t, what, DTC_TESTS);
}

const tempDirs: string[] = [];

/** A fresh directory under the OS temp dir, removed when the test process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hl-dtb-'));
  if (tempDirs.length === 0) {
    process.on('exit', () => {
      for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  tempDirs.push(dir);
  return dir;
}

export interface CorpusSource {
  name: string;
  /** Path relative to the corpus dir. */
  rel: string;
  /** Extra `-i` directories (relative to the corpus dir). */
  includes: string[];
}

function findFile(dir: string, file: string, rel = ''): string | undefined {
  for (const e of readdirSync(join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${e}` : e;
    if (e === file) return r;
    if (statSync(join(dir, r)).isDirectory()) {
      const hit = findFile(dir, file, r);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** Corpus .dts files that dtc 1.6.1 accepts, per expectations.tsv. */
export function acceptedSources(dir = corpusDir()): CorpusSource[] {
  const lines = readFileSync(join(dir, 'expectations.tsv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const head = lines[0]!.split('\t');
  const col = head.indexOf('dtc-1.6.1 (Debian)');
  const noteCol = head.indexOf('note');
  const out: CorpusSource[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split('\t');
    if (!(f[col] ?? '').startsWith('ok')) continue;
    const rel = findFile(dir, `${f[0]}.dts`);
    if (!rel) continue;
    const includes = [...(f[noteCol] ?? '').matchAll(/-i\s+(\S+)/g)].map((m) => m[1]!);
    out.push({ name: f[0]!, rel, includes });
  }
  return out;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Run many dtc invocations in one shell. Each job writes `<dir>/<out>`; a
 * failing job leaves no output file (its stderr goes to `<out>.err`).
 */
export function runDtcBatch(dir: string, cwd: string, jobs: { out: string; args: string[] }[]): void {
  const script = jobs.map((j) => dtcLine(dir, j)).join('\n');
  const scriptPath = join(dir, 'batch.sh');
  writeFileSync(scriptPath, script + '\n');
  execFileSync('sh', [scriptPath], { cwd, stdio: 'pipe', maxBuffer: 64 << 20 });
}

/** runDtcBatch split over one shell per CPU (at most 4), run concurrently. */
export async function runDtcBatchParallel(dir: string, cwd: string, jobs: { out: string; args: string[] }[]): Promise<void> {
  const n = Math.max(1, Math.min(4, cpus().length));
  const parts: { out: string; args: string[] }[][] = Array.from({ length: n }, () => []);
  jobs.forEach((j, i) => parts[i % n]!.push(j));
  await Promise.all(
    parts.map((part, k) => {
      const script = part.map((j) => dtcLine(dir, j)).join('\n');
      const scriptPath = join(dir, `batch${k}.sh`);
      writeFileSync(scriptPath, script + '\n');
      return new Promise<void>((resolve, reject) =>
        execFile('sh', [scriptPath], { cwd, maxBuffer: 64 << 20 }, (err) => (err ? reject(err) : resolve())),
      );
    }),
  );
}

function dtcLine(dir: string, j: { out: string; args: string[] }): string {
  return `dtc -q ${j.args.map(shellQuote).join(' ')} -o ${shellQuote(join(dir, j.out))} 2>${shellQuote(join(dir, j.out + '.err'))} || rm -f ${shellQuote(join(dir, j.out))}`;
}

export function readIf(path: string): Uint8Array | undefined {
  return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** First differing offset, for failure messages. */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/**
 * dtc runs its checks on dtb input too, and one of them changes the bytes:
 * check_name_properties deletes a `name` property equal to the node's base
 * name (legacy v1–3 blobs carry one per node). dtc stops running checks at
 * the first one that reports an error, so it only happens when the error
 * checks before it in dtc's table pass (duplicate names, name characters,
 * name format, `name` being one string). That belongs to the checks pass,
 * not the reader, so tests comparing with `dtc -I dtb -O dtb` apply it here.
 */
export function dropRedundantNameProps(tree: DeviceTree): void {
  const nodes: Node[] = [];
  const stack = [tree.root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    nodes.push(node);
    stack.push(...node.children);
  }
  if (!nodes.every(passesEarlierErrorChecks)) return;
  for (const node of nodes) {
    const i = node.properties.findIndex((p) => p.name === 'name');
    if (i < 0) continue;
    const bytes = node.properties[i]!.bytes;
    const base = node.baseName;
    if (bytes.length === base.length + 1 && [...base].every((ch, k) => bytes[k] === ch.charCodeAt(0))) node.properties.splice(i, 1);
  }
}

const NODE_CHARS = /^[a-zA-Z0-9,._+\-@]*$/;
const PROP_CHARS = /^[a-zA-Z0-9,._+*#?\-]*$/;

function passesEarlierErrorChecks(node: Node): boolean {
  const kids = node.children.map((c) => c.name);
  const props = node.properties.map((p) => p.name);
  if (new Set(kids).size !== kids.length || new Set(props).size !== props.length) return false;
  if (!NODE_CHARS.test(node.name) || node.unitAddress.includes('@')) return false;
  if (!props.every((p) => PROP_CHARS.test(p))) return false;
  const name = node.getProperty('name');
  return !name || name.value.isOneString();
}
