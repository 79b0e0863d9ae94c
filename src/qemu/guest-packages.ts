/**
 * The guest binaries of the QEMU demo and tests — Debian's arm64 Xen 4.17,
 * a cloud kernel (an Image serving dom0 and domUs) and a static busybox —
 * fetched with apt-get download and unpacked with dpkg -x into a cache
 * outside the repository. Nothing is installed on the host.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { takeCacheLock } from './cache-lock.js';
import { QemuError } from './errors.js';

export const XEN_PACKAGE = 'xen-hypervisor-4.17-arm64';
export const BUSYBOX_PACKAGE = 'busybox-static';
/** The cloud kernel's name carries the kernel ABI, which moves with each security update. */
export const KERNEL_PACKAGE_PATTERN = '^linux-image-[0-9.]+-[0-9]+-cloud-arm64-unsigned$';

export interface GuestBinaries {
  /** Xen's arm64 Image (boot/xen-4.17-arm64). */
  xen: string;
  /** Linux arm64 Image (already uncompressed in Debian's package). */
  kernel: string;
  /** Static arm64 busybox. */
  busybox: string;
  /** package name -> version, as downloaded. */
  packages: Record<string, string>;
  /** The unpacked tree. */
  root: string;
}

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started at all (ENOENT...). */
  error?: string;
}

/** Runs a command without a shell; injectable so error handling is testable without a network. */
export type CommandRunner = (cmd: string, args: string[], cwd?: string) => CommandResult;

export const runCommand: CommandRunner = (cmd, args, cwd) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, LC_ALL: 'C' } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error?.message };
};

/** $HYPERLAUNCH_CACHE/guest, else ~/.cache/hyperlaunch/guest. */
export function guestCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.HYPERLAUNCH_CACHE ?? join(homedir(), '.cache', 'hyperlaunch');
  return join(base, 'guest');
}

const MANIFEST = 'manifest.json';
const CURRENT = 'current';

/** The cached binaries, without touching the network; undefined when not (fully) cached. */
export function cachedGuestBinaries(cacheDir = guestCacheDir()): GuestBinaries | undefined {
  return cachedPackageSet(ARM64_SET, cacheDir);
}

export interface FetchOptions {
  cacheDir?: string;
  run?: CommandRunner;
  /** Progress lines ("downloading ..."). */
  log?: (line: string) => void;
  /** Whether we may run dpkg --add-architecture / apt-get update (default: when running as root). */
  isRoot?: boolean;
}

/** Cached binaries, or download and unpack them now. Throws QemuError with a hint when apt cannot deliver. */
export function fetchGuestBinaries(opts: FetchOptions = {}): GuestBinaries {
  return fetchPackageSet(ARM64_SET, opts);
}

/**
 * One set of Debian packages unpacked together into a cache directory: the
 * arm64 guest set here, the amd64 one in guest-packages-x86.ts. The manifest
 * holds paths relative to the set's directory, so it survives the rename
 * that publishes it.
 */
export interface PackageSet<T> {
  /** The set's directory under the guest cache. */
  dirName: string;
  /** Debian architecture of every package. */
  arch: string;
  /** A package that must have a candidate: proof that apt has this architecture's lists. */
  probe: string;
  /** Package names (without ":arch") to download; may ask apt (the kernel's ABI moves). */
  names: (run: CommandRunner) => string[];
  /** The manifest of the unpacked tree at root (paths relative to the set's directory). */
  locate: (root: string, packages: Record<string, string>) => T;
  /** The manifest with absolute paths in dir, or undefined when a file it names is missing. */
  resolve: (dir: string, manifest: T) => T | undefined;
}

/** A set's cached manifest (absolute paths), without touching the network. */
export function cachedPackageSet<T>(set: PackageSet<T>, cacheDir = guestCacheDir()): T | undefined {
  const dir = join(cacheDir, set.dirName);
  try {
    return set.resolve(dir, JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as T);
  } catch {
    return undefined;
  }
}

/** A set from the cache, or downloaded and unpacked now (one process at a time). */
export function fetchPackageSet<T>(set: PackageSet<T>, opts: FetchOptions = {}): T {
  const cacheDir = opts.cacheDir ?? guestCacheDir();
  const cached = cachedPackageSet(set, cacheDir);
  if (cached) return cached;
  mkdirSync(cacheDir, { recursive: true });
  // Test files run in parallel: one process downloads, the others wait for its copy (apt's own lock would fail them).
  const release = takeCacheLock(cacheDir, LOCK_STALE_MS);
  try {
    return cachedPackageSet(set, cacheDir) ?? downloadAndUnpack(set, cacheDir, opts);
  } finally {
    release();
  }
}

