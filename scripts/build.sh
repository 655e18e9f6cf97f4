#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install this tree into the cached root the way a user would: copy it to
# /usr/src/msikit-<version> and run the real dkms add/build/install for every
# kernel of the matrix. Then build the test-only modules and the tools,
# which are not part of the DKMS package.
set -euo pipefail
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$SRC/dkms.conf")
[ -n "$VER" ] || die "no PACKAGE_VERSION in dkms.conf"

[ -f "$ROOT/.msikit-kernels" ] || die "no root at $ROOT: run scripts/mkroot.sh"
kernels=${KERNELS:-$(cat "$ROOT/.msikit-kernels")}

# Only what the package needs; tests and tools go elsewhere.
stage_src() {
	local dst=$ROOT/usr/src/msikit-$VER
	rm -rf "$dst" && mkdir -p "$dst"
	(cd "$SRC" && cp -a dkms.conf Makefile Kbuild include scripts/kconfig-probe.sh \
		$(ls -d doe msi-lib ntb-msi epf-doorbell 2>/dev/null) "$dst/")
	mkdir -p "$dst/scripts" && mv "$dst/kconfig-probe.sh" "$dst/scripts/"
	rm -rf "$ROOT/opt/msikit" && mkdir -p "$ROOT/opt/msikit"
	(cd "$SRC" && cp -a tests tools include Makefile Kbuild dkms.conf \
		$(ls -d doe msi-lib ntb-msi epf-doorbell 2>/dev/null) "$ROOT/opt/msikit/")
	mkdir -p "$ROOT/opt/msikit/scripts" && cp "$SRC/scripts/kconfig-probe.sh" "$ROOT/opt/msikit/scripts/"
}

stage_src
log=$MSIKIT_CACHE/build.log
: > "$log"
chroot_run "$ROOT" sh -c "dkms remove msikit/$VER --all >/dev/null 2>&1; rm -rf /var/lib/dkms/msikit; dkms add msikit/$VER" >>"$log" 2>&1 ||
	die "dkms add failed, see $log"
for k in $kernels; do
	t0=$(date +%s)
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
		make -s -C /usr/src/linux-headers-$k M=\$b MSIKIT_TESTS=y modules
		d=/usr/lib/modules/$k/extra/msikit-tests; rm -rf \$d; mkdir -p \$d
		cp \$b/tests/modules/*.ko \$d/
		depmod $k" >>"$log" 2>&1; then
		die "test modules for $k failed, see $log"
	fi
	msg "built and dkms-installed msikit $VER for $k in $(( $(date +%s) - t0 )) s"
done
chroot_run "$ROOT" sh -c "make -s -C /opt/msikit/tools && make -s -C /opt/msikit/tests/progs" >>"$log" 2>&1 ||
	die "tools build failed, see $log"
