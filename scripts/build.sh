#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install this tree into the cached root the way a Debian user would: build
# the msikit-dkms and msikit-tools packages (deb.sh) and install them with
# dpkg while one kernel of the matrix has no headers; dh-dkms's postinst
# builds msikit for the kernels that have them. Then that kernel's
# linux-headers package goes in, and its own header_postinst.d hook (dkms's)
# builds msikit for it: nobody here calls dkms, and a postinst or a hook
# that does not build fails the run. "make install", the path without dkms,
# is exercised in a throwaway overlay of the root. Then the test-only
# modules and the test programs, which are not part of the packages.
#
# stdout: "pass KERNEL build/NAME SECONDS" for the dkms-hook and
# make-install checks; a failure dies with the reason.
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

# The ntb-msi suite's ntb.ko leg (test-only): Debian's NTB core and three
# of its clients, built out of tree from linux-source (ntb-core.sh);
# msikit_ntb_msi built again with its ntb.ko adapter and upstream's
# ntb_msi API against that core, as it builds on a kernel with CONFIG_NTB;
# then upstream's clients of that API against both. Nothing goes into the
# modules tree, where it would shadow the package's msikit_ntb_msi: the
# tests insmod from /opt/msikit/ntb-KERNEL/ko. A leg that cannot be built
# leaves the reason in its WHY file, which fails those tests.
#
#   ntb_leg KERNEL KBUILD-DIR [MAKE-ARGS]   (ARCH= and CROSS_COMPILE= for a
#                                           foreign kernel)
ntb_leg() {
	local k=$1 kb=$2 mk=${3:-} d=/opt/msikit/ntb-$1 t0
	t0=$(date +%s)
	rm -rf "$ROOT$d" && mkdir -p "$ROOT$d/ko"
	if ! "$(dirname "$0")/ntb-core.sh" "$k" "$ROOT$d/core" "$ROOT$d/clients" > "$ROOT$d/WHY" 2>&1 ||
	   ! chroot_run "$ROOT" sh -c "
		set -e
		make -s -j$(nproc) -C $kb $mk M=$d/core modules
		cp -a /usr/src/msikit-$VER $d/msikit; cp -a /opt/msikit/tests $d/msikit/tests
		make -s -j$(nproc) -C $kb $mk M=$d/msikit CONFIG_NTB=m \
			MSIKIT_NTB_MSI_API=y MSIKIT_NTB_LEG=y MSIKIT_NTB_TESTS=y \
			KBUILD_EXTRA_SYMBOLS=$d/core/Module.symvers modules
		make -s -j$(nproc) -C $kb $mk M=$d/clients \
			KBUILD_EXTRA_SYMBOLS='$d/core/Module.symvers $d/msikit/Module.symvers' modules
		cp $d/core/*.ko $d/clients/*.ko $d/msikit/ntb-msi/msikit_ntb_msi.ko \
			$d/msikit/tests/modules/msikit_ntb_loop_ntb.ko $d/ko/" >> "$ROOT$d/WHY" 2>&1; then
		msg "$k: the NTB core leg did not build, see $d/WHY in the root"
		echo $(( $(date +%s) - t0 )) > "$ROOT$d/seconds"
		return 0
	fi
	rm -f "$ROOT$d/WHY"
	# (check.sh's build/ntb-leg line reports it)
	echo $(( $(date +%s) - t0 )) > "$ROOT$d/seconds"
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
		w1=/opt/msikit/build-$fk.w1
		make -s -j$(nproc) -C /usr/src/linux-headers-$fk ARCH=$arch CROSS_COMPILE=$cross M=\$b \
			MSIKIT_TESTS=y W=1 modules > \$w1 2>&1 || { cat \$w1; rm -f \$w1; exit 1; }
		cat \$w1
		d=$tree/usr/lib/modules/$fk/extra; rm -rf \$d; mkdir -p \$d/msikit-tests
		# the package's modules as dkms itself builds them for that kernel
		# (its host strip cannot read them: they stay unstripped)
		env ARCH=$arch CROSS_COMPILE=$cross dkms build --force -m msikit -v $VER -k $fk \
			-a $darch --kernelsourcedir /usr/src/linux-headers-$fk
		cp /var/lib/dkms/msikit/$VER/$fk/$darch/module/*.ko \$d/
		cp /var/lib/dkms/msikit/$VER/$fk/$darch/log/make.log \$d/dkms-make.log
		cp \$b/tests/modules/*.ko \$d/msikit-tests/
		depmod -b $tree $fk" || return 1
	# (a debug kernel has no linux-source of its own name, nor NTB tests)
	case "$fk" in
	*-msikit-debug*) ;;
	*) ntb_leg "$fk" "/usr/src/linux-headers-$fk" "ARCH=$arch CROSS_COMPILE=$cross" ;;
	esac
}
# build.sh --leg KERNEL: an amd64 kernel's ntb.ko leg, once build.sh has
# installed the package (check.sh runs it in the background: only the
# ntb-msi suite needs it, and make check-debug's fault suite)
if [ "${1:-}" = --leg ]; then
	log=$MSIKIT_CACHE/build-leg-$2.log
	t0=$(date +%s)
	ntb_leg "$2" "/lib/modules/$2/build" > "$log" 2>&1
	cat "$log"
	msg "built the ntb.ko leg for $2 in $(( $(date +%s) - t0 )) s"
	exit 0
fi
if [ "${1:-}" = --cross ]; then
	log=$MSIKIT_CACHE/build-$2.log
	t0=$(date +%s)
	cross_build "$2" > "$log" 2>&1 || { cat "$log"; die "cross build for $2 failed, see $log"; }
	cat "$log"
	msg "cross-built msikit $VER for $2 in $(( $(date +%s) - t0 )) s"
	exit 0
fi

# The modules dkms.conf lists: each must be installed for each kernel.
MODS=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"/\1/p' "$SRC/dkms.conf")

# dkms_installed KERNEL: dkms calls msikit installed for KERNEL and every
# module's .ko (compressed or not) is in updates/dkms.
dkms_installed() {
	local k=$1 m
	grep -q ': installed' <<<"$(chroot_run "$ROOT" dkms status -m msikit -v "$VER" -k "$k" 2>/dev/null)" ||
		return 1
	for m in $MODS; do
		compgen -G "$ROOT/usr/lib/modules/$k/updates/dkms/$m.ko*" >/dev/null || return 1
	done
}

# headers_deb KERNEL: the path of the linux-headers .deb of the version the
# root has (or had: a run killed between removing and reinstalling it),
# fetched once into the private apt cache.
headers_deb() {
	local k=$1 pkg=linux-headers-$1 ver d f
	ver=$(chroot "$ROOT" dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null) ||
		ver=$(chroot "$ROOT" dpkg-query -W -f '${Version}' "linux-headers-${k%-*}-common" 2>/dev/null) ||
		die "no version of $pkg known in the root"
	d=$APTX_DIR/cache/archives
	f=$d/${pkg}_${ver/:/%3a}_$MSIKIT_ARCH.deb
	if [ ! -s "$f" ]; then
		aptx_update
		mkdir -p "$d"
		(cd "$d" && retry aptx apt-get -q download "$pkg=$ver") >&2 ||
			die "cannot fetch $pkg $ver for the dkms hook test"
	fi
	[ -s "$f" ] || die "$f missing after apt-get download"
	echo "$f"
}

# make_install KERNEL: "make install KVER=KERNEL" from a copy of the tree in
# an overlay of the root, as on a machine without dkms (the overlay drops
# dkms's copies first), then what it installed: each module in
# updates/msikit, built for KERNEL (vermagic), found by modinfo and
# modprobe through depmod's index with its dependencies, and the CLI and
# its man page under /usr/local. The overlay is thrown away: the shared
# root never sees a second copy of the modules.
make_install() {
	local k=$1 ov=$MSIKIT_CACHE/make-install rc=0
	umount_all "$ov/merged"
	rm -rf "$ov" && mkdir -p "$ov/upper" "$ov/work" "$ov/merged"
	mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$ov/upper,workdir=$ov/work" "$ov/merged" ||
		die "make install check: cannot mount an overlay of the root"
	mkdir -p "$ov/merged/tmp/msikit-src"
	(cd "$SRC" && cp -a Makefile Kbuild dkms.conf include tools tests \
		$(ls -d doe msi-lib ntb-msi epf-doorbell 2>/dev/null) "$ov/merged/tmp/msikit-src/")
	rm -f "$ov/merged/tmp/msikit-src/tools/msikit-doe"
	chroot_run "$ov/merged" sh -c '
		set -e
		k=$1; shift
		rm -f /lib/modules/$k/updates/dkms/msikit_*
		depmod $k
		make -C /tmp/msikit-src -j$(nproc) KVER=$k install
		for m in "$@"; do
			# /lib, not /usr/lib: the path kbuild installs to and modinfo reports
			f=$(find /lib/modules/$k/updates/msikit -name "$m.ko*" | head -1)
			[ -n "$f" ] || { echo "make install: no $m under updates/msikit" >&2; exit 1; }
			vm=$(modinfo -F vermagic "$f" | cut -d" " -f1)
			[ "$vm" = "$k" ] || { echo "make install: $m vermagic $vm, not $k" >&2; exit 1; }
			[ "$(modinfo -k $k -F filename $m)" = "$f" ] ||
				{ echo "make install: modinfo -k $k $m does not find $f" >&2; exit 1; }
			modprobe -S $k --show-depends $m | grep -q "insmod $f" ||
				{ echo "make install: modprobe -S $k cannot resolve $m:" >&2
				  modprobe -S $k --show-depends $m >&2; exit 1; }
		done
		/usr/local/bin/msikit-doe help >/dev/null
		test -s /usr/local/share/man/man1/msikit-doe.1
	' sh "$k" $MODS || rc=$?
	umount_all "$ov/merged"
	rm -rf "$ov"
	return $rc
}

stage_tests
log=$MSIKIT_CACHE/build.log
: > "$log"
"$(dirname "$0")/deb.sh" >>"$log" 2>&1 || die "make deb failed, see $log"
rm -rf "$ROOT/tmp/msikit-debs" && cp -a "$SRC/deb" "$ROOT/tmp/msikit-debs"
# a clean slate: the previous run's packages, or a tree added by hand
chroot_run "$ROOT" sh -c "dpkg -r msikit-dkms msikit-tools; dkms remove msikit/$VER --all;
	rm -rf --one-file-system /var/lib/dkms/msikit /usr/src/msikit-*" >>"$log" 2>&1 || true

# The kernel whose headers arrive after the package: the last selected one
# of the matrix, with some other kernel's headers in the root for the
# postinst to build against (K= selecting one kernel tests it through the
# hook, and the postinst builds for the other). A debug kernel has no
# headers package: the postinst alone serves it.
matrix=$(cat "$ROOT/.msikit-kernels")
late=""
for k in $kernels; do
	grep -qxF "$k" <<<"$matrix" && late=$k
done
if [ -n "$late" ] && [ -z "$(ls -d "$ROOT"/usr/lib/modules/*/build 2>/dev/null | grep -vF "/$late/build")" ]; then
	late=""
