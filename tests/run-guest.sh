#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest: every test script of the plan, one at a time, with
# a kernel-log check after each. A kernel report (tests/lib/kscan.awk: a
# WARN, BUG, oops, stack dump, lockup, stall, unhandled interrupt, lockdep,
# KASAN, kmemleak or refcount report, in any of the matrix's three
# architectures' spellings) fails the test that was running, whatever the
# script said.
#
#   run-guest.sh PLAN OUTDIR
#
# Nothing the kernel prints goes unread. A reader copies /dev/kmsg for the
# whole boot into $K (clearing the log, which tests rely on to read only
# their own lines with dmesg, does not touch what a /dev/kmsg reader gets).
# A test's log is every record after the previous test's end marker up to
# its own: what printed between two tests is charged to the second. The
# boot before the first test and what prints after the last one (a tail
# wait, then a final marker) are charged to the boot's own result,
# MSIKIT-BOOT, which check.sh reports as SUITE/boot+shutdown.
PLAN=$1 OUT=$2
T=/opt/msikit/tests
L=$T/lib
K=/tmp/msikit-kmsg
mkdir -p "$OUT"
export PATH=/opt/msikit/tools:/opt/msikit/tests/progs:$PATH

# The debug kernel of make check-debug has kmemleak and lockdep. A leak is
# charged to the test that made it: kmemleak's own scanning thread is off
# (its reports would land in whichever test runs then), what the boot
# leaked is reported with the boot, and after each test, once kmemleak's
# minimum object age (5 s) has passed, two scans (an object written to
# since the last scan is not reported yet) report and then forget what the
# test leaked, before its log is cut. Lockdep turns itself off after its
# first report: a test that starts with it off was not checked and cannot
# pass.
KML=/sys/kernel/debug/kmemleak
LDS=/proc/lockdep_stats
[ -w $KML ] || KML=""
[ -r $LDS ] || LDS=""
# what is printed after the last test that the runner still waits for
TAIL=${MSIKIT_TAIL:-1}
# A test may leave a command here for the runner to run just after the
# test's log is cut: the runner's self-test plants a report between two
# tests, and after the last one, with it.
HOOK=/tmp/msikit-after-cut

# cat exits when the kernel overwrote records it had not read (EPIPE); the
# next one starts again at the oldest record and kslice.awk drops what it
# has seen and reports the gap.
: > $K
(
	while :; do
		cat /dev/kmsg &
		echo $! > $K.pid
		wait $!
		sleep 1
	done
) >> $K 2>/dev/null &
reader=$!

seq=-1 nmark=0
# cut NAME FILE: write a marker record, wait until the reader has it, and
# put every record since the last cut into FILE. Fails if the reader is
# gone or stuck (then this cut's records cannot be read).
cut() {
	nmark=$((nmark + 1))
	echo "<6>msikit-run: $nmark $1" > /dev/kmsg
	i=0
	until grep -q "msikit-run: $nmark $1\$" $K; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "msikit-run: the kernel log reader lost marker $nmark" > "$2"; return 1; }
		# busybox built without fractional sleep says so and takes 1 s
		sleep 0.1 2>/dev/null || sleep 1
	done
	rm -f $K.seq
	awk -v from=$seq -v marker="msikit-run: $nmark $1" -v seqfile=$K.seq -f $L/kslice.awk $K > "$2"
	# grep saw the marker: a slicer that did not would cut the next test
	# from the start of the boot
	[ "$(cat $K.seq 2>/dev/null || echo -1)" -ge 0 ] || { echo "msikit-run: the slicer lost marker $nmark" >> "$2"; return 1; }
	seq=$(cat $K.seq)
}

# kmemleak_report FILE: report what is unreferenced now, then forget it.
# Lockdown closes debugfs for the rest of the boot: a test that locks the
# kernel down ("# locks-down" in it) has kmemleak's own scanning thread
# started first, every 5 s, whose reports reach the kernel log the cuts
# scan; here that means waiting for two of its scans, so that what the
# test left has aged past kmemleak's minimum and been seen. A kmemleak
# that cannot scan otherwise has not checked: FILE says so, and that
# fails the test like a leak.
kmemleak_report() {
	if echo scan > $KML && echo scan > $KML; then
		cat $KML > "$1"
		echo clear > $KML
	elif [ -f $K.kmlthread ]; then
		sleep 12
		: > "$1"
	else
		echo "kmemleak could not scan: not checked" > "$1"
	fi
}

