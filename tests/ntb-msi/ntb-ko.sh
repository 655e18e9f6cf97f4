#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The ntb.ko leg. Debian has no NTB core, so build.sh built one out of tree
# from Debian's linux-source of this very kernel (drivers/ntb/core.c), with
# two of upstream's own clients, unmodified (ntb_pingpong, ntb_tool), and
# msikit_ntb_msi again with its ntb.ko adapter. The test double
# msikit_ntb_loop_ntb registers the two edu functions as a real struct
# ntb_dev each, whose doorbells are peer interrupts of msikit_ntb_msi taken
# through the adapter: a rung doorbell is a write, with the receiving
# function's requester ID, to its MSI controller.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_ntb_loop
D=/opt/msikit/ntb-$(uname -r)
[ -d "$D" ] || ktap_skip_all "the ntb.ko leg is built for the amd64 kernels only"
[ -f "$D/WHY" ] && ktap_bail "the NTB core did not build out of tree: $(tail -3 "$D/WHY" | tr '\n' ' ')"

for m in msikit_ntb_loop msikit_msi_test msikit_ntb_loop_ntb msikit_ntb_msi; do
	rmmod $m 2>/dev/null
done
modprobe msikit_msi || ktap_bail "modprobe msikit_msi failed"
insmod "$D/ko/ntb.ko" || ktap_bail "insmod ntb.ko failed"
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

# upstream's ntb_pingpong: a doorbell ping-pong between the two ports
before_a=$(awk '$1 == 0 { print $2 }' "$A/db_counts")
before_b=$(awk '$1 == 1 { print $2 }' "$B/db_counts")
insmod "$D/ko/ntb_pingpong.ko" delay_ms=20 || ktap_bail "insmod ntb_pingpong failed"
sleep 5
# a long delay parks both sides once the pings in flight are answered
echo 100000 > /sys/module/ntb_pingpong/parameters/delay_ms
sleep 1
PP=/sys/kernel/debug/ntb_pingpong
pa=$(cat "$PP/$ABDF/count") pb=$(cat "$PP/$BBDF/count")
da=$(( $(awk '$1 == 0 { print $2 }' "$A/db_counts") - before_a ))
db=$(( $(awk '$1 == 1 { print $2 }' "$B/db_counts") - before_b ))
rmmod ntb_pingpong
log "ntb_pingpong, 5 s at 20 ms: its debugfs counts A $pa, B $pb; doorbell interrupts A $da, B $db"
ktap_result "ntb_pingpong ran both ways over msikit doorbells" test "$pa" -ge 10 -a "$pb" -ge 10
# its count is the doorbells it was woken for: one per doorbell interrupt
ktap_expect "ntb_pingpong's count on A is A's doorbell interrupts" "$da" "$pa"
ktap_expect "ntb_pingpong's count on B is B's doorbell interrupts" "$db" "$pb"

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
