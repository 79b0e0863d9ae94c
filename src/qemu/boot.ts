/**
 * Boot Xen under QEMU and judge the serial log, two ways:
 * - direct: QEMU loads Xen as the kernel, the final DTB, and each module at
 *   its address with `-device loader` (no firmware);
 * - uboot: real U-Boot as the firmware; its distro autoboot takes an address
 *   from QEMU's user-net DHCP and TFTPs `boot.scr.uimg` from the served
 *   directory, which loads everything else — as Xen's CI boots.
 */
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { QemuError } from './errors.js';
import { DEFAULT_MACHINE, QEMU_BINARY, type VirtMachine, machineArgs } from './machine.js';
import { type RunEnd, runQemu } from './qemu-run.js';
import { type BootVerdict, DEFAULT_GRACE_SECONDS, type ExpectedDomain, bootSettled, judgeBoot } from './boot-verdict.js';
import { scanSerialLog } from './serial-log.js';

export const UBOOT_QEMU_ARM64 = '/usr/lib/u-boot/qemu_arm64/u-boot.bin';
/** The file name U-Boot's default `boot_script_dhcp` asks the TFTP server for. */
export const UBOOT_DHCP_SCRIPT = 'boot.scr.uimg';

export interface BootOptions {
  /** Per-boot limit (default 60 s; a dom0less boot takes 2–25 s on 2 cores). */
  timeoutSeconds?: number;
  /** Keep the whole serial log here (always); without it, a failed boot's log goes to a temp file. */
  serialLog?: string;
  machine?: VirtMachine;
  qemu?: string;
  /** Seconds each domain must live after its success line (default DEFAULT_GRACE_SECONDS). */
  graceSeconds?: number;
}

/** A blob QEMU places in guest RAM before the first instruction. */
export interface LoadImage {
  file: string;
  address: bigint;
  /** What it is, for messages ("domU1 kernel"). */
  what: string;
}

export interface DirectBootSpec {
  xen: string;
  dtb: string;
  loads: LoadImage[];
  expected: ExpectedDomain[];
}

export interface UbootBootSpec {
  /** Served over TFTP; holds the boot script and every file it loads. */
  tftpDir: string;
  /** The script's name in tftpDir (default boot.scr). */
  script?: string;
  expected: ExpectedDomain[];
  /** Default /usr/lib/u-boot/qemu_arm64/u-boot.bin (Debian's u-boot-qemu). */
  firmware?: string;
}

/** Arm: direct, uboot; x86 (x86-boot.ts): x86-direct, grub, efi-grub, efi-xen. */
export type BootRoute = 'direct' | 'uboot' | 'x86-direct' | 'grub' | 'efi-grub' | 'efi-xen';

export interface BootReport extends BootVerdict {
  route: BootRoute;
  /** The grace period the verdict used. */
  graceSeconds: number;
  seconds: number;
  end: RunEnd;
  /** Where the serial log was saved (always with serialLog; on failure otherwise). */
  serialLogFile?: string;
}

const DEFAULT_TIMEOUT = 60;
/** Xen's first line: ~1 s direct, ~6 s after U-Boot's TFTP; generous for a loaded 2-core host. */
const SILENCE_DIRECT = 20;
const SILENCE_UBOOT = 40;

function hex(n: bigint): string {
  return `0x${n.toString(16)}`;
}

export function directQemuArgs(spec: DirectBootSpec, machine: VirtMachine = DEFAULT_MACHINE): string[] {
  const loaders = spec.loads.flatMap((l) => ['-device', `loader,file=${l.file},addr=${hex(l.address)},force-raw=on`]);
  return [...machineArgs(machine), '-serial', 'stdio', '-no-reboot', '-kernel', spec.xen, '-dtb', spec.dtb, ...loaders];
}

export function ubootQemuArgs(tftpDir: string, firmware: string, machine: VirtMachine = DEFAULT_MACHINE): string[] {
  return [
    ...machineArgs(machine),
    '-serial', 'stdio', '-no-reboot',
    // romfile= : QEMU needs no iPXE ROM for U-Boot's own virtio-net driver.
    '-device', 'virtio-net-pci,netdev=n0,romfile=',
    '-netdev', `user,id=n0,tftp=${tftpDir}`,
    '-bios', firmware,
  ];
}

