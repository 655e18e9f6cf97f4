#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's own arm64 and riscv64 kernels of the matrix (the same ABI
# as each amd64 kernel, other flavour) for the foreign machines, and put
# them into the root:
#
#   /usr/src/linux-headers-<abi>       headers, for the cross build; their
#                                      scripts/tools link to the root's own
#                                      (amd64) linux-kbuild of that version
#   /opt/foreign/<arch>/<abi>/         image or binary+modules+base, with
#                                      lib -> usr/lib for depmod -b
#   /opt/foreign/<arch>/busybox        busybox-static for the initramfs
#
# and list them in /.msikit-foreign, one line per amd64 kernel and arch:
#
#   <amd64-abi> <arch> <abi> ok
#   <amd64-abi> <arch> <abi> ok stand-in for <abi>: <reason>
#   <amd64-abi> <arch> <abi> skip <reason>
#
# Where the mirror cannot give an architecture the kernel of the amd64 ABI
# (a pool that lacks debs its index lists has been seen), the newest one
# of the same series that it can give stands in, with the root's kbuild
# programs and common headers of that version fetched to match; a kernel
# with no stand-in is a skip with its reason, never an error.
# The debs stay under $MSIKIT_CACHE/foreign/<arch>; a stamp per kernel in
# the root makes a second run a no-op (the root is replaced when its tarball
# is unpacked again, and then the cached debs are extracted again).
#
#   KERNELS="<amd64 abis>" foreign.sh ARCH...
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ "$(id -u)" = 0 ] || die "foreign.sh must run as root"
[ -f "$ROOT/.msikit-kernels" ] || die "no root at $ROOT: run scripts/mkroot.sh"
kernels=${KERNELS:-$(cat "$ROOT/.msikit-kernels")}
list=$ROOT/.msikit-foreign

# Why a kernel of the matrix is missing from an architecture's index: the
# update's own error, and whether the pool has the deb at all (the index
# can be broken while the pool is fine, or both can lack it).
why_missing() {	# why_missing ARCH ABI
	local a=$1 fk=$2 err ver url tmp pool=""
	err=$(sed -e 's/ *\[IP:.*//; s/ *Mirror sync in progress?//' \
		-e 's/\.$//' -n -e 's|^E: Failed to fetch [^ ]*/dists/\([^ ]*\)  *\(.*\)|\1: \2|p' \
		"$MSIKIT_CACHE/apt-$a/lists/.errors" 2>/dev/null | head -1)
	ver=$(chroot "$ROOT" dpkg-query -W -f '${Version}' "linux-headers-${fk%-"$a"}-amd64" 2>/dev/null || true)
	if [ -n "$ver" ]; then
		url="$MSIKIT_MIRROR/pool/main/l/linux/linux-headers-${fk}_${ver}_$a.deb"
		tmp=$(mktemp -d)
		if /usr/lib/apt/apt-helper download-file "$url" "$tmp/h.deb" >/dev/null 2>&1; then
			pool="; the pool has linux-headers-${fk}_$ver"
		else
			pool="; the pool has no linux-headers-${fk}_$ver either"
		fi
		rm -rf "$tmp"
	fi
	echo "$a ${fk%%+*}: not in the $a index${err:+ ($err)}$pool"
}

# The debs of one foreign kernel, by package name.
kernel_pkgs() {	# kernel_pkgs ARCH ABI
	local a=$1 fk=$2 p
	case "$fk" in
	6.*)
		# arm64's image is signed in linux-image-<abi>; the same Image
		# unsigned is -unsigned. riscv64 has no signed variant.
		p=linux-image-$fk
		# (apt-cache show succeeds on a name only referenced, so ask
		# for its file)
		aptx_arch "$a" apt-cache show --no-all-versions "$p-unsigned" 2>/dev/null |
			grep -q '^Filename:' && p=$p-unsigned
		echo "linux-headers-$fk $p" ;;
	*)	echo "linux-headers-$fk linux-base-$fk linux-binary-$fk linux-modules-$fk" ;;
	esac
}

