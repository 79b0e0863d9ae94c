/**
 * `hyperlaunch build --arch x86_64 FILE -d DIR`: what Xen on x86 boots from
 * a configuration today — a GRUB multiboot2 entry, Xen's EFI xen.cfg, and
 * for the domains Xen 4.17 cannot build at boot an xl.cfg each plus the
 * dom0 script that starts them — with the images copied beside them and,
 * with --iso, a bootable ISO made by grub-mkrescue.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type X86ImageSupplier, imageNeeds, resolveImages, supplyImages } from '../artifacts/x86/x86-images.js';
import { type X86Build, assembleX86Build, writeX86Build } from '../artifacts/x86/x86-build.js';
import { buildGrubIso } from '../artifacts/x86/grub-iso.js';
import { impliesX86 } from '../check/x86-target.js';
import { dom0LateFiles } from '../artifacts/x86/x86-layout.js';
import { describeSource } from '../artifacts/x86/module-source.js';
import type { X86BootPlan } from '../artifacts/x86/boot-plan.js';
import { writeDtb } from '../fdt/dtb/write.js';
import { FdtError } from '../fdt/errors.js';
import { loadBootConfig, parseTarget } from './boot-config-input.js';
import { type OptionSpec, UsageError, getopt } from './getopt.js';
import { type Reporter, createReporter, printUsageError } from './report.js';
import { planForCli } from './x86-plan-input.js';
import { x86BuildFindings } from './x86-build-checks.js';
import { findingDiagnostic } from '../check/format.js';
import { hasErrors } from '../check/finding.js';
import { type X86Host, parseX86Host } from '../check/x86-target.js';
import { defaultX86ImageSupplier } from './x86-image-supplier.js';

const SPECS: OptionSpec[] = [
  { short: 'd', value: true, key: 'd' },
  { long: 'arch', value: true, key: 'arch' },
  { long: 'xen', value: true, key: 'xen' },
  { long: 'xen-efi', value: true, key: 'xen-efi' },
  { long: 'xen-version', value: true, key: 'xen-version' },
  { long: 'module', value: true, key: 'module' },
  { long: 'iso', value: false, key: 'iso' },
  { long: 'allow-loss', value: false, key: 'allow-loss' },
  { long: 'no-late-launch', value: false, key: 'no-late-launch' },
  { long: 'native', value: false, key: 'native' },
  { long: 'dry-run', value: false, key: 'dry-run' },
  { long: 'no-fetch', value: false, key: 'no-fetch' },
  { long: 'force', value: false, key: 'force' },
  { long: 'x86-host', value: true, key: 'x86-host' },
  { short: 'i', long: 'include', value: true, key: 'i' },
  { long: 'json', value: false, key: 'json' },
  { short: 'h', long: 'help', value: false, key: 'h' },
];

export const BUILD_X86_USAGE = `usage: hyperlaunch build --arch x86_64 BOOT.dts|BOOT.dtb -d DIR [--xen XEN.gz] [--xen-efi XEN.efi]
                        [--module DOMAIN/KIND=FILE]... [--iso] [--allow-loss] [--no-late-launch]
                        [--native] [--xen-version 4.17] [--x86-host SPEC] [--force] [--dry-run] [--no-fetch] [-i DIR]... [--json]
Builds what Xen on x86 boots from a dom0less, Hyperlaunch or ImageBuilder-derived configuration:
Xen builds dom0 alone, every other domain is started from dom0 with xl (late launch).
(--arch x86_64 is implied for a Hyperlaunch tree whose modules are multiboot indexes.)
  -d DIR            output: boot/grub/grub.cfg, boot/xen.cfg (EFI), boot/<images>,
                    xl/<domain>.cfg, xl/late-launch.sh, domains/<domain>/<images>
  --xen FILE        Xen for GRUB (xen-4.17-amd64.gz)   --xen-efi FILE  xen.efi for the EFI route
  --module D/K=FILE the file of domain D's module K (kernel, ramdisk, microcode; xen/microcode
                    for Xen's own; another module by its node name)
  --iso             also write DIR/hyperlaunch.iso with grub-mkrescue (BIOS and EFI)
  --allow-loss      build even when the configuration says what x86 Xen cannot do
  --no-late-launch  do not start the other domains from dom0 (each is then a loss)
  --native          put the compiled Hyperlaunch DTB first (no released Xen reads it)
  --xen-version V   the Xen release that boots (default 4.17, Debian's build)
  --x86-host SPEC   the machine, for the memory / vCPU / IOMMU / HAP checks (qemu, qemu-iommu,
                    mem=2G,cpus=2,iommu=on,hap=on); dom0's kernel is always probed
  --force           build even when the x86 checks find errors
  --dry-run         print the plan and the files, write nothing (downloads nothing)
  --no-fetch        use only the images named here or in the configuration; without it, the
                    missing ones come from Debian's packages (Xen 4.17 amd64, the generic kernel,
                    an initramfs per domain; downloaded once and cached, as qemu does)
Exit status: 0 ok, 1 problem in the input (or a loss without --allow-loss), 2 usage error.
`;

interface X86Args {
  file: string;
  dir?: string;
  archGiven: boolean;
  images: Map<string, string>;
  iso: boolean;
  allowLoss: boolean;
  lateLaunch: boolean;
  native: boolean;
  xenVersion?: string;
  dryRun: boolean;
  /** Never download Debian's images for what is missing. */
  noFetch: boolean;
  force: boolean;
  host?: X86Host;
  includeDirs: string[];
  json: boolean;
}

