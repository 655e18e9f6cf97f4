#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# B writes A's 8 interrupts in turn, each write waited for at its own
# interrupt, while a thread on another CPU moves them between two CPUs.
# Writer: edu MSI capability, requester ID of the receiving function (A);
# B reads each descriptor from A's channel at every write, never from
# A's private copy, so on the x86 vector parent, where a move is a new
# descriptor, only A's republish through desc_changed keeps B's writes
# arriving: 0 lost, 0 misrouted, 0 spurious. Immutable parents run a
# short round, whose descriptors must never change; the pinned IMSIC
# refuses the moves (EPERM) and must lose nothing either.
# make check runs 20,000 writes and 1,000 changes on the x86 vector,
# make soak 1,000,000 and 10,000:
# timeout: 1500
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

case "${MSIKIT_SCALE:-ci}" in
soak) WRITES=1000000 CHANGES=10000 ;;
*) WRITES=20000 CHANGES=1000 ;;
esac

ktap_header
need_ntb_loop
setup_pair
[ $kind = mutable ] || { WRITES=2000 CHANGES=100; }

run_stress " of A's interrupts"
set -- $res
case $kind in
mutable)
	ktap_result "$p: affinity changes made: $4" test "$4" -gt 0
	ktap_result "$p: descriptors republished through desc_changed and the channel: ${14}" \
		test "${14}" -gt 0
	;;
immutable)
	ktap_result "$p: affinity changes made: $4" test "$4" -gt 0
	ktap_expect "$p (immutable): no descriptor ever changed" 0 "${14}"
	;;
pinned)
	ktap_result "$p (pinned): affinity changes refused with EPERM: ${16}" test "${16}" -gt 0
	ktap_expect "$p (pinned): no change made" 0 "$4"
	ktap_expect "$p (pinned): no descriptor ever changed" 0 "${14}"
	;;
esac
ktap_expect "no write was dropped by A's window" 0 "$(info_field "$A" dropped)"
teardown_both
ktap_result "unload" unload_ntb
ktap_finished
