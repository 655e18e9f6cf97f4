#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# API misuse through the loopback's client (NULL or bad port, max_irqs 0
# or 4096, NULL desc or handler, foreign and double frees, bad peers and
# offsets, peer_addr without a mapped window, exit of NULL) gives clean
# errnos and changes nothing; bad sysfs input is refused with an errno,
# and the interrupts already set up still deliver afterwards.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_ntb_loop
load_ntb

ktap_result "fire with nothing set up on this side" refused "$B/ntb/fire" "0 1"
ktap_result "teardown with nothing set up" refused "$A/ntb/teardown" 1

# the selftest's scratch nm needs A without a setup; its out-of-window
# triggers are refused by the port against B's inbound window
echo 0 > "$B/ntb/setup" || ktap_bail "setup 0 on B failed"
cat "$A/ntb/selftest" > /tmp/ntb-selftest.out
sed 's/^/# /' /tmp/ntb-selftest.out
ktap_result "$(grep -c '^ok' /tmp/ntb-selftest.out) API misuse cases, each a clean errno" \
	sh -c "! grep -q '^not ok' /tmp/ntb-selftest.out && grep -q '^ok' /tmp/ntb-selftest.out"
ktap_expect "no selftest case skipped" 0 "$(grep -c '# SKIP' /tmp/ntb-selftest.out)"
log "writes B's window dropped: $(info_field "$B" dropped) (the port refuses what msikit passes on)"

echo 2 > "$A/ntb/setup" || ktap_bail "setup 2 on A failed"
ktap_result "selftest while set up (EBUSY)" sh -c "! cat $A/ntb/selftest > /dev/null 2>&1"
ktap_result "maxprobe while set up (EBUSY)" refused "$A/ntb/maxprobe" 1
ktap_result "fire to index 999" refused "$B/ntb/fire" "999 1"
ktap_result "fire \"abc\"" refused "$B/ntb/fire" abc
ktap_result "fire without a count" refused "$B/ntb/fire" 0
ktap_result "fire to an interrupt the peer never published" refused "$B/ntb/fire" "5 1"
ktap_result "fire_all 0" refused "$B/ntb/fire_all" 0
ktap_result "setup 5000, more than a side holds" refused "$A/ntb/setup" 5000
ktap_result "setup \"abc\"" refused "$A/ntb/setup" abc
ktap_result "setup over requested interrupts (teardown first)" refused "$A/ntb/setup" 2
ktap_result "free_some of index 999" refused "$A/ntb/free_some" 999
ktap_result "free_some of an unrequested index" refused "$A/ntb/free_some" 7
ktap_result "stress \"abc\"" refused "$B/ntb/stress" abc
ktap_result "stress with more changes than writes" refused "$B/ntb/stress" "10 20"
ktap_result "cycle 0" refused "$A/ntb/cycle" 0
ktap_expect "the refusals changed nothing: A still holds 2" 2 "$(info_field "$A" nr_irqs)"
ktap_result "both still deliver, each exactly once (writer: edu MSI capability, requester ID of the receiving function)" \
	fire_all_ok "$B" "$A" 2 1
teardown_both
ktap_result "unload" unload_ntb
ktap_finished
