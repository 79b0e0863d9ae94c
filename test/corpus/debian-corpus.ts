/**
 * Real-world oracle corpora fetched from the Debian archive at test time and
 * cached outside the repository (the kernel's DTS are GPL, so they are never
 * committed):
 *  - the arm64 kernel image's ready-made DTBs (dtc 1.6.1 writer output);
 *  - linux-source-6.1's arm64 DTS, run through the kernel's cpp recipe, with
 *    the per-file dtc flags the kernel uses (-b 0, -@ for overlay bases) and
 *    the overlay composites defined in the vendor Makefiles.
 * Every entry point returns either the corpus or a `CorpusUnavailable` with a
 * reason, so tests can print a SKIP notice with it instead of failing on a
 * machine without network or apt.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { type Skippable, skipNotice } from '../support/skip.js';

export interface CorpusUnavailable {
  unavailable: true;
  reason: string;
}

export interface KernelDtbCorpus {
  unavailable?: false;
  /** Debian package the blobs come from, e.g. linux-image-6.1.0-56-arm64. */
  packageName: string;
  version: string;
  /** Directory holding <vendor>/<name>.dtb[o]. */
  dir: string;
  /** Paths relative to `dir`, sorted. */
  files: string[];
}

export interface KernelSource {
  /** Path of the .dts relative to arch/arm64/boot/dts, e.g. "arm/juno.dts". */
  name: string;
  /** Absolute path of the original .dts. */
  dts: string;
  /** Absolute path of the cpp output. */
  pp: string;
  /** dtc's -i directories, in the kernel's order. */
  includeDirs: string[];
  /** The kernel passes -@ (DTC_FLAGS_<name> or base of a composite). */
  symbols: boolean;
  /** The source is a /plugin/ overlay (built as .dtbo). */
  overlay: boolean;
}

/** `name-dtbs := base.dtb overlay.dtbo` from a vendor Makefile. */
export interface OverlayComposite {
  /** e.g. "freescale/fsl-ls1028a-qds-13bb" */
  name: string;
  /** Source names (KernelSource.name) of the base and the overlays, in order. */
  base: string;
  overlays: string[];
}

export interface KernelSourceCorpus {
  unavailable?: false;
  version: string;
  /** arch/arm64/boot/dts inside the cache. */
  dtsRoot: string;
  sources: KernelSource[];
  composites: OverlayComposite[];
  /** Sources cpp could not preprocess (name → cpp's stderr); absent from `sources`. */
  cppFailures: Record<string, string>;
}

export function isUnavailable(x: { unavailable?: boolean }): x is CorpusUnavailable {
  return x.unavailable === true;
}

const unavailable = (reason: string): CorpusUnavailable => ({ unavailable: true, reason });

export function cacheRoot(): string {
  const env = process.env['HYPERLAUNCH_CACHE'];
  return env ? join(env, 'corpus') : join(homedir(), '.cache', 'hyperlaunch', 'corpus');
}

/** Why the corpus tests should not run at all, or undefined. */
function optOutReason(): string | undefined {
  if (process.env['HYPERLAUNCH_SKIP_CORPUS']) return 'HYPERLAUNCH_SKIP_CORPUS is set';
  if (process.platform !== 'linux') return `needs Debian apt tools (platform ${process.platform})`;
  return undefined;
}

// ---------------------------------------------------------------- processes

export interface ToolResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program to completion; never rejects (a spawn failure is code 127). */
export function runTool(cmd: string, args: string[], opts: { cwd?: string; input?: Uint8Array } = {}): Promise<ToolResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, encoding: 'buffer', maxBuffer: 1 << 30 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127) : 0;
        resolvePromise({ code, stdout, stderr: stderr.toString('utf8') || (err && code === 127 ? String(err.message) : '') });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---------------------------------------------------------------- apt

async function aptField(pkg: string, field: string): Promise<string | undefined> {
  const r = await runTool('apt-cache', ['show', '--no-all-versions', pkg]);
  if (r.code !== 0) return undefined;
  const m = new RegExp(`^${field}: (.+)$`, 'm').exec(r.stdout.toString());
  return m?.[1]?.trim();
}

