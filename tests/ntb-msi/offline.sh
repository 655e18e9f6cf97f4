#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A CPU taken offline under a triggering peer. A's 8 interrupts are put
# on CPU 1 and B writes them in turn, each write waited for at its own
# interrupt and each descriptor read from A's channel, while CPU 1 goes
# offline and comes back, ROUNDS times. Going offline forces every
# interrupt there to move at once. On the x86 vector the move is a new
# descriptor and the old vector is gone with the CPU: a write B sent with
# the old one before the republish reached it is lost. Contract: nothing
# misrouted or spurious while it runs (on the IMSIC a lost write surfaces
# later: see below); at most one write lost per offline (the
# writer waits a second for a lost write, by which time the republish has
# long reached the channel), each counted. Immutable parents keep their
# descriptors; the pinned IMSIC moves too (an offline CPU overrides the
# pin). Writer: edu MSI capability, requester ID of A.
# Last in the plan: on the IMSIC a write lost to the offline hart stays
# pending in that hart's interrupt file, and whatever interrupt gets that
# identity there next takes it, spurious (ntb-msi/README).
# timeout: 900
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

case "${MSIKIT_SCALE:-ci}" in
soak) ROUNDS=20 ;;
*) ROUNDS=2 ;;
esac
CPU1=/sys/devices/system/cpu/cpu1/online

ktap_header
need_ntb_loop
[ -w $CPU1 ] || ktap_skip_all "CPU 1 cannot be taken offline here (no $CPU1)"
setup_pair
irqs=$(side_irqs A)
ktap_expect "A's 8 interrupts in /proc/interrupts" 8 "$(echo $irqs | wc -w)"

# on_cpu1: how many of A's interrupts CPU 1 serves
# shellcheck disable=SC2086 # irqs is a list
on_cpu1() { on_cpu 1 $irqs; }
# pin_cpu1: move them there (a move still waiting for its first interrupt
# says EBUSY, the pinned IMSIC EPERM: both leave the interrupt working)
pin_cpu1() {
	local i
	for i in $irqs; do echo 1 > /proc/irq/$i/smp_affinity_list; done 2>/dev/null
	return 0
}
pin_cpu1
log "parent $p ($kind): $(on_cpu1) of 8 on CPU 1 before the first offline"

echo "100000000 0 $ROUNDS" > "$B/ntb/stress" &
writer=$!
# running, before CPU 1 goes: a stop written earlier would be lost
i=0
while [ "$(result_field "$(cat "$B/ntb/stress_result")" writes)" = 0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
moved=0 offlines=0
r=1
while [ $r -le $ROUNDS ]; do
	moved=$((moved + $(on_cpu1)))
	echo 0 > $CPU1 && offlines=$((offlines + 1))
	sleep 0.5
	echo 1 > $CPU1 || ktap_bail "CPU 1 did not come back online"
	sleep 0.5
	pin_cpu1
	sleep 0.5
	r=$((r + 1))
done
echo 1 > "$B/ntb/stress_stop"
wait $writer
rc=$?
res=$(cat "$B/ntb/stress_result")
log "scale ${MSIKIT_SCALE:-ci}; parent $p ($kind); $offlines offlines, $moved interrupt moves forced by them; $res"
set -- $res
ktap_expect "CPU 1 went offline $ROUNDS times" "$ROUNDS" "$offlines"
ktap_result "$p: interrupts were on CPU 1 when it went offline: $moved" test "$moved" -gt 0
ktap_result "B -> A while CPU 1 went offline and came back: stress ran to its stop" \
	test "$rc" = 0
ktap_result "writes sent: $2" test "$2" -gt 0
ktap_expect "misrouted to a sibling interrupt" 0 "${10}"
ktap_expect "spurious" 0 "${12}"
ktap_result "lost: $8, at most one per offline ($offlines)" test "$8" -le "$offlines"
case $kind in
immutable)
	ktap_expect "$p (immutable): no descriptor changed, none republished" 0 "${14}"
	;;
*)
	ktap_result "$p: descriptors of the moved interrupts republished: ${14}" test "${14}" -gt 0
	;;
esac
ktap_result "CPU 1 online again" test "$(cat $CPU1)" = 1
teardown_both
ktap_result "unload" unload_ntb
ktap_finished