/** Whether `build`'s arguments ask for an x86 build: --arch x86_64, or a devicetree without --host (Arm needs a host DTB). */
export function wantsX86Build(argv: readonly string[]): boolean {
  const arch = argv.findIndex((a) => a === '--arch' || a.startsWith('--arch='));
  if (arch >= 0) return (argv[arch]!.includes('=') ? argv[arch]!.split('=')[1] : argv[arch + 1]) === 'x86_64';
  const tree = argv.some((a) => /\.dt[sb]$/.test(a));
  return tree && !argv.some((a) => a === '-c' || a === '--host' || a.startsWith('--host='));
}

function parseArgs(argv: string[]): X86Args | 'help' {
  const parsed = getopt(argv, SPECS);
  const one = (k: string): string | undefined => parsed.options.filter((o) => o.key === k).at(-1)?.value;
  const has = (k: string): boolean => parsed.options.some((o) => o.key === k);
  if (has('h')) return 'help';
  if (parsed.positionals.length !== 1) throw new UsageError('expected exactly one configuration file');
  const arch = one('arch');
  if (arch !== undefined && arch !== 'x86_64') throw new UsageError(`--arch ${arch}: this form builds for x86_64; an Arm build needs --host HOST.dtb --xen XEN`);
  if (!has('dry-run') && !one('d')) throw new UsageError('-d DIR is required');
  const images = new Map<string, string>();
  const xen = one('xen');
  if (xen !== undefined) images.set('xen', xen);
  const efi = one('xen-efi');
  if (efi !== undefined) images.set('xen.efi', efi);
  for (const o of parsed.options.filter((x) => x.key === 'module')) {
    const m = /^([^/=]+)\/([A-Za-z0-9_.,@+-]+)=(.+)$/.exec(o.value!);
    if (!m) throw new UsageError(`--module wants DOMAIN/KIND=FILE (KIND kernel, ramdisk, microcode, or the node name of another module), got '${o.value}'`);
    images.set(`${m[1]}/${m[2]}`, m[3]!);
  }
  const xenVersion = one('xen-version');
  if (xenVersion !== undefined) parseTarget(xenVersion, undefined);
  const hostSpec = one('x86-host');
  let host: X86Host | undefined;
  try {
    host = hostSpec === undefined ? undefined : parseX86Host(hostSpec);
  } catch (e) {
    throw new UsageError(`--x86-host: ${(e as Error).message}`);
  }
  return {
    file: parsed.positionals[0]!, dir: one('d'), archGiven: arch !== undefined, images, iso: has('iso'), allowLoss: has('allow-loss'),
    lateLaunch: !has('no-late-launch'), native: has('native'), xenVersion, dryRun: has('dry-run'), noFetch: has('no-fetch'), force: has('force'), host, includeDirs: parsed.options.filter((o) => o.key === 'i').map((o) => o.value!), json: has('json'),
  };
}

function dryRunText(plan: X86BootPlan, build: X86Build | undefined, missing: string[]): string {
  const lines = [`xen: ${plan.xenCmdline}`, `dom0: ${plan.dom0.name} (${plan.dom0.mode}) ${plan.dom0.cmdline}`];
  plan.modules.forEach((m, i) => lines.push(`module ${i}: ${m.domain ?? 'xen'}/${m.kind} ${describeSource(m.source)}`));
  plan.lateLaunch.forEach((d, i) => lines.push(`late ${i + 1}: ${d.name} (${d.type}, ${d.memoryMiB} MiB, ${d.vcpus} vCPU)${d.after.length ? ` after ${d.after.join(', ')}` : ''}`));
  for (const f of build?.files ?? []) lines.push(`file: ${f.path}${f.copyFrom ? ` <- ${f.copyFrom}` : ''}`);
  for (const k of missing) lines.push(`missing image: ${k}`);
  return `${lines.join('\n')}\n`;
}

function missingMessage(keys: string[]): string {
  return `no file for ${keys.join(', ')}; name each with --xen FILE or --module DOMAIN/KIND=FILE`;
}

