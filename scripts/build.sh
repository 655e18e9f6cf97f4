#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install this tree into the cached root the way a Debian user would: build
# the msikit-dkms and msikit-tools packages (deb.sh), install them with dpkg
# (dh-dkms's postinst adds msikit to dkms), and make sure dkms built and
# installed it for every kernel of the matrix. Then build the test-only
# modules and the test programs, which are not part of the packages.
set -euo pipefail
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$SRC/dkms.conf")
[ -n "$VER" ] || die "no PACKAGE_VERSION in dkms.conf"

[ -f "$ROOT/.msikit-kernels" ] || die "no root at $ROOT: run scripts/mkroot.sh"
kernels=${KERNELS:-$(cat "$ROOT/.msikit-kernels")}

# The tests, the tools' sources and a copy of the tree for the guest.
stage_tests() {
	rm -rf "$ROOT/opt/msikit" && mkdir -p "$ROOT/opt/msikit"
	(cd "$SRC" && cp -a tests tools include Makefile Kbuild dkms.conf \
		$(ls -d doe msi-lib ntb-msi epf-doorbell 2>/dev/null) "$ROOT/opt/msikit/")
}

# build.sh --cross ABI: the foreign kernels (arm64, riscv64; scripts/
# foreign.sh put their headers and modules tree into the root) are not the
# root's own, so dkms cannot install for them there, but it can build:
# "dkms build -a ARCH" with the root's cross gcc-14 in the environment,
# against Debian's headers of that kernel (whose scripts link to the
# root's amd64 kbuild programs of the same version). Those are the package
# modules the guest loads (extra/); the test modules, built from the same
# source as dkms staged it, go into extra/msikit-tests/.
cross_build() {
	local fk=$1 a=${1##*-} arch cross tree darch
	case "$a" in
	arm64) arch=arm64 cross=aarch64-linux-gnu- darch=aarch64 ;;
	riscv64) arch=riscv cross=riscv64-linux-gnu- darch=riscv64 ;;
	*) die "no cross build for $fk" ;;
	esac
	tree=/opt/foreign/$a/$fk
	[ -d "$ROOT/usr/src/msikit-$VER" ] && [ -d "$ROOT$tree" ] ||
		die "$fk: run build.sh and foreign.sh first"
	chroot_run "$ROOT" sh -c "
		set -e
		b=/opt/msikit/build-$fk; rm -rf \$b; cp -a /usr/src/msikit-$VER \$b
		cp -a /opt/msikit/tests \$b/tests
		make -s -j$(nproc) -C /usr/src/linux-headers-$fk ARCH=$arch CROSS_COMPILE=$cross M=\$b MSIKIT_TESTS=y modules
		d=$tree/usr/lib/modules/$fk/extra; rm -rf \$d; mkdir -p \$d/msikit-tests
		# the package's modules as dkms itself builds them for that kernel
		# (its host strip cannot read them: they stay unstripped)
		env ARCH=$arch CROSS_COMPILE=$cross dkms build --force -m msikit -v $VER -k $fk \
			-a $darch --kernelsourcedir /usr/src/linux-headers-$fk
		cp /var/lib/dkms/msikit/$VER/$fk/$darch/module/*.ko \$d/
		cp /var/lib/dkms/msikit/$VER/$fk/$darch/log/make.log \$d/dkms-make.log
		cp \$b/tests/modules/*.ko \$d/msikit-tests/
		depmod -b $tree $fk"
}
if [ "${1:-}" = --cross ]; then
	log=$MSIKIT_CACHE/build-$2.log
	t0=$(date +%s)
	cross_build "$2" > "$log" 2>&1 || { cat "$log"; die "cross build for $2 failed, see $log"; }
	cat "$log"
	msg "cross-built msikit $VER for $2 in $(( $(date +%s) - t0 )) s"
	exit 0
fi

# The ntb-msi suite's ntb.ko leg (test-only): Debian's NTB core and two
# of its clients, built out of tree from linux-source (ntb-core.sh), and
# msikit_ntb_msi built again with its ntb.ko adapter against that core,
# as it builds on a kernel with CONFIG_NTB. Nothing goes into the modules
# tree, where it would shadow the package's msikit_ntb_msi: the tests
# insmod from /opt/msikit/ntb-KERNEL/ko. A core that cannot be built
# leaves the reason in its WHY file, which fails those tests.
ntb_leg() {
	local k=$1 d=/opt/msikit/ntb-$1
	rm -rf "$ROOT$d" && mkdir -p "$ROOT$d/ko"
	if ! "$(dirname "$0")/ntb-core.sh" "$k" "$ROOT$d/core" > "$ROOT$d/WHY" 2>&1 ||
	   ! chroot_run "$ROOT" sh -c "
		set -e
		make -s -C /lib/modules/$k/build M=$d/core modules
		cp -a /usr/src/msikit-$VER $d/msikit; cp -a /opt/msikit/tests $d/msikit/tests
		make -s -j$(nproc) -C /lib/modules/$k/build M=$d/msikit CONFIG_NTB=m \
			MSIKIT_TESTS=y MSIKIT_NTB_TESTS=y KBUILD_EXTRA_SYMBOLS=$d/core/Module.symvers modules
		cp $d/core/*.ko $d/msikit/ntb-msi/msikit_ntb_msi.ko \
			$d/msikit/tests/modules/msikit_ntb_loop_ntb.ko $d/ko/" >> "$ROOT$d/WHY" 2>&1; then
		msg "$k: the NTB core leg did not build, see $d/WHY in the root"
		return 0
	fi
	rm -f "$ROOT$d/WHY"
}

stage_tests
log=$MSIKIT_CACHE/build.log
: > "$log"
"$(dirname "$0")/deb.sh" >>"$log" 2>&1 || die "make deb failed, see $log"
rm -rf "$ROOT/tmp/msikit-debs" && cp -a "$SRC/deb" "$ROOT/tmp/msikit-debs"
# a clean slate: the previous run's packages, or a tree added by hand
chroot_run "$ROOT" sh -c "dpkg -r msikit-dkms msikit-tools; dkms remove msikit/$VER --all;
	rm -rf --one-file-system /var/lib/dkms/msikit /usr/src/msikit-*" >>"$log" 2>&1 || true
chroot_run "$ROOT" sh -c "dpkg -i /tmp/msikit-debs/msikit-dkms_*.deb /tmp/msikit-debs/msikit-tools_*.deb" >>"$log" 2>&1 ||
	die "dpkg -i of msikit's packages failed, see $log"
for k in $kernels; do
	t0=$(date +%s)
	# the postinst builds for the kernels it picks; every one of the matrix must have it
	grep -q ': installed' <<<"$(chroot_run "$ROOT" dkms status -m msikit -v "$VER" -k "$k" 2>/dev/null)" ||
	if ! chroot_run "$ROOT" dkms install "msikit/$VER" -k "$k" >>"$log" 2>&1; then
		cat "$ROOT/var/lib/dkms/msikit/$VER/build/make.log" >>"$log" 2>/dev/null || true
		die "dkms install for $k failed, see $log"
	fi
	# Test modules link against the package's exported symbols: build them
	# in the same kbuild run as a copy of the package so the CRCs agree.
	if ! chroot_run "$ROOT" sh -c "
		set -e
		b=/opt/msikit/build-$k; rm -rf \$b; cp -a /usr/src/msikit-$VER \$b
		cp -a /opt/msikit/tests \$b/tests
		make -s -j$(nproc) -C /lib/modules/$k/build M=\$b MSIKIT_TESTS=y modules
		d=/usr/lib/modules/$k/extra/msikit-tests; rm -rf \$d; mkdir -p \$d
		cp \$b/tests/modules/*.ko \$d/
		depmod $k" >>"$log" 2>&1; then
		die "test modules for $k failed, see $log"
	fi
	ntb_leg "$k" >>"$log" 2>&1
	msg "built and dkms-installed msikit $VER for $k in $(( $(date +%s) - t0 )) s"
done
chroot_run "$ROOT" sh -c "make -s -C /opt/msikit/tools && make -s -C /opt/msikit/tests/progs" >>"$log" 2>&1 ||
	die "tools build failed, see $log"