const LOCK_STALE_MS = 15 * 60_000;

function downloadAndUnpack<T>(set: PackageSet<T>, cacheDir: string, opts: FetchOptions): T {
  const run = opts.run ?? runCommand;
  const log = opts.log ?? (() => {});
  const isRoot = opts.isRoot ?? process.getuid?.() === 0;
  ensureLists(run, set, isRoot, log);
  const names = set.names(run).map((n) => `${n}:${set.arch}`);
  const staging = join(cacheDir, `.staging-${process.pid}-${Date.now()}`);
  mkdirSync(join(staging, 'debs'), { recursive: true });
  try {
    log(`downloading ${names.join(' ')}`);
    aptDownload(run, names, join(staging, 'debs'));
    const packages = unpack(run, join(staging, 'debs'), join(staging, 'root'));
    rmSync(join(staging, 'debs'), { recursive: true, force: true });
    const manifest = set.locate(join(staging, 'root'), packages);
    writeFileSync(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    publish(staging, join(cacheDir, set.dirName));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const done = cachedPackageSet(set, cacheDir);
  const where = join(cacheDir, set.dirName);
  if (!done) throw new QemuError('GUEST_CACHE_BROKEN', `the guest cache ${where} is incomplete`, { path: cacheDir, hint: `delete ${where} and retry` });
  return done;
}

const ARM64_SET: PackageSet<GuestBinaries> = {
  dirName: CURRENT,
  arch: 'arm64',
  probe: XEN_PACKAGE,
  names: (run) => [XEN_PACKAGE, currentKernelPackage(run), BUSYBOX_PACKAGE],
  locate: locateBinaries,
  resolve: (dir, m) => {
    const abs = { ...m, root: join(dir, 'root'), xen: join(dir, m.xen), kernel: join(dir, m.kernel), busybox: join(dir, m.busybox) };
    return [abs.xen, abs.kernel, abs.busybox].every((f) => existsSync(f)) ? abs : undefined;
  },
};

/** Another process may have published first: then its copy wins and ours is dropped. */
function publish(staging: string, target: string): void {
  try {
    renameSync(staging, target);
  } catch (e) {
    if (!existsSync(join(target, MANIFEST))) throw e;
  }
}

function aptHasCandidate(run: CommandRunner, pkg: string): boolean {
  const r = run('apt-cache', ['policy', pkg]);
  return r.status === 0 && /Candidate: (?!\(none\))\S+/.test(r.stdout);
}

/** A foreign architecture's package lists are needed only once; adding them takes root. */
function ensureLists<T>(run: CommandRunner, set: PackageSet<T>, isRoot: boolean, log: (l: string) => void): void {
  const probe = run('apt-cache', ['--version']);
  if (probe.error || probe.status !== 0) {
    throw new QemuError('APT_MISSING', 'apt-cache is not available: the guest binaries come from the Debian archive', {
      hint: `run on Debian 12 (or a derivative with bookworm ${set.arch} packages), or bring your own Xen, kernel and busybox`,
    });
  }
  const wanted = `${set.probe}:${set.arch}`;
  if (aptHasCandidate(run, wanted)) return;
  const native = run('dpkg', ['--print-architecture']).stdout.trim() === set.arch;
  if (!isRoot) {
    throw new QemuError(set.arch === 'arm64' ? 'ARM64_LISTS_MISSING' : 'PACKAGE_NOT_FOUND', `apt knows no ${set.arch} package ${set.probe}`, {
      hint: native ? 'run once as root: apt-get update' : `run once as root: dpkg --add-architecture ${set.arch} && apt-get update`,
    });
  }
  const foreign = run('dpkg', ['--print-foreign-architectures']);
  if (!native && !foreign.stdout.split(/\s+/).includes(set.arch)) {
    log(`dpkg --add-architecture ${set.arch}`);
    checked(run('dpkg', ['--add-architecture', set.arch]), `dpkg --add-architecture ${set.arch}`);
  }
  log('apt-get update');
  const upd = run('apt-get', ['update']);
  if (upd.status !== 0 || /^(W|E): (Failed to fetch|Some index files failed)/m.test(upd.stderr)) throw unreachable('apt-get update', upd);
  if (!aptHasCandidate(run, wanted)) {
    throw new QemuError('PACKAGE_NOT_FOUND', `no package ${wanted} in the configured archive`, {
      hint: 'the sources must include Debian bookworm (main) and bookworm-security',
    });
  }
}

/** The highest kernel ABI among the cloud-arm64-unsigned images apt knows. */
export function currentKernelPackage(run: CommandRunner, pattern = KERNEL_PACKAGE_PATTERN, hint = 'run as root: dpkg --add-architecture arm64 && apt-get update'): string {
  const r = run('apt-cache', ['search', '--names-only', pattern]);
  const names = r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => new RegExp(pattern).test(n));
  const best = pickNewestKernel(names);
  if (!best) throw new QemuError('PACKAGE_NOT_FOUND', `apt knows no package matching ${pattern}`, { hint });
  return best;
}

/** Order by the version numbers in the name (6.1.0-56 after 6.1.0-9), not as text. */
export function pickNewestKernel(names: readonly string[]): string | undefined {
  const key = (n: string): number[] => (n.match(/\d+/g) ?? []).map(Number);
  const cmp = (a: number[], b: number[]): number => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (a[i] ?? -1) - (b[i] ?? -1);
      if (d !== 0) return d;
    }
    return 0;
  };
  return [...names].sort((a, b) => cmp(key(a), key(b))).pop();
}

