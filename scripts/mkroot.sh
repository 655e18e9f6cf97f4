#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once) the Debian root that serves three purposes: the dkms build
# root for every kernel of the matrix, the guest's 9p root file system, and
# the home of trixie's QEMU (bookworm's 7.2 cannot bind cxl_pci or run
# RISC-V AIA). The result is cached as a tarball under $MSIKIT_CACHE and
# unpacked to $ROOT; a second run only checks the stamp.
set -euo pipefail
. "$(dirname "$0")/common.sh"

# The cross compilers and the arm/misc QEMUs serve the foreign machines
# (arm64 GICv3-ITS, riscv64 AIA IMSIC): qemu-system-misc pulls in
# qemu-system-riscv and with it opensbi, whose fw_dynamic.bin is QEMU's
# default riscv64 -bios. build-essential, debhelper and dh-dkms build
# msikit's packages with their Build-Depends checked, as a buildd would, and
# lintian checks them (lint.sh); device-tree-compiler edits the tree a virt
# machine boots (vm.sh mkdtb). libssl-dev builds msikit-doe's SPDM
# verifier; the doe suite's SPDM responder is Python with
# python3-cryptography, and its tests check chains with openssl(1).
# libc6-dev-arm64-cross links the fault suite's fail-nth statically for
# the arm64 guests, whose initramfs has no libc.
PKGS="dkms kmod make gcc libc6-dev busybox-static pciutils sparse
      build-essential debhelper dh-dkms lintian
      qemu-system-x86 qemu-utils ipxe-qemu procps
      gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu qemu-system-arm qemu-system-misc
      libc6-dev-arm64-cross
      device-tree-compiler libssl-dev openssl python3-cryptography"
# bump when the package set or the root layout changes
ROOT_REV=9

[ "$(id -u)" = 0 ] || die "mkroot.sh must run as root (debootstrap, chroot, mounts)"
command -v mmdebstrap >/dev/null || die "mmdebstrap missing: run scripts/host-setup.sh"

aptx_update
mapfile -t ABIS < <(kernel_abis)
[ "${#ABIS[@]}" -ge 2 ] || die "could not resolve the kernel matrix from $MSIKIT_SUITE(-backports)"

KPKGS=""
for abi in "${ABIS[@]}"; do
	case "$abi" in
	6.*) KPKGS="$KPKGS linux-headers-$abi linux-image-$abi" ;;
	*)   KPKGS="$KPKGS linux-headers-$abi linux-modules-$abi linux-binary-$abi linux-base-$abi" ;;
	esac
done

want="rev=$ROOT_REV $(echo $PKGS $KPKGS)"
tarball=$MSIKIT_CACHE/root-$MSIKIT_SUITE-$MSIKIT_ARCH.tar.zst
if [ -f "$tarball" ] && [ "$(cat "$tarball.stamp" 2>/dev/null)" = "$want" ]; then
	if [ ! -f "$ROOT/.msikit-kernels" ] || [ "$tarball" -nt "$ROOT/.msikit-kernels" ]; then
		msg "unpacking cached root"
		umount_all "$ROOT/mnt/guest-root"
		umount_all "$ROOT/usr/src/linux-debug-msikit"
		umount_under "$ROOT"
		rm -rf --one-file-system "$ROOT" && mkdir -p "$ROOT"
		tar -C "$ROOT" --numeric-owner -I zstd -xf "$tarball"
		touch "$ROOT/.msikit-kernels"
	fi
	exit 0
fi

msg "building the $MSIKIT_SUITE root for kernels ${ABIS[*]} (about 2 minutes)"
tmp=$MSIKIT_CACHE/root.new
# The image postinst hooks build initramfs images nobody boots: skip them.
mmdebstrap_root() {
	rm -rf "$tmp"
	mmdebstrap --variant=minbase --architectures="$MSIKIT_ARCH" \
	--aptopt='APT::Install-Recommends "false"' \
	--aptopt='APT::Sandbox::User "root"' \
	--dpkgopt=force-confold --dpkgopt=force-confdef \
	--essential-hook='mkdir -p "$1/etc/initramfs-tools"; echo "update_initramfs=no" > "$1/etc/initramfs-tools/update-initramfs.conf"' \
	--include="$(echo $PKGS $KPKGS | tr ' ' ,)" \
	"$MSIKIT_SUITE" "$tmp" \
	"deb $MSIKIT_MIRROR $MSIKIT_SUITE main" \
	"deb $MSIKIT_MIRROR $MSIKIT_SUITE-backports main"
}
retry mmdebstrap_root >"$MSIKIT_CACHE/mkroot.log" 2>&1 ||
	die "mmdebstrap failed, see $MSIKIT_CACHE/mkroot.log"

# Kernels whose image and headers both made it in, oldest first.
for abi in "${ABIS[@]}"; do
	[ -d "$tmp/usr/src/linux-headers-$abi" ] || die "headers for $abi missing from the root"
	echo "$abi"
done > "$tmp/.msikit-kernels"
rm -rf "$tmp/var/cache/apt/archives"/*.deb "$tmp/boot/initrd.img-"*
tar -C "$tmp" --numeric-owner -I 'zstd -T0 -3' -cf "$tarball.new" .
mv "$tarball.new" "$tarball"
echo "$want" > "$tarball.stamp"
umount_all "$ROOT/mnt/guest-root"
umount_all "$ROOT/usr/src/linux-debug-msikit"
umount_under "$ROOT"
rm -rf --one-file-system "$ROOT"
mv "$tmp" "$ROOT"
touch "$ROOT/.msikit-kernels"
msg "root ready: $ROOT"