let archAdded: Promise<boolean> | undefined;

/** Registers arm64 as a foreign architecture (root only), once per process. */
function ensureArm64(): Promise<boolean> {
  archAdded ??= (async () => {
    const foreign = await runTool('dpkg', ['--print-foreign-architectures']);
    if (foreign.code === 0 && /^arm64$/m.test(foreign.stdout.toString())) return true;
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
    if ((await runTool('dpkg', ['--add-architecture', 'arm64'])).code !== 0) return false;
    return (await runTool('apt-get', ['update'])).code === 0;
  })();
  return archAdded;
}

/**
 * The current arm64 kernel image package (its name moves with every ABI
 * bump): the one linux-image-arm64 depends on, else the newest -unsigned
 * build of it (same files; `unsignedOnly` takes that fallback directly).
 */
async function resolveImagePackage(unsignedOnly: boolean): Promise<string | CorpusUnavailable> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const dep = unsignedOnly ? undefined : await runTool('apt-cache', ['depends', 'linux-image-arm64:arm64']);
    const m = dep && /Depends: (linux-image-[0-9.]+-[0-9]+-arm64)(?::arm64)?$/m.exec(dep.stdout.toString());
    if (m) return m[1]!;
    const search = await runTool('apt-cache', ['search', '--names-only', '^linux-image-[0-9.]+-[0-9]+-arm64-unsigned$']);
    const names = search.stdout
      .toString()
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter((n) => n.startsWith('linux-image-'));
    if (names.length > 0) return names.sort(compareAbiNames).at(-1)!;
    if (attempt === 0 && !(await ensureArm64())) break;
  }
  return unavailable('apt has no arm64 linux-image package (needs `dpkg --add-architecture arm64 && apt-get update`, as root)');
}

