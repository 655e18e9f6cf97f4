#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest: every test script of the plan, one at a time, with
# a kernel-log check after each. A WARN, BUG, oops, lockdep or refcount
# report fails the test that was running, whatever the script said.
#
#   run-guest.sh PLAN OUTDIR
PLAN=$1 OUT=$2
T=/opt/msikit/tests
mkdir -p "$OUT"
export PATH=/opt/msikit/tools:/opt/msikit/tests/progs:$PATH

SPLAT='WARNING:|BUG:|No irq handler for vector|spurious APIC|Oops|general protection fault|refcount_t:|UBSAN:|KASAN:|kmemleak|ODEBUG:|INFO: task .* blocked|INFO: rcu|circular locking|possible recursive locking|inconsistent lock state|sleeping function called|scheduling while atomic|Call Trace:'

# The debug kernel of make check-debug has kmemleak and lockdep. A leak is
# charged to the test that made it: scan before the test and forget what
# that found, then after it, once kmemleak's minimum object age (5 s) has
# passed, scan twice (an object written to since the last scan is not
# reported yet). Lockdep turns itself off after its first report: a test
# that starts with it off was not checked and cannot pass.
KML=/sys/kernel/debug/kmemleak
LDS=/proc/lockdep_stats
[ -w $KML ] || KML=""
[ -r $LDS ] || LDS=""
dmesg > "$OUT/boot.dmesg"

while read -r t; do
	[ -n "$t" ] || continue
	name=$(echo "$t" | sed 's|\.sh$||')
	log=$OUT/$(echo "$name" | tr / _).log
	# -c, not -C: busybox (the foreign guests' shell and tools) has no -C
	dmesg -c > /dev/null
	lockdep_off=""
	[ -n "$LDS" ] && grep -q 'debug_locks: *0' $LDS && lockdep_off=1
	[ -n "$KML" ] && { echo scan > $KML; echo clear > $KML; }
	start=$(date +%s)
	# a script may ask for more time with a "# timeout: SECONDS" line
	limit=$(sed -n 's/^# timeout: \([0-9][0-9]*\)$/\1/p' "$T/$t" | head -1)
	timeout -k 5 "${limit:-${TEST_TIMEOUT:-600}}" sh "$T/$t" > "$log" 2>&1
	rc=$?
	dmesg > "$log.dmesg"
	# a test may expect one WARN by design ("# expect-warn: FUNCTION"):
	# that report, from its WARNING line to its end marker, is not a splat
	want=$(sed -n 's/^# expect-warn: \(.*\)$/\1/p' "$T/$t" | head -1)
	splat=$(awk -v w="$want" '
		w != "" && !skip && /WARNING:/ && index($0, w) { skip = 1; next }
		skip { if (/---\[ end trace/) skip = 0; next }
		{ print }' "$log.dmesg" | grep -E "$SPLAT" | head -1)
	if [ -n "$KML" ]; then
		sleep 6
		echo scan > $KML
		echo scan > $KML
		cat $KML > "$log.kmemleak"
		[ -s "$log.kmemleak" ] && [ -z "$splat" ] &&
			splat="kmemleak: $(grep -c unreferenced "$log.kmemleak") unreferenced objects, see $(basename "$log").kmemleak"
	fi
	[ -n "$lockdep_off" ] && [ -z "$splat" ] &&
		splat="lockdep was off when this test started (an earlier report turned it off): not checked"
	if [ -n "$splat" ]; then
		echo "# kernel log: $splat" >> "$log"
		rc=99
	fi
	# coreutils' timeout exits 124, busybox's with the signal's 143
	case "$rc" in 124|143) echo "# timed out" >> "$log" ;; esac
	echo "MSIKIT-RESULT $name $rc $(( $(date +%s) - start ))"
done < "$PLAN"
sync
