#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The ntb.ko leg. Debian has no NTB core, so build.sh built one out of tree
# from Debian's linux-source of this very kernel (drivers/ntb/core.c), with
# two of upstream's own clients, unmodified (ntb_pingpong, ntb_tool), and
# msikit_ntb_msi again with its ntb.ko adapter. The test double
# msikit_ntb_loop_ntb registers the two edu functions as a real struct
# ntb_dev each, whose doorbells are peer interrupts of msikit_ntb_msi on
# the double's window 0: a rung doorbell is a write, with the receiving
# function's requester ID, to its MSI controller. (msikit's adapter over
# those ntb_devs, on window 1, is ntb-api.sh's.)
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_ntb_loop
need_ntb_leg
insmod "$D/ko/msikit_ntb_msi.ko" || ktap_bail "insmod msikit_ntb_msi.ko (with the adapter) failed"
ktap_expect "this msikit_ntb_msi has the ntb.ko adapter" ntb.ko \
	"$(modinfo -F ntb_core "$D/ko/msikit_ntb_msi.ko" | cut -d' ' -f1)"
insmod "$D/ko/msikit_ntb_loop_ntb.ko" || ktap_bail "insmod msikit_ntb_loop_ntb.ko failed"
ktap_result "both sides registered as ntb devices" \
	test -e "/sys/bus/ntb/devices/$ABDF" -a -e "/sys/bus/ntb/devices/$BBDF"
log "A: $(cat "$A/info")"

# every doorbell, both ways, counted at its own doorbell interrupt
db_each() {	# db_each TX RX
	local bit=0 bad
	while [ $bit -lt 16 ]; do
		write_err "$1/db_fire" "$bit 3" > /dev/null || { log "doorbell $bit lost or misrouted"; return 1; }
		bit=$((bit + 1))
	done
	bad=$(awk '$2 != 3' "$2/db_counts" | head -3 | tr '\n' ' ')
	[ -z "$bad" ] || { log "doorbell counts off: $bad"; return 1; }
}
ktap_result "A -> B: 16 doorbells x 3 through ntb_peer_db_set(), each delivered exactly once (writer: edu MSI capability)" \
	db_each "$A" "$B"
ktap_result "B -> A: 16 doorbells x 3, each delivered exactly once" db_each "$B" "$A"

# upstream's ntb_pingpong: a free-running doorbell ping-pong between the
# two ports, checked per doorbell (A's is 0, B's is 1). Two rings can meet:
# an MSI that arrives while the same vector is still pending at the CPU
# merges with it, and a ring that arrives while ntb_pingpong has its
# doorbell masked and is cleared by its pong is absorbed by the doorbell (a
# level). Neither is a loss, so the exact checks are: once quiet, the last
# interrupt of each doorbell had seen every ring sent to it, no interrupt
# came without a ring, and every doorbell event reached ntb_pingpong. A
# loss that a later ring covers would pass for a merge, so merges are
# bounded by what the double measures (tests/modules/README.ntb-loop):
# a merge needs a ring sent while an earlier one was unseen and the
# doorbell's CPU may have had it pending (OVERLAPS); an earlier ring
# unseen although that CPU kept taking interrupts was lost (LIVE).
db_row() {	# db_row SIDE BIT: "IRQS RINGS SEEN FAILED OVERLAPS LIVE" of one doorbell
	awk -v b="$2" '$1 == b { print $2, $3, $4, $5, $6, $7 }' "$1/db_counts"
}
pp_check() {	# pp_check NAME SIDE BIT "ROW0" EVENTS0 COUNT: ROW0 is db_row before
	local name=$1 side=$2 bit=$3 count=$6 irqs rings seen failed overlaps live events merged
	set -- $4 $5 $(db_row "$side" "$bit") "$(cat "$side/db_events")"
	irqs=$(($8 - $1)) rings=$(($9 - $2)) seen=${10} failed=${11}
	overlaps=$((${12} - $5)) live=$((${13} - $6)) events=$((${14} - $7))
	merged=$((rings - irqs))
	log "$name: $rings rings, $irqs doorbell interrupts (merged $merged, rings sent over an unseen one:" \
		"$overlaps while its CPU may have held it, $live while it provably did not)," \
		"$events events (absorbed $((irqs - events))), ntb_pingpong counted $count"
	[ "$failed" = 0 ] || { log "$name: $failed rings failed to write"; return 1; }
	[ "$seen" = "$9" ] || { log "$name: the last interrupt saw $seen of $9 rings: a ring was lost"; return 1; }
	[ "$live" = 0 ] || { log "$name: $live rings sent over an earlier one that their CPU never took while it took interrupts: lost"; return 1; }
	[ "$merged" -ge 0 ] || { log "$name: more interrupts than rings"; return 1; }
	[ "$merged" -le "$overlaps" ] || { log "$name: $merged merged, but only $overlaps rings could merge: the rest were lost"; return 1; }
	[ "$events" -le "$irqs" ] || { log "$name: more doorbell events than interrupts"; return 1; }
	[ "$count" = "$events" ] || { log "$name: ntb_pingpong counted $count of $events events"; return 1; }
	[ "$count" -ge 10 ] || { log "$name: ntb_pingpong barely ran"; return 1; }
}
a_row=$(db_row "$A" 0) b_row=$(db_row "$B" 1)
a_ev=$(cat "$A/db_events") b_ev=$(cat "$B/db_events")
insmod "$D/ko/ntb_pingpong.ko" delay_ms=20 || ktap_bail "insmod ntb_pingpong failed"
sleep 5
# a long delay parks both sides once the pings in flight are answered
echo 100000 > /sys/module/ntb_pingpong/parameters/delay_ms
sleep 1
PP=/sys/kernel/debug/ntb_pingpong
pa=$(cat "$PP/$ABDF/count") pb=$(cat "$PP/$BBDF/count")
rmmod ntb_pingpong
ktap_result "ntb_pingpong, 5 s at 20 ms: A's doorbell saw every ring, merges within the rings that could merge, each event reached it" \
	pp_check A "$A" 0 "$a_row" "$a_ev" "$pa"