# leaked FILE WHERE: the splat a kmemleak_report FILE amounts to, if any
leaked() {
	[ -s "$1" ] || return 0
	echo "kmemleak: $(grep -c unreferenced "$1") unreferenced objects $2, see $(basename "$1"): $(head -1 "$1")"
}

# after_cut: the command a test left for just after its cut (it may leave
# one for the next cut: the shutdown's)
after_cut() {
	[ -f $HOOK ] || return 0
	mv $HOOK $HOOK.run
	sh $HOOK.run > /dev/null 2>&1
	rm -f $HOOK.run
}

# stuck_tasks: each user task asleep where no signal wakes it, with where
# in the kernel ("sh (pid 486) in report_stuck<report_set<...; ...")
stuck_tasks() {
	local p st
	for p in /proc/[0-9]*; do
		# kernel threads have no command line
		grep -q . "$p/cmdline" 2>/dev/null || continue
		st=$(sed -n 's/.*) \(.\) .*/\1/p' "$p/stat" 2>/dev/null)
		[ "$st" = D ] || continue
		printf '%s (pid %s) in %s; ' "$(cat "$p/comm")" "${p#/proc/}" \
			"$(sed -n 's/^\[<[0-9a-f]*>\] \([^+]*\)+.*/\1/p' "$p/stack" 2>/dev/null |
			   head -4 | tr '\n' '<' | sed 's/<$//')"
	done
}

# scan LOG-DMESG WANT NOTE: the first report of the log that is not forgiven
scan() {
	rm -f "$3"
	awk -v want="$2" -v known=$T/known-kernel-reports -v note="$3" -f $L/kscan.awk "$1"
}

[ -n "$KML" ] && { echo scan=off > $KML; sleep 6; kmemleak_report "$OUT/boot.kmemleak"; }
# a report before the first test (the kernel's own boot) is named as such
if cut boot "$OUT/boot.dmesg"; then
	bootsplat=$(scan "$OUT/boot.dmesg" "" "")
else
	bootsplat="the kernel log reader did not start"
fi
[ -n "$bootsplat" ] || bootsplat=$(leaked "$OUT/boot.kmemleak" "while booting")

