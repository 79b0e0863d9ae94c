/**
 * `hyperlaunch doctor` on a machine with tools hidden (a PATH holding links
 * to only some of them, a fake dpkg with no foreign architecture, an empty
 * root for files) must name each missing item with the command that fixes
 * it and exit 1; on this machine it must report the versions the real tools
 * print themselves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DoctorItem, type DoctorReport, findOnPath, runDoctor } from '../../src/doctor/index.js';
import { cliPath, repoRoot, skipNotice } from '../support/paths.js';

interface FakeMachine {
  dir: string;
  bin: string;
  root: string;
  cache: string;
}

/** A PATH with links to `linked` real tools and shell scripts for `scripts`; an empty root and cache. */
function fakeMachine(linked: string[], scripts: Record<string, string>): FakeMachine {
  const dir = mkdtempSync(join(tmpdir(), 'hl-doctor-'));
  const m = { dir, bin: join(dir, 'bin'), root: join(dir, 'root'), cache: join(dir, 'cache') };
  for (const d of [m.bin, m.root, m.cache]) mkdirSync(d);
  for (const tool of linked) {
    const real = findOnPath(tool, process.env.PATH);
    if (real) symlinkSync(real, join(m.bin, tool));
  }
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(m.bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(m.bin, name), 0o755);
  }
  return m;
}

const NO_FOREIGN_ARCH_DPKG = 'case "$1" in --print-foreign-architectures) exit 0;; --version) echo "Debian \'dpkg\' package management program version 1.21.22 (amd64)." ;; esac';

