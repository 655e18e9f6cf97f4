#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Upstream's ntb_perf, unmodified (Debian's linux-source of this kernel,
# the ntb.ko leg's core), over the loopback with memory-mapped windows
# (msikit_ntb_loop_ntb shm=1, tests/modules/README.ntb-loop). Each side
# allocates its inbound buffer against edu, translates its window to it
# and sends the address through the peer's scratchpads and a doorbell;
# the peer maps its outbound window and copies random data into it with
# memcpy_toio. A run counts only if every thread copied all it was asked
# to, with no error, in each direction, with one thread and with two.
# The loopback runs with one_port_number: with distinct port numbers
# ntb_perf puts side A's buffer behind window 1 while its first buffer
# comes from the pool as window 0's slice (README.ntb-loop: the pool
# hands slices out first free first), and upstream's own rule for a
# two-port bridge without unique port numbers gives every index 0.
# timeout: 300
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

# 4 MiB per thread and run: 4 passes over a 1 MiB window
TOTAL_ORDER=22
ktap_header
shm_leg_up one_port_number=1
insmod "$D/ko/ntb_perf.ko" total_order=$TOTAL_ORDER || ktap_bail "insmod ntb_perf failed"
PA=/sys/kernel/debug/ntb_perf/$ABDF PB=/sys/kernel/debug/ntb_perf/$BBDF

# ready SIDE: SIDE's link is up, its inbound buffer is allocated and its
# peer's translation has come back (ntb_perf's init is done)
ready() {
	grep -q 'Link status: up' "$1/info" && grep -q 'In buffer xlat' "$1/info" &&
		! grep -q 'Out buffer xlat 0x0000000000000000' "$1/info"
}
both_ready() { ready "$PA" && ready "$PB"; }
# (a run before that would wait for ntb_perf's setup without end)
wait_for 30 both_ready ||
	ktap_bail "ntb_perf is not ready on both sides: $(dmesg | grep -i 'ntb_perf\|Failed to set' | tail -2 | tr '\n' ' ')"
ktap_pass "ntb_perf on both sides: link up, buffers translated, the peers' addresses exchanged"
log "A: $(tr -s ' \t\n' ' ' < "$PA/info")"
log "B: $(tr -s ' \t\n' ' ' < "$PB/info")"
ktap_result "each side's buffer is its window 0's slice of the shared memory" \
	sh -c "grep -q 'slices 1 ' $A/shm && grep -q 'slices 1 ' $B/shm"

# run TX THREADS: TX copies into its peer's window with THREADS threads;
# each thread must report all 2^TOTAL_ORDER bytes copied and no error
run() {
	local tx=$1 n=$2 out want=$((1 << TOTAL_ORDER))
	echo "$n" > "$tx/threads_count" || return 1
	timeout 60 sh -c "echo 0 > $tx/run" || { log "run refused or stuck"; return 1; }
	out=$(cat "$tx/run")
	log "$(echo "$out" | tr -s ' \n' ' ')"
	echo "$out" | grep -q 'error status' && return 1
	[ "$(echo "$out" | grep -c "^[0-9]*: copied $want bytes in ")" = "$n" ]
}
ktap_result "ntb_perf A -> B, one thread: 4 MiB copied" run "$PA" 1
ktap_result "ntb_perf B -> A, one thread: 4 MiB copied" run "$PB" 1
ktap_result "ntb_perf A -> B, two threads: 4 MiB each" run "$PA" 2
ktap_result "ntb_perf B -> A, two threads: 4 MiB each" run "$PB" 2

ktap_result "unload: ntb_perf" rmmod ntb_perf
ktap_result "ntb_perf's buffers went back to the pool" \
	sh -c "grep -q 'slices 0 ' $A/shm && grep -q 'slices 0 ' $B/shm"
ktap_result "unload: the loopback, the adapter, ntb.ko" \
	sh -c "rmmod msikit_ntb_loop_ntb && rmmod msikit_ntb_msi && rmmod ntb && rmmod msikit_msi"
ktap_result "edu's IOMMU domains as they were" iommu_restore
ktap_finished
