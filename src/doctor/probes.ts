/**
 * The table of everything outside Node.js that hyperlaunch and its tests can
 * use: one entry per tool or file, with the Debian package that provides it,
 * the feature it enables, and how to read its version. Adding a tool to the
 * project means adding a row here (and to scripts/install-test-deps.sh).
 */
import { UBOOT_QEMU_ARM64 } from '../qemu/boot.js';
import { DEFAULT_MACHINE, machineArgs } from '../qemu/machine.js';
import { HOST_C_HEADER } from '../qemu/xen-source-build.js';
import { DEFAULT_X86_MACHINE, OVMF_CODE, x86BoardArgs } from '../qemu/x86-machine.js';

interface ProbeBase {
  name: string;
  feature: string;
  required: boolean;
}

export interface CommandProbe extends ProbeBase {
  kind: 'command';
  package: string;
  versionArgs: string[];
  /** First capture group is the version; default: the first non-empty output line. */
  versionPattern?: RegExp;
  /** QEMU: the machine options to start it with, paused, to prove it runs. */
  startArgs?: string[];
}

export interface FileProbe extends ProbeBase {
  kind: 'file';
  package: string;
  /** Absolute paths, any one of which will do. */
  paths: string[];
  /** Said whatever the status, e.g. why an optional file is not needed. */
  note?: string;
}

export interface ArchitectureProbe extends ProbeBase {
  kind: 'architecture';
  /** A dpkg foreign architecture, for `apt-get download PKG:ARCH`. */
  arch: string;
}

export interface CacheProbe extends ProbeBase {
  kind: 'cache';
}

export type Probe = CommandProbe | FileProbe | ArchitectureProbe | CacheProbe;

const DTC_VERSION = /Version: (DTC \S+)/;
const UBOOT_TOOLS_VERSION = /version (\S+)/;
const QEMU_VERSION = /QEMU emulator version (\S+)/;

function dtcTool(name: string, feature: string): CommandProbe {
  return { kind: 'command', name, package: 'device-tree-compiler', feature, required: true, versionArgs: ['--version'], versionPattern: DTC_VERSION };
}

const XEN_BUILD_FEATURE = 'build upstream Xen from source for the 4.22 boots (test/qemu/xen-source-*, `buildXenFromSource`)';
/** `gcc (Debian 12.2.0-14) 12.2.0`: the last word of the first line. */
const GCC_VERSION = /^\S+ \(.*\) (\S+)$/m;

/** A tool the Xen source build runs: optional, since only the 4.22 tests and `buildXenFromSource` need it. */
function xenBuildTool(name: string, pkg: string, versionArgs: string[], versionPattern: RegExp, why = ''): CommandProbe {
  return { kind: 'command', name, package: pkg, required: false, versionArgs, versionPattern, feature: `${XEN_BUILD_FEATURE}${why}` };
}