fi
if [ -n "$late" ]; then
	hdeb=$(headers_deb "$late")
	chroot_run "$ROOT" sh -c "! dpkg-query -W linux-headers-$late >/dev/null 2>&1 ||
		dpkg -r linux-headers-$late" >>"$log" 2>&1 ||
		die "removing linux-headers-$late for the dkms hook test failed, see $log"
fi

t0=$(date +%s)
chroot_run "$ROOT" sh -c "dpkg -i /tmp/msikit-debs/msikit-dkms_*.deb /tmp/msikit-debs/msikit-tools_*.deb" >>"$log" 2>&1 ||
	die "dpkg -i of msikit's packages failed (the postinst's dkms build?), see $log"
early=""
for k in $kernels; do
	[ "$k" = "$late" ] && continue
	dkms_installed "$k" ||
		die "msikit-dkms's postinst did not install msikit for $k (headers present), see $log"
	early="$early $k"
done
msg "dpkg -i msikit-dkms: its postinst installed msikit $VER for${early:- no selected kernel} in $(( $(date +%s) - t0 )) s"

if [ -n "$late" ]; then
	t0=$(date +%s)
	! dkms_installed "$late" || die "msikit is installed for $late before its headers are: the hook test proves nothing"
	cp "$hdeb" "$ROOT/tmp/msikit-debs/"
	chroot_run "$ROOT" dpkg -i "/tmp/msikit-debs/$(basename "$hdeb")" >>"$log" 2>&1 ||
		die "dpkg -i linux-headers-$late failed: its header_postinst.d hook (dkms) did not build msikit? see $log"
	dkms_installed "$late" ||
		die "installing linux-headers-$late did not get msikit installed by dkms's kernel hook, see $log"
	rm -f "$ROOT/tmp/msikit-debs/$(basename "$hdeb")"
	echo "pass $late build/dkms-hook $(( $(date +%s) - t0 ))"
	msg "dpkg -i linux-headers-$late: its dkms hook installed msikit $VER in $(( $(date +%s) - t0 )) s"
