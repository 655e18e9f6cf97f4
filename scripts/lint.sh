#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks for one kernel of the matrix ($KERNEL), as check.sh lines
# "pass|fail NAME [DETAIL]": a W=1 build, a sparse build (C=2) and, once,
# checkpatch --strict from Debian's linux-source of the LTS kernel.
# Details go to stderr.
set -uo pipefail
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
K=${KERNEL:?}
B=/tmp/msikit-lint

stage() {
	rm -rf "$ROOT$B" && mkdir -p "$ROOT$B"
	(cd "$SRC" && cp -a Kbuild Makefile include tests $(ls -d doe msi-lib ntb-msi epf-doorbell 2>/dev/null) "$ROOT$B/")
}

# Warnings from our sources only, not from the kernel's headers, and
# modpost's about our modules (a section mismatch, a missing description),
# in this script's tree or in build.sh's (/opt/msikit/build-KERNEL).
ours() {
	grep -E "^($B/|/opt/msikit/build-[^/]*/)?(doe|msi-lib|ntb-msi|epf-doorbell|tests|include)/.*(warning|error):|^WARNING: modpost: .*($B/|/opt/msikit/build-|msikit)"
}

# w1 NAME HEADERS [MAKE ARGS...]: a W=1 build against
# /usr/src/linux-headers-HEADERS, one result line. build.sh's own build of
# the tree with its tests is W=1 and keeps its output: that is read when it
# is there (the build it comes from stopped the run if it failed; a cross
# build that failed left no file). A build that fails fails the line,
# whatever its output looks like.
w1() {
	local name=$1 hdr=$2 out w
	shift 2
	if [ -f "$ROOT/opt/msikit/build-$hdr.w1" ]; then
		out=$(cat "$ROOT/opt/msikit/build-$hdr.w1")
	else
		stage
		if ! out=$(chroot_run "$ROOT" make -j"$(nproc)" -C "/usr/src/linux-headers-$hdr" "$@" \
			M=$B MSIKIT_TESTS=y W=1 modules 2>&1); then
			echo "fail lint/$name the build failed"
			echo "$out" | tail -30 >&2
			return
		fi
	fi
	if w=$(echo "$out" | ours); then
		echo "fail lint/$name $(echo "$w" | wc -l) warnings"
		echo "$w" >&2
	else
		echo "pass lint/$name"
	fi
}
w1 W=1 "$K"
# The endpoint half and its test controller build only where the kernel
# has PCI_ENDPOINT: Debian's arm64 kernels. W=1 for those too, with the
# cross compiler, against the arm64 headers of the same ABI that
# foreign.sh puts into the root.
FK=${K%-amd64}-arm64
if [ -d "$ROOT/usr/src/linux-headers-$FK" ]; then
	w1 arm64-W=1 "$FK" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
elif [ -n "${MSIKIT_FOREIGN:-}" ]; then
	# foreign.sh ran for this check and still left no headers: a lost
	# kernel, not a lint run on its own
	echo "fail lint/arm64 no $FK headers in the root although foreign.sh ran"
else
	echo "skip lint/arm64 no $FK headers in the root: make lint on its own does not fetch the foreign kernels"
fi
# 7.x headers use __typeof_unqual__, which the suite's sparse may not
# parse; the kernel's Makefile then drops C=2 silently. Say so instead.
printf 'static int u(const int *q) { __typeof_unqual__(*q) v = *q; return v; }\n' > "$ROOT/tmp/msikit-sparse.c"
# (No "| grep -q" under pipefail: grep leaving early kills the writer with
# SIGPIPE and the pipeline reads as failed, at random.)
if grep -q checker-valid "$ROOT/usr/src/linux-headers-$K/Makefile" "$ROOT"/usr/src/linux-headers-"${K%-*}"-common/Makefile 2>/dev/null &&
   grep -q error <<<"$(chroot "$ROOT" sparse /tmp/msikit-sparse.c 2>&1)"; then
	echo "skip lint/sparse $(chroot "$ROOT" sparse --version) cannot parse this kernel's headers"
else
	stage
	out=$(chroot_run "$ROOT" make -j"$(nproc)" -C "/usr/src/linux-headers-$K" M=$B MSIKIT_TESTS=y C=2 \
		CHECK="sparse -Wno-decl" modules 2>&1)
	rc=$?
	w=$(echo "$out" | ours)
	if [ "$rc" != 0 ]; then
		echo "fail lint/sparse the build failed"
		echo "$out" | tail -30 >&2
	elif ! grep -q '  CHECK ' <<<"$out"; then
		echo "fail lint/sparse did not run"
		echo "$out" >&2
	elif [ -n "$w" ]; then
		echo "fail lint/sparse $(echo "$w" | wc -l) warnings"
		echo "$w" >&2
	else
		echo "pass lint/sparse"
	fi
fi
rm -f "$ROOT/tmp/msikit-sparse.c"
rm -rf "$ROOT$B"

