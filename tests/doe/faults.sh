#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Faults QEMU cannot produce, injected by the software mailbox: each must
# fail the one exchange with a clean errno (and a log line), leave the
# mailbox aborted and idle, and the next exchange must work. busywrite is
# Busy coming on between the engine's idle check and its request: no
# engine can see it (learn=1's reuse of the last exchange's final Status
# read for the check widens that window from one access to 5 us), and
# the request is never taken: it must end as a timeout, not a hang or an
# early read.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
load_doe
modprobe msikit_doe_swmb || ktap_bail "modprobe msikit_doe_swmb failed"
SW=$(swmb_mb)
DEV=/dev/msikit/$SW
SYS=$(swmb_dev)
[ -n "$SW" ] || ktap_bail "no software mailbox"

echo_ok() { msikit-doe exchange "$DEV" 1234:01 cafe0001 2>/dev/null | grep -q cafe0001; }

ktap_result "healthy echo exchange" echo_ok

# fault  expected-error-text  expected-log-text
while read -r fault err logtxt; do
	a0=$(mb_stat "$SW" aborts) e0=$(cat "$SYS/early_reads")
	# the log is the runner's to clear: look only past this offset
	l0=$(log_mark)
	echo "$fault" > "$SYS/fault"
	t0=$(date +%s)
	out=$(msikit-doe exchange "$DEV" 1234:01 cafe0002 2>&1)
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	log "$fault: rc=$rc in ${secs}s: $out"
	if [ "$fault" = busyidle ]; then
		# Busy at idle is waited out for the timeout, then aborted, and
		# the request goes through.
		ktap_result "$fault: request completes after abort" sh -c "echo '$out' | grep -q cafe0002"
	else
		ktap_result "$fault: exchange fails with $err" sh -c "test $rc != 0 && echo '$out' | grep -qi '$err'"
	fi
	ktap_result "$fault: logged ($logtxt)" logged_since "$l0" -i "$logtxt"
	ktap_result "$fault: mailbox aborted" test "$(mb_stat "$SW" aborts)" -gt "$a0"
	# (len0 claims 2^18 dwords: the engine reads on until it checks the
	# length, past Data Object Ready by design)
	[ "$fault" = len0 ] ||
		ktap_expect "$fault: no read of a response before Data Object Ready" \
			"$e0" "$(cat "$SYS/early_reads")"
	ktap_result "$fault: next exchange works" echo_ok
done <<'FAULTS'
busy timed no.response
error input/output error
noready timed no.response
long input/output longer.than
len0 input/output ended.at
len1 input/output shorter.than
badhdr input/output to.request.1234:01
busyidle - busy.for
busywrite timed no.response
FAULTS

ktap_expect "mode still irq after all faults" irq "$(mb_attr "$SW" mode)"
rmmod msikit_doe_swmb
rmmod msikit_doe
ktap_finished
