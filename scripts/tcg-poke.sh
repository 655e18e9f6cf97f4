#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Does QEMU's TCG run this kernel's text patching right? Boots KERNEL on
# q35 BOOTS times; each boot flips trace events and loads and unloads a
# module for SECONDS while tcg-poke-stress keeps both CPUs in the code
# being patched, and counts the boots that oopsed or stalled. Not part of
# make check: it is how tests/qemu-single-thread was decided, and how to
# decide again when QEMU or a kernel changes.
#
#   tcg-poke.sh KERNEL [multi|single] [BOOTS] [SECONDS]
#
# multi and single force QEMU's TCG threading (MSIKIT_TCG), whatever
# tests/qemu-single-thread says. Needs the root (scripts/mkroot.sh) and
# its programs (scripts/build.sh, or make -C tests/progs in the root).
set -euo pipefail
. "$(dirname "$0")/common.sh"

K=${1:?usage: tcg-poke.sh KERNEL [multi|single] [BOOTS] [SECONDS]}
mode=${2:-multi} boots=${3:-5} secs=${4:-60}
case "$mode" in
multi|single) ;;
*) die "tcg-poke.sh: $mode: expected multi or single" ;;
esac
[ -x "$ROOT/opt/msikit/tests/progs/tcg-poke-stress" ] ||
	die "no tcg-poke-stress in the root: run scripts/build.sh first"

exec 9>"$MSIKIT_CACHE/.lock"
flock -n 9 || { msg "waiting for another msikit run on $MSIKIT_CACHE"; flock 9; }

# the guest's part: flips until the stress ends
guest="T=/sys/kernel/tracing
[ -d \$T/events ] || mount -t tracefs nodev \$T
/opt/msikit/tests/progs/tcg-poke-stress $secs & s=\$!
n=0
while kill -0 \$s 2>/dev/null; do
	for e in sched irq timer workqueue; do
		echo 1 > \$T/events/\$e/enable; echo 0 > \$T/events/\$e/enable
	done
	modprobe dummy && rmmod dummy
	n=\$((n + 1))
done
wait \$s
echo \"tcg-poke: \$n rounds of flips\""

bad=0 rounds=0
for i in $(seq "$boots"); do
	log=$(mktemp)
	MSIKIT_TCG=tcg,thread=$mode VMTIMEOUT=$((secs + 240)) \
		"$(dirname "$0")/vm.sh" "$K" q35 sh -c "$guest" > "$log" 2>&1 || true
	what=$(grep -a -m1 -o 'Oops: [a-z0-9]*\|rcu_preempt kthread starved\|soft lockup\|Kernel panic' "$log" || true)
	r=$(sed -n 's/.*tcg-poke: \([0-9]*\) rounds.*/\1/p' "$log")
	rounds=$((rounds + ${r:-0}))
	if [ -n "$what" ] || ! grep -aq 'tcg-poke-stress: sleeps' "$log"; then
		bad=$((bad + 1))
		echo "boot $i: ${what:-no result}"
	else
		echo "boot $i: ok, ${r:-?} rounds"
	fi
	rm -f "$log"
done
echo "tcg-poke: $K, thread=$mode: $bad of $boots boots failed ($rounds rounds of flips)"
