/**
 * Proves a QEMU binary runs: start it paused (-S, no guest), ask it over QMP
 * on stdio for its status, and quit. A reply to query-status means QEMU got
 * past machine creation, where missing firmware or ROMs stop it; a fixed
 * sleep would call a QEMU that is merely slow to fail under load "ok".
 */
import { spawnSync } from 'node:child_process';

export interface StartResult {
  ok: boolean;
  /** QEMU's complaint, or why no answer came. */
  detail?: string;
}

const QMP_SESSION = ['{"execute":"qmp_capabilities"}', '{"execute":"query-status"}', '{"execute":"quit"}', ''].join('\n');

export function startQemuPaused(binary: string, machineArgs: string[], env: NodeJS.ProcessEnv, timeoutMs: number): StartResult {
  const args = [...machineArgs, '-S', '-serial', 'none', '-qmp', 'stdio'];
  const r = spawnSync(binary, args, { input: QMP_SESSION, encoding: 'utf8', env, timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (/"return":\s*\{[^}]*"status"/.test(r.stdout ?? '')) return { ok: true };
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ETIMEDOUT') return { ok: false, detail: `started but did not answer over QMP within ${timeoutMs / 1000} s` };
  // EPIPE: QEMU quit before reading the QMP session; its own complaint on stderr says why.
  if (r.error && code !== 'EPIPE') return { ok: false, detail: r.error.message };
  const complaint = (r.stderr ?? '').trim().split('\n').filter(Boolean).pop();
  return { ok: false, detail: complaint ?? `exited with status ${r.status ?? r.signal} before answering` };
}