# Does the pool have what the index lists? One small deb tells, at once
# (apt-get download retries a 404 as if it were a sync in progress).
pool_has() {	# pool_has ARCH ABI
	local f tmp rc=0
	f=$(aptx_arch "$1" apt-cache show --no-all-versions "linux-headers-$2" 2>/dev/null |
		sed -n 's/^Filename: //p' | head -1)
	[ -n "$f" ] || return 1
	[ -s "$MSIKIT_CACHE/foreign/$1/${f##*/}" ] && return 0
	tmp=$(mktemp -d)
	/usr/lib/apt/apt-helper download-file "$MSIKIT_MIRROR/$f" "$tmp/h.deb" >/dev/null 2>&1 || rc=1
	rm -rf "$tmp"
	return $rc
}

fetch() {	# fetch ARCH ABI: download the debs, print their file names
	local a=$1 fk=$2 dir=$MSIKIT_CACHE/foreign/$1 pkgs p files f
	pkgs=$(kernel_pkgs "$a" "$fk")
	files=""
	for p in $pkgs; do
		f=$(aptx_arch "$a" apt-cache show --no-all-versions "$p" | sed -n 's|^Filename: .*/||p' | head -1)
		[ -n "$f" ] || return 1
		files="$files $f"
	done
	mkdir -p "$dir"
	for f in $files; do
		[ -s "$dir/$f" ] && continue
		(cd "$dir" && retry aptx_arch "$a" apt-get -q download $pkgs >/dev/null) || return 1
		break
	done
	echo $files
}

# The version of a kbuild or -common package in the root: installed with
# it, or extracted there for a stand-in (kbuild_for).
root_version() {	# root_version PACKAGE
	chroot "$ROOT" dpkg-query -W -f '${Version}' "$1" 2>/dev/null ||
		cat "$ROOT/opt/foreign/amd64/$1.version" 2>/dev/null || true
}

# A stand-in kernel's headers need the root's amd64 kbuild programs and
# the shared -common headers of their own version: extract them into the
# root (their paths carry the version, so they sit beside the installed
# ones), once per root.
kbuild_for() {	# kbuild_for ARCH ABI
	local a=$1 fk=$2 kv v p f dir=$MSIKIT_CACHE/foreign/amd64
	kv=${fk%-"$a"}
	v=$(aptx_arch "$a" apt-cache show --no-all-versions "linux-headers-$fk" | sed -n 's/^Version: //p' | head -1)
	mkdir -p "$dir" "$ROOT/opt/foreign/amd64"
	for p in "linux-kbuild-$kv" "linux-headers-$kv-common"; do
		[ "$(root_version "$p")" = "$v" ] && continue
		f=$(aptx apt-cache show "$p=$v" 2>/dev/null | sed -n 's|^Filename: .*/||p' | head -1)
		[ -n "$f" ] || return 1
		[ -s "$dir/$f" ] || (cd "$dir" && retry aptx apt-get -q download "$p=$v" >/dev/null) || return 1
		dpkg-deb -x "$dir/$f" "$ROOT"
		echo "$v" > "$ROOT/opt/foreign/amd64/$p.version"
	done
}

# The newest kernel of FK's series (6.12.x; 7.x and later) that ARCH's
# index lists and the pool gives, other than FK: three tries at most.
standin() {	# standin ARCH ABI
	local a=$1 fk=$2 series c n=0
	case "$fk" in 6.12.*) series='6\.12\.' ;; *) series='[7-9]\.' ;; esac
	for c in $(aptx_arch "$a" apt-cache pkgnames linux-headers- 2>/dev/null |
		   sed -n "s/^linux-headers-\($series[^ ]*-$a\)\$/\1/p" | sort -rV); do
		[ "$c" = "$fk" ] && continue
		[ $((n += 1)) -le 3 ] || break
		pool_has "$a" "$c" && { echo "$c"; return 0; }
	done
	return 1
}

# The cross build runs the root's own kbuild programs (amd64) through the
# headers' scripts link: they must be the same kernel version as the
# foreign headers, and so must the shared -common headers.
check_versions() {	# check_versions ARCH ABI
	local a=$1 fk=$2 v kv p rv
	v=$(aptx_arch "$a" apt-cache show --no-all-versions "linux-headers-$fk" | sed -n 's/^Version: //p' | head -1)
	kv=${fk%-"$a"}
	for p in "linux-kbuild-$kv" "linux-headers-$kv-common"; do
		rv=$(root_version "$p")
		[ "$rv" = "$v" ] || { echo "$p is ${rv:-missing} in the root, $v for $a"; return 1; }
	done
	[ "$(readlink "$ROOT/usr/src/linux-headers-$fk/scripts")" = "../../lib/linux-kbuild-$kv/scripts" ] ||
		{ echo "linux-headers-$fk/scripts does not point to linux-kbuild-$kv"; return 1; }
}

