#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernels of make check-debug: Debian's own linux-source of the
# matrix's LTS (the same version as the stock 6.12 kernel), configured with
# scripts/debug-kernel.config (lockdep, KASAN, kmemleak, atomic-sleep and
# object debugging) and built once inside the root: for amd64, and cross-
# built for arm64 (scripts/debug-kernel.arm64.config: the endpoint code
# exists only there). The source and the builds live in
# $MSIKIT_CACHE/debug-kernel, bind-mounted into the root at
# /usr/src/linux-debug-msikit while a run uses it; a build is redone only
# when the source version or its config fragments change.
#
#   debug-kernel.sh install     build if needed, install image and modules
#                               into the root, print the kernel release
#   debug-kernel.sh install arm64
#                               the same for arm64, installed the way
#                               foreign.sh installs a foreign kernel and
#                               listed in /.msikit-foreign against the
#                               amd64 debug kernel (run install first)
#   debug-kernel.sh sign K      sign dkms's modules for K with the
#                               build's own key (lockdown loads them)
#   debug-kernel.sh remove      take them out of the root again
set -euo pipefail
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
FRAG=$SRC/scripts/debug-kernel.config
CACHE=$MSIKIT_CACHE/debug-kernel
DARCH=amd64
[ "${1:-}" = install ] && [ -n "${2:-}" ] && DARCH=$2
case "$DARCH" in
amd64)
	B=build MK="" IMAGE=arch/x86/boot/bzImage
	CONFIGS="x86_64_defconfig kvm_guest.config" ;;
arm64)
	# (its fragment: see fragment())
	B=build-arm64 MK="ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-"
	IMAGE=arch/arm64/boot/Image
	CONFIGS="defconfig virt.config mod2noconfig" ;;
*) die "no debug kernel for $DARCH" ;;
esac
MNT=/usr/src/linux-debug-msikit
# what a kernel build needs beyond the root's dkms toolchain (openssl
# makes the module signing key: MODULE_SIG stays on, as in Debian's kernel,
# so an unsigned module meets lockdown the same way)
BUILD_DEPS="bc bison flex libelf-dev libssl-dev openssl"

[ "$(id -u)" = 0 ] || die "debug-kernel.sh must run as root (chroot, mounts)"
[ -f "$ROOT/.msikit-kernels" ] || die "no root at $ROOT: run scripts/mkroot.sh"

lts=$(head -1 "$ROOT/.msikit-kernels")
series=$(echo "$lts" | cut -d. -f1-2)
pkg=linux-source-$series

mount_cache() {
	mkdir -p "$CACHE" "$ROOT$MNT"
	mountpoint -q "$ROOT$MNT" || mount --bind "$CACHE" "$ROOT$MNT"
}

# The source package of the same upstream version as the stock LTS image.
fetch_source() {
	local deb ver
	aptx_update
	ver=$(aptx apt-cache show "$pkg" | sed -n 's/^Version: //p' | sort -V | tail -1)
	[ -n "$ver" ] || die "no $pkg in $MSIKIT_SUITE"
	case "$ver" in "${lts%%+*}"*) ;; *) die "$pkg is $ver, the stock LTS is $lts" ;; esac
	if [ "$(cat "$CACHE/source.stamp" 2>/dev/null)" != "$ver" ]; then
		msg "fetching and unpacking $pkg $ver"
		(cd "$MSIKIT_CACHE/apt" && retry aptx apt-get -q download "$pkg=$ver") >/dev/null
		deb=$(ls "$MSIKIT_CACHE/apt/${pkg}_${ver}"_all.deb)
		rm -rf "$CACHE/$pkg" "$CACHE"/build "$CACHE"/build-* "$CACHE"/build*.stamp
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$pkg.tar.xz" | tar -xJ -C "$CACHE"
		echo "$ver" > "$CACHE/source.stamp"
	fi
	echo "$ver"
}

build_deps() {
	local have
	# dpkg-query fails when any is unknown: count the installed ones
	have=$(chroot "$ROOT" dpkg-query -W -f='${db:Status-Abbrev}\n' $BUILD_DEPS 2>/dev/null | grep -c '^ii' || true)
	[ "$have" = "$(echo $BUILD_DEPS | wc -w)" ] && return 0
	msg "installing the kernel build tools into the root: $BUILD_DEPS"
	retry chroot_run "$ROOT" sh -c "apt-get -q update && apt-get -q -y install --no-install-recommends $BUILD_DEPS" \
		> "$CACHE/deps.log" 2>&1 || die "installing $BUILD_DEPS failed, see $CACHE/deps.log"
}