function compareAbiNames(a: string, b: string): number {
  const nums = (s: string): number[] => (s.match(/\d+/g) ?? []).map(Number);
  const x = nums(a);
  const y = nums(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

async function aptDownload(pkg: string, dir: string): Promise<string | CorpusUnavailable> {
  mkdirSync(dir, { recursive: true });
  const r = await runTool('apt-get', ['download', pkg], { cwd: dir });
  const debs = readdirSync(dir).filter((f) => f.endsWith('.deb'));
  if (r.code !== 0 || debs.length !== 1) {
    const why = r.stderr.split('\n').filter((l) => l.startsWith('E:')).join(' ') || `exit ${r.code}`;
    return unavailable(`apt-get download ${pkg} failed (archive unreachable?): ${why}`);
  }
  return join(dir, debs[0]!);
}

// ---------------------------------------------------------------- cache dirs

const READY = '.ready.json';

/**
 * Serialises preparation across the test processes node:test runs in
 * parallel: a directory lock holding the owner's pid, broken when that
 * process is gone.
 */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      if (lockIsStale(lock)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function lockIsStale(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // Owner between mkdir and writing its pid: give it a few seconds.
    try {
      return Date.now() - statSync(lock).mtimeMs > 10_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

function readReady<T>(dir: string): T | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, READY), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** How long a prepared corpus is reused without asking apt for a newer package. */
const REUSE_MS = 7 * 24 * 3600 * 1000;

/**
 * A ready cache dir recent enough to use without consulting apt (each
 * apt-cache call costs about a second). HYPERLAUNCH_CORPUS_REFRESH=1 forces
 * the apt check.
 */
function freshReady(prefix: string): string | undefined {
  if (process.env['HYPERLAUNCH_CORPUS_REFRESH']) return undefined;
  const dir = newestReady(prefix);
  if (!dir) return undefined;
  return Date.now() - statSync(join(dir, READY)).mtimeMs < REUSE_MS ? dir : undefined;
}

/** Newest ready cache dir starting with `prefix` (for offline reuse). */
function newestReady(prefix: string): string | undefined {
  const root = cacheRoot();
  if (!existsSync(root)) return undefined;
  const name = readdirSync(root)
    .filter((d) => d.startsWith(prefix) && existsSync(join(root, d, READY)))
    .sort(compareAbiNames)
    .at(-1);
  return name === undefined ? undefined : join(root, name);
}

function listFiles(dir: string, keep: (name: string) => boolean, base = dir, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listFiles(p, keep, base, out);
    else if (keep(e.name)) out.push(relative(base, p));
  }
  return out;
}

// ---------------------------------------------------------------- kernel DTBs

interface DtbManifest {
  packageName: string;
  version: string;
  dir: string;
  files: string[];
}

const dtbMemo = new Map<boolean, Promise<KernelDtbCorpus | CorpusUnavailable>>();

/**
 * The arm64 kernel image's .dtb/.dtbo files (downloaded and extracted once).
 * `unsigned` takes the -unsigned package, the fallback when apt cannot
 * resolve linux-image-arm64, so that path can be tested on purpose.
 */
export function getKernelDtbs(opts: { unsigned?: boolean } = {}): Promise<KernelDtbCorpus | CorpusUnavailable> {
  const unsignedOnly = opts.unsigned === true;
  let memo = dtbMemo.get(unsignedOnly);
  if (!memo) dtbMemo.set(unsignedOnly, (memo = loadKernelDtbs(unsignedOnly)));
  return memo;
}

/**
 * Where an image package keeps its DTBs: usr/lib/linux-image-<kernel
 * release>/, and the -unsigned package's release has no `-unsigned`
 * (linux-image-6.1.0-57-arm64-unsigned ships usr/lib/linux-image-6.1.0-57-arm64/).
 */
export function packageDtbDir(pkg: string): string {
  return join('usr', 'lib', pkg.replace(/-unsigned$/, ''));
}

async function loadKernelDtbs(unsignedOnly: boolean): Promise<KernelDtbCorpus | CorpusUnavailable> {
  const optOut = optOutReason();
  if (optOut) return unavailable(optOut);
  // a forced fallback asks apt each time: a cached signed package must not stand in for it
  const fresh = unsignedOnly ? undefined : freshReady('linux-image-');
  const freshManifest = fresh && readReady<DtbManifest>(fresh);
  if (fresh && freshManifest) return { ...freshManifest, dir: join(fresh, 'dtbs') };
  const pkg = await resolveImagePackage(unsignedOnly);
  const version = typeof pkg === 'string' ? await aptField(`${pkg}:arm64`, 'Version') : undefined;
  if (typeof pkg !== 'string' || !version) {
    if (unsignedOnly) return typeof pkg === 'string' ? unavailable(`apt-cache has no version for ${pkg}:arm64`) : pkg;
    const cached = newestReady('linux-image-');
    const m = cached && readReady<DtbManifest>(cached);
    if (m) return { ...m, dir: join(cached, 'dtbs') };
    return typeof pkg === 'string' ? unavailable(`apt-cache has no version for ${pkg}:arm64`) : pkg;
  }
  const dir = join(cacheRoot(), `${pkg}_${version}`);
  return withLock(dir, async () => {
    const ready = readReady<DtbManifest>(dir);
    if (ready) return { ...ready, dir: join(dir, 'dtbs') };
    rmSync(dir, { recursive: true, force: true });
    const deb = await aptDownload(`${pkg}:arm64`, join(dir, 'download'));
    if (typeof deb !== 'string') return deb;
    const out = join(dir, 'extract');
    mkdirSync(out, { recursive: true });
    const script = 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "*.dtb" "*.dtbo"';
    const x = await runTool('sh', ['-c', script, 'sh', deb, out]);
    if (x.code !== 0) return unavailable(`extracting ${deb} failed: ${x.stderr.trim()}`);
    const libDir = join(out, packageDtbDir(pkg));
    if (!existsSync(libDir)) return unavailable(`${deb} has no ${packageDtbDir(pkg)} (no DTBs in this package?)`);
    renameSync(libDir, join(dir, 'dtbs'));
    rmSync(out, { recursive: true, force: true });
    rmSync(join(dir, 'download'), { recursive: true, force: true });
    const files = listFiles(join(dir, 'dtbs'), (n) => n.endsWith('.dtb') || n.endsWith('.dtbo')).sort();
    const manifest: DtbManifest = { packageName: pkg, version, dir: join(dir, 'dtbs'), files };
    writeFileSync(join(dir, READY), JSON.stringify(manifest, null, 1));
    return manifest;
  });
}

// ---------------------------------------------------------------- kernel sources

const SOURCE_PKG = 'linux-source-6.1';
const TREE = 'linux-source-6.1';

interface SourceManifest {
  version: string;
  sources: Omit<KernelSource, 'dts' | 'pp' | 'includeDirs'>[];
  composites: OverlayComposite[];
  cppFailures: Record<string, string>;
}

let sourceMemo: Promise<KernelSourceCorpus | CorpusUnavailable> | undefined;

/** linux-source-6.1's arm64 DTS, preprocessed with the kernel's cpp recipe (prepared once). */
export function getKernelSources(): Promise<KernelSourceCorpus | CorpusUnavailable> {
  sourceMemo ??= loadKernelSources();
  return sourceMemo;
}

async function loadKernelSources(): Promise<KernelSourceCorpus | CorpusUnavailable> {
  const optOut = optOutReason();
  if (optOut) return unavailable(optOut);
  const fresh = freshReady(`${SOURCE_PKG}_`);
  const freshManifest = fresh && readReady<SourceManifest>(fresh);
  if (fresh && freshManifest) return expandSources(fresh, freshManifest);
  const version = await aptField(SOURCE_PKG, 'Version');
  if (!version) {
    const cached = newestReady(`${SOURCE_PKG}_`);
    const m = cached && readReady<SourceManifest>(cached);
    if (cached && m) return expandSources(cached, m);
    return unavailable(`apt-cache knows no ${SOURCE_PKG} (is this Debian bookworm with apt lists?)`);
  }
  const dir = join(cacheRoot(), `${SOURCE_PKG}_${version}`);
  return withLock(dir, async () => {
    const ready = readReady<SourceManifest>(dir);
    if (ready) return expandSources(dir, ready);
    rmSync(dir, { recursive: true, force: true });
    const prepared = await prepareSources(dir, version);
    if ('unavailable' in prepared) return prepared;
    writeFileSync(join(dir, READY), JSON.stringify(prepared, null, 1));
    return expandSources(dir, prepared);
  });
}

function dtsRootOf(dir: string): string {
  return join(dir, TREE, 'arch', 'arm64', 'boot', 'dts');
}

function includePrefixesOf(dir: string): string {
  return join(dir, TREE, 'scripts', 'dtc', 'include-prefixes');
}

function ppPathOf(dir: string, name: string): string {
  return join(dir, 'pp', name.replace(/\.dts$/, '.pp.dts'));
}

function expandSources(dir: string, m: SourceManifest): KernelSourceCorpus {
  const dtsRoot = dtsRootOf(dir);
  const prefixes = includePrefixesOf(dir);
  return {
    version: m.version,
    dtsRoot,
    composites: m.composites,
    cppFailures: m.cppFailures,
    sources: m.sources.map((s) => ({
      ...s,
      dts: join(dtsRoot, s.name),
      pp: ppPathOf(dir, s.name),
      // scripts/Makefile.lib cmd_dtc: -i $(dir $<) -i scripts/dtc/include-prefixes
      includeDirs: [dirname(join(dtsRoot, s.name)), prefixes],
    })),
  };
}

async function prepareSources(dir: string, version: string): Promise<SourceManifest | CorpusUnavailable> {
  const deb = await aptDownload(SOURCE_PKG, join(dir, 'download'));
  if (typeof deb !== 'string') return deb;
  // The .deb wraps a .tar.xz; stream it straight into a selective extract.
  const members = [
    `${TREE}/arch/arm64/boot/dts/*`,
    // arm64 boards include arm/… (include-prefixes/arm → arch/arm/boot/dts).
    `${TREE}/arch/arm/boot/dts/*`,
    `${TREE}/include/dt-bindings/*`,
    `${TREE}/scripts/dtc/include-prefixes/*`,
    // Target of the dt-bindings/input/linux-event-codes.h symlink.
    `${TREE}/include/uapi/linux/input-event-codes.h`,
  ];
  const ex = await extractSourceTree(deb, dir, members);
  if (ex.code !== 0) return unavailable(`extracting ${SOURCE_PKG} failed: ${ex.stderr.trim().slice(0, 500)}`);
  rmSync(join(dir, 'download'), { recursive: true, force: true });
  const dtsRoot = dtsRootOf(dir);
  const names = listFiles(dtsRoot, (n) => n.endsWith('.dts')).sort();
  const makefiles = readMakefiles(dtsRoot);
  const composites = parseComposites(makefiles);
  const withSymbols = symbolSources(makefiles, composites);
  const cppFailures: Record<string, string> = {};
  const sources: SourceManifest['sources'] = [];
  const results = await mapLimit(names, 2, (name) => preprocess(dir, name));
  names.forEach((name, i) => {
    const r = results[i]!;
    if (r.code !== 0) {
      cppFailures[name] = r.stderr.slice(0, 2000);
      return;
    }
    const text = readFileSync(ppPathOf(dir, name), 'latin1');
    sources.push({ name, symbols: withSymbols.has(name), overlay: /\/plugin\/\s*;/.test(text) });
  });
  return { version, sources, composites, cppFailures };
}

function extractSourceTree(deb: string, dir: string, members: string[]): Promise<ToolResult> {
  const script = 'deb="$1"; out="$2"; shift 2; dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz | tar -xJ -C "$out" --wildcards "$@"';
  return runTool('sh', ['-c', script, 'sh', deb, dir, ...members]);
}

/** The kernel's cmd_dtc cpp step (scripts/Makefile.lib), minus the dependency file. */
function preprocess(dir: string, name: string): Promise<ToolResult> {
  const dts = join(dtsRootOf(dir), name);
  const pp = ppPathOf(dir, name);
  mkdirSync(dirname(pp), { recursive: true });
  return runTool('cpp', [
    '-nostdinc',
    '-I',
    dirname(dts),
    '-I',
    includePrefixesOf(dir),
    '-undef',
    '-D__DTS__',
    '-x',
    'assembler-with-cpp',
    '-o',
    pp,
    dts,
  ]);
}

/** Vendor Makefiles with line continuations joined: vendor dir → text. */
function readMakefiles(dtsRoot: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of listFiles(dtsRoot, (n) => n === 'Makefile')) {
    out.set(dirname(rel), readFileSync(join(dtsRoot, rel), 'utf8').replace(/\\\n/g, ' '));
  }
  return out;
}

function parseComposites(makefiles: Map<string, string>): OverlayComposite[] {
  const out: OverlayComposite[] = [];
  for (const [vendor, text] of makefiles) {
    for (const m of text.matchAll(/^([\w.+-]+)-dtbs\s*:?=\s*(.+)$/gm)) {
      const parts = m[2]!.trim().split(/\s+/);
      const toSource = (p: string): string => join(vendor, p.replace(/\.dtbo?$/, '.dts'));
      out.push({ name: join(vendor, m[1]!), base: toSource(parts[0]!), overlays: parts.slice(1).map(toSource) });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Sources the kernel compiles with -@: DTC_FLAGS_<name> := -@, and every composite's base. */
function symbolSources(makefiles: Map<string, string>, composites: OverlayComposite[]): Set<string> {
  const out = new Set(composites.map((c) => c.base));
  for (const [vendor, text] of makefiles) {
    for (const m of text.matchAll(/^DTC_FLAGS_([\w.+-]+)\s*[:+]?=\s*(.*)$/gm)) {
      if (/(^|\s)-@(\s|$)/.test(m[2]!)) out.add(join(vendor, `${m[1]}.dts`));
    }
  }
  return out;
}

// ---------------------------------------------------------------- oracle helpers

/** dtc's argument list for a kernel source, as the kernel's cmd_dtc builds it. */
export function kernelDtcArgs(src: KernelSource): string[] {
  return ['-O', 'dtb', '-b', '0', ...src.includeDirs.flatMap((d) => ['-i', d]), ...(src.symbols ? ['-@'] : []), src.pp];
}

/** Skips the running test with the shared notice naming the reason. */
export function skipUnavailable(t: Skippable, u: CorpusUnavailable): void {
  skipNotice(t, 'Debian kernel corpus', u.reason);
}
