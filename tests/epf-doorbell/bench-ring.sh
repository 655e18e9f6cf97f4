#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench T=epf-doorbell: what a host ring costs until the endpoint's
# handler has counted it, against edu's own PCI MSI on the same ITS, both
# raised by a CPU store and waited for in one boot (11 alternating rounds;
# the ratio's median and spread); a polled doorbell's ring-to-handled time
# at the default poll interval, against the MSI doorbell's; and how many
# doorbells one controller's functions held. Figures only, never a failure
# on a slow one.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../msi-lib/lib.sh"

ROUNDS=11
MS=${BENCH_MS:-300}		# host ring_loop per round
N=${BENCH_N:-3000}		# edu round trips per round

# ns per host ring, from a ring_loop of $MS ms on doorbell 0
ring_ns() {
	echo "0 $MS" > "$1/ring_loop" || return 1
	set -- $(cat "$1/loop_stats")
	[ "$2" -gt 0 ] && [ "$8" = 0 ] || return 1
	echo $(( MS * 1000000 / $2 ))
}

ktap_header
need_vepc
need_edu
load_msi
load_epf doorbells=8
h=$(host_dirs)
[ -n "$h" ] || ktap_bail "no host device"
r=0 ratios="" dbs="" edus=""
while [ $r -lt $ROUNDS ]; do
	db=$(ring_ns "$h") || ktap_bail "ring_loop failed: $(cat "$h/loop_stats")"
	echo "$N 1" > "$T/bench" || ktap_bail "edu bench failed"
	set -- $(cat "$T/bench")
	edu=$2
	dbs="$dbs $db" edus="$edus $edu"
	ratios="$ratios $(awk "BEGIN { printf \"%.3f\", $db / $edu }")"
	r=$((r + 1))
done
med() { echo "$@" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
lo() { echo "$@" | tr ' ' '\n' | grep . | sort -n | head -1; }
hi() { echo "$@" | tr ' ' '\n' | grep . | sort -n | tail -1; }
echo "bench: ring_to_handled_msi_doorbell $(awk "BEGIN { printf \"%.1f\", $(med $dbs) / 1000 }") us"
echo "bench: ring_to_handled_edu_plain_msi $(awk "BEGIN { printf \"%.1f\", $(med $edus) / 1000 }") us"
echo "bench: ring_ratio_doorbell_vs_edu_msi $(med $ratios) ratio"
echo "bench: ring_ratio_round_min $(lo $ratios) ratio"
echo "bench: ring_ratio_round_max $(hi $ratios) ratio"
ktap_pass "host ring vs edu MSI, $ROUNDS alternating rounds"
msi=$(med $dbs)
unload_epf

# the polled fallback, on the node without an MSI parent, default poll_us
EPC=msikit-vepc1
load_epf doorbells=8
h=$(host_dirs)
pl=$(ring_ns "$h") || ktap_bail "polled ring_loop failed"
echo "bench: ring_to_handled_polled_default_poll $(awk "BEGIN { printf \"%.1f\", $pl / 1000 }") us"
echo "bench: ring_ratio_polled_vs_msi_doorbell $(awk "BEGIN { printf \"%.1f\", $pl / $msi }") ratio"
ktap_pass "polled doorbell at the default poll interval"
unload_epf

# the most doorbells one controller's functions held at once
EPC=msikit-vepc0
modprobe msikit_vepc max_functions=8 && modprobe msikit_epf_db_host &&
	modprobe msikit_epf_db epc=$EPC doorbells=64 functions=8 || ktap_bail "64 doorbells x 8 functions failed to load"
n=0
for e in $(epf_dirs); do
	set -- $(cat "$e/status")
	[ "$1" = ready ] && [ "$4" = msi ] && n=$((n + $5))
done
echo "bench: msi_doorbells_one_controller_$(epf_dirs | wc -l)_functions $n doorbells"
[ "$n" -gt 0 ] && ktap_pass "doorbells per controller" || ktap_fail "doorbells per controller"
unload_epf
unload_msi
ktap_finished
