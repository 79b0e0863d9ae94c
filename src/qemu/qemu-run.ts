/**
 * Run QEMU with the serial line on stdout, watch the text as it arrives, and
 * stop QEMU as soon as the verdict is settled, on timeout, or when Xen stays
 * silent too long. QEMU is always ended by its own pid: SIGTERM, then SIGKILL.
 */
import { spawn } from 'node:child_process';
import { QemuError } from './errors.js';

export interface RunOptions {
  /** Whole-boot limit, seconds. */
  timeoutSeconds: number;
  /** Give up when no "(XEN)" line has arrived after this many seconds (Xen's console is dead). */
  silenceSeconds?: number;
  /** Called with the whole log so far and when each line arrived; true ends the run early. */
  settled: (log: string, clock: RunClock) => boolean;
  /** Extra seconds to keep reading after settled (a panic's last lines); not the verdict's grace period. */
  graceSeconds?: number;
}

export type RunEnd = 'settled' | 'timeout' | 'silent' | 'exited';

/** Wall time of the run, so a verdict can ask how long a domain has lived since a line. */
export interface RunClock {
  /** Seconds from spawn at which line n (index n - 1, lines split at LF) was complete. */
  lineSeconds: readonly number[];
  /** Seconds from spawn, now. */
  now: number;
}

export interface RunResult {
  log: string;
  end: RunEnd;
  /** Wall time from spawn to the end of the run, seconds. */
  seconds: number;
  /** When each line arrived (see RunClock). */
  lineSeconds: number[];
  /** QEMU's stderr (its own complaints, "terminating on signal 15"). */
  stderr: string;
  exitCode: number | null;
}

const POLL_MS = 200;
const KILL_AFTER_MS = 2000;

export function runQemu(binary: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // If we die first (a test runner's timeout, Ctrl-C), QEMU must not run on alone.
    const orphanGuard = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', orphanGuard);
    let log = '';
    let stderr = '';
    let end: RunEnd | undefined;
    let settledAt: number | undefined;
    const lineSeconds: number[] = [];
    const elapsed = (): number => (Date.now() - start) / 1000;
    child.stdout.setEncoding('latin1').on('data', (d: string) => {
      log += d;
      const at = elapsed();
      for (let i = d.indexOf('\n'); i !== -1; i = d.indexOf('\n', i + 1)) lineSeconds.push(at);
    });
    const settled = (): boolean => opts.settled(log, { lineSeconds, now: elapsed() });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const stop = (why: RunEnd): void => {
      if (end) return;
      end = why;
      child.kill('SIGTERM');
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, KILL_AFTER_MS).unref();
    };
    const timer = setInterval(() => {
      const now = elapsed();
      if (settledAt === undefined && settled()) settledAt = now;
      if (settledAt !== undefined && now - settledAt >= (opts.graceSeconds ?? 0)) stop('settled');
      else if (now >= opts.timeoutSeconds) stop('timeout');
      else if (opts.silenceSeconds !== undefined && now >= opts.silenceSeconds && !log.includes('(XEN)')) stop('silent');
    }, POLL_MS);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearInterval(timer);
      process.removeListener('exit', orphanGuard);
      const missing = e.code === 'ENOENT';
      reject(
        new QemuError(missing ? 'QEMU_MISSING' : 'QEMU_FAILED', missing ? `${binary} is not installed` : `${binary}: ${e.message}`, {
          path: binary,
          hint: missing ? `install it: apt-get install ${binary.includes('x86') ? 'qemu-system-x86' : 'qemu-system-arm'}` : undefined,
        }),
      );
    });
    child.on('close', (code) => {
      clearInterval(timer);
      process.removeListener('exit', orphanGuard);
      // QEMU left by itself (-no-reboot after a panic, or a bad option): one last look at the log.
      if (!end) end = settled() ? 'settled' : 'exited';
      resolve({ log, end, seconds: elapsed(), lineSeconds, stderr, exitCode: code });
    });
  });
}
