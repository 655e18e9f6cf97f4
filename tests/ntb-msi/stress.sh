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
[ "$(nproc)" -ge 2 ] || ktap_skip_all "needs 2 CPUs"
load_ntb
echo 0 > "$B/ntb/setup" || ktap_bail "setup 0 on B failed"
echo 8 > "$A/ntb/setup" || ktap_bail "setup 8 on A failed"
p=$(info_field "$A" parent)
kind=$(parent_kind "$A")
[ $kind = mutable ] || { WRITES=2000 CHANGES=100; }

t0=$(date +%s)
echo "$WRITES $CHANGES" > "$B/ntb/stress"
rc=$?
r=$(cat "$B/ntb/stress_result")
log "scale ${MSIKIT_SCALE:-ci}; writer: edu MSI capability, requester ID of A; parent $p ($kind); $r; $(( $(date +%s) - t0 )) s"
set -- $r
ktap_result "B -> A: $WRITES writes, $CHANGES affinity changes of A's interrupts: stress ran" \
	test "$rc" = 0
ktap_expect "writes sent" "$WRITES" "$2"
ktap_expect "lost" 0 "$8"
ktap_expect "misrouted to a sibling interrupt" 0 "${10}"
ktap_expect "spurious" 0 "${12}"
ktap_expect "affinity changes that failed otherwise than EBUSY or EPERM" 0 "${18}"
ktap_result "each of A's 8 interrupts counted exactly its own $((WRITES / 8)) writes" \
	counts_are "$A" 8 $((WRITES / 8))
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
