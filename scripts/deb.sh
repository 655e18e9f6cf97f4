#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deb: build the Debian packages in the trixie root, as Debian would
# (dpkg-buildpackage, dh-dkms): msikit-dkms (arch all: the DKMS source
# tree and its maintainer scripts) and msikit-tools (the CLI and its man
# page). They land in deb/ of the tree.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
SRC=$(dirname "$HERE")
VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$SRC/dkms.conf")

[ "$(id -u)" = 0 ] || die "deb.sh needs root (chroot)"
[ -f "$ROOT/.msikit-kernels" ] || { "$HERE/host-setup.sh" && "$HERE/mkroot.sh"; }
b=/tmp/msikit-deb
rm -rf "$ROOT$b" && mkdir -p "$ROOT$b/msikit-$VER"
(cd "$SRC" && cp -a debian dkms.conf Makefile Kbuild include tools \
	$(ls -d doe msi-lib ntb-msi epf-doorbell 2>/dev/null) "$ROOT$b/msikit-$VER/")
log=$MSIKIT_CACHE/deb.log
# Build-Depends are checked: mkroot.sh installs them (and build-essential);
# a root that lacks one says which here.
chroot_run "$ROOT" sh -c "cd $b/msikit-$VER && dpkg-buildpackage -b -us -uc" > "$log" 2>&1 ||
	{ tail -20 "$log"; die "dpkg-buildpackage failed, see $log$(grep -q 'nmet build dependencies' "$log" &&
		echo "; the root lacks Build-Depends: scripts/mkroot.sh installs them")"; }
rm -rf "$SRC/deb" && mkdir -p "$SRC/deb"
cp "$ROOT$b"/*.deb "$SRC/deb/"
rm -rf "$ROOT$b"
ls "$SRC/deb"