function requireFile(file: string, what: string, hint?: string): void {
  if (!existsSync(file)) throw new QemuError('FILE_MISSING', `${what} not found: ${file}`, { path: file, hint });
}

export async function bootDirect(spec: DirectBootSpec, opts: BootOptions = {}): Promise<BootReport> {
  requireFile(spec.xen, 'Xen image');
  requireFile(spec.dtb, 'DTB');
  for (const l of spec.loads) requireFile(l.file, l.what);
  const args = directQemuArgs(spec, opts.machine);
  return boot('direct', args, spec.expected, SILENCE_DIRECT, opts);
}

/**
 * U-Boot asks for boot.scr.uimg; a build names it boot.scr. Serve a private
 * directory of links to the caller's files plus that alias, never touching theirs.
 */
function tftpView(dir: string, script: string): string {
  const view = mkdtempSync(join(tmpdir(), 'hl-tftp-'));
  for (const f of readdirSync(dir)) symlinkSync(resolve(dir, f), join(view, f));
  if (script !== UBOOT_DHCP_SCRIPT) {
    rmSync(join(view, UBOOT_DHCP_SCRIPT), { force: true });
    symlinkSync(resolve(dir, script), join(view, UBOOT_DHCP_SCRIPT));
  }
  return view;
}

export async function bootUboot(spec: UbootBootSpec, opts: BootOptions = {}): Promise<BootReport> {
  const firmware = spec.firmware ?? UBOOT_QEMU_ARM64;
  const script = spec.script ?? 'boot.scr';
  requireFile(firmware, 'U-Boot firmware', 'install it: apt-get install u-boot-qemu');
  requireFile(join(spec.tftpDir, script), 'boot script');
  const view = tftpView(spec.tftpDir, script);
  try {
    return await boot('uboot', ubootQemuArgs(view, firmware, opts.machine), spec.expected, SILENCE_UBOOT, opts);
  } finally {
    rmSync(view, { recursive: true, force: true });
  }
}

/** Run QEMU with these arguments and judge the serial log (shared by the Arm routes here and the x86 ones). */
export async function boot(route: BootRoute, args: string[], expected: ExpectedDomain[], silence: number, opts: BootOptions): Promise<BootReport> {
  const timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_TIMEOUT;
  const graceSeconds = opts.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  const run = await runQemu(opts.qemu ?? QEMU_BINARY, args, {
    timeoutSeconds,
    silenceSeconds: Math.min(silence, timeoutSeconds),
    settled: (log, clock) => bootSettled(scanSerialLog(log), expected, { graceSeconds, clock }),
    graceSeconds: 0.5,
  });
  const verdict = judgeBoot(scanSerialLog(run.log), expected, { graceSeconds, clock: { lineSeconds: run.lineSeconds, now: run.seconds } });
  const problems = [...verdict.problems];
  if (run.end === 'timeout') problems.push(`timed out after ${timeoutSeconds} s`);
  if (run.end === 'silent') problems.push(`no (XEN) line within ${Math.min(silence, timeoutSeconds)} s: stopped early`);
  if (run.end === 'exited' && !verdict.passed) problems.push(`QEMU exited (code ${run.exitCode}) before the boot settled${run.stderr.trim() ? `: ${run.stderr.trim().split('\n')[0]}` : ''}`);
  const passed = verdict.passed && problems.length === verdict.problems.length;
  const report: BootReport = { ...verdict, passed, problems, route, graceSeconds, seconds: run.seconds, end: run.end };
  if (opts.serialLog) report.serialLogFile = saveLog(opts.serialLog, run.log);
  else if (!passed) report.serialLogFile = saveLog(join(tmpdir(), `hyperlaunch-serial-${route}-${process.pid}-${Date.now()}.log`), run.log);
  return report;
}

/** Temp file beside the target, then rename: a reader never sees half a log. */
function saveLog(target: string, log: string): string {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  writeFileSync(tmp, log, 'latin1');
  renameSync(tmp, target);
  return target;
}