export const PROBES: readonly Probe[] = [
  dtcTool('dtc', 'the DTB/DTS oracle tests (our dtc output compared byte for byte), `npm run bench`'),
  dtcTool('fdtoverlay', 'the overlay oracle tests (`hyperlaunch fdtoverlay` against the real one)'),
  dtcTool('fdtput', 'the property-edit oracle tests (ImageBuilder edits its DTB with fdtput)'),
  dtcTool('fdtdump', 'the FIT and signed-FIT golden tests (reads the blob back)'),
  {
    kind: 'command', name: 'mkimage', package: 'u-boot-tools', required: true, versionArgs: ['-V'], versionPattern: UBOOT_TOOLS_VERSION,
    feature: 'the boot.scr and FIT oracle tests (`hyperlaunch build` against the real mkimage)',
  },
  {
    kind: 'command', name: 'dumpimage', package: 'u-boot-tools', required: true, versionArgs: ['-V'], versionPattern: UBOOT_TOOLS_VERSION,
    feature: 'the FIT golden tests (lists what a FIT holds)',
  },
  { kind: 'command', name: 'cpp', package: 'cpp', required: true, versionArgs: ['--version'], versionPattern: /^cpp .* (\d+\.\d+\.\d+)$/m, feature: 'the kernel DTS tests (#include and macros before dtc)' },
  { kind: 'command', name: 'cpio', package: 'cpio', required: true, versionArgs: ['--version'], versionPattern: /^cpio .* (\S+)$/m, feature: 'the initramfs tests (the real cpio reads our archives back)' },
  { kind: 'command', name: 'openssl', package: 'openssl', required: true, versionArgs: ['version'], versionPattern: /^OpenSSL (\S+)/, feature: 'the signed-FIT golden test (makes the signing key)' },
  { kind: 'command', name: 'xz', package: 'xz-utils', required: true, versionArgs: ['--version'], versionPattern: /^xz .* (\S+)$/m, feature: 'the kernel DTS tests (unpacks linux-source-6.1)' },
  {
    kind: 'command', name: 'qemu-system-aarch64', package: 'qemu-system-arm', required: true, versionArgs: ['--version'], versionPattern: QEMU_VERSION,
    startArgs: machineArgs(DEFAULT_MACHINE),
    feature: '`hyperlaunch qemu` and the Xen boot tests (arm64 virt board)',
  },
  {
    kind: 'command', name: 'qemu-system-x86_64', package: 'qemu-system-x86', required: true, versionArgs: ['--version'], versionPattern: QEMU_VERSION,
    startArgs: x86BoardArgs({ ...DEFAULT_X86_MACHINE, iommu: true }),
    feature: '`hyperlaunch qemu --arch x86_64` and the x86 Xen boot tests (q35, qemu64 with SVM and NPT)',
  },
  {
    kind: 'command', name: 'grub-mkrescue', package: 'grub-common', required: true, versionArgs: ['--version'], versionPattern: /\(GRUB\) (\S+)/,
    feature: 'the x86 GRUB and EFI-GRUB boots (`qemu --route grub|efi`, `build --iso`): makes the ISO',
  },
  {
    kind: 'file', name: 'GRUB for BIOS (i386-pc)', package: 'grub-pc-bin', required: true, paths: ['/usr/lib/grub/i386-pc/modinfo.sh'],
    feature: 'the BIOS half of the ISO grub-mkrescue makes (`qemu --route grub`)',
  },
  {
    kind: 'file', name: 'GRUB for EFI (x86_64-efi)', package: 'grub-efi-amd64-bin', required: true, paths: ['/usr/lib/grub/x86_64-efi/modinfo.sh'],
    feature: 'the EFI half of that ISO (`qemu --route efi`)',
  },
  {
    kind: 'command', name: 'xorriso', package: 'xorriso', required: true, versionArgs: ['-version'], versionPattern: /^xorriso (\S+)/m,
    feature: 'grub-mkrescue writes the ISO with it',
  },
  {
    kind: 'command', name: 'mformat', package: 'mtools', required: true, versionArgs: ['--version'], versionPattern: /(\d+\.\d+\.\d+)/,
    feature: 'the FAT images: grub-mkrescue\'s EFI partition and `qemu --route efi --efi-loader xen`\'s disk',
  },
  {
    kind: 'file', name: 'OVMF (UEFI for QEMU x86)', package: 'ovmf', required: true, paths: [OVMF_CODE],
    feature: 'the x86 EFI boots (`qemu --route efi`)',
  },
  {
    kind: 'file', name: 'u-boot.bin (qemu_arm64)', package: 'u-boot-qemu', required: true, paths: [UBOOT_QEMU_ARM64],
    feature: '`hyperlaunch qemu -c` and `--route uboot`: boot.scr run by real U-Boot',
  },
  {
    kind: 'command', name: 'chromium', package: 'chromium', required: true, versionArgs: ['--version'], versionPattern: /^Chromium (\S+)/m,
    feature: 'the report\'s browser tests and scripts/report-screenshots.js (headless, driven by playwright-core; no browser download)',
  },
  {
    kind: 'command', name: 'xmllint', package: 'libxml2-utils', required: true, versionArgs: ['--version'], versionPattern: /xmllint: using libxml version (\d+)/m,
    feature: 'the report tests: each `report --format svg` picture must be well-formed XML',
  },
  {
    kind: 'file', name: 'efi-virtio.rom', package: 'ipxe-qemu', required: false,
    paths: ['/usr/lib/ipxe/qemu/efi-virtio.rom', '/usr/share/qemu/efi-virtio.rom'],
    feature: 'QEMU\'s default NIC on virt (a QEMU run without -nic none)',
    note: 'not needed by hyperlaunch: its QEMU runs pass -nic none, or romfile= on U-Boot\'s NIC',
  },
  {
    kind: 'command', name: 'grub-script-check', package: 'grub-common', required: false, versionArgs: ['--version'], versionPattern: /\(GRUB\) (\S+)/,
    feature: 'the x86 grub.cfg test (GRUB\'s own parser reads what `build --arch x86_64` writes)',
  },
  {
    kind: 'architecture', name: 'arm64 dpkg architecture', arch: 'arm64', required: true,
    feature: '`apt-get download` of Debian\'s arm64 Xen, kernel, busybox and kernel DTBs (nothing is installed)',
  },
  {
    kind: 'command', name: 'apt-get', package: 'apt', required: true, versionArgs: ['--version'], versionPattern: /^apt (\S+)/,
    feature: 'downloads the guest packages and the kernel DTB corpus (`apt-get download`)',
  },
  {
    kind: 'command', name: 'dpkg', package: 'dpkg', required: true, versionArgs: ['--version'], versionPattern: /version (\S+)/,
    feature: 'unpacks the downloaded packages (`dpkg -x`, `dpkg-deb`)',
  },
  xenBuildTool('aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu', ['--version'], GCC_VERSION, ': the cross compiler (brings binutils-aarch64-linux-gnu)'),
  xenBuildTool('gcc', 'gcc', ['--version'], GCC_VERSION, ': Kconfig and the build helpers run on the host'),
  {
    kind: 'file', name: 'host C headers', package: 'libc6-dev', required: false, paths: [HOST_C_HEADER],
    feature: `${XEN_BUILD_FEATURE}: Kconfig's host tools include <stdio.h> (gcc only recommends libc6-dev)`,
  },
  xenBuildTool('make', 'make', ['--version'], /^GNU Make (\S+)/m),
  xenBuildTool('flex', 'flex', ['--version'], /^flex (\S+)/m, ': Kconfig\'s lexer'),
  xenBuildTool('bison', 'bison', ['--version'], /^bison \(GNU Bison\) (\S+)/m, ': Kconfig\'s parser'),
  xenBuildTool('m4', 'm4', ['--version'], /^m4 \(GNU M4\) (\S+)/m),
  xenBuildTool('checkpolicy', 'checkpolicy', ['-V'], /^(\d+) \(compatibility/m, ': without it the built-in FLASK policy is silently left out; `hyperlaunch xsm` and `--xsm flask` compile the generated policy with it'),
  { kind: 'cache', name: 'guest-package cache', required: false, feature: 'boots without a download: Debian\'s Xen 4.17, Linux and busybox for arm64 (and, once an x86 boot ran, for amd64 with xen-utils)' },
];
