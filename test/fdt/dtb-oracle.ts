/**
 * Test support for the DTB tests: where the repo and the shared corpus are,
 * whether dtc is installed, and a batch runner that makes many dtc calls in
 * one shell so the oracle stays fast.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test file');
    dir = up;
  }
  return dir;
}

export function corpusDir(): string {
  return join(repoRoot(), '..', 'shared', 'corpus', 'dtc-tests');
}

let dtcChecked: boolean | undefined;
export function haveDtc(): boolean {
  if (dtcChecked === undefined) {
    try {
      execFileSync('dtc', ['--version'], { stdio: 'pipe' });
      dtcChecked = true;
    } catch {
      dtcChecked = false;
    }
  }
  return dtcChecked;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hl-dtb-'));
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
  const script = jobs
    .map((j) => `dtc -q ${j.args.map(shellQuote).join(' ')} -o ${shellQuote(join(dir, j.out))} 2>${shellQuote(join(dir, j.out + '.err'))} || rm -f ${shellQuote(join(dir, j.out))}`)
    .join('\n');
  const scriptPath = join(dir, 'batch.sh');
  writeFileSync(scriptPath, script + '\n');
  execFileSync('sh', [scriptPath], { cwd, stdio: 'pipe', maxBuffer: 64 << 20 });
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
