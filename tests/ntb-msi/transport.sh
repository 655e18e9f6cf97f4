#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Upstream's ntb_transport in its use_msi mode, and ntb_netdev over it,
# unmodified (Debian's linux-source of this kernel, built out of tree as
# the ntb.ko leg's clients), over the loopback with memory-mapped windows
# (msikit_ntb_loop_ntb shm=1: an ivshmem-plain function per side, one
# shared memory, tests/modules/README.ntb-loop). ntb_transport takes the
# highest window for upstream's ntb_msi API, which msikit serves: a
# packet's interrupt is then a store through the peer's mapped window
# (msikit's iowrite32 trigger), which the receiving side's relay sends as
# its edu's MSI. First ntb_tool proves the windows carry bytes (each side
# reads, from the buffer it allocated, what the other wrote through its
# mapping). Then the two network interfaces, one per side, each in a
# network namespace of its own: ping both ways, and a TCP transfer whose
# checksum must match, while the peer interrupts' affinity is rewritten
# (on the x86 vector a move changes the descriptor the peer must use).
# Each side's interrupts must have counted, and nothing may be relayed
# from a window that was not open.
# timeout: 300
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
shm_leg_up
ktap_result "both sides have memory-mapped windows in the shared memory" \
	sh -c "grep -q '^inbound' $A/shm && grep -q '^inbound' $B/shm"
log "A: $(cat "$A/shm")"
log "B: $(cat "$B/shm")"

# --- bytes through the windows: upstream's ntb_tool ---
insmod "$D/ko/ntb_tool.ko" || ktap_bail "insmod ntb_tool failed"
# ntb_tool starts with its link disabled: both sides enable it
echo Y > /sys/kernel/debug/ntb_tool/$ABDF/link && echo Y > /sys/kernel/debug/ntb_tool/$BBDF/link ||
	ktap_bail "ntb_tool: cannot enable the link"
TA=/sys/kernel/debug/ntb_tool/$ABDF/peer0 TB=/sys/kernel/debug/ntb_tool/$BBDF/peer0
tool_up() { [ "$(cat "$TA/link")" = Y ] && [ "$(cat "$TB/link")" = Y ]; }
wait_for 10 tool_up || ktap_bail "ntb_tool: the link does not come up"
SZ=65536
# through TX's outbound window W into RX's buffer for its inbound window W
bytes_through() {	# bytes_through TX RX W
	local tx=$1 rx=$2 w=$3 want got
	echo $SZ > "$rx/mw_trans$w" || return 1
	echo "0:$SZ" > "$tx/peer_mw_trans$w" || return 1
	dd if=/dev/urandom of=/tmp/ntb-mw bs=4096 count=$((SZ / 4096)) 2>/dev/null
	dd if=/tmp/ntb-mw of="$tx/peer_mw$w" bs=4096 2>/dev/null || return 1
	want=$(sha256sum < /tmp/ntb-mw) got=$(head -c $SZ "$rx/mw$w" | sha256sum)
	[ "$want" = "$got" ] || { log "window $w: $(cat "$rx/mw_trans$w" | tr '\n' ' ')read back other bytes"; return 1; }
}
# (the pool hands out slices first free first: each side's first buffer
# is its window 0's, B's second its window 1's)
ktap_result "ntb_tool: 64 KiB A -> B through window 0, read back from B's buffer" bytes_through "$TA" "$TB" 0
ktap_result "ntb_tool: 64 KiB B -> A through window 0" bytes_through "$TB" "$TA" 0
ktap_result "ntb_tool: 64 KiB A -> B through window 1" bytes_through "$TA" "$TB" 1
# A's window 1 given the slice of its window 0 (freed first): what the
# peer stores through window 1 never reaches it, so it is refused
echo 0 > "$TA/mw_trans0"
wrong_slice() {
	! echo $SZ > "$TA/mw_trans1" 2>/dev/null &&
		dmesg | grep -q "$ABDF: window 1: translation to .* refused: not the window's own slice"
}
ktap_result "a buffer that is not the window's own slice is refused, with its line" wrong_slice
# ntb_tool's remove (6.12) deletes its debugfs tree before it frees its
# windows, whose files it then deletes again (a NULL dereference): free
# them first
for w in 0 1; do
	echo 0 > "$TA/mw_trans$w"; echo 0 > "$TB/mw_trans$w"
	echo 0:0 > "$TA/peer_mw_trans$w"; echo 0:0 > "$TB/peer_mw_trans$w"
