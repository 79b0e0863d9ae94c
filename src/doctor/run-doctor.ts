/**
 * Runs every probe of the table and says, per item, whether it is usable,
 * its version, and the exact command that fixes it. Commands are looked up
 * on the PATH of the environment given, files under a root directory, so the
 * answer for a machine can be tested with tools and files hidden.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cachedGuestBinaries, guestCacheDir } from '../qemu/guest-packages.js';
import type { DoctorItem, DoctorReport } from './item.js';
import { findOnPath } from './path-lookup.js';
import { type ArchitectureProbe, type CacheProbe, type CommandProbe, type FileProbe, PROBES, type Probe } from './probes.js';
import { startQemuPaused } from './qemu-start.js';

export interface DoctorOptions {
  /** Where PATH, HOME and HYPERLAUNCH_CACHE come from (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Files are looked for under this directory, as dpkg --root does (default '/'). */
  rootDir?: string;
  /** How long a QEMU may take to answer once started (default 20 s: a shared, loaded machine is slow). */
  qemuTimeoutMs?: number;
  /** The table to run (default: PROBES). */
  probes?: readonly Probe[];
}

interface Context {
  env: NodeJS.ProcessEnv;
  rootDir: string;
  qemuTimeoutMs: number;
}

const installFix = (pkg: string): string => `apt-get install -y ${pkg}`;
const VERSION_TIMEOUT_MS = 10_000;

function commandVersion(path: string, probe: CommandProbe, ctx: Context): { version?: string; error?: string } {
  const r = spawnSync(path, probe.versionArgs, { encoding: 'utf8', env: ctx.env, timeout: VERSION_TIMEOUT_MS });
  if (r.error) return { error: r.error.message };
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const version = probe.versionPattern ? probe.versionPattern.exec(text)?.[1] : text.split('\n').find((l) => l.trim())?.trim();
  return version ? { version } : { error: `\`${probe.name} ${probe.versionArgs.join(' ')}\` printed no version (status ${r.status})` };
}

function probeCommand(probe: CommandProbe, ctx: Context): DoctorItem {
  const base = { name: probe.name, kind: 'command' as const, package: probe.package, feature: probe.feature, required: probe.required };
  const path = findOnPath(probe.name, ctx.env.PATH);
  if (!path) return { ...base, status: 'missing', detail: `not found on PATH`, fix: installFix(probe.package) };
  const { version, error } = commandVersion(path, probe, ctx);
  if (error) return { ...base, status: 'broken', path, detail: error, fix: `apt-get install -y --reinstall ${probe.package}` };
  if (probe.startArgs) {
    const started = startQemuPaused(path, probe.startArgs, ctx.env, ctx.qemuTimeoutMs);
    if (!started.ok) return { ...base, status: 'broken', path, version, detail: `does not start: ${started.detail}`, fix: installFix(probe.package) };
  }
  return { ...base, status: 'ok', path, version };
}

function probeFile(probe: FileProbe, ctx: Context): DoctorItem {
  const base = { name: probe.name, kind: 'file' as const, package: probe.package, feature: probe.feature, required: probe.required };
  const found = probe.paths.find((p) => existsSync(join(ctx.rootDir, p)));
  const note = probe.note ? { detail: probe.note } : {};
  if (found) return { ...base, status: 'ok', path: found, ...note };
  return { ...base, status: 'missing', detail: probe.note ?? `none of ${probe.paths.join(', ')}`, fix: installFix(probe.package) };
}

function probeArchitecture(probe: ArchitectureProbe, ctx: Context): DoctorItem {
  const base = { name: probe.name, kind: 'architecture' as const, feature: probe.feature, required: probe.required };
  const fix = `dpkg --add-architecture ${probe.arch} && apt-get update`;
  const dpkg = findOnPath('dpkg', ctx.env.PATH);
  if (!dpkg) return { ...base, status: 'missing', detail: 'dpkg is not on PATH (not a Debian system?)', fix };
  const r = spawnSync(dpkg, ['--print-foreign-architectures'], { encoding: 'utf8', env: ctx.env, timeout: VERSION_TIMEOUT_MS });
  if (r.error || r.status !== 0) return { ...base, status: 'broken', detail: `dpkg --print-foreign-architectures failed: ${r.error?.message ?? r.stderr.trim()}`, fix };
  const foreign = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  if (foreign.includes(probe.arch)) return { ...base, status: 'ok' };
  return { ...base, status: 'missing', detail: `foreign architectures: ${foreign.join(', ') || 'none'}`, fix };
}

function probeCache(probe: CacheProbe, ctx: Context): DoctorItem {
  const base = { name: probe.name, kind: 'cache' as const, feature: probe.feature, required: probe.required };
  const dir = guestCacheDir(ctx.env);
  const cached = cachedGuestBinaries(dir);
  if (cached) {
    const version = Object.entries(cached.packages).map(([p, v]) => `${p} ${v}`).join(', ');
    return { ...base, status: 'ok', path: dir, version };
  }
  return {
    ...base,
    status: 'missing',
    path: dir,
    detail: 'downloaded by the first boot (needs apt-get and the arm64 architecture)',
    fix: 'node bin/hyperlaunch.js qemu examples/qemu-dom0less.dts',
  };
}

function runProbe(probe: Probe, ctx: Context): DoctorItem {
  switch (probe.kind) {
    case 'command':
      return probeCommand(probe, ctx);
    case 'file':
      return probeFile(probe, ctx);
    case 'architecture':
      return probeArchitecture(probe, ctx);
    case 'cache':
      return probeCache(probe, ctx);
  }
}

export function runDoctor(opts: DoctorOptions = {}): DoctorReport {
  const ctx: Context = { env: { ...(opts.env ?? process.env), LC_ALL: 'C' }, rootDir: opts.rootDir ?? '/', qemuTimeoutMs: opts.qemuTimeoutMs ?? 20_000 };
  const items = (opts.probes ?? PROBES).map((p) => runProbe(p, ctx));
  return { usable: items.every((i) => !i.required || i.status === 'ok'), items };
}
