#!/usr/bin/env bash
# Installs the reference tools the tests compare against (Debian 12 / bookworm):
# dtc 1.6.1 + fdtoverlay (device-tree-compiler), cpp for the kernel DTS recipe,
# QEMU + U-Boot (qemu_arm64) to boot Xen, mkimage (u-boot-tools) and cpio as
# oracles for boot.scr and initramfs bytes; and enables the arm64 package
# architecture so the tests can `apt-get download` Debian's arm64 kernel DTBs.
# Needs root. Safe to run twice.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends device-tree-compiler cpp xz-utils qemu-system-arm u-boot-qemu u-boot-tools cpio openssl gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu flex bison m4 make gcc checkpolicy >/dev/null
echo "test tools: $(dtc --version) · $(cpp --version | head -n1) · $(qemu-system-aarch64 --version | head -n1)"