done
rmmod ntb_tool || ktap_bail "rmmod ntb_tool failed"
ktap_result "ntb_tool's buffers went back to the pool" \
	sh -c "grep -q 'slices 0 ' $A/shm && grep -q 'slices 0 ' $B/shm"

# --- ntb_transport with use_msi=1, ntb_netdev over it ---
ma=$(msi_lines "$ABDF") mb=$(msi_lines "$BBDF")
transport_up 1
msi_both() { [ "$(msi_lines "$ABDF")" -gt "$ma" ] && [ "$(msi_lines "$BBDF")" -gt "$mb" ]; }
ktap_result "ntb_transport on both sides uses MSI interrupts for QP0 (its doorbells only republish)" \
	wait_for 20 msi_both
log "interfaces: A $IA, B $IB"
ktap_result "both interfaces have a carrier (ntb_transport's queue link is up)" carrier

# the interrupts ntb_transport requested, counted per interrupt
tp_irqs() { awk '$NF == "ntb_transport" { sub(":", "", $1); print $1 }' /proc/interrupts; }
irq_total() { awk -v i="$1" '$1 == i ":" { s = 0; for (c = 2; c <= NF; c++) if ($c ~ /^[0-9]+$/) s += $c; print s }' /proc/interrupts; }
IRQS=$(tp_irqs)
[ "$(echo $IRQS | wc -w)" = 2 ] || ktap_bail "ntb_transport's interrupts: '$IRQS', not one per side"
for i in $IRQS; do eval "c0_$i=\$(irq_total $i)"; done
# ping5 IN_SIDE PEER: all 5 come back (busybox ping succeeds on one)
ping5() { "$1" busybox ping -A -c 5 -W 3 "$2" | tee /tmp/ntb-ping; grep -q '5 packets received' /tmp/ntb-ping; }
ktap_result "ping A -> B, 5 of 5" ping5 in_a 10.97.0.2
ktap_result "ping B -> A, 5 of 5" ping5 in_b 10.97.0.1

