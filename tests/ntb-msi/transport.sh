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
need_ntb_loop
need_ntb_leg
need_ntb_shm
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
insmod "$D/ko/msikit_ntb_msi.ko" || ktap_bail "insmod msikit_ntb_msi.ko (adapter, ntb_msi API) failed"
insmod "$D/ko/msikit_ntb_loop_ntb.ko" shm=1 || ktap_bail "insmod msikit_ntb_loop_ntb.ko shm=1 failed"
ktap_result "both sides have memory-mapped windows in the shared memory" \
	sh -c "grep -q '^inbound' $A/shm && grep -q '^inbound' $B/shm"
log "A: $(cat "$A/shm")"
log "B: $(cat "$B/shm")"

# --- bytes through the windows: upstream's ntb_tool ---
insmod "$D/ko/ntb_tool.ko" || ktap_bail "insmod ntb_tool failed"
TA=/sys/kernel/debug/ntb_tool/$ABDF/peer0 TB=/sys/kernel/debug/ntb_tool/$BBDF/peer0
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
ktap_result "ntb_tool: 64 KiB A -> B through window 0, read back from B's buffer" bytes_through "$TA" "$TB" 0
ktap_result "ntb_tool: 64 KiB B -> A through window 0" bytes_through "$TB" "$TA" 0
ktap_result "ntb_tool: 64 KiB A -> B through window 1" bytes_through "$TA" "$TB" 1
rmmod ntb_tool || ktap_bail "rmmod ntb_tool failed"
ktap_result "ntb_tool's buffers went back to the pool" \
	sh -c "grep -q 'slices 0 ' $A/shm && grep -q 'slices 0 ' $B/shm"

# --- ntb_transport with use_msi=1, ntb_netdev over it ---
msi_lines() { dmesg | grep -c "Using MSI interrupts for QP0"; }
m0=$(msi_lines)
insmod "$D/ko/ntb_transport.ko" use_msi=1 || ktap_bail "insmod ntb_transport use_msi=1 failed"
insmod "$D/ko/ntb_netdev.ko" || ktap_bail "insmod ntb_netdev failed"
msi_both() { [ $(($(msi_lines) - m0)) -ge 2 ]; }
ktap_result "ntb_transport on both sides uses MSI interrupts for QP0 (its doorbells only republish)" \
	wait_for 20 msi_both
# the network interface of the side whose edu is $1
netdev_of() {
	local n
	for n in /sys/class/net/*; do
		case "$(readlink -f "$n/device")" in */"$1"/*) basename "$n"; return ;; esac
	done
}
IA=$(netdev_of "$ABDF") IB=$(netdev_of "$BBDF")
[ -n "$IA" ] && [ -n "$IB" ] || ktap_bail "no ntb_netdev interface for A ('$IA') or B ('$IB')"
log "interfaces: A $IA, B $IB"
# a network namespace per side, held by a sleeping process
unshare -n sleep 600 & NA=$!
unshare -n sleep 600 & NB=$!
sleep 0.5
in_a() { nsenter -t $NA -n "$@"; }
in_b() { nsenter -t $NB -n "$@"; }
busybox ip link set dev "$IA" netns $NA && busybox ip link set dev "$IB" netns $NB ||
	ktap_bail "cannot move the interfaces into their namespaces"
in_a busybox ip addr add 10.97.0.1/24 dev "$IA" && in_a busybox ip link set "$IA" up &&
	in_b busybox ip addr add 10.97.0.2/24 dev "$IB" && in_b busybox ip link set "$IB" up ||
	ktap_bail "cannot configure the interfaces"
carrier() { [ "$(in_a cat /sys/class/net/"$IA"/carrier)" = 1 ] && [ "$(in_b cat /sys/class/net/"$IB"/carrier)" = 1 ]; }
ktap_result "both interfaces have a carrier (ntb_transport's queue link is up)" wait_for 20 carrier

# the interrupts ntb_transport requested, counted per interrupt
tp_irqs() { awk '$NF == "ntb_transport" { sub(":", "", $1); print $1 }' /proc/interrupts; }
irq_total() { awk -v i="$1" '$1 == i ":" { s = 0; for (c = 2; c <= NF; c++) if ($c ~ /^[0-9]+$/) s += $c; print s }' /proc/interrupts; }
IRQS=$(tp_irqs)
[ "$(echo $IRQS | wc -w)" = 2 ] || ktap_bail "ntb_transport's interrupts: '$IRQS', not one per side"
for i in $IRQS; do eval "c0_$i=\$(irq_total $i)"; done
ktap_result "ping A -> B, 5 of 5" in_a busybox ping -c 5 -W 3 10.97.0.2
ktap_result "ping B -> A, 5 of 5" in_b busybox ping -c 5 -W 3 10.97.0.1

# a TCP transfer while the peer interrupts move between the CPUs
churn() {
	local n=0 i
	while [ -e /tmp/ntb-churn ]; do
		for i in $IRQS; do echo $((1 << (n % 2))) > /proc/irq/$i/smp_affinity 2>/dev/null; done
		n=$((n + 1))
		sleep 0.2
	done
	echo $n > /tmp/ntb-churn-n
}
dd if=/dev/urandom of=/tmp/ntb-tx bs=65536 count=32 2>/dev/null
rm -f /tmp/ntb-rx
in_b timeout 120 busybox nc -l -p 5201 > /tmp/ntb-rx & SRV=$!
sleep 1
touch /tmp/ntb-churn
churn &
t0=$(date +%s)
in_a timeout 120 busybox nc 10.97.0.2 5201 < /tmp/ntb-tx
wait $SRV
t1=$(date +%s)
rm -f /tmp/ntb-churn
wait
ktap_expect "TCP A -> B, 2 MiB: the checksum matches (affinity rewritten $(cat /tmp/ntb-churn-n) times, $((t1 - t0)) s)" \
	"$(sha256sum < /tmp/ntb-tx)" "$(sha256sum < /tmp/ntb-rx 2>/dev/null)"
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
relayed() { set -- $(cat "$1/shm"); [ "$7" -gt 0 ] && [ "$9" = 0 ]; }
both_relayed() { relayed "$A" && relayed "$B"; }
ktap_result "every store through a mapped window was relayed as an MSI, none dropped" both_relayed

kill $NA $NB 2>/dev/null
wait 2>/dev/null
ktap_result "unload: ntb_netdev, ntb_transport, the loopback, the adapter, ntb.ko" \
	sh -c "rmmod ntb_netdev && rmmod ntb_transport && rmmod msikit_ntb_loop_ntb && rmmod msikit_ntb_msi && rmmod ntb && rmmod msikit_msi"
ktap_finished
