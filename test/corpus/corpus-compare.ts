/**
 * Tallies for the corpus tests: one `Comparison` per kind of output, counting
 * identical/total, keeping the first few differences readable, and holding
 * the named known differences (a real remaining bug with its reason) apart
 * from unexpected ones so the assertion covers everything else.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import type { DtcResult } from '../../src/fdt/dtc.js';
import type { ToolResult } from './debian-corpus.js';
import { needTools } from '../support/tools.js';

export interface Mismatch {
  name: string;
  detail: string;
}

export class Comparison {
  identical = 0;
  total = 0;
  readonly unexpected: Mismatch[] = [];
  readonly known: Mismatch[] = [];
  /** Known differences that turned out identical (the entry can go). */
  readonly fixed: string[] = [];

  constructor(
    readonly label: string,
    private readonly knownDifferences: ReadonlyMap<string, string> = new Map(),
    /** Reported but never asserted (e.g. stderr parity). */
    readonly informational = false,
  ) {}

  record(name: string, detail: string | undefined): void {
    this.total++;
    if (detail === undefined) {
      this.identical++;
      if (this.knownDifferences.has(name)) this.fixed.push(name);
      return;
    }
    const reason = this.knownDifferences.get(name);
    if (reason !== undefined) this.known.push({ name, detail: `${detail} [known: ${reason}]` });
    else this.unexpected.push({ name, detail });
  }

  summary(): string {
    let s = `${this.label}: ${this.identical}/${this.total} identical`;
    if (this.known.length) s += `, ${this.known.length} known differences`;
    if (this.unexpected.length) s += `, ${this.unexpected.length} ${this.informational ? 'differ' : 'UNEXPECTED'}`;
    if (this.fixed.length) s += ` (known-difference entries now identical: ${this.fixed.join(', ')})`;
    return s;
  }

  /** Prints the summary and the first mismatches of each kind. */
  report(limit = this.informational ? 3 : 15): void {
    console.log(this.summary());
    for (const m of this.unexpected.slice(0, limit)) console.log(`  differs: ${m.name}: ${m.detail}`);
    for (const m of this.known.slice(0, limit)) console.log(`  known:   ${m.name}: ${m.detail}`);
  }

  assertNoUnexpected(): void {
    if (this.informational) return;
    assert.equal(this.total > 0, true, `${this.label}: nothing compared`);
    const shown = this.unexpected
      .slice(0, 20)
      .map((m) => `${m.name}: ${m.detail}`)
      .join('\n');
    assert.equal(this.unexpected.length, 0, `${this.summary()}\n${shown}`);
  }
}

/** Undefined when equal, else where the first difference is. */
export function bytesDiffer(ours: Uint8Array | undefined, theirs: Uint8Array): string | undefined {
  if (ours === undefined) return 'no output from ours';
  const n = Math.min(ours.length, theirs.length);
  for (let i = 0; i < n; i++) {
    if (ours[i] !== theirs[i]) return `byte ${i}: ours 0x${hex(ours[i]!)} dtc 0x${hex(theirs[i]!)} (sizes ${ours.length}/${theirs.length})`;
  }
  return ours.length === theirs.length ? undefined : `sizes ${ours.length}/${theirs.length}, equal up to ${n}`;
}

/** Undefined when equal, else the first differing line of both. */
export function textDiffers(ours: string, theirs: string): string | undefined {
  if (ours === theirs) return undefined;
  const a = ours.split('\n');
  const b = theirs.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: ours ${clip(a[i])} dtc ${clip(b[i])}`;
  }
  return 'differs';
}

function clip(line: string | undefined): string {
  if (line === undefined) return '<eof>';
  return JSON.stringify(line.length > 100 ? `${line.slice(0, 100)}…` : line);
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** Runs ours, turning any throw into a mismatch description (a crash must be visible, not abort the batch). */
export function guarded<T>(fn: () => T): { value?: T; error?: string } {
  try {
    return { value: fn() };
  } catch (e) {
    const err = e as Error;
    return { error: `ours threw ${err?.constructor?.name ?? 'error'}: ${err?.message ?? String(e)}`.slice(0, 300) };
  }
}

/** stderr text → lines, as dtc prints them. */
export function stderrLines(s: string): string[] {
  return s.split('\n').filter((l) => l.length > 0);
}

/** Ours (a runDtc result or a throw) against a dtc run: exit status, then output bytes. */
export function dtcRunDiffers(ours: { value?: DtcResult; error?: string }, dtc: ToolResult): string | undefined {
  if (ours.error !== undefined) return ours.error;
  const r = ours.value!;
  if (r.exitCode !== dtc.code) {
    const dtcFirst = stderrLines(dtc.stderr).find((l) => !/Warning/.test(l)) ?? stderrLines(dtc.stderr)[0] ?? '';
    const ourFirst = r.messages.find((l) => !/Warning/.test(l)) ?? r.error?.message ?? '';
    return `exit ours ${r.exitCode} dtc ${dtc.code} (ours: ${ourFirst.slice(0, 120)} | dtc: ${dtcFirst.slice(0, 120)})`;
  }
  if (dtc.code !== 0) return undefined;
  return bytesDiffer(r.output, dtc.stdout);
}

/** Informational: do our stderr lines equal dtc's? */
export function messagesDiffer(ours: { value?: DtcResult }, dtc: ToolResult): string | undefined {
  if (!ours.value) return 'no result';
  const theirs = stderrLines(dtc.stderr);
  // One of our messages may span lines (`also defined at`), as dtc's fprintf does.
  const mine = stderrLines(ours.value.messages.join('\n'));
  for (let i = 0; i < Math.max(mine.length, theirs.length); i++) {
    if (mine[i] !== theirs[i]) return `message ${i + 1}: ours ${clip(mine[i])} dtc ${clip(theirs[i])}`;
  }
  return undefined;
}

const toolCache = new Map<string, boolean>();

/** Whether a program runs at all (`<tool> --version` or `-h` exits without a spawn error). */
export function haveTool(tool: string, args: string[] = ['--version']): boolean {
  let ok = toolCache.get(tool);
  if (ok === undefined) {
    ok = spawnSync(tool, args, { stdio: 'ignore' }).error === undefined;
    toolCache.set(tool, ok);
  }
  return ok;
}

/** Skips (with a printed notice) unless every tool is installed. */
export function skipWithoutTools(t: TestContext, tools: string[]): boolean {
  return !needTools(t, tools);
}
