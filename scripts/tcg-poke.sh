#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Does this kernel survive QEMU's TCG while it patches its own text? Boots
# KERNEL on q35 BOOTS times; each boot flips trace events and loads and
# unloads a module for SECONDS while tcg-poke-stress keeps both CPUs in
# the code being patched (tests/tcg-poke-guest.sh), and counts the boots
# that oopsed or stalled. Not part of make check: it is how
# tests/qemu-single-thread was decided, and how to decide again when QEMU
# or a kernel changes. A failed boot's console log is kept in the cache.
#
#   tcg-poke.sh KERNEL [multi|single] [BOOTS] [SECONDS]
#
# multi and single force QEMU's TCG threading (MSIKIT_TCG), whatever
# tests/qemu-single-thread says. Needs root, the root (scripts/mkroot.sh)
# and msikit's tests staged in it (a make check since the last change).
set -euo pipefail
. "$(dirname "$0")/common.sh"

K=${1:?usage: tcg-poke.sh KERNEL [multi|single] [BOOTS] [SECONDS]}
mode=${2:-multi} boots=${3:-5} secs=${4:-60}
case "$mode" in
multi|single) ;;
*) die "tcg-poke.sh: $mode: expected multi or single" ;;
esac
case "$boots$secs" in
*[!0-9]*|'') die "tcg-poke.sh: BOOTS and SECONDS are numbers" ;;
esac
[ "$(id -u)" = 0 ] || die "tcg-poke.sh: run as root (QEMU runs in the root's chroot)"

exec 9>"$MSIKIT_CACHE/.lock"
flock -n 9 || { msg "waiting for another msikit run on $MSIKIT_CACHE"; flock 9; }
[ -x "$ROOT/opt/msikit/tests/progs/tcg-poke-stress" ] &&
	[ -f "$ROOT/opt/msikit/tests/tcg-poke-guest.sh" ] ||
	die "msikit's tests are not staged in the root: run make check first"

keep=$MSIKIT_CACHE/tcg-poke
mkdir -p "$keep"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
bad=0 rounds=0
for i in $(seq "$boots"); do
	MSIKIT_TCG=tcg,thread=$mode VMTIMEOUT=$((secs + 240)) \
		"$(dirname "$0")/vm.sh" "$K" q35 /bin/sh /opt/msikit/tests/tcg-poke-guest.sh "$secs" \
		> "$log" 2>&1 || true
	grep -aq 'MSIKIT-VM: up' "$log" || { tail -5 "$log" >&2; die "boot $i: the guest did not come up"; }
	what=$(grep -a -m1 -o 'Oops: [a-z0-9]*\|rcu_preempt kthread starved\|soft lockup\|Kernel panic\|tcg-poke: [a-z][^0-9]*' "$log" || true)
	r=$(sed -n 's/.*tcg-poke: \([0-9]*\) rounds.*/\1/p' "$log")
	rounds=$((rounds + ${r:-0}))
	if [ -n "$what" ] || [ -z "$r" ]; then
		bad=$((bad + 1))
		cp "$log" "$keep/$K-$mode-$(date +%s)-$i.log"
		echo "boot $i: ${what:-no result} (log in $keep)"
	else
		echo "boot $i: ok, $r rounds"
	fi
done
echo "tcg-poke: $K, thread=$mode: $bad of $boots boots failed; $rounds rounds of flips"
