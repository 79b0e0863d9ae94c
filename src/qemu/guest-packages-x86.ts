/**
 * The x86 guest set: Debian 12's amd64 Xen 4.17, the GENERIC amd64 kernel
 * (the cloud one is built without CONFIG_XEN_DOM0 and cannot be dom0), a
 * static busybox, and for late launch from dom0 the xen-utils binaries with
 * every library they load. Fetched and cached like the arm64 set
 * (guest-packages.ts), in its own directory of the guest cache.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type CommandRunner, type FetchOptions, type PackageSet, cachedPackageSet, currentKernelPackage, fetchPackageSet, guestCacheDir } from './guest-packages.js';
import { QemuError } from './errors.js';

export const XEN_X86_PACKAGE = 'xen-hypervisor-4.17-amd64';
/** The generic kernel: "-amd64" right after the ABI, so neither -cloud-amd64 nor -rt-amd64 nor -unsigned. */
export const KERNEL_X86_PACKAGE_PATTERN = '^linux-image-[0-9.]+-[0-9]+-amd64$';
/**
 * What dom0 needs to start domains with xl (measured: the reference's list).
 * libgcc-s1: glibc dlopens libgcc_s.so.1 for pthread_cancel, so no DT_NEEDED
 * names it, yet xl aborts without it.
 */
export const XEN_TOOLS_PACKAGES = [
  'xen-utils-4.17', 'libxenmisc4.17', 'libxencall1', 'libxenevtchn1', 'libxenforeignmemory1', 'libxengnttab1',
  'libxenstore4', 'libxentoollog1', 'libxendevicemodel1', 'libxentoolcore1', 'libxenhypfs1', 'libyajl2',
  'libc6', 'liblzma5', 'libuuid1', 'zlib1g', 'libzstd1', 'libgcc-s1',
] as const;

export interface X86GuestBinaries {
  /** boot/xen-4.17-amd64.gz: what GRUB's multiboot2 loads. */
  xenGz: string;
  /** boot/xen-4.17-amd64.efi: Xen as an EFI application (reads xen.cfg beside it). */
  xenEfi: string;
  /** The generic bzImage (dom0 and every domU). */
  kernel: string;
  /** lib/modules/<release>: xen-evtchn, xen-privcmd, ... for dom0's late launch. */
  modules: string;
  /** The kernel release (6.1.0-NN-amd64). */
  kernelRelease: string;
  /** Static amd64 busybox. */
  busybox: string;
  /** The unpacked tree: usr/lib/xen-4.17/bin, lib/x86_64-linux-gnu ... */
  root: string;
  /** package name -> version, as downloaded. */
  packages: Record<string, string>;
}

/** The x86 set's directory under the guest cache (the arm64 set is `current`). */
export const X86_SET_DIR = 'x86_64';

function locateX86(root: string, packages: Record<string, string>): X86GuestBinaries {
  const boot = readdirSync(join(root, 'boot'));
  const kernel = boot.find((f) => /^vmlinuz-[0-9.]+-[0-9]+-amd64$/.test(f));
  const missing = !existsSync(join(root, 'boot', 'xen-4.17-amd64.gz'))
    ? 'boot/xen-4.17-amd64.gz'
    : !existsSync(join(root, 'boot', 'xen-4.17-amd64.efi'))
      ? 'boot/xen-4.17-amd64.efi'
      : !kernel
        ? 'boot/vmlinuz-*-amd64'
        : !existsSync(join(root, 'bin', 'busybox'))
          ? 'bin/busybox'
          : !existsSync(join(root, 'usr', 'lib', 'xen-4.17', 'bin', 'xl'))
            ? 'usr/lib/xen-4.17/bin/xl'
            : undefined;
  if (missing || !kernel) throw new QemuError('GUEST_UNPACK', `the unpacked packages lack ${missing}`, { path: root, hint: 'the package layout changed; report it' });
  const release = kernel.replace(/^vmlinuz-/, '');
  pruneModules(join(root, 'lib', 'modules', release, 'kernel'));
  return {
    xenGz: join('root', 'boot', 'xen-4.17-amd64.gz'),
    xenEfi: join('root', 'boot', 'xen-4.17-amd64.efi'),
    kernel: join('root', 'boot', kernel),
    modules: join('root', 'lib', 'modules', release),
    kernelRelease: release,
    busybox: join('root', 'bin', 'busybox'),
    root: 'root',
    packages,
  };
}