else
	msg "no kernel of the matrix to add headers for: the dkms hook is not tested in this run"
fi

for k in $kernels; do
	t0=$(date +%s)
	# Test modules link against the package's exported symbols: build them
	# in the same kbuild run as a copy of the package so the CRCs agree.
	# With W=1, its output kept in build-KERNEL.w1 for lint.sh: one
	# compile serves both (cross_build does the same).
	if ! chroot_run "$ROOT" sh -c "
		set -e
		b=/opt/msikit/build-$k; rm -rf \$b; cp -a /usr/src/msikit-$VER \$b
		cp -a /opt/msikit/tests \$b/tests
		w1=/opt/msikit/build-$k.w1
		make -s -j$(nproc) -C /lib/modules/$k/build M=\$b MSIKIT_TESTS=y W=1 modules > \$w1 2>&1 ||
			{ cat \$w1; rm -f \$w1; exit 1; }
		cat \$w1
		d=/usr/lib/modules/$k/extra/msikit-tests; rm -rf \$d; mkdir -p \$d
		cp \$b/tests/modules/*.ko \$d/
		depmod $k" >>"$log" 2>&1; then
		die "test modules for $k failed, see $log"
	fi
	msg "built the test modules for $k in $(( $(date +%s) - t0 )) s"
done
chroot_run "$ROOT" sh -c "make -s -C /opt/msikit/tools WERROR=1 && make -s -C /opt/msikit/tests/progs &&
	make -s -C /opt/msikit/tests/progs fail-nth.aarch64" >>"$log" 2>&1 ||
	die "tools build failed, see $log"

# make install, once: the first selected kernel of the matrix
for k in $kernels; do
	grep -qxF "$k" <<<"$matrix" || continue
	t0=$(date +%s)
	make_install "$k" >>"$log" 2>&1 || die "make install KVER=$k failed its checks, see $log"
	echo "pass $k build/make-install $(( $(date +%s) - t0 ))"
	break
done
