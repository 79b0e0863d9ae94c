/**
 * What the fuzzers above the devicetree share: a case is a list of named
 * steps; each step ends in a value or a typed diagnostic, anything else is
 * a crash of that step. A case slower than SLOW_MS (twice, to rule out a
 * pause of a loaded machine) counts as a hang. Crashes are collected, not
 * thrown, so that one long run finds them all; each carries what is needed
 * to replay it without the seeds (see crashers.test.ts). The bound is on
 * CPU time: on the shared machine a 100 ms case took 1.6 s of wall time
 * under load (docs/fuzzing.md), which is the machine, not the case.
 */
import { describeThrown, isTypedDiagnostic } from './typed-diagnostic.js';

export const SLOW_MS = 1000;

export type Outcome = 'ok' | 'typed';

export interface Crash {
  target: string;
  step: string;
  /** Stack or message; a hang says how long the case took. */
  error: string;
  /** Seed index and mutations, for the reader of a report. */
  label: string;
  /** The concrete input, JSON-able: what a crasher fixture holds. */
  replay: unknown;
  /** How many cases ended in the same crash (same step, message and place). */
  count: number;
}

export interface FuzzSummary {
  runs: number;
  ok: number;
  /** Cases that ended in typed diagnostics. */
  errors: number;
  crashes: Crash[];
}

class StepCrash extends Error {
  constructor(readonly step: string, readonly thrown: unknown) {
    super(`${step}: ${describeThrown(thrown)}`);
  }
}

/** Run one step: its value, or undefined for a typed diagnostic; anything else is a crash of `name`. */
export function step<T>(name: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof StepCrash) throw e;
    if (isTypedDiagnostic(e)) return undefined;
    throw new StepCrash(name, e);
  }
}

/** Same step, same first line of the message, same innermost frame: the same bug. */
function signature(c: Omit<Crash, 'count'>): string {
  const lines = c.error.split('\n');
  const frame = lines.find((l) => l.trim().startsWith('at ')) ?? '';
  return `${c.target}\0${c.step}\0${lines[0]!.replace(/\d+/g, 'N')}\0${frame.trim()}`;
}

/** Collects the outcomes of a run. */
export class Tally {
  runs = 0;
  ok = 0;
  errors = 0;
  private readonly crashes = new Map<string, Crash>();

  /** `onCrash` hears of each distinct crash when it is found, so a stopped run still tells. */
  constructor(readonly target: string, private readonly onCrash?: (c: Crash) => void) {}

  /** Run one case within the time bound and count how it ended; `describe` is asked only after a crash. */
  judge(run: () => Outcome, describe: () => { label: string; replay: unknown }): void {
    this.runs++;
    const crash = judgeCase(run);
    if (crash === 'ok') this.ok++;
    else if (crash === 'typed') this.errors++;
    else this.add({ target: this.target, ...describe(), ...crash });
  }

  private add(c: Omit<Crash, 'count'>): void {
    const key = signature(c);
    const seen = this.crashes.get(key);
    if (seen) {
      seen.count++;
      return;
    }
    const crash = { ...c, count: 1 };
    this.crashes.set(key, crash);
    this.onCrash?.(crash);
  }

  summary(): FuzzSummary {
    return { runs: this.runs, ok: this.ok, errors: this.errors, crashes: [...this.crashes.values()] };
  }
}

/** `ok`, `typed`, or the crash (a step's exception or a hang). */
export function judgeCase(run: () => Outcome): Outcome | { step: string; error: string } {
  const once = (): { outcome?: Outcome; crash?: { step: string; error: string }; cpuMs: number; wallMs: number } => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const spent = () => {
      const used = process.cpuUsage(cpu);
      return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - start };
    };
    try {
      const outcome = run();
      return { outcome, ...spent() };
    } catch (e) {
      const crash = e instanceof StepCrash ? { step: e.step, error: describeThrown(e.thrown) } : { step: 'harness', error: describeThrown(e) };
      return { crash, ...spent() };
    }
  };
  const first = once();
  if (first.crash) return first.crash;
  if (first.cpuMs <= SLOW_MS) return first.outcome!;
  const again = once();
  if (again.crash) return again.crash;
  if (again.cpuMs <= SLOW_MS) return again.outcome!;
  const took = (t: { cpuMs: number; wallMs: number }) => `${Math.round(t.cpuMs)} ms CPU (${Math.round(t.wallMs)} ms wall)`;
  return { step: 'time bound', error: `hang: the case took ${took(first)}, then ${took(again)} (bound ${SLOW_MS} ms CPU)` };
}
