/** Every code the QEMU harness raises (QemuError), with its meaning. */
import { type CodeInfo, errorCode as e } from '../diagnostics/diagnostic.js';

export const QEMU_CODES = {
  QEMU_MISSING: e('qemu-system-aarch64 (or, for x86, qemu-system-x86_64) is not installed'),
  QEMU_FAILED: e('QEMU would not start or dump its DTB'),
  FILE_MISSING: e('a boot input file or directory is missing'),
  OUTPUT_OUTSIDE: e('a build output would leave the work directory'),
  TFTP_OUTSIDE: e('a boot file lies outside the directory QEMU serves over TFTP'),
  NOT_XEN: e('the ImageBuilder config boots no Xen', 'set XEN to the hypervisor image'),
  GUEST_CACHE_BROKEN: e('the guest package cache is incomplete', 'delete the cache directory and retry'),
  GUEST_UNPACK: e('the unpacked guest packages lack Xen, the kernel or busybox'),
  APT_MISSING: e('apt-cache is not available to fetch the guest packages'),
  APT_UNREACHABLE: e('the Debian package archive is unreachable'),
  ARM64_LISTS_MISSING: e('apt has no arm64 package lists', 'dpkg --add-architecture arm64 && apt-get update'),
  PACKAGE_NOT_FOUND: e('a guest package is not in the configured archive'),
  COMMAND_FAILED: e('a helper command (apt, dpkg-deb) failed'),
  XEN_SOURCE_MISSING: e('the Xen source tarball or Kconfig fragment to build from does not exist'),
  XEN_BUILD_TOOLS_MISSING: e('a tool the Xen source build needs is not installed', 'run `hyperlaunch doctor` for the packages'),
  XEN_CONFIG_LOST: e('olddefconfig dropped options of the Kconfig fragment (their dependencies are off)', 'enable the dependencies in the fragment'),
  XEN_BUILD_FAILED: e('a step of the Xen source build failed', 'read the build log named in the message'),
  CPU_NOT_ON_BOARD: e('a boot-time cpupool names a CPU the board QEMU emulates does not have', 'name CPUs the board has (QEMU virt: -smp sets how many)'),
  NO_ROOM_FOR_MODULES: e('the direct route finds no RAM for the boot modules clear of the static and reserved ranges'),
  BAD_DT_PATH: e('a device-tree path the guest should report is not a plain absolute node path'),
  BOOT_TOOL_MISSING: e('a tool an x86 boot route needs (grub-mkrescue, mformat, mcopy) is not installed', 'run `hyperlaunch doctor` for the packages'),
  BAD_GUEST_PATH: e('a path for a late domain\'s file in dom0, or a module path QEMU\'s multiboot loader cannot take (a comma)'),
} as const satisfies Record<string, CodeInfo>;

export type QemuCode = keyof typeof QEMU_CODES;
