#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench T=ntb-msi: upstream's ntb_transport and ntb_netdev over the
# loopback's memory-mapped windows (transport.sh's setup), with use_msi=1
# (each packet's interrupt a store through the peer's mapped window, by
# msikit's ntb_msi API, relayed as edu's MSI) against its own doorbell
# mode (use_msi=0: each packet rings the peer's doorbell, which the double
# sends through msikit's writer), in alternating rounds of one boot: the
# round-trip time of back-to-back pings and the time B takes to fetch
# 8 MiB from A over TCP. Figures only, as ratios of the two modes: the
# checks are that each round ran in the mode it asked for and every byte
# arrived. What the relay adds (it polls every 50 to 100 us) weighs on
# the MSI mode: README.ntb-loop.
# timeout: 1800
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ROUNDS=3 PINGS=200 MB=8

ktap_header
shm_leg_up
mkdir -p /tmp/ntb-www
dd if=/dev/urandom of=/tmp/ntb-www/blob bs=1048576 count=$MB 2>/dev/null
want=$(sha256sum < /tmp/ntb-www/blob)

RES=/tmp/ntb-bench
# round USE_MSI: one round in that mode, "USE_MSI RTT_US FETCH_US" added
# to RES; fails if the round did not run in its mode or lost bytes
round() {
	local ma mb rtt t0 t1 rc=0
	ma=$(msi_lines "$ABDF") mb=$(msi_lines "$BBDF")
	transport_up "$1"
	httpd_up
	# both sides said so in use_msi mode; neither in doorbell mode
	ma=$(($(msi_lines "$ABDF") - ma)) mb=$(($(msi_lines "$BBDF") - mb))
	case "$1:$ma:$mb" in
	1:0:*|1:*:0|0:[1-9]*|0:*:[1-9]*)
		log "use_msi=$1: the queues said they use MSI interrupts $ma (A) and $mb (B) times"
		rc=1 ;;
	esac
	rtt=$(in_a busybox ping -A -q -c $PINGS 10.97.0.2 |
	      awk -F'[/ =]+' '/round-trip/ { printf "%d", $(NF - 2) * 1000 }')
	[ -n "$rtt" ] || { log "use_msi=$1: ping failed"; rc=1; }
	rm -f /tmp/ntb-rx
	t0=$(now_us)
	in_b timeout 300 busybox wget -q -O /tmp/ntb-rx http://10.97.0.1:8080/blob || rc=1
	t1=$(now_us)
	[ "$(sha256sum < /tmp/ntb-rx)" = "$want" ] || { log "use_msi=$1: the fetch brought other bytes"; rc=1; }
	httpd_down
	transport_down || rc=1
	log "use_msi=$1: ping round trip $rtt us, $MB MiB in $((t1 - t0)) us"
	[ $rc = 0 ] && echo "$1 $rtt $((t1 - t0))" >> $RES
	return $rc
}

: > $RES
r=0
bad=0
while [ $r -lt $ROUNDS ]; do
	for m in 1 0; do
		round $m || bad=$((bad + 1))
	done
	r=$((r + 1))
done
ktap_result "$ROUNDS rounds in each mode, each in its mode, every byte fetched" test "$bad" = 0
# the modes' sums: round trip (smaller is better) and fetch time
awk -v mb=$MB '
	{ rtt[$1] += $2; us[$1] += $3; n[$1]++ }
	END {
		if (!n[0] || !n[1] || !us[0] || !us[1] || !rtt[0])
			exit 1
		printf "bench: ntb-msi transport-msi-vs-doorbell-rtt %.3f ratio (%d rounds each)\n", rtt[1] / rtt[0], n[1]
		printf "bench: ntb-msi transport-msi-vs-doorbell-throughput %.3f ratio\n", us[0] / us[1]
		printf "bench: ntb-msi transport-msi-rtt %d us\n", rtt[1] / n[1]
		printf "bench: ntb-msi transport-doorbell-rtt %d us\n", rtt[0] / n[0]
		printf "bench: ntb-msi transport-msi-throughput %.2f MB/s\n", mb * n[1] * 1048576 / us[1]
		printf "bench: ntb-msi transport-doorbell-throughput %.2f MB/s\n", mb * n[0] * 1048576 / us[0]
	}' $RES || ktap_fail "no figures from $(wc -l < $RES) rounds"
ktap_result "unload: the loopback, the adapter, ntb.ko" \
	sh -c "rmmod msikit_ntb_loop_ntb && rmmod msikit_ntb_msi && rmmod ntb && rmmod msikit_msi"
ktap_result "edu's IOMMU domains as they were" iommu_restore
ktap_finished
