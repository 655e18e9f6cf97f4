#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The audit trail of exchanges: the tracepoint msikit_doe:msikit_doe_exchange
# records one event per exchange that reached the mailbox (device, vendor
# and type, lengths, result, who submitted it) and none for a refused one,
# while the kernel log stays quiet for ordinary exchanges and gets one line
# per failed exchange, naming the caller.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

N=5
echo_ok() { msikit-doe exchange "$SW" 1234:01 "$1" 2>/dev/null | grep -q "$1"; }

ktap_header
load_swmb
PARENT=$(basename "$(readlink "$CLASS/$MB/device")")

# ordinary exchanges: not one line in the kernel log
l0=$(log_mark)
out=$(doe-stress -c 2 -n 20 -m echo "$SW" 2>&1)
rc=$?
echo "$out" | grep '^#' | tail -2
ktap_result "40 ordinary exchanges succeed" test "$rc" = 0
ktap_expect "and log nothing" 0 "$(new_log "$MB")"

# a failed exchange: one line naming the caller (the engine adds its own)
SYS=$(swmb_dev)
l0=$(log_mark)
echo error > "$SYS/fault"
ktap_result "an exchange answered with Error fails" sh -c "! msikit-doe exchange $SW 1234:01 cafe0003 >/dev/null 2>&1"
ktap_expect "one line for the failed exchange, naming the caller" 1 \
	"$(new_log "msikit-doe[")"
ktap_result "the mailbox works after it" echo_ok cafe0004

# tracefs: under debugfs (which the VM mounts), or mounted here
T=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -d "$d/events" ] && { T=$d; break; }
done
mounted=
if [ -z "$T" ] && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
	T=/sys/kernel/tracing
	mounted=1
fi
E=$T/events/msikit_doe/msikit_doe_exchange
if [ -z "$T" ]; then
	ktap_skip "tracepoint msikit_doe:msikit_doe_exchange" \
		"tracefs is not mounted and cannot be: not under /sys/kernel/tracing or /sys/kernel/debug/tracing"
else
	log "tracefs at $T"
	ktap_result "the event exists: $E" test -r "$E/format"
	fields=$(sed -n 's/.*field:[^;]* \([a-z_]*\);.*/\1/p' "$E/format" 2>/dev/null | tr '\n' ' ')
	log "fields: $fields"
	missing=
	for f in device cap vid type user submitter req_len rsp_size rsp_len rv; do
		case " $fields " in *" $f "*) ;; *) missing="$missing $f" ;; esac
	done
	ktap_expect "it records device, cap, vid, type, origin, lengths and result" "" "$missing"

	on=$(cat "$T/tracing_on")
	echo 1 > "$T/tracing_on"
	echo > "$T/trace"
	echo 1 > "$E/enable"
	i=0
	while [ $i -lt $N ]; do
		echo_ok "cafe100$i" || log "exchange $i failed"
		i=$((i + 1))
	done
	# refused before the queue: no event
	msikit-doe exchange "$SW" ffff:ff 0 >/dev/null 2>&1
	# failed on the device: an event with its errno
	echo error > "$SYS/fault"
	msikit-doe exchange "$SW" 1234:01 cafe2000 >/dev/null 2>&1
	echo 0 > "$E/enable"
	echo "$on" > "$T/tracing_on"
	ev=$(grep -F "msikit_doe_exchange: device=$PARENT " "$T/trace")
	echo "$ev" | head -3 | sed 's/^/# /'
	ktap_expect "$N exchanges, one refused, one failed: $((N + 1)) events" $((N + 1)) \
		"$(echo "$ev" | grep -c .)"
	# msikit-doe offers a 4096-byte response buffer unless told otherwise
	ktap_expect "$N events of 4-byte echoes from user space that returned 4 bytes" $N \
		"$(echo "$ev" | grep -c ' 1234:01 from=user pid=[0-9]* req_len=4 rsp_size=4096 rsp_len=4 rv=4$')"
	ktap_expect "one event of the failed exchange, rv=-5 (EIO)" 1 \
		"$(echo "$ev" | grep -c ' 1234:01 from=user .* rv=-5$')"
	echo > "$T/trace"
	[ -n "$mounted" ] && umount "$T"
fi

rmmod msikit_doe_swmb
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
