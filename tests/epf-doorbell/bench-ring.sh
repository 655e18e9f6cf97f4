#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench T=epf-doorbell, in one boot, figures only (never a failure
# on a slow one):
#  - the goal, like with like: a doorbell against edu's own PCI MSI on the
#    same ITS, both sent by edu's MSI capability with edu's requester ID
#    (function 1 of msikit-vepc2, whose msi-map gives it DeviceID 8, edu's)
#    and both waited for by spinning on CPU 0 on the counter their handler
#    moves (the function's HANDLED register, the vector's count); 11
#    alternating rounds, the ratio's median and spread, and the goal line
#    (ring cost <= 1.05x the plain MSI);
#  - what the host driver's ring costs (a CPU store, then polling HANDLED
#    through its BAR) against edu's MSI round trip (a raise, then a
#    wake-up): two different paths, for the record, not the goal;
#  - a polled doorbell's ring-to-handled time at the default poll
#    interval, against the MSI doorbell's; how many doorbells one
#    controller's functions held.
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
echo "bench: host_store_ring_vs_edu_raise_wake $(med $ratios) ratio"
echo "bench: host_store_ring_round_min $(lo $ratios) ratio"
echo "bench: host_store_ring_round_max $(hi $ratios) ratio"
ktap_pass "host ring vs edu MSI, $ROUNDS alternating rounds"
msi=$(med $dbs)
unload_epf

# the goal, like with like (see the top): edu has no msikit domain of its
# own here, which would share DeviceID 8 with function 1
unload_msi
modprobe msikit_msi_test bare=1 || ktap_bail "modprobe msikit_msi_test bare=1 failed"
EPC=msikit-vepc2
load_epf doorbells=8 functions=2
set -- $(epf_dirs)
e1=$2
[ -n "$e1" ] || ktap_bail "no function 1 on $EPC"
set -- $(head -1 "$e1/doorbells")
i=$1 bar=$3 off=$4 data=$5 virq=$6
regbar=$(awk '$1 == 1 { print $2 }' "/sys/bus/platform/devices/$EPC/bars" | sort -n | head -1)
addr=$(( $(vepc_bar 1 "$bar") + off ))
counter=$(( $(vepc_bar 1 "$regbar") + 0xc00 + 4 * i ))
# both handlers on CPU 0, with the measuring thread
echo 0 > "/proc/irq/$virq/smp_affinity_list" || ktap_bail "doorbell irq $virq: affinity"
log "function 1 doorbell $i: irq $virq, message $(printf '%#x' $addr)/$data, HANDLED at $(printf '%#x' $counter)"
before=$(awk '{ print $1 }' "$e1/rings_all")
echo "$N $(printf '%x' $addr) ${data#0x} $(printf '%x' $counter)" > "$T/bench_ext" ||
	ktap_bail "bench_ext failed"
set -- $(cat "$T/bench")
ratio=$(awk "BEGIN { printf \"%.3f\", $4 / 1000 }")
echo "bench: edu_msi_to_doorbell_handled $(awk "BEGIN { printf \"%.1f\", $1 / 1000 }") us"
echo "bench: edu_msi_to_plain_vector_handled $(awk "BEGIN { printf \"%.1f\", $2 / 1000 }") us"
echo "bench: ring_cost_round_min $(awk "BEGIN { printf \"%.3f\", $5 / 1000 }") ratio"
echo "bench: ring_cost_round_max $(awk "BEGIN { printf \"%.3f\", $6 / 1000 }") ratio"
bench_goal ring_cost "$ratio" "<=" 1.05 ratio
after=$(awk '{ print $1 }' "$e1/rings_all")
ktap_result "function 1's doorbell $i counted the benchmark's rings ($((after - before)), at least $N)" \
	test $((after - before)) -ge "$N"
ktap_pass "doorbell vs edu's PCI MSI, both sent by edu, $ROUNDS alternating rounds"
unload_epf
rmmod msikit_msi_test
load_msi

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