# The fragment a build merges: amd64's whole, or arm64's with the part of
# debug-kernel.config from its checkers on.
fragment() {
	if [ "$DARCH" = amd64 ]; then
		cat "$FRAG"
	else
		# a reworded marker must not drop every checker unnoticed
		grep -q '^# --- the checkers ---$' "$FRAG" ||
			die "no '# --- the checkers ---' line in $FRAG"
		cat "$SRC/scripts/debug-kernel.arm64.config"
		sed -n '/^# --- the checkers ---$/,$p' "$FRAG"
	fi
}

# Every =y, =m and string line of the fragment must have survived
# olddefconfig: a dependency that silently dropped a checker would make a
# clean run mean nothing.
check_config() {
	local line lost=""
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) grep -qxF "$line" "$CACHE/$B/.config" || lost="$lost ${line%%=*}" ;;
		# one that is off on purpose (kmemleak's default-off) must stay off
		"# CONFIG_"*" is not set")
			line=${line#\# }
			grep -q "^${line%% *}=" "$CACHE/$B/.config" && lost="$lost ${line%% *}(set)" ;;
		esac
	done < <(fragment)
	[ -z "$lost" ] || die "the debug config lost:$lost (see $CACHE/$B/.config)"
}

build() {
	local want=$1 t0
	[ "$(cat "$CACHE/$B.stamp" 2>/dev/null)" = "$want" ] &&
		[ -f "$CACHE/$B/$IMAGE" ] && return 0
	build_deps
	t0=$(date +%s)
	msg "building the $DARCH debug kernel from $pkg (2 cores: about 30 minutes, once)"
	# kbuild rebuilds what a config change touches: keep the objects
	rm -f "$CACHE/$B.stamp"
	mkdir -p "$CACHE/$B"
	fragment > "$CACHE/$B/msikit.config"
	chroot_run "$ROOT" sh -c "
		set -e
		cd $MNT/$pkg
		make -s $MK O=$MNT/$B $CONFIGS
		$MK scripts/kconfig/merge_config.sh -m -O $MNT/$B $MNT/$B/.config $MNT/$B/msikit.config
		make -s $MK O=$MNT/$B olddefconfig" > "$CACHE/$B.log" 2>&1 ||
		die "configuring the $DARCH debug kernel failed, see $CACHE/$B.log"
	check_config
	# shellcheck disable=SC2086
	chroot_run "$ROOT" make -C "$MNT/$pkg" $MK O="$MNT/$B" -j"$(nproc)" "${IMAGE##*/}" modules \
		>> "$CACHE/$B.log" 2>&1 || die "building the $DARCH debug kernel failed, see $CACHE/$B.log"
	echo "$want" > "$CACHE/$B.stamp"
	echo "$(( $(date +%s) - t0 ))" > "$CACHE/$B.seconds"
	msg "built the $DARCH debug kernel in $(cat "$CACHE/$B.seconds") s"
}

krel() {	# krel [BUILD MAKE-ARGS]
	# shellcheck disable=SC2086
	chroot "$ROOT" make -s -C "$MNT/$pkg" ${2:-} O="$MNT/${1:-build}" kernelrelease 2>/dev/null | tail -1
}

install_kernel() {
	local k=$1
	if ! cmp -s "$CACHE/build/arch/x86/boot/bzImage" "$ROOT/boot/vmlinuz-$k"; then
		chroot_run "$ROOT" sh -c "
			set -e
			rm -rf /usr/lib/modules/$k
			make -s -C $MNT/$pkg O=$MNT/build INSTALL_MOD_PATH=/usr modules_install
			ln -sfn $MNT/build /usr/lib/modules/$k/build
			cp $MNT/build/.config /boot/config-$k
			cp $MNT/build/System.map /boot/System.map-$k
			depmod $k
			cp $MNT/build/arch/x86/boot/bzImage /boot/vmlinuz-$k" > "$CACHE/install.log" 2>&1 ||
			die "installing the debug kernel failed, see $CACHE/install.log"
	fi
}