async function images(plan: X86BootPlan, args: X86Args, supplier: X86ImageSupplier | undefined, workDir: string) {
  const r = resolveImages(plan, args.images, dirname(args.file));
  return supplyImages(plan, r, supplier, workDir);
}

export async function buildX86Command(argv: string[], supplier: X86ImageSupplier | undefined = defaultX86ImageSupplier): Promise<number> {
  // Images a supplier generates live here until the build has copied them.
  const workDir = mkdtempSync(join(tmpdir(), 'hyperlaunch-x86-build-'));
  try {
    return await buildX86In(argv, supplier, workDir);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function buildX86In(argv: string[], supplier: X86ImageSupplier | undefined, workDir: string): Promise<number> {
  let args: X86Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    printUsageError('build', e.message, BUILD_X86_USAGE);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(BUILD_X86_USAGE);
    return 0;
  }
  const reporter = createReporter(args.json);
  const loaded = loadBootConfig(args.file, { includeDirs: args.includeDirs, target: args.archGiven ? { arch: 'x86_64' } : {}, reporter });
  if (typeof loaded === 'number') return loaded;
  if (!args.archGiven && !impliesX86(loaded.model)) {
    printUsageError('build', `${args.file} does not say it is for x86 (give --arch x86_64), and an Arm build needs --host HOST.dtb --xen XEN`, '');
    return 2;
  }
  // --dry-run writes nothing, so it shows the plan whatever the losses; the exit status still tells.
  const planned = planForCli(loaded.model, args.file, { xenVersion: args.xenVersion, lateLaunch: args.lateLaunch, allowLoss: args.allowLoss, native: args.native }, reporter, 'nothing written', args.dryRun);
  if (typeof planned === 'number') return planned;
  const { plan, lossy } = planned;
  const known = new Set(imageNeeds(plan).map((n) => n.key));
  const unknown = [...args.images.keys()].filter((k) => !known.has(k));
  if (unknown.length) {
    printUsageError('build', `${unknown.join(', ')}: not an image of this build (it needs ${[...known].join(', ')})`, '');
    return 2;
  }
  // A dry run or --no-fetch shows what is missing instead of downloading it.
  const found = await images(plan, args, args.dryRun || args.noFetch ? undefined : supplier, workDir);
  const missing = found.missing.filter((n) => n.required).map((n) => n.key);
  const dtb = plan.native ? writeDtb(loaded.tree) : undefined;
  const findings = x86BuildFindings(loaded.model, loaded.tree, plan, found.files, args.file, args.host);
  for (const f of findings) reporter.report(findingDiagnostic(f));
  if (hasErrors(findings) && !args.dryRun) {
    if (!args.force) {
      reporter.status('build', 'the x86 checks found errors; nothing written (use --force to build anyway)');
      return 1;
    }
    reporter.status('build', 'building anyway (--force)');
  }
  if (args.dryRun) {
    process.stdout.write(dryRunText(plan, missing.length ? undefined : assembleX86Build(plan, found.files, dtb), missing));
    return lossy || hasErrors(findings) ? 1 : 0;
  }
  if (missing.length) {
    reporter.report({ code: 'FILE_READ', severity: 'error', message: missingMessage(missing), location: { file: args.file } });
    return 1;
  }
  return write(plan, found.files, dtb, args, reporter);
}

function write(plan: X86BootPlan, files: ReadonlyMap<string, string>, dtb: Uint8Array | undefined, args: X86Args, reporter: Reporter): number {
  const dir = args.dir!;
  try {
    const build = assembleX86Build(plan, files, dtb);
    const written = writeX86Build(build, dir, [args.file]);
    for (const w of written) process.stdout.write(`${join(dir, w)}\n`);
    const late = dom0LateFiles(plan, build.layout);
    if (late.length) reporter.note(`${args.file}: note: dom0 needs ${late.map((f) => `${f.file} at ${f.inDom0}`).join(', ')} and runs ${late[0]!.inDom0} after boot`);
  } catch (e) {
    if (e instanceof FdtError) {
      reporter.error(e, args.file);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (!err.code) throw e;
    reporter.report({ code: 'FILE_WRITE', severity: 'error', message: `cannot write the build: ${err.message}`, location: { file: err.path ?? dir } });
    return 1;
  }
  if (!args.iso) return 0;
  const iso = join(dir, 'hyperlaunch.iso');
  const r = buildGrubIso(dir, iso);
  if (!r.ok) {
    reporter.report({ code: 'FILE_WRITE', severity: 'error', message: `grub-mkrescue could not build ${iso}: ${r.output.split('\n').slice(-3).join(' ') || 'not installed? (apt-get install grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools)'}`, location: { file: iso } });
    return 1;
  }
  process.stdout.write(`${iso}\n`);
  return 0;
}
