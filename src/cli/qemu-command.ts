/**
 * `hyperlaunch qemu FILE`: boot a dom0less (or Hyperlaunch) configuration
 * under QEMU by the direct route, with Debian's Xen 4.17 and Linux as every
 * domain's kernel and a marker initramfs as its ramdisk, and print which
 * domains came up. The -c CONFIG route through a built boot.scr comes later.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BootReport, bootDirect } from '../qemu/boot.js';
import { planDirectBoot } from '../qemu/direct-plan.js';
import { QemuError } from '../qemu/errors.js';
import { fetchGuestBinaries } from '../qemu/guest-packages.js';
import { virtHostTree } from '../qemu/virt-dtb.js';
import { lossError } from '../bindings/loss-error.js';
import type { Loss } from '../model/loss.js';
import { BootConfigError } from '../model/errors.js';
import { loadBootConfig, reportBootConfigError } from './boot-config-input.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { type Reporter, createReporter } from './report.js';

const SPECS: OptionSpec[] = [
  { short: 'i', long: 'include', value: true, key: 'i' },
  { long: 'timeout', value: true, key: 'timeout' },
  { long: 'serial-log', value: true, key: 'serial-log' },
  { long: 'json', value: false, key: 'json' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const QEMU_USAGE = `usage: hyperlaunch qemu [-i DIR]... [--timeout S] [--serial-log FILE] [--json] <config.dts|config.dtb>
Boots the boot configuration under qemu-system-aarch64 (virt, 2 CPUs, 2 GiB) by the
direct route: QEMU loads Debian's Xen 4.17, the configuration written into QEMU's own
host DTB, and for every domain Debian's Linux and an initramfs printing a marker.
Prints one line per domain: PASS when Xen created it and it wrote its marker.
  --timeout S         give up on the boot after S seconds (default 60)
  --serial-log FILE   keep the whole serial log (a failed boot's log is kept anyway)
The Debian packages are downloaded once into $HYPERLAUNCH_CACHE/guest
(default ~/.cache/hyperlaunch/guest).
Exit status: 0 every domain passed, 1 otherwise, 2 usage error.
`;

interface QemuArgs {
  file: string;
  includeDirs: string[];
  timeoutSeconds: number;
  serialLog?: string;
  json: boolean;
}

function parseTimeout(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > 3600) throw new UsageError(`invalid --timeout '${value}' (seconds, 1 to 3600)`);
  return n;
}

function parseArgs(argv: string[]): QemuArgs | 'help' {
  const { options, positionals } = getopt(argv, SPECS);
  if (options.some((o) => o.key === 'h')) return 'help';
  if (positionals.length !== 1) throw new UsageError('expected exactly one configuration file');
  const last = (key: string): string | undefined => options.filter((o) => o.key === key).at(-1)?.value;
  const timeout = last('timeout');
  const serialLog = last('serial-log');
  if (serialLog !== undefined && resolve(serialLog) === resolve(positionals[0]!)) throw new UsageError(`refusing to overwrite input file '${serialLog}' with the serial log`);
  return {
    file: positionals[0]!,
    includeDirs: options.filter((o) => o.key === 'i').map((o) => o.value!),
    timeoutSeconds: timeout === undefined ? 60 : parseTimeout(timeout),
    serialLog,
    json: options.some((o) => o.key === 'json'),
  };
}

function reportQemuError(reporter: Reporter, e: QemuError): void {
  if (reporter.json) {
    process.stderr.write(`${JSON.stringify(e.toJSON())}\n`);
    return;
  }
  process.stderr.write(`${e.location ?? 'qemu'}: error[${e.code}]: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
}

/** Xen 4.17 boots the dom0less form; what that form cannot say would not be in the booted system. */
function unbootable(losses: readonly Loss[]): BootConfigError {
  const e = lossError(losses);
  return new BootConfigError(e.code, e.message, {
    path: e.path,
    position: e.position,
    hint: 'Xen 4.17 reads only dom0less: remove these settings to boot the rest, or wait for a Xen that reads Hyperlaunch',
  });
}

export function reportTable(file: string, r: BootReport): string[] {
  const head = r.xenVersion ? `Xen ${r.xenVersion}` : 'Xen';
  const lines = [`${file}: ${head}, ${r.route} route, ${r.seconds.toFixed(1)} s (${r.end})`];
  const width = Math.max(6, ...r.domains.map((d) => d.name.length));
  lines.push(`  ${'domain'.padEnd(width)}  domid  result  detail`);
  for (const d of r.domains) lines.push(`  ${d.name.padEnd(width)}  ${String(d.domid ?? '?').padEnd(5)}  ${d.passed ? 'PASS' : 'FAIL'}    ${d.detail}`);
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  if (r.serialLogFile) lines.push(`  serial log: ${r.serialLogFile}`);
  lines.push(r.passed ? `  all ${r.domains.length} domain(s) passed` : '  FAILED');
  return lines;
}

export async function qemuCommand(argv: string[]): Promise<number> {
  let args: QemuArgs | 'help';
  try {
    args = parseArgs(argv);
    if (args === 'help') {
      process.stdout.write(QEMU_USAGE);
      return 0;
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`hyperlaunch qemu: ${e.message}\n${QEMU_USAGE}`);
    return 2;
  }
  const reporter = createReporter(args.json);
  const loaded = loadBootConfig(args.file, { includeDirs: args.includeDirs, target: { arch: 'arm64', xenVersion: '4.17' }, reporter });
  if (typeof loaded === 'number') return loaded;
  const work = mkdtempSync(join(tmpdir(), 'hl-qemu-'));
  try {
    const guest = fetchGuestBinaries({ log: (l) => reporter.note(`hyperlaunch qemu: ${l}`) });
    const spec = planDirectBoot(loaded.model, virtHostTree(), { xen: guest.xen, kernel: guest.kernel, busybox: readFileSync(guest.busybox) }, work);
    if (spec.losses.length > 0) {
      reportBootConfigError(reporter, unbootable(spec.losses), args.file);
      return 1;
    }
    for (const m of spec.notLoaded) reporter.note(`${args.file}: note: left out by the direct route (booted without it): ${m}`);
    if (loaded.model.interface === 'hyperlaunch') reporter.note(`${args.file}: note: Xen 4.17 reads no Hyperlaunch tree; booting its dom0less equivalent`);
    const report = await bootDirect(spec, { timeoutSeconds: args.timeoutSeconds, serialLog: args.serialLog });
    if (args.json) process.stdout.write(`${JSON.stringify({ file: args.file, ...report })}\n`);
    else process.stdout.write(`${reportTable(args.file, report).join('\n')}\n`);
    return report.passed ? 0 : 1;
  } catch (e) {
    if (e instanceof BootConfigError) {
      reportBootConfigError(reporter, e, args.file);
      return 1;
    }
    if (!(e instanceof QemuError)) throw e;
    reportQemuError(reporter, e);
    return 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