# TCP: B fetches 2 MiB from A's HTTP server, its checksum compared
mkdir -p /tmp/ntb-www
dd if=/dev/urandom of=/tmp/ntb-www/blob bs=65536 count=32 2>/dev/null
httpd_up
# what ntb_transport and the double saw, for a transfer that failed
xfer_state() {
	local f
	for f in /sys/kernel/debug/ntb_transport/*/qp0/stats; do
		log "$f: $(grep -E 'rx_(bytes|pkts|ring_count|err_no_buf|memcpy)|tx_(bytes|pkts|ring_full|err_no_buf)|rx_index|tx_index|Link' "$f" | tr -s ' \n' ' ')"
	done
	log "A: $(cat "$A/shm")"
	log "B: $(cat "$B/shm")"
	for i in $IRQS; do log "interrupt $i: $(irq_total "$i")"; done
}
xfer() {
	local t0=$(date +%s)
	rm -f /tmp/ntb-rx
	in_b timeout 60 busybox wget -q -O /tmp/ntb-rx http://10.97.0.1:8080/blob &&
		[ "$(sha256sum < /tmp/ntb-rx)" = "$(sha256sum < /tmp/ntb-www/blob)" ] ||
		{ log "received $(wc -c < /tmp/ntb-rx 2>/dev/null) bytes"; xfer_state; return 1; }
	log "2 MiB in $(($(date +%s) - t0)) s"
}
# while the peer interrupts move between the CPUs
churn() {
	local n=0 bad=0 i
	while [ -e /tmp/ntb-churn ]; do
		for i in $IRQS; do
			echo $((1 << (n % 2))) > /proc/irq/$i/smp_affinity || bad=$((bad + 1))
		done
		n=$((n + 1))
		echo $n $bad > /tmp/ntb-churn-n
		sleep 0.01
	done
}
echo 0 0 > /tmp/ntb-churn-n
touch /tmp/ntb-churn
churn & CHURN=$!
# fetches, each checked, until the churn has rewritten the affinity 50 times
xfer_moving() {
	local k=0
	while [ $k -lt 20 ]; do
		xfer || return 1
		k=$((k + 1))
		set -- $(cat /tmp/ntb-churn-n)
		[ "$1" -ge 50 ] && { log "$k fetches"; return 0; }
	done
	log "the affinity was rewritten only $1 times in $k fetches"
	return 1
}
ra=$(msi_lines "$ABDF") rb=$(msi_lines "$BBDF") r0=$(refused_total)
ktap_result "TCP A -> B, 2 MiB fetches while each peer interrupt's affinity is rewritten every 10 ms (50 times at least): each checksum matches" \
	xfer_moving
rm -f /tmp/ntb-churn
wait $CHURN
set -- $(cat /tmp/ntb-churn-n)
reread=$(($(msi_lines "$ABDF") - ra + $(msi_lines "$BBDF") - rb))
# ntb_transport ignores what its trigger returns: a packet whose trigger
# msikit refused (a descriptor read torn or half zeroed) raised nothing,
# and only the next packet's or the peer's timer moved the queue on
log "affinity rewritten $1 times ($2 writes refused); descriptors read again $reread times; triggers msikit refused, which ntb_transport ignored: $(($(refused_total) - r0)) ($(cat "$NM_DBG/refused"))"
ktap_result "the affinity was rewritten during the fetches, each write taken" test "$1" -ge 50 -a "$2" = 0
# on the x86 vector a move changes the descriptor: the peer must have read
# the new one; behind a remapper it does not change
case "$(cat "$A/info")" in
*"parent x86-vector "*)
	ktap_result "the moves changed descriptors, which the peers read again" test "$reread" -gt 0 ;;
esac
httpd_down
each_counted() {
	local i c0 c
	for i in $IRQS; do
		eval "c0=\$c0_$i"
		c=$(irq_total "$i")
		log "interrupt $i: $((c - c0)) during the pings and the transfer"
		[ "$c" -gt "$c0" ] || return 1
	done
}
ktap_result "each side's ntb_transport interrupt counted" each_counted
log "A: $(cat "$A/shm")"
log "B: $(cat "$B/shm")"
# A pass of the relay that sent without the guarantee that keeps a move's
# old store ahead of its vector's release ("unordered") would make a lost
# interrupt the double's doing, not msikit's. "together": stores sent in
# bursts of several, which on the x86 vector are mostly a move's old and
# new message met in one pass.
relayed() {
	[ "$(shm_count "$1" relayed)" -gt 0 ] && [ "$(shm_count "$1" dropped)" = 0 ] &&
		[ "$(shm_count "$1" unordered)" = 0 ]
}
both_relayed() { relayed "$A" && relayed "$B"; }
log "stores sent in bursts of several: A $(shm_count "$A" together), B $(shm_count "$B" together)"
ktap_result "every store through a mapped window was relayed as an MSI, none dropped, every pass settled before it sent" both_relayed

ktap_result "unload: ntb_netdev, ntb_transport" transport_down
ktap_result "unload: the loopback, the adapter, ntb.ko" \
	sh -c "rmmod msikit_ntb_loop_ntb && rmmod msikit_ntb_msi && rmmod ntb && rmmod msikit_msi"
ktap_result "edu's IOMMU domains as they were" iommu_restore
ktap_finished