/**
 * dom0 loads only drivers/xen's modules: the other ~300 MB of the kernel's
 * module tree would only fill the cache.
 */
function pruneModules(kernelDir: string): void {
  for (const top of readdirSync(kernelDir)) {
    if (top !== 'drivers') rmSync(join(kernelDir, top), { recursive: true, force: true });
  }
  for (const sub of readdirSync(join(kernelDir, 'drivers'))) {
    if (sub !== 'xen') rmSync(join(kernelDir, 'drivers', sub), { recursive: true, force: true });
  }
}

const X86_SET: PackageSet<X86GuestBinaries> = {
  dirName: X86_SET_DIR,
  arch: 'amd64',
  probe: XEN_X86_PACKAGE,
  names: (run: CommandRunner) => [
    XEN_X86_PACKAGE,
    currentKernelPackage(run, KERNEL_X86_PACKAGE_PATTERN, 'run as root: apt-get update'),
    'busybox-static',
    ...XEN_TOOLS_PACKAGES,
  ],
  locate: locateX86,
  resolve: (dir, m) => {
    const abs: X86GuestBinaries = {
      ...m,
      xenGz: join(dir, m.xenGz), xenEfi: join(dir, m.xenEfi), kernel: join(dir, m.kernel), modules: join(dir, m.modules),
      busybox: join(dir, m.busybox), root: join(dir, m.root),
    };
    return [abs.xenGz, abs.xenEfi, abs.kernel, abs.modules, abs.busybox].every((f) => existsSync(f)) ? abs : undefined;
  },
};

export function cachedX86GuestBinaries(cacheDir = guestCacheDir()): X86GuestBinaries | undefined {
  return cachedPackageSet(X86_SET, cacheDir);
}

/** Cached, or downloaded (~80 MB) and unpacked now. Throws QemuError with a hint when apt cannot deliver. */
export function fetchX86GuestBinaries(opts: FetchOptions = {}): X86GuestBinaries {
  return fetchPackageSet(X86_SET, opts);
}

/**
 * Debian's cloud kernel for amd64, only to show what the rule
 * x86-kernel-dom0 says: built without CONFIG_XEN_DOM0, Xen refuses it as
 * dom0 ("Kernel does not support Dom0 operation"). Its own cache directory.
 */
export const KERNEL_X86_CLOUD_PATTERN = '^linux-image-[0-9.]+-[0-9]+-cloud-amd64$';

export interface X86CloudKernel {
  kernel: string;
  packages: Record<string, string>;
}

const X86_CLOUD_SET: PackageSet<X86CloudKernel> = {
  dirName: 'x86_64-cloud-kernel',
  arch: 'amd64',
  probe: XEN_X86_PACKAGE,
  names: (run) => [currentKernelPackage(run, KERNEL_X86_CLOUD_PATTERN, 'run as root: apt-get update')],
  locate: (root, packages) => {
    const kernel = readdirSync(join(root, 'boot')).find((f) => /^vmlinuz-.*-cloud-amd64$/.test(f));
    if (!kernel) throw new QemuError('GUEST_UNPACK', 'the unpacked package lacks boot/vmlinuz-*-cloud-amd64', { path: root, hint: 'the package layout changed; report it' });
    // Only the image is booted (as dom0, to be refused): its modules would only fill the cache.
    rmSync(join(root, 'lib', 'modules'), { recursive: true, force: true });
    return { kernel: join('root', 'boot', kernel), packages };
  },
  resolve: (dir, m) => (existsSync(join(dir, m.kernel)) ? { ...m, kernel: join(dir, m.kernel) } : undefined),
};

export function fetchX86CloudKernel(opts: FetchOptions = {}): X86CloudKernel {
  return fetchPackageSet(X86_CLOUD_SET, opts);
}
