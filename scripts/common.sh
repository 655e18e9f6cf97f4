# SPDX-License-Identifier: GPL-2.0
# Shared settings for the msikit test bed. Sourced, never executed.
#
# Everything foreign (trixie packages, kernels, QEMU 10) lives under the
# cache directory and is reached through a private apt configuration: the
# host's own apt sources are never touched.

MSIKIT_CACHE=${MSIKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/msikit}
MSIKIT_MIRROR=${MSIKIT_MIRROR:-http://deb.debian.org/debian}
MSIKIT_SUITE=${MSIKIT_SUITE:-trixie}
MSIKIT_ARCH=${MSIKIT_ARCH:-amd64}
ROOT=$MSIKIT_CACHE/root-$MSIKIT_SUITE-$MSIKIT_ARCH
APTX_DIR=$MSIKIT_CACHE/apt

msg() { printf '%s\n' "msikit: $*" >&2; }
die() { msg "error: $*"; exit 1; }

# Retry a command: the mirror sometimes answers "Mirror sync in progress".
retry() {
	local n
	for n in 1 2 3; do
		"$@" && return 0
		[ "$n" = 3 ] && return 1
		msg "retrying in 20 s: $*"
		sleep 20
	done
}

aptx_init() {
	mkdir -p "$APTX_DIR/lists/partial" "$APTX_DIR/cache/archives/partial"
	printf 'deb %s %s main\ndeb %s %s-backports main\n' \
		"$MSIKIT_MIRROR" "$MSIKIT_SUITE" "$MSIKIT_MIRROR" "$MSIKIT_SUITE" \
		> "$APTX_DIR/sources.list"
}

aptx() {
	local cmd=$1
	shift
	"$cmd" -o Dir::Etc::SourceList="$APTX_DIR/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APTX_DIR/lists" \
		-o Dir::Cache="$APTX_DIR/cache" \
		-o Dir::State::status=/dev/null \
		-o APT::Sandbox::User=root \
		-o APT::Architecture="$MSIKIT_ARCH" \
		-o APT::Architectures::="$MSIKIT_ARCH" "$@"
}

aptx_update() {
	aptx_init
	local stamp=$APTX_DIR/lists/.stamp
	if [ -z "$(find "$stamp" -mmin -360 2>/dev/null)" ]; then
		retry aptx apt-get -q update >/dev/null || die "apt-get update (private config) failed"
		touch "$stamp"
	fi
}

# Foreign architectures (the arm64 and riscv64 machines run Debian's own
# kernels of those architectures): one private apt configuration each. A
# configuration listing several architectures fails as a whole when one
# architecture's index is broken on the mirror (trixie-backports riscv64
# has had a Packages.xz that fails its signed size for weeks).
aptx_arch() {	# aptx_arch ARCH COMMAND ARGS...
	local a=$1
	shift
	APTX_DIR=$MSIKIT_CACHE/apt-$a MSIKIT_ARCH=$a aptx "$@"
}

# Update one architecture's private lists. A broken index is not fatal: apt
# keeps the suites that did verify, the kernels it lacks are skipped, and
# apt's error lines are kept in lists/.errors to say why.
aptx_update_arch() {
	local a=$1
	local dir=$MSIKIT_CACHE/apt-$a
	APTX_DIR=$dir aptx_init
	[ -n "$(find "$dir/lists/.stamp" -mmin -360 2>/dev/null)" ] && return 0
	if retry aptx_arch "$a" apt-get -q update > "$dir/update.log" 2>&1; then
		: > "$dir/lists/.errors"
	else
		grep '^E: ' "$dir/update.log" > "$dir/lists/.errors" || echo "E: apt-get update failed" > "$dir/lists/.errors"
		msg "$a: apt-get update failed in part: $(head -1 "$dir/lists/.errors")"
	fi
	touch "$dir/lists/.stamp"
}

# Machines named after a foreign architecture (arm64-its, riscv64-imsic)
# run that architecture's kernel; every other machine is amd64.
machine_arch() {
	case "$1" in
	arm64-*) echo arm64 ;;
	riscv64-*) echo riscv64 ;;
	*) echo amd64 ;;
	esac
}

# Print the kernel ABIs of the matrix, one per line: the LTS from the suite
# itself and the newest 7.x from its backports. Resolved from the metapackages
# at run time: point releases remove old versions from the mirror.
kernel_abis() {
	aptx apt-cache show "linux-headers-$MSIKIT_ARCH" 2>/dev/null |
		sed -n "s/^Depends:.*linux-headers-\([0-9][^ ]*-$MSIKIT_ARCH\) .*/\1/p" |
		sort -uV | awk -v arch="$MSIKIT_ARCH" '
			/^6\.12\./ { lts = $0 }
			/^[7-9]\./ { new = $0 }
			END { if (lts) print lts; if (new) print new }'
}

# Kernel selection for K=: a substring match against the ABI ("6.12", "7").
select_kernels() {
	local want=$1 k
	for k in $(cat "$ROOT/.msikit-kernels"); do
		case "$k" in "$want"*|*"$want"*) echo "$k" ;; esac
	done
}

# Run a command inside a chroot with proc, sys, dev and a devpts mounted,
# in a mount namespace of its own: the mounts go away with the command
# however it ends (a run killed mid-build leaves nothing mounted), and two
# chroots at once (the foreign builds in the background while a guest
# runs) can neither see nor unmount each other's.
chroot_run() {
	local root=$1
	shift
	unshare --mount --propagation private -- /bin/sh -c '
		r=$1
		shift
		mount -t proc proc "$r/proc" && mount --rbind /sys "$r/sys" &&
			mount --bind /dev "$r/dev" || exit 125
		mkdir -p "$r/dev/pts"
		mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts" 2>/dev/null
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' sh "$root" "$@"
}

# Unmount everything stacked on a mount point (a run killed before its
# cleanup leaves its bind mount behind; the next one must not pile on).
# umount_under DIR: every mount below DIR, deepest first. A run killed in
# the middle of a chroot leaves its proc, sys and dev mounted in the root,
# and rm --one-file-system would then leave the root half removed.
umount_under() {
	local m
	for m in $(awk -v d="$1/" 'index($2 "/", d) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
}

umount_all() {
	local i
	for i in $(seq 64); do
		mountpoint -q "$1" 2>/dev/null || return 0
		umount "$1" 2>/dev/null || umount -l "$1"
	done
}