# The arm64 build as foreign.sh leaves a foreign kernel: image and modules
# under /opt/foreign/arm64/K, the build tree as its headers, and a line of
# /.msikit-foreign that makes it the amd64 debug kernel's arm64 machine
# kernel (foreign.sh rewrites the list from scratch, so a run of it drops
# the line again).
install_foreign() {
	local k=$1 amd t=/opt/foreign/arm64/$1
	amd=$(krel) || true
	[ -n "$amd" ] || die "no amd64 debug kernel to list the arm64 one against: install it first"
	if ! cmp -s "$CACHE/$B/$IMAGE" "$ROOT$t/boot/vmlinuz-$k"; then
		chroot_run "$ROOT" sh -c "
			set -e
			rm -rf $t /usr/src/linux-headers-$k
			mkdir -p $t/boot $t/usr
			ln -s usr/lib $t/lib
			make -s -C $MNT/$pkg $MK O=$MNT/$B INSTALL_MOD_PATH=$t/usr modules_install
			rm -f $t/usr/lib/modules/$k/build
			ln -sfn $MNT/$B /usr/src/linux-headers-$k
			cp $MNT/$B/.config $t/boot/config-$k
			cp $MNT/$B/System.map $t/boot/System.map-$k
			depmod -b $t $k
			cp $MNT/$B/$IMAGE $t/boot/vmlinuz-$k" > "$CACHE/install-arm64.log" 2>&1 ||
			die "installing the arm64 debug kernel failed, see $CACHE/install-arm64.log"
	fi
	touch "$ROOT/.msikit-foreign"
	awk -v a="$amd" '!($1 == a && $2 == "arm64")' "$ROOT/.msikit-foreign" > "$ROOT/.msikit-foreign.new"
	echo "$amd arm64 $k ok" >> "$ROOT/.msikit-foreign.new"
	mv "$ROOT/.msikit-foreign.new" "$ROOT/.msikit-foreign"
}

case "${1:-}" in
install)
	mount_cache
	ver=$(fetch_source)
	build "$ver $(fragment | sha256sum | cut -c1-16)"
	# shellcheck disable=SC2086
	k=$(krel "$B" "$MK") || true
	[ -n "$k" ] || die "no kernel release from the $DARCH debug build"
	if [ "$DARCH" = amd64 ]; then
		install_kernel "$k"
	else
		install_foreign "$k"
	fi
	echo "$k"
	;;
sign)
	# What a signed-module kernel loads under lockdown: dkms's modules
	# for the debug kernel, signed with the key its build made and
	# trusts. Debian's stock kernels trust no key of ours; this one lets
	# doe/lockdown's allow_reserved check run somewhere.
	k=${2:?}
	mount_cache
	n=0
	for ko in $(cd "$ROOT" && ls usr/lib/modules/"$k"/updates/dkms/*.ko 2>/dev/null); do
		chroot "$ROOT" "$MNT/build/scripts/sign-file" sha512 "$MNT/build/certs/signing_key.pem" \
			"$MNT/build/certs/signing_key.x509" "/$ko" || die "signing $ko failed"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || die "no msikit module for $k to sign"
	echo "$n"
	;;
remove)
	for k in $(cd "$ROOT/boot" && ls vmlinuz-*-msikit-debug 2>/dev/null | sed 's/^vmlinuz-//'); do
		chroot "$ROOT" dkms remove "msikit/$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$SRC/dkms.conf")" \
			-k "$k" >/dev/null 2>&1 || true
		rm -rf "$ROOT/usr/lib/modules/$k" "$ROOT/boot/"*"-$k" "$MSIKIT_CACHE/initrd-$k.gz"
	done
	for k in $(cd "$ROOT/opt/foreign/arm64" 2>/dev/null && ls -d *-msikit-debug-arm64 2>/dev/null); do
		rm -rf "$ROOT/opt/foreign/arm64/$k" "$ROOT/usr/src/linux-headers-$k" "$MSIKIT_CACHE/initrd-$k.gz"
	done
	[ -f "$ROOT/.msikit-foreign" ] && sed -i '/-msikit-debug/d' "$ROOT/.msikit-foreign"
	umount_all "$ROOT$MNT"
	rmdir "$ROOT$MNT" 2>/dev/null || true
	;;
*) die "usage: debug-kernel.sh install [arm64] | sign KERNEL | remove" ;;
esac