ktap_result "ntb_pingpong: B's doorbell saw every ring, merges within the rings that could merge, each event reached it" \
	pp_check B "$B" 1 "$b_row" "$b_ev" "$pb"

# The test of the test: the double loses one ring mid-run (counted, never
# written). The checks above must turn red: LIVE when a later ring covers
# the loss, or an unseen ring once quiet when none does.
a_row=$(db_row "$A" 0) b_row=$(db_row "$B" 1)
a_ev=$(cat "$A/db_events") b_ev=$(cat "$B/db_events")
insmod "$D/ko/ntb_pingpong.ko" delay_ms=20 || ktap_bail "insmod ntb_pingpong failed"
sleep 1
echo 10 > /sys/module/msikit_ntb_loop_ntb/parameters/drop_ring
sleep 3
echo 100000 > /sys/module/ntb_pingpong/parameters/delay_ms
sleep 1
pa=$(cat "$PP/$ABDF/count") pb=$(cat "$PP/$BBDF/count")
rmmod ntb_pingpong
dropped=$(cat /sys/module/msikit_ntb_loop_ntb/parameters/drop_ring)
echo 0 > /sys/module/msikit_ntb_loop_ntb/parameters/drop_ring
log "a ring lost on purpose (drop_ring left at $dropped): the checks, which must fail:"
ktap_expect "the double dropped one ring mid-run" 0 "$dropped"
caught() {
	! { pp_check A "$A" 0 "$a_row" "$a_ev" "$pa" && pp_check B "$B" 1 "$b_row" "$b_ev" "$pb"; }
}
ktap_result "a ring lost mid-run fails the ntb_pingpong checks (test of the test)" caught

# upstream's ntb_tool: doorbells and scratchpads through its debugfs
insmod "$D/ko/ntb_tool.ko" || ktap_bail "insmod ntb_tool failed"
TA=/sys/kernel/debug/ntb_tool/$ABDF TB=/sys/kernel/debug/ntb_tool/$BBDF
echo "c 0xffff" > "$TB/db"
echo "s 0x24" > "$TA/peer_db"
ktap_result "ntb_tool: A sets B's doorbells 2 and 5, B's tool waits for them" \
	timeout 10 sh -c "echo 0x24 > $TB/db_event"
ktap_expect "ntb_tool: B reads its doorbell register" 0x24 "$(cat "$TB/db")"
echo "c 0x24" > "$TB/db"
echo 0x5a5a1234 > "$TA/peer0/spad3"
ktap_expect "ntb_tool: B reads the scratchpad A wrote" 0x5a5a1234 "$(cat "$TB/spad3")"
rmmod ntb_tool

ktap_result "unload: loopback, adapter, ntb.ko" \
	sh -c "rmmod msikit_ntb_loop_ntb && rmmod msikit_ntb_msi && rmmod ntb && rmmod msikit_msi"
ktap_finished
