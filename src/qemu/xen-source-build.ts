/**
 * Xen's arm64 hypervisor built from a source tarball with a Kconfig
 * fragment (arm64 defconfig + fragment + olddefconfig), cached by the
 * sha256 of both so a machine pays the few minutes of compiling once.
 * The cache entry keeps the Image (`xen`), its `.config` and the build log.
 * The source directory is only read; building happens in a staging
 * directory that is renamed into place, under a lock.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type LostOption, lostOptions, parseKconfig } from '../check/xen-kconfig.js';
import { takeCacheLock } from './cache-lock.js';
import { QemuError } from './errors.js';

/** The Debian packages the build needs (checkpolicy: without it the built-in FLASK policy silently turns off). */
// libc6-dev: Kconfig's host tools include <stdio.h>; gcc only recommends it, so
// --no-install-recommends leaves it out (a fresh-machine rehearsal showed it).
export const XEN_BUILD_PACKAGES = 'gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu flex bison m4 make gcc libc6-dev xz-utils checkpolicy';
/** The host C library headers the build helpers compile against (libc6-dev). */
export const HOST_C_HEADER = '/usr/include/stdio.h';
export const CROSS_COMPILE = 'aarch64-linux-gnu-';
const TOOLS = ['make', 'gcc', `${CROSS_COMPILE}gcc`, `${CROSS_COMPILE}ld`, 'flex', 'bison', 'm4', 'tar', 'xz'];

export interface XenSourceBuild {
  /** The arm64 Image (xen/xen of the build). */
  image: string;
  /** The build's final `.config`. */
  config: string;
  /** The whole make output. */
  log: string;
  /** sha256(tarball)[:16]-sha256(fragment)[:16]: the cache entry's name. */
  key: string;
}

export interface XenSourceBuildOptions {
  /** `xen-*.tar.xz` holding `xen/`, `config/`, `Config.mk` (as `git archive` of a Xen release). */
  tarball: string;
  /** Kconfig lines applied on top of arm64 defconfig. */
  fragment: string;
  /** Default: xenBuildCacheDir(). */
  cacheDir?: string;
  /** make -j (default 2). */
  jobs?: number;
  log?: (line: string) => void;
}

/** $HYPERLAUNCH_CACHE/xen-build, else ~/.cache/hyperlaunch/xen-build. */
export function xenBuildCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HYPERLAUNCH_CACHE ?? join(homedir(), '.cache', 'hyperlaunch'), 'xen-build');
}

