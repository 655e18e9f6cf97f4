#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An SPDM sequence is state in the responder (GET_VERSION resets it), so
# the open file whose GET_VERSION is taken holds the mailbox's CMA/SPDM:
# another requester gets EBUSY, with one line naming the holder, until
# the holder closes or stays idle for spdm_claim_ms; a file without a
# claim must start with GET_VERSION (EPROTO). sysfs spdm_claim shows the
# holder, and none once it is gone. spdm_claim_ms takes 100..60000 only.
# A holder killed with a request queued loses its claim with its file;
# the request still runs in its turn, before the next requester's.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

P=/sys/module/msikit_doe/parameters/spdm_claim_ms
MS=300

ktap_header
load_swmb
ktap_expect "spdm_claim_ms defaults to 5000" 5000 "$(cat $P)"
ktap_result "spdm_claim_ms=99 refused" sh -c "! echo 99 > $P 2>/dev/null"
ktap_result "spdm_claim_ms=60001 refused" sh -c "! echo 60001 > $P 2>/dev/null"
ktap_result "spdm_claim_ms=junk refused, saying why" \
	sh -c "! echo junk > $P 2>/dev/null && dmesg | grep -q 'spdm_claim_ms=junk refused'"
ktap_expect "spdm_claim_ms unchanged" 5000 "$(cat $P)"
echo $MS > $P || ktap_bail "cannot set spdm_claim_ms=$MS"

l0=$(log_mark)
out=$(doe-spdm claim "$SW" $MS 2>&1)
rc=$?
echo "$out" | grep -E '^(not ok|#)' | head -20
ktap_result "doe-spdm claim: $(echo "$out" | grep -c '^ok') cases pass" test "$rc" = 0
ktap_result "a requester turned away hears who holds the claim" \
	logged_since "$l0" 'refused: CMA/SPDM is claimed by pid [0-9]* for its sequence'
ktap_result "a request outside a sequence hears why" \
	logged_since "$l0" 'outside a sequence: a requester starts with GET_VERSION'
ktap_expect "nothing is left claimed" none "$(cat "$CLASS/$MB/spdm_claim")"

# a holder seen from sysfs, and what a raw exchange meets meanwhile
echo 5000 > $P
doe-spdm hold "$SW" 3 > /tmp/spdm-hold 2>&1 &
H=$!
held() { grep -q "^pid $H inflight 0 idle_ms " "$CLASS/$MB/spdm_claim"; }
i=0
while [ $i -lt 20 ] && ! held; do sleep 0.1; i=$((i + 1)); done
log "spdm_claim: $(cat "$CLASS/$MB/spdm_claim")"
ktap_result "spdm_claim names the holder" held
out=$(msikit-doe exchange "$SW" 0001:01 00008410 2>&1)
log "$out"
ktap_result "msikit-doe's GET_VERSION meanwhile: EBUSY" \
	sh -c "echo '$out' | grep -q 'Device or resource busy'"
wait $H
ktap_result "the holder ran" grep -q holding /tmp/spdm-hold
ktap_expect "closing ended the claim" none "$(cat "$CLASS/$MB/spdm_claim")"
ktap_result "GET_VERSION from msikit-doe now" \
	sh -c "msikit-doe exchange $SW 0001:01 00008410 | grep -q 00008410"
ktap_expect "msikit-doe's file closed: nothing claimed" none "$(cat "$CLASS/$MB/spdm_claim")"

# a holder killed while its request waits behind two other exchanges
echo 300000 > "$(swmb_dev)/delay_us" || ktap_bail "cannot slow the software mailbox"
out=$(doe-spdm killed "$SW" "$(swmb_dev)/exchanges" 2>&1)
rc=$?
echo "$out" | grep -E '^(not ok|#)' | head -20
ktap_result "doe-spdm killed: $(echo "$out" | grep -c '^ok') cases pass" test "$rc" = 0
echo 0 > "$(swmb_dev)/delay_us"
rmmod msikit_doe_swmb
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
