#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench T=ntb-msi: upstream's ntb_transport and ntb_netdev over the
# loopback's memory-mapped windows (transport.sh's setup), in three modes
# taken in alternating rounds of one boot, each the round-trip time of
# back-to-back pings and the time B takes to fetch 8 MiB from A over TCP:
#   msi	use_msi=1, the double's relay=N: each packet's interrupt is
#	msikit's ntb_msi API writing the peer's descriptor, which the
#	double forwards at once as edu's MSI;
#   db	use_msi=0: each packet rings the peer's doorbell, which the
#	double sends the same way (through msikit's own trigger);
#   relay	use_msi=1, relay=Y: the interrupt is a store through the
#	peer's mapped window, which a polling thread of the double finds
#	(every 50 to 100 us, a scan of the whole window) and sends.
# msi against db is the like-with-like figure: both reach the peer by the
# same forwarder, so it weighs ntb_transport's MSI mode against its
# doorbell mode and nothing of the double. relay shows what a store
# through a mapping costs on this double, which is the relay's polling,
# not a bridge's (README.ntb-loop). The checks: each round ran in its mode
# (its queues said whether they use MSI; the relay sent stores in relay
# rounds and none in the others) and every byte arrived.
# timeout: 1800
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ROUNDS=3 PINGS=200 MB=8

ktap_header
# the first round's first mode is msi: the double starts with relay=0
shm_leg_up relay=0
RELAY=0
mkdir -p /tmp/ntb-www
dd if=/dev/urandom of=/tmp/ntb-www/blob bs=1048576 count=$MB 2>/dev/null
want=$(sha256sum < /tmp/ntb-www/blob)

RES=/tmp/ntb-bench
# relay_count SIDE: the stores the double's relay sent as MSIs there
relay_count() { local n; n=$(shm_count "$1" relayed); echo "${n:-0}"; }

# round MODE: one round in that mode, "MODE RTT_US FETCH_US" added to
# RES; fails if the round did not run in its mode or lost bytes
round() {
	local use_msi=1 relay=0 ma mb ra rb rtt t0 t1 rc=0
	case $1 in
	db) use_msi=0 ;;
	relay) relay=1 ;;
	esac
	# the double's writer is chosen when it binds: reload it to change
	if [ "$use_msi" = 1 ] && [ "$relay" != "$RELAY" ]; then
		rmmod msikit_ntb_loop_ntb || ktap_bail "rmmod msikit_ntb_loop_ntb failed"
		load_shm_double relay=$relay
		RELAY=$relay
	fi
	ma=$(msi_lines "$ABDF") mb=$(msi_lines "$BBDF")
	ra=$(relay_count "$A") rb=$(relay_count "$B")
	transport_up "$use_msi"
	httpd_up
	# both sides said so in use_msi mode; neither in doorbell mode
	ma=$(($(msi_lines "$ABDF") - ma)) mb=$(($(msi_lines "$BBDF") - mb))
	case "$use_msi:$ma:$mb" in
	1:0:*|1:*:0|0:[1-9]*|0:*:[1-9]*)
		log "$1: the queues said they use MSI interrupts $ma (A) and $mb (B) times"
		rc=1 ;;
	esac
	rtt=$(in_a busybox ping -A -q -c $PINGS 10.97.0.2 |
	      awk -F'[/ =]+' '/round-trip/ { printf "%d", $(NF - 2) * 1000 }')
	[ -n "$rtt" ] || { log "$1: ping failed"; rc=1; }
	rm -f /tmp/ntb-rx
	t0=$(now_us)
	in_b timeout 300 busybox wget -q -O /tmp/ntb-rx http://10.97.0.1:8080/blob || rc=1
	t1=$(now_us)
	[ "$(sha256sum < /tmp/ntb-rx)" = "$want" ] || { log "$1: the fetch brought other bytes"; rc=1; }
	httpd_down
	transport_down || rc=1
	# the relay carried every interrupt of a relay round, none of another
	ra=$(($(relay_count "$A") - ra)) rb=$(($(relay_count "$B") - rb))
	case "$1:$ra:$rb" in
	relay:0:*|relay:*:0|msi:[1-9]*|msi:*:[1-9]*|db:[1-9]*|db:*:[1-9]*)
		log "$1: the relay sent $ra (A) and $rb (B) stores"
		rc=1 ;;
	esac
	log "$1: ping round trip $rtt us, $MB MiB in $((t1 - t0)) us, relayed $ra and $rb"
	[ $rc = 0 ] && echo "$1 $rtt $((t1 - t0))" >> $RES
	return $rc
}

: > $RES
r=0
bad=0
while [ $r -lt $ROUNDS ]; do
	# each mode goes first in turn, so the emulator's drift lands on all
	case $((r % 3)) in
	0) modes="msi db relay" ;;
	1) modes="db relay msi" ;;
	*) modes="relay msi db" ;;
	esac
	for m in $modes; do
		round $m || bad=$((bad + 1))
	done
	r=$((r + 1))
done
ktap_result "$ROUNDS rounds in each mode, each in its mode, every byte fetched" test "$bad" = 0
# each mode's mean round trip (smaller is better) and fetch time: a mode
# whose round failed has fewer rounds, so means, not sums, are compared
awk -v mb=$MB '
	{ rtt[$1] += $2; us[$1] += $3; n[$1]++ }
	END {
		if (!n["msi"] || !n["db"] || !n["relay"] || !us["msi"] || !us["db"] ||
		    !us["relay"] || !rtt["db"])
			exit 1
		for (m in n) {
			rtt[m] /= n[m]
			us[m] /= n[m]
		}
		printf "bench: ntb-msi transport-msi-vs-doorbell-rtt %.3f ratio (%d and %d rounds, both forwarded at once)\n", rtt["msi"] / rtt["db"], n["msi"], n["db"]
		printf "bench: ntb-msi transport-msi-vs-doorbell-throughput %.3f ratio\n", us["db"] / us["msi"]
		printf "bench: ntb-msi transport-relayed-vs-doorbell-rtt %.3f ratio (%d rounds, the store found by the double'"'"'s polling relay)\n", rtt["relay"] / rtt["db"], n["relay"]
		printf "bench: ntb-msi transport-relayed-vs-doorbell-throughput %.3f ratio\n", us["db"] / us["relay"]
		printf "bench: ntb-msi transport-msi-rtt %d us\n", rtt["msi"]
		printf "bench: ntb-msi transport-doorbell-rtt %d us\n", rtt["db"]
		printf "bench: ntb-msi transport-relayed-rtt %d us\n", rtt["relay"]
		printf "bench: ntb-msi transport-msi-throughput %.2f MB/s\n", mb * 1048576 / us["msi"]
		printf "bench: ntb-msi transport-doorbell-throughput %.2f MB/s\n", mb * 1048576 / us["db"]
		printf "bench: ntb-msi transport-relayed-throughput %.2f MB/s\n", mb * 1048576 / us["relay"]
	}' $RES || ktap_fail "no figures from $(wc -l < $RES) rounds"
ktap_result "unload: the loopback, the adapter, ntb.ko" \
	sh -c "rmmod msikit_ntb_loop_ntb && rmmod msikit_ntb_msi && rmmod ntb && rmmod msikit_msi"
ktap_result "edu's IOMMU domains as they were" iommu_restore
ktap_finished
