#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# CMA/SPDM (0001:01) with allow_reserved=0: mediated. Every request code
# of SPDM 1.x goes through the character device on its own (doe-spdm
# policy, the software mailbox's echo as the device): the read-only ones
# (GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS, GET_DIGESTS,
# GET_CERTIFICATE, CHALLENGE, GET_MEASUREMENTS) reach the mailbox, each
# other one fails with EPERM and reaches nothing, as do RESPOND_IF_READY
# when the device held nothing back, any version but 1.0 to 1.3 and a
# request longer than any version makes it; each refusal says why in one
# line naming the request, and the tracepoint msikit_doe:msikit_doe_spdm
# records every decision. Secured CMA/SPDM (0001:02) stays refused with
# EACCES; FEATURES marks 0001:01 mediated; the kernel is not tainted.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"


ktap_header
load_swmb
t0=$(cat /proc/sys/kernel/tainted)

ktap_result "FEATURES marks 0001:01 reserved and mediated" \
	sh -c "msikit-doe features $SW | grep -q '0001:01.*reserved.*mediated'"
out=$(msikit-doe exchange "$SW" 0001:02 00000000 2>&1)
log "$out"
ktap_result "Secured CMA/SPDM (0001:02) is still refused with EACCES" \
	sh -c "echo '$out' | grep -q 'Permission denied'"

# tracefs: under debugfs (which the VM mounts), or mounted here
T=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -d "$d/events" ] && { T=$d; break; }
done
[ -n "$T" ] || { mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && T=/sys/kernel/tracing; }
[ -n "$T" ] || ktap_bail "tracefs is not mounted and cannot be"
E=$T/events/msikit_doe/msikit_doe_spdm
on=$(cat "$T/tracing_on")
echo 1 > "$T/tracing_on"
echo > "$T/trace"
echo 1 > "$E/enable" || ktap_bail "cannot enable $E"

# one refusal before the flood: the refusal lines share one ratelimit
# (10 in 5 s), which the tests before this one may have spent
sleep 5
l0=$(log_mark)
out=$(msikit-doe exchange "$SW" 0001:01 0000e412 2>&1)
ktap_result "KEY_EXCHANGE from msikit-doe: EPERM" sh -c "echo '$out' | grep -q 'Operation not permitted'"
ktap_result "a refusal names the request: KEY_EXCHANGE (0xe4) is not read-only" \
	logged_since "$l0" 'refused: SPDM KEY_EXCHANGE (0xe4) is not a read-only request'
out=$(doe-spdm policy "$SW" 2>&1)
rc=$?
echo 0 > "$E/enable"
echo "$on" > "$T/tracing_on"
echo "$out" | grep -E '^(not ok|#)' | head -20
ktap_result "doe-spdm policy: $(echo "$out" | grep -c '^ok') of $(echo "$out" | grep -c 'ok [0-9]') cases pass" \
	test "$rc" = 0
ev=$(grep -F "msikit_doe_spdm: device=" "$T/trace")
echo "$ev" | head -2 | sed 's/^/# /'
# msikit-doe's KEY_EXCHANGE; doe-spdm's 1 GET_VERSION, 7 read-only, 249
# others, 256 RESPOND_IF_READY, 3 other versions, 1 of 1.3, 1 empty, 3
# lengths
ktap_expect "one event per mediated request: 1 + 521" 522 "$(echo "$ev" | grep -c .)"
ktap_expect "events let through: 1 + 7 + 1 + 1" 10 "$(echo "$ev" | grep -c ' verdict=0$')"
ktap_expect "events refused with EPERM: 1 + 249 + 256 + 3 + 2" 511 "$(echo "$ev" | grep -c ' verdict=-1$')"
ktap_result "the KEY_EXCHANGE event is named and refused" \
	sh -c "echo '$ev' | grep -q 'code=0xe4 (KEY_EXCHANGE) param1=0x00 verdict=-1$'"
echo > "$T/trace"
ktap_expect "the mediated path does not taint" "$t0" "$(cat /proc/sys/kernel/tainted)"
ktap_expect "nothing is left claimed" none "$(cat "$CLASS/$MB/spdm_claim")"
ktap_result "the mailbox works after it" \
	sh -c "msikit-doe exchange $SW 1234:01 0badf00d | grep -q 0badf00d"
rmmod msikit_doe_swmb
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