/** The first build tool not on PATH, with the packages that bring them. */
export function missingBuildTool(): string | undefined {
  for (const tool of TOOLS) {
    const r = spawnSync(tool, ['--version'], { stdio: 'ignore' });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return tool;
  }
  return existsSync(HOST_C_HEADER) ? undefined : `${HOST_C_HEADER} (libc6-dev)`;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function readInput(file: string, what: string): void {
  if (!existsSync(file)) throw new QemuError('XEN_SOURCE_MISSING', `${what} ${file} does not exist`, { path: file, hint: 'give the Xen source tarball and Kconfig fragment' });
}

function entryOf(dir: string, key: string): XenSourceBuild | undefined {
  const image = join(dir, 'xen');
  const config = join(dir, 'xen.config');
  return existsSync(image) && existsSync(config) ? { image, config, log: join(dir, 'build.log'), key } : undefined;
}

/** The cached build for these inputs, without building. */
export function cachedXenSourceBuild(opts: XenSourceBuildOptions): XenSourceBuild | undefined {
  const key = cacheKey(opts);
  return entryOf(join(opts.cacheDir ?? xenBuildCacheDir(), key), key);
}

function cacheKey(opts: XenSourceBuildOptions): string {
  readInput(opts.tarball, 'the Xen source tarball');
  readInput(opts.fragment, 'the Kconfig fragment');
  return `${sha256(opts.tarball).slice(0, 16)}-${sha256(opts.fragment).slice(0, 16)}`;
}

/** Minutes, not seconds: a loaded 2-core machine took 215 s; a stale lock is older than any build. */
const LOCK_STALE_MS = 60 * 60_000;
const MAKE_TIMEOUT_MS = 45 * 60_000;

/** The cached build, or build it now (minutes). Throws QemuError naming what failed. */
export function buildXenFromSource(opts: XenSourceBuildOptions): XenSourceBuild {
  const cacheDir = opts.cacheDir ?? xenBuildCacheDir();
  const key = cacheKey(opts);
  const target = join(cacheDir, key);
  const done = entryOf(target, key);
  if (done) return done;
  const tool = missingBuildTool();
  if (tool) throw new QemuError('XEN_BUILD_TOOLS_MISSING', `${tool} is not installed: cannot build Xen from source`, { path: tool, hint: `apt-get install ${XEN_BUILD_PACKAGES}` });
  const release = takeCacheLock(cacheDir, LOCK_STALE_MS);
  try {
    return entryOf(target, key) ?? buildInto(cacheDir, target, key, opts);
  } finally {
    release();
  }
}

function buildInto(cacheDir: string, target: string, key: string, opts: XenSourceBuildOptions): XenSourceBuild {
  const staging = join(cacheDir, `.staging-${process.pid}-${Date.now()}`);
  const src = join(staging, 'src');
  mkdirSync(src, { recursive: true });
  const logFile = join(staging, 'build.log');
  const fd = openSync(logFile, 'a');
  try {
    compile(src, staging, logFile, fd, cacheDir, opts);
  } catch (e) {
    closeSync(fd);
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  closeSync(fd);
  rmSync(src, { recursive: true, force: true });
  try {
    renameSync(staging, target);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    if (!entryOf(target, key)) throw e;
  }
  return entryOf(target, key)!;
}

/** defconfig + fragment + olddefconfig (every fragment line must survive), then make; Image and .config into staging. */
function compile(src: string, staging: string, logFile: string, fd: number, cacheDir: string, opts: XenSourceBuildOptions): void {
  const log = opts.log ?? (() => {});
  const step = (what: string, cmd: string, args: string[]): void => {
    log(what);
    writeFileSync(fd, `$ ${cmd} ${args.join(' ')}\n`);
    const r = spawnSync(cmd, args, { stdio: ['ignore', fd, fd], timeout: MAKE_TIMEOUT_MS, env: { ...process.env, LC_ALL: 'C' } });
    if (r.status !== 0) throw buildFailed(what, r.error?.message ?? `exit ${r.status ?? r.signal}`, logFile, cacheDir);
  };
  step(`unpacking ${opts.tarball}`, 'tar', ['-xJf', opts.tarball, '-C', src]);
  const make = ['-C', join(src, 'xen'), 'XEN_TARGET_ARCH=arm64', `CROSS_COMPILE=${CROSS_COMPILE}`];
  step('make defconfig', 'make', [...make, 'defconfig']);
  const dotConfig = join(src, 'xen', '.config');
  const fragmentText = readFileSync(opts.fragment, 'utf8');
  writeFileSync(dotConfig, `${readFileSync(dotConfig, 'utf8')}\n${fragmentText}\n`);
  step('make olddefconfig', 'make', [...make, 'olddefconfig']);
  const lost = lostOptions(parseKconfig(fragmentText, opts.fragment), parseKconfig(readFileSync(dotConfig, 'utf8'), dotConfig));
  if (lost.length > 0) throw optionsLost(lost, opts.fragment);
  step(`make -j${opts.jobs ?? 2} (a few minutes, once)`, 'make', [...make, `-j${opts.jobs ?? 2}`]);
  copyFileSync(join(src, 'xen', 'xen'), join(staging, 'xen'));
  copyFileSync(dotConfig, join(staging, 'xen.config'));
}

function optionsLost(lost: readonly LostOption[], fragment: string): QemuError {
  const list = lost.map((l) => `CONFIG_${l.name}=${l.wanted} (got ${l.got === undefined ? 'nothing' : l.got})`).join(', ');
  return new QemuError('XEN_CONFIG_LOST', `olddefconfig dropped ${lost.length} option(s) of the fragment: ${list}`, {
    path: fragment,
    hint: 'an option whose dependencies are off is dropped silently: enable them in the fragment (STATIC_MEMORY needs UNSUPPORTED, the FLASK policy needs checkpolicy)',
  });
}

/** The failed step's last log lines; the staging log is kept beside the cache for reading. */
function buildFailed(what: string, why: string, logFile: string, cacheDir: string): QemuError {
  const kept = join(cacheDir, 'last-failed-build.log');
  let tail = '';
  try {
    copyFileSync(logFile, kept);
    tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-5).join(' | ');
  } catch {
    // the log itself is gone; the step and its status still say enough
  }
  return new QemuError('XEN_BUILD_FAILED', `${what} failed (${why})${tail ? `: ${tail}` : ''}`, { path: kept, hint: `read ${kept}` });
}
