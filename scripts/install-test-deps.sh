#!/usr/bin/env bash
# Installs every external tool the test suite runs (Debian 12 / bookworm), and
# nothing it does not:
#   device-tree-compiler  dtc, fdtoverlay, fdtput, fdtdump: the devicetree oracles
#   u-boot-tools          mkimage, dumpimage: boot.scr and FIT oracles
#   cpp                   the kernel DTS recipe (#include, macros)
#   cpio                  reads our initramfs archives back
#   openssl               FIT signing keys
#   xz-utils              unpacks linux-source-6.1 (tar -J)
#   qemu-system-arm       qemu-system-aarch64: the Xen boots
#   u-boot-qemu           U-Boot for QEMU's arm64 virt (the `qemu --route uboot` boots)
#   qemu-system-x86       qemu-system-x86_64: the x86 Xen boots (`qemu --arch x86_64`)
#   grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools
#                         grub-mkrescue's BIOS+EFI ISO (`--route grub|efi`, `build --iso`);
#                         mtools also makes the FAT disk for xen.efi + xen.cfg
#   ovmf                  UEFI firmware for the x86 EFI boots
#   chromium              headless browser for the report's browser tests and screenshots
#   libxml2-utils         xmllint: the report's SVG pictures must be well-formed XML
#                         (driven by playwright-core with executablePath; nothing downloaded)
# and, optional for hyperlaunch but used by the suite when ../shared/xen-src is there,
#   gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu gcc make flex bison m4 checkpolicy
#                         build upstream Xen 4.22 from source for the 4.22 boots
# and enables the arm64 package architecture, so the tests can `apt-get download`
# Debian's arm64 Xen, kernel, busybox and kernel DTBs (nothing arm64 is installed);
# the amd64 ones (Xen, generic kernel, busybox, xen-utils) need no extra architecture.
# Not installed: ipxe-qemu (efi-virtio.rom); our QEMU runs pass -nic none or romfile=.
# `hyperlaunch doctor` reports what is present. Runs as root; as another user it
# re-runs itself through sudo. Safe to run twice.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo bash "$0" "$@"
  fi
  echo "install-test-deps: must run as root (apt-get, dpkg --add-architecture) and sudo is not installed; run it as root" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  device-tree-compiler u-boot-tools cpp cpio openssl xz-utils qemu-system-arm u-boot-qemu \
  qemu-system-x86 grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools ovmf chromium libxml2-utils \
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu gcc libc6-dev make flex bison m4 checkpolicy >/dev/null
echo "test tools: $(dtc --version) · $(mkimage -V) · $(cpp --version | head -n1) · $(qemu-system-aarch64 --version | head -n1) · $(qemu-system-x86_64 --version | head -n1) · $(grub-mkrescue --version) · $(chromium --version 2>/dev/null)"
