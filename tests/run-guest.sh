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
# a report before the first test (the kernel's own boot) is named as such
bootsplat=$(grep -E "$SPLAT" "$OUT/boot.dmesg" | head -1)

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
	# stdin is not the plan: a test's reader must not move the plan's offset
	timeout -k 5 "${limit:-${TEST_TIMEOUT:-600}}" sh "$T/$t" < /dev/null > "$log" 2>&1
	rc=$?
	dmesg > "$log.dmesg"
	# A report is a splat unless the test expects it by design ("# expect-
	# warn: FUNCTION" on its WARNING line) or it is a known report of the
	# kernel's own with no msikit function or module in it (tests/known-
	# kernel-reports).
	want=$(sed -n 's/^# expect-warn: \(.*\)$/\1/p' "$T/$t" | head -1)
	rm -f "$log.known"
	splat=$(awk -v w="$want" -v known="$T/known-kernel-reports" -v note="$log.known" '
		BEGIN {
			while ((getline l < known) > 0)
				if (l != "" && l !~ /^#/)
					kn[++nk] = l
		}
		function is_known(   i, j, n, f) {
			if (ours)
				return 0
			for (i = 1; i <= nk; i++) {
				n = split(kn[i], f, "|")
				for (j = 2; j <= n && index(blk, f[j]); j++)
					;
				if (j > n) {
					print f[1] > note
					return 1
				}
			}
			return 0
		}
		function flush() {
			if (inb && !(w != "" && index(first, "WARNING:") && index(first, w)) && !is_known())
				printf "%s", blk
			inb = ours = 0
			blk = ""
		}
		/WARNING:|BUG:|INFO: / { flush(); inb = 1; first = $0 }
		inb && /msikit_|\[msikit/ && !/Modules linked in:/ { ours = 1 }
		inb { blk = blk $0 "\n"; if (/---\[ end trace|<\/TASK>/) flush(); next }
		{ print }
		END { flush() }' "$log.dmesg" | grep -E "$SPLAT" | head -1)
	[ -s "$log.known" ] && echo "# kernel log: a known report of the kernel's own, not msikit's:" \
		"$(sort -u "$log.known" | tr '\n' ' ')(tests/known-kernel-reports)" >> "$log"
	if [ -n "$KML" ]; then
		sleep 6
		echo scan > $KML
		echo scan > $KML
		cat $KML > "$log.kmemleak"
		[ -s "$log.kmemleak" ] && [ -z "$splat" ] &&
			splat="kmemleak: $(grep -c unreferenced "$log.kmemleak") unreferenced objects, see $(basename "$log").kmemleak"
	fi
	[ -n "$lockdep_off" ] && [ -z "$splat" ] &&
		splat="lockdep was off when this test started (${bootsplat:+the kernel reported while booting, before any test: $bootsplat; }an earlier report turned it off): not checked"
	if [ -n "$splat" ]; then
		echo "# kernel log: $splat" >> "$log"
		rc=99
	fi
	# coreutils' timeout exits 124, busybox's with the signal's 143
	case "$rc" in 124|143) echo "# timed out" >> "$log" ;; esac
	echo "MSIKIT-RESULT $name $rc $(( $(date +%s) - start ))"
done < "$PLAN"
sync
