/**
 * The shared libraries a dynamically linked x86-64 program loads, read from
 * its ELF file as the dynamic loader would (PT_INTERP, DT_NEEDED), and their
 * closure within an unpacked Debian tree: what dom0's initramfs must carry
 * for xl, xenstored and xenconsoled to start. No ldd: the tree's libraries
 * are not the host's, and ldd would run them.
 */
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { QemuError } from './errors.js';

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;

export interface ElfDeps {
  /** PT_INTERP (/lib64/ld-linux-x86-64.so.2), for a dynamically linked program. */
  interpreter?: string;
  /** DT_NEEDED sonames, in order. */
  needed: string[];
}

interface Segment {
  type: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
}

function notElf64(file: string, why: string): QemuError {
  return new QemuError('GUEST_UNPACK', `${file} is not a little-endian ELF64 file (${why})`, { path: file, hint: 'the package layout changed; report it' });
}

function segments(b: Buffer, file: string): Segment[] {
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46) throw notElf64(file, 'no ELF magic');
  if (b[4] !== 2 || b[5] !== 1) throw notElf64(file, `class ${b[4]}, data ${b[5]}`);
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  if (phoff + phentsize * phnum > b.length) throw notElf64(file, 'program headers past the end');
  const out: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    out.push({ type: b.readUInt32LE(at), offset: Number(b.readBigUInt64LE(at + 8)), vaddr: b.readBigUInt64LE(at + 16), filesz: Number(b.readBigUInt64LE(at + 32)) });
  }
  return out;
}

/** DT_STRTAB holds an address: the loadable segment containing it gives its place in the file. */
function fileOffset(segs: Segment[], vaddr: bigint): number | undefined {
  const seg = segs.find((s) => s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + BigInt(s.filesz));
  return seg ? seg.offset + Number(vaddr - seg.vaddr) : undefined;
}

function cString(b: Buffer, at: number): string {
  const end = b.indexOf(0, at);
  return b.toString('latin1', at, end === -1 ? b.length : end);
}

export function elfDeps(bytes: Uint8Array, file = 'ELF file'): ElfDeps {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segs = segments(b, file);
  const interp = segs.find((s) => s.type === PT_INTERP);
  const dyn = segs.find((s) => s.type === PT_DYNAMIC);
  const deps: ElfDeps = { needed: [] };
  if (interp) deps.interpreter = cString(b, interp.offset);
  if (!dyn) return deps;
  const entries: [bigint, bigint][] = [];
  for (let at = dyn.offset; at + 16 <= dyn.offset + dyn.filesz; at += 16) {
    const tag = b.readBigUInt64LE(at);
    if (tag === 0n) break;
    entries.push([tag, b.readBigUInt64LE(at + 8)]);
  }
  const strtab = entries.find(([t]) => t === DT_STRTAB);
  const base = strtab === undefined ? undefined : fileOffset(segs, strtab[1]);
  if (base === undefined) throw notElf64(file, 'DT_STRTAB outside the loadable segments');
  deps.needed = entries.filter(([t]) => t === DT_NEEDED).map(([, v]) => cString(b, base + Number(v)));
  return deps;
}

/** Where Debian's amd64 loader looks (ld.so.conf.d/x86_64-linux-gnu.conf), relative to the tree. */
export const X86_64_LIBRARY_DIRS = ['lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'lib64'] as const;

export interface LibraryFile {
  /** The path the loader opens, relative to the tree ("lib/x86_64-linux-gnu/libc.so.6"). */
  path: string;
  /** The file's real place (symlinks resolved inside the tree). */
  source: string;
}

/**
 * A file of the tree, its symlinks followed inside the tree: an absolute
 * link (lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...) names the
 * tree's copy, never the host's.
 */
export function resolveInTree(root: string, path: string): string | undefined {
  let rel = path.replace(/^\/+/, '');
  for (let hops = 0; hops < 40; hops++) {
    const abs = join(root, rel);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      return undefined;
    }
    if (!st.isSymbolicLink()) return abs;
    const target = readlinkSync(abs);
    rel = target.startsWith('/') ? target.replace(/^\/+/, '') : join(dirname(rel), target);
  }
  return undefined;
}

function findLibrary(root: string, soname: string, dirs: readonly string[]): LibraryFile | undefined {
  for (const d of dirs) {
    const path = join(d, soname);
    const source = resolveInTree(root, path);
    if (source) return { path, source };
  }
  return undefined;
}

/**
 * Every library the programs load, transitively, plus the interpreter and
 * `extra` sonames nobody names (libgcc_s.so.1, which glibc dlopens). A
 * library the tree lacks is an error naming it and who needs it.
 */
export function libraryClosure(root: string, programs: readonly string[], extra: readonly string[] = [], dirs: readonly string[] = X86_64_LIBRARY_DIRS): LibraryFile[] {
  const found = new Map<string, LibraryFile>();
  const queue: { soname: string; by: string }[] = extra.map((s) => ({ soname: s, by: 'glibc (dlopen)' }));
  for (const p of programs) {
    const deps = elfDeps(readFileSync(join(root, p)), p);
    if (deps.interpreter) {
      const interp = deps.interpreter.replace(/^\/+/, '');
      const source = resolveInTree(root, interp);
      if (!source) throw new QemuError('GUEST_UNPACK', `${p}'s loader ${deps.interpreter} is not in the unpacked packages`, { path: root, hint: 'report it' });
      found.set(interp, { path: interp, source });
    }
    queue.push(...deps.needed.map((s) => ({ soname: s, by: p })));
  }
  const seen = new Set<string>();
  while (queue.length > 0) {
    const { soname, by } = queue.shift()!;
    if (seen.has(soname)) continue;
    seen.add(soname);
    const lib = findLibrary(root, soname, dirs);
    if (!lib) throw new QemuError('GUEST_UNPACK', `${soname}, needed by ${by}, is not in the unpacked packages`, { path: root, hint: 'a library package is missing from the x86 guest set; report it' });
    found.set(lib.path, lib);
    queue.push(...elfDeps(readFileSync(lib.source), lib.path).needed.map((s) => ({ soname: s, by: lib.path })));
  }
  return [...found.values()].sort((a, b) => a.path.localeCompare(b.path));
}