extract() {	# extract ARCH ABI DEB...
	local a=$1 fk=$2 dir=$MSIKIT_CACHE/foreign/$1 t d tmp
	shift 2
	t=$ROOT/opt/foreign/$a/$fk
	rm -rf "$t" "$ROOT/usr/src/linux-headers-$fk" && mkdir -p "$t"
	tmp=$(mktemp -d)
	for d in "$@"; do
		case "$d" in
		linux-headers-*) dpkg-deb -x "$dir/$d" "$tmp" ;;
		*) dpkg-deb -x "$dir/$d" "$t" ;;
		esac
	done
	# only the headers tree: the package's modules/build link would make
	# the root look as if it ran this kernel
	mv "$tmp/usr/src/linux-headers-$fk" "$ROOT/usr/src/"
	rm -rf "$tmp"
	ln -sfn usr/lib "$t/lib"
	chroot "$ROOT" depmod -b "/opt/foreign/$a/$fk" "$fk"
}

# Nothing to do when the same kernels were listed after the last index
# update of every architecture (the updates come every 6 hours).
want="$(echo $kernels) : $*"
fresh=1
for a in "$@"; do
	[ "$list" -nt "$MSIKIT_CACHE/apt-$a/lists/.stamp" ] || fresh=0
done
[ "$fresh" = 1 ] && [ "$(cat "$list.want" 2>/dev/null)" = "$want" ] && exit 0

tmp_list=$(mktemp)
for a in "$@"; do
	aptx_update_arch "$a"
	mapfile -t avail < <(APTX_DIR=$MSIKIT_CACHE/apt-$a MSIKIT_ARCH=$a kernel_abis)
	bb=$ROOT/opt/foreign/$a/busybox
	if [ ! -x "$bb" ]; then
		dir=$MSIKIT_CACHE/foreign/$a
		mkdir -p "$dir"
		ls "$dir"/busybox-static_*.deb >/dev/null 2>&1 ||
			(cd "$dir" && retry aptx_arch "$a" apt-get -q download busybox-static >/dev/null) ||
			die "$a: cannot download busybox-static"
		tmp=$(mktemp -d)
		dpkg-deb -x "$(ls "$dir"/busybox-static_*.deb | tail -1)" "$tmp"
		mkdir -p "$(dirname "$bb")" && mv "$tmp/usr/bin/busybox" "$bb"
		rm -rf "$tmp"
	fi
	for k in $kernels; do
		fk=${k%-amd64}-$a note=""
		why=""
		if ! grep -qxF "$fk" <<<"$(printf '%s\n' "${avail[@]}")"; then
			why=$(why_missing "$a" "$fk")
		elif ! pool_has "$a" "$fk"; then
			why="$a ${fk%%+*}: in the index, not in the pool"
		fi
		if [ -n "$why" ]; then
			if sub=$(standin "$a" "$fk") && kbuild_for "$a" "$sub"; then
				note=" stand-in for $fk: $why"
				fk=$sub
			else
				echo "$k $a $fk skip $why" >> "$tmp_list"
				continue
			fi
		fi
		if ! debs=$(fetch "$a" "$fk"); then
			echo "$k $a $fk skip $a ${fk%%+*}: download from the mirror failed" >> "$tmp_list"
			continue
		fi
		stamp=$ROOT/opt/foreign/$a/$fk/.msikit-stamp
		if [ "$(cat "$stamp" 2>/dev/null)" != "$debs" ]; then
			t0=$(date +%s)
			# shellcheck disable=SC2086
			extract "$a" "$fk" $debs
			echo "$debs" > "$stamp"
			msg "$fk: extracted and indexed in $(( $(date +%s) - t0 )) s"
		fi
		if ! why=$(check_versions "$a" "$fk"); then
			echo "$k $a $fk skip $a ${fk%%+*}: cannot cross-build: $why" >> "$tmp_list"
			continue
		fi
		echo "$k $a $fk ok$note" >> "$tmp_list"
	done
done
mv "$tmp_list" "$list"
chmod 644 "$list"
echo "$want" > "$list.want"
