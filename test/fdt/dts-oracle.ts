/**
 * Test support for the DTS front end: compile a small source tree with the
 * installed dtc and with our pipeline, and reduce both results to one
 * comparable string (the output text, or dtc's first error line).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runDtc } from '../../src/fdt/dtc.js';
import { FdtError } from '../../src/fdt/errors.js';
import { formatDtcPosition } from '../../src/fdt/srcpos.js';

/** Files to create, by relative path; `main.dts` is the input. */
export type SourceTree = Record<string, string | Uint8Array>;

export function writeTree(files: SourceTree): string {
  const dir = mkdtempSync(join(tmpdir(), 'hl-dts-'));
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, typeof content === 'string' ? Buffer.from(content, 'latin1') : content);
  }
  return dir;
}

/** dtc's prefix for a fatal message of ours, to rebuild its first stderr line. */
function dtcLine(e: FdtError): string {
  if (!e.position || e.code.startsWith('DTS_INCLUDE') || e.code === 'DTS_BAD_ESCAPE' || e.code === 'DTS_INCBIN_SEEK') {
    return `FATAL ERROR: ${e.message}`;
  }
  const prefix = e.code === 'DTS_BAD_LITERAL' || e.code === 'DTS_BAD_LINE_MARKER' ? 'Lexical error' : 'Error';
  return `${prefix}: ${formatDtcPosition(e.position)} ${e.message}`;
}

export interface Outcome {
  /** Output text (latin1) when the exit code is 0, else `exit N: first stderr line`. */
  text: string;
  exit: number | null;
}

/** Run the real dtc in `dir` (relative names, so positions read `main.dts:…`). */
export function dtcOutcome(dir: string, format: 'dts' | 'dtb', includeDirs: string[] = []): Outcome {
  const out = join(dir, `out.${format}`);
  if (existsSync(out)) rmSync(out);
  const args = ['-O', format, '-o', out, ...includeDirs.flatMap((d) => ['-i', d]), 'main.dts'];
  const r = spawnSync('dtc', args, { cwd: dir, encoding: 'latin1', timeout: 3000 });
  if (r.status === 0) return { exit: 0, text: readFileSync(out).toString('latin1') };
  return { exit: r.status, text: `exit ${r.status}: ${(r.stderr ?? '').split('\n')[0]}` };
}

/** The same through runDtc, reading files relative to `dir`. */
export function ourOutcome(dir: string, format: 'dts' | 'dtb', includeDirs: string[] = []): Outcome {
  const readFile = (p: string): Uint8Array => readFileSync(p.startsWith('/') ? p : join(dir, p));
  const res = runDtc(readFile('main.dts'), { file: 'main.dts', outputFormat: format, includeDirs, readFile });
  if (res.exitCode === 0) return { exit: 0, text: Buffer.from(res.output!).toString('latin1') };
  const first = res.error ? dtcLine(res.error) : (res.messages[0] ?? '').split('\n')[0];
  return { exit: res.exitCode, text: `exit ${res.exitCode}: ${first}` };
}