function aptDownload(run: CommandRunner, names: string[], dir: string): void {
  const r = run('apt-get', ['download', ...names], dir);
  if (r.status !== 0) throw unreachable('apt-get download', r);
}

/** dpkg -x every .deb into one tree; returns package -> version from the file names. */
export function unpack(run: CommandRunner, debs: string, root: string): Record<string, string> {
  mkdirSync(root, { recursive: true });
  const packages: Record<string, string> = {};
  for (const f of readdirSync(debs).filter((n) => n.endsWith('.deb')).sort()) {
    checked(run('dpkg', ['-x', join(debs, f), root]), `dpkg -x ${f}`);
    const [name, version] = f.replace(/\.deb$/, '').split('_');
    if (name && version) packages[name] = decodeURIComponent(version); // apt writes the epoch colon as %3a
  }
  return packages;
}

function locateBinaries(root: string, packages: Record<string, string>): GuestBinaries {
  const boot = readdirSync(join(root, 'boot'));
  const kernel = boot.find((f) => /^vmlinuz-.*-cloud-arm64$/.test(f));
  const xen = boot.find((f) => /^xen-4\.17-arm64$/.test(f));
  if (!kernel || !xen || !existsSync(join(root, 'bin', 'busybox'))) {
    throw new QemuError('GUEST_UNPACK', `the unpacked packages lack ${!xen ? 'boot/xen-4.17-arm64' : !kernel ? 'boot/vmlinuz-*-cloud-arm64' : 'bin/busybox'}`, {
      path: root,
      hint: 'the package layout changed; report it',
    });
  }
  // Relative paths: the manifest stays valid after the staging dir is renamed.
  return { xen: join('root', 'boot', xen), kernel: join('root', 'boot', kernel), busybox: join('root', 'bin', 'busybox'), packages, root: 'root' };
}

function checked(r: CommandResult, what: string): void {
  if (r.status === 0) return;
  throw new QemuError('COMMAND_FAILED', `${what} failed: ${firstLine(r.error ?? r.stderr) || `exit ${r.status}`}`, { path: what });
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => /^(E|W): /.test(l)) ?? s.split('\n').find((l) => l.trim() !== '') ?? '';
}

/** apt's network failures read "Could not resolve", "Failed to fetch", "Temporary failure" ... */
function unreachable(what: string, r: CommandResult): QemuError {
  const text = `${r.error ?? ''}\n${r.stderr}`;
  const network = /Could not resolve|Failed to fetch|Temporary failure|Unable to connect|Connection (refused|timed out)|Network is unreachable/i.test(text);
  if (network) {
    return new QemuError('APT_UNREACHABLE', `${what}: the Debian package archive is unreachable (${firstLine(text)})`, {
      path: what,
      hint: 'check the network or the proxy for apt (/etc/apt/sources.list*), then retry; the download happens once and is cached',
    });
  }
  return new QemuError('COMMAND_FAILED', `${what} failed: ${firstLine(text) || `exit ${r.status}`}`, { path: what });
}