# the plan: "TEST LIMIT" lines, LIMIT the test's seconds (check.sh's
# boot_plan reads each test's "# timeout:" line and caps it)
while read -r t limit; do
	[ -n "$t" ] || continue
	name=$(echo "$t" | sed 's|\.sh$||')
	log=$OUT/$(echo "$name" | tr / _).log
	# -c, not -C: busybox (the foreign guests' shell and tools) has no -C.
	# The reader has every record already: this only gives the test a
	# dmesg of its own. It is the runner's, between two tests, never a
	# test's, and it moves only the syslog interface's start, which no
	# verdict reads: a report printed between two tests reaches the reader
	# all the same and fails the second (runner/between-b proves it). Kept over a dmesg that filters from a marker: that
	# one would read the whole 4 MiB log at every call (the fault suite's
	# debug runs call dmesg at every failure point), and a copy of the
	# reader's file would lag behind what the kernel just printed.
	dmesg -c > /dev/null
	rm -f $HOOK
	lockdep_off=""
	[ -n "$LDS" ] && grep -q 'debug_locks: *0' $LDS && lockdep_off=1
	start=$(date +%s)
	# stdin is not the plan: a test's reader must not move the plan's offset
	if [ -n "$KML" ] && grep -q '^# locks-down' "$T/$t"; then
		echo scan=5 > $KML && touch $K.kmlthread
	fi
	# The host stops the guest when a test outlives its limit by more than
	# the runner needs to end it (check.sh's watchdog): a guest whose
	# kernel is stuck cannot end the test. Before that, if the guest still
	# runs but the runner does not, the console gets the blocked tasks and
	# every CPU's stack.
	echo "MSIKIT-BEGIN $name $limit"
	(
		trap 'kill $nap; exit 0' TERM
		sleep $((limit + 15)) &
		nap=$!
		wait $nap
		echo "MSIKIT-HUNG $name: still running $((limit + 15)) s after it started"
		echo 8 > /proc/sys/kernel/printk
		echo w > /proc/sysrq-trigger
		echo l > /proc/sysrq-trigger
	) < /dev/null &
	dog=$!
	timeout -k 5 "$limit" sh "$T/$t" < /dev/null > "$log" 2>&1
	rc=$?
	kill $dog 2>/dev/null
	# Out of time: a task asleep in the kernel outlives the kill (coreutils'
	# timeout then kills its own process group, itself too: exit 137) and
	# is a failure of its own, named with where it sleeps.
	stuck="" late=""
	# (coreutils' timeout exits 124, or 137 as above; busybox's 143)
	if [ $(($(date +%s) - start)) -ge "$limit" ] && case $rc in 124|137|143) ;; *) false ;; esac; then
		rc=124 late=1
		sleep 1
		stuck=$(stuck_tasks | sed "s/; $//")
	fi
	if [ -n "$KML" ]; then
		sleep 6
		kmemleak_report "$log.kmemleak"
	fi
	splat=""
	cut "end $name" "$log.dmesg" || splat=$(cat "$log.dmesg")
	after_cut
	# A report is a splat unless the test expects it by design ("# expect-
	# warn: FUNCTION" on its WARNING line) or it is a known report of the
	# kernel's own with no msikit function or module in it (tests/known-
	# kernel-reports).
	want=$(sed -n 's/^# expect-warn: \(.*\)$/\1/p' "$T/$t" | head -1)
	[ -n "$splat" ] || splat=$(scan "$log.dmesg" "$want" "$log.known")
	[ -s "$log.known" ] && echo "# forgiven: a known report of the kernel's own, not msikit's:" \
		"$(sort -u "$log.known" | tr '\n' ' ')(tests/known-kernel-reports)" >> "$log"
	[ -n "$splat" ] || splat=$(leaked "$log.kmemleak" "after this test")
	[ -n "$splat" ] || [ -z "$stuck" ] || splat="timed out, still in the kernel: $stuck"
	[ -n "$lockdep_off" ] && [ -z "$splat" ] &&
		splat="lockdep was off when this test started (${bootsplat:+the kernel reported while booting, before any test: $bootsplat; }an earlier report turned it off): not checked"
	if [ -n "$splat" ]; then
		echo "# kernel log: $splat" >> "$log"
		rc=99
	fi
	[ -n "$late" ] && echo "# timed out after $limit s" >> "$log"
	echo "MSIKIT-RESULT $name $rc $(( $(date +%s) - start ))"
done < "$PLAN"

# The boot and the tail after the last test: deferred work, timers and RCU
# callbacks of the last test print here.
start=$(date +%s)
sleep "$TAIL"
[ -n "$KML" ] && kmemleak_report "$OUT/shutdown.kmemleak"
# What the kernel prints while powering off reaches only the console: every
# level goes there from now on, the shutdown marker included, and check.sh
# scans the console from that marker on (a console prints records in order,
# but may print them late: what it prints before the marker was charged
# here already).
echo 8 > /proc/sys/kernel/printk
if cut shutdown "$OUT/shutdown.dmesg"; then
	splat=$(scan "$OUT/shutdown.dmesg" "" "")
	[ -n "$splat" ] && splat="after the last test: $splat"
else
	splat=$(cat "$OUT/shutdown.dmesg")
fi
[ -n "$bootsplat" ] && splat="while booting: $bootsplat${splat:+; $splat}"
[ -n "$splat" ] || splat=$(leaked "$OUT/shutdown.kmemleak" "after the last test")
kill $reader $(cat $K.pid) 2>/dev/null
after_cut
echo "MSIKIT-BOOT $([ -n "$splat" ] && echo 99 || echo 0) $(( $(date +%s) - start )) ${splat:-clean}"
sync