function cliDoctor(m: FakeMachine, ...args: string[]) {
  const env = { PATH: m.bin, HOME: m.dir, HYPERLAUNCH_CACHE: m.cache };
  const r = spawnSync(process.execPath, [cliPath, 'doctor', '--root', m.root, ...args], { cwd: repoRoot, env, encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const item = (report: DoctorReport, name: string): DoctorItem => {
  const found = report.items.find((i) => i.name === name);
  assert.ok(found, `doctor reports no item '${name}'`);
  return found;
};

test('doctor --json: hidden QEMU, ROM and arm64 architecture are named with the command that fixes each; exit 1', (t) => {
  const m = fakeMachine(['dtc', 'mkimage'], { dpkg: NO_FOREIGN_ARCH_DPKG });
  t.after(() => rmSync(m.dir, { recursive: true, force: true }));
  const r = cliDoctor(m, '--json');
  assert.equal(r.status, 1, r.err);
  assert.equal(r.err, '');
  const report = JSON.parse(r.out) as DoctorReport;
  assert.equal(report.usable, false);

  const qemu = item(report, 'qemu-system-aarch64');
  assert.equal(qemu.status, 'missing');
  assert.equal(qemu.required, true);
  assert.equal(qemu.fix, 'apt-get install -y qemu-system-arm');

  const rom = item(report, 'efi-virtio.rom');
  assert.equal(rom.status, 'missing');
  assert.equal(rom.package, 'ipxe-qemu');
  assert.equal(rom.fix, 'apt-get install -y ipxe-qemu');
  assert.equal(rom.required, false, 'our QEMU runs pass -nic none: the ROM must not make the machine unusable');

  const arch = item(report, 'arm64 dpkg architecture');
  assert.equal(arch.status, 'missing');
  assert.equal(arch.fix, 'dpkg --add-architecture arm64 && apt-get update');

  assert.equal(item(report, 'u-boot.bin (qemu_arm64)').fix, 'apt-get install -y u-boot-qemu');
  assert.equal(item(report, 'fdtoverlay').fix, 'apt-get install -y device-tree-compiler');
  assert.equal(item(report, 'apt-get').status, 'missing');
  assert.equal(item(report, 'guest-package cache').status, 'missing');
  // The Xen build tools are listed, optional: without them only the 4.22 source builds skip.
  for (const [tool, pkg] of [['aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu'], ['flex', 'flex'], ['bison', 'bison'], ['checkpolicy', 'checkpolicy']] as const) {
    const x = item(report, tool);
    assert.equal(x.status, 'missing', tool);
    assert.equal(x.required, false, tool);
    assert.equal(x.fix, `apt-get install -y ${pkg}`);
    assert.match(x.feature, /^build upstream Xen from source for the 4\.22 boots/);
  }
  // The linked tools are found through the PATH given, not the doctor's own.
  for (const tool of ['dtc', 'mkimage']) {
    if (findOnPath(tool, process.env.PATH)) assert.equal(item(report, tool).status, 'ok', tool);
  }
});

test('doctor: the text report puts each fix under the missing item and says the machine is not usable', (t) => {
  const m = fakeMachine([], { dpkg: NO_FOREIGN_ARCH_DPKG });
  t.after(() => rmSync(m.dir, { recursive: true, force: true }));
  const r = cliDoctor(m);
  assert.equal(r.status, 1, r.err);
  assert.match(r.out, /^MISSING +qemu-system-aarch64 .*\n(?: {9}.*\n)*? {9}fix: apt-get install -y qemu-system-arm$/m);
  assert.match(r.out, /^missing +efi-virtio\.rom .*\n(?: {9}.*\n)*? {9}why: not needed by hyperlaunch.*\n {9}fix: apt-get install -y ipxe-qemu$/m);
  assert.match(r.out, /^MISSING +arm64 dpkg architecture .*\n(?: {9}.*\n)*? {9}fix: dpkg --add-architecture arm64 && apt-get update$/m);
  assert.match(r.out, /^NOT usable: \d+ required item\(s\) missing or broken: .*qemu-system-aarch64/m);
});

test('doctor: a QEMU that cannot start (missing ROM) is reported broken with its own complaint', (t) => {
  const m = fakeMachine([], {
    'qemu-system-aarch64': 'case "$1" in --version) echo "QEMU emulator version 7.2.22"; exit 0;; esac\necho \'qemu-system-aarch64: failed to find romfile "efi-virtio.rom"\' >&2\nexit 1',
    dpkg: 'echo arm64',
  });
  t.after(() => rmSync(m.dir, { recursive: true, force: true }));
  const report = runDoctor({ env: { PATH: m.bin, HYPERLAUNCH_CACHE: m.cache }, rootDir: m.root });
  const qemu = item(report, 'qemu-system-aarch64');
  assert.equal(qemu.status, 'broken');
  assert.equal(qemu.version, '7.2.22');
  assert.match(qemu.detail ?? '', /failed to find romfile "efi-virtio\.rom"/);
  assert.equal(item(report, 'arm64 dpkg architecture').status, 'ok');
  assert.equal(report.usable, false);
});

test('doctor: a QEMU that never answers is stopped and reported broken', (t) => {
  const m = fakeMachine([], { 'qemu-system-aarch64': 'case "$1" in --version) echo "QEMU emulator version 7.2.22"; exit 0;; esac\nexec /bin/sleep 30' });
  t.after(() => rmSync(m.dir, { recursive: true, force: true }));
  const started = Date.now();
  const report = runDoctor({ env: { PATH: m.bin, HYPERLAUNCH_CACHE: m.cache }, rootDir: m.root, qemuTimeoutMs: 500 });
  assert.ok(Date.now() - started < 10_000);
  assert.match(item(report, 'qemu-system-aarch64').detail ?? '', /did not answer over QMP within 0.5 s/);
});

test('doctor: bad options are usage errors (exit 2)', () => {
  const r = spawnSync(process.execPath, [cliPath, 'doctor', '--bogus'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown option '--bogus'/);
});

/** What the tool itself prints for its version, run directly (not through the doctor). */
const REAL_VERSION: Record<string, [string[], RegExp]> = {
  dtc: [['--version'], /DTC \S+/],
  fdtoverlay: [['--version'], /DTC \S+/],
  mkimage: [['-V'], /\d{4}\.\d{2}\S*/],
  cpio: [['--version'], /\d+\.\d+/],
  openssl: [['version'], /\d+\.\d+\.\d+/],
  'qemu-system-aarch64': [['--version'], /\d+\.\d+\.\d+/],
  'apt-get': [['--version'], /\d+\.\d+\.\d+/],
  'aarch64-linux-gnu-gcc': [['--version'], /(?<=\) )\d+\.\d+\.\d+$/m],
  flex: [['--version'], /\d+\.\d+\.\d+/],
  bison: [['--version'], /\d+\.\d+(?:\.\d+)?$/m],
  checkpolicy: [['-V'], /^\d+/],
};

test('doctor on this machine: the versions the real tools print, QEMU started, and exit 0 iff every required tool is there', (t) => {
  const r = spawnSync(process.execPath, [cliPath, 'doctor', '--json'], { cwd: repoRoot, encoding: 'utf8' });
  const report = JSON.parse(r.stdout) as DoctorReport;
  for (const [tool, [args, pattern]] of Object.entries(REAL_VERSION)) {
    let printed: string;
    try {
      printed = execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch {
      skipNotice(t, `${tool} is not installed (run scripts/install-test-deps.sh); its version is not compared`);
      continue;
    }
    const got = item(report, tool);
    assert.equal(got.status, 'ok', `${tool}: ${got.detail}`);
    assert.equal(got.version, pattern.exec(printed)?.[0], `${tool}: doctor's version vs \`${tool} ${args.join(' ')}\``);
  }
  const requiredTools = report.items.filter((i) => i.required && i.kind === 'command').map((i) => i.name);
  const allThere = requiredTools.every((tool) => findOnPath(tool, process.env.PATH));
  if (!allThere) assert.equal(r.status, 1);
  else if (report.items.every((i) => !i.required || i.status === 'ok')) assert.equal(r.status, 0);
});