# checkpatch and lintian are the same for every kernel: check.sh asks for
# them with the first kernel of its run (MSIKIT_LINT_ONCE)
[ -n "${MSIKIT_LINT_ONCE:-}" ] || exit 0
cp_dir=$MSIKIT_CACHE/checkpatch
if [ ! -x "$cp_dir/checkpatch.pl" ]; then
	aptx_update
	tmp=$(mktemp -d)
	src=$(aptx apt-cache depends linux-source 2>/dev/null | sed -n 's/.*Depends: \(linux-source-[0-9.]*\)$/\1/p' | head -1)
	(cd "$tmp" && aptx apt-get -q download "${src:-linux-source-6.12}" >/dev/null 2>&1) &&
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-*.deb | tar -x -C "$tmp" --wildcards '*.tar.xz' &&
	tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$tmp" --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' &&
	mkdir -p "$cp_dir" && cp "$tmp"/linux-source-*/scripts/{checkpatch.pl,spelling.txt,const_structs.checkpatch} "$cp_dir/"
	rm -rf "$tmp"
fi
# User-space programs have neither the kernel's u32 & co. nor its
# <linux/compiler_attributes.h>: the __printf() they define is the one
# place that must spell the attribute out, which checkpatch flags. They
# call OpenSSL, whose API is CamelCase.
cp_run() {
	(cd "$SRC" && perl "$cp_dir/checkpatch.pl" --no-tree --strict --quiet --terse \
		--ignore "FILE_PATH_CHANGES,SPDX_LICENSE_TAG$1" -f $2 2>&1 | grep -v '^total:')
}
kfiles=$(cd "$SRC" && find doe msi-lib ntb-msi epf-doorbell include tests/modules -name '*.[ch]' 2>/dev/null)
ufiles=$(cd "$SRC" && find tools tests/progs -name '*.[ch]' 2>/dev/null)
out=""
# (the kernel's files and user space's in two checkpatch runs at once: it
# is one perl process each, and the machine has two cores)
if [ -x "$cp_dir/checkpatch.pl" ]; then
	cp_out=$(mktemp)
	[ -z "$ufiles" ] || cp_run ",PREFER_KERNEL_TYPES,PREFER_DEFINED_ATTRIBUTE_MACRO,CAMELCASE" "$ufiles" > "$cp_out" &
	out=$(cp_run "" "$kfiles")
	wait
	out=$(echo "$out"; cat "$cp_out")
	out=$(echo "$out" | grep .)
	rm -f "$cp_out"
fi
# (no early exit: the lintian line below must be printed either way)
if [ ! -x "$cp_dir/checkpatch.pl" ]; then
	echo "fail lint/checkpatch could not fetch linux-source"
elif [ -n "$out" ]; then
	echo "fail lint/checkpatch $(echo "$out" | grep -c ': \(ERROR\|WARNING\|CHECK\):') findings"
	echo "$out" >&2
else
	echo "pass lint/checkpatch"
fi

# Only the runner clears the kernel log's syslog interface, between two
# tests (tests/run-guest.sh): a test that did could hide its own records
# from the dmesg of a test or a person reading after it. No test script
# or test program may (comments aside).
keep=$(cd "$SRC" && grep -nE 'dmesg +(-[a-zA-Z]*[cC]|--clear|--read-clear)|klogctl|SYSLOG_ACTION_CLEAR' \
	tests/*/*.sh tests/progs/*.c 2>/dev/null | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(#|\*|//)')
if [ -n "$keep" ]; then
	echo "fail lint/tests-keep-log $(grep -c . <<<"$keep") places clear the kernel log"
	echo "$keep" >&2
else
	echo "pass lint/tests-keep-log"
fi

# lintian, once: Debian's checks of the packages that build.sh made in this
# run (deb/), info and pedantic tags included, overrides honoured (those
# in debian/*.lintian-overrides ship with the package).
debs=$(ls "$SRC"/deb/msikit-dkms_*.deb "$SRC"/deb/msikit-tools_*.deb 2>/dev/null)
LT=/tmp/msikit-lintian
if [ "$(grep -c . <<<"$debs")" != 2 ]; then
	echo "fail lint/lintian no msikit-dkms and msikit-tools packages in deb/ (build.sh makes them)"
elif ! chroot "$ROOT" sh -c 'command -v lintian' >/dev/null; then
	echo "fail lint/lintian lintian missing from the root (mkroot.sh installs it)"
else
	rm -rf "$ROOT$LT" && mkdir -p "$ROOT$LT" && cp $debs "$ROOT$LT/"
	out=$(chroot_run "$ROOT" sh -c "lintian --display-info --pedantic --fail-on none $LT/*.deb" 2>&1)
	rc=$?
	rm -rf "$ROOT$LT"
	f=$(grep -E '^[EWIPX]: ' <<<"$out")
	if [ "$rc" != 0 ]; then
		echo "fail lint/lintian lintian exited $rc"
		echo "$out" >&2
	elif [ -n "$f" ]; then
		echo "fail lint/lintian $(grep -c . <<<"$f") findings"
		echo "$f" >&2
	else
		echo "pass lint/lintian"
	fi
fi
