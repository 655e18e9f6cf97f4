#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench T=msi-lib: what an msikit interrupt costs against a plain PCI
# MSI vector on the same parent, triggered the same way (an edu raise) in
# one boot; allocate+free against pci_msix_alloc_irq_at() on an unbound
# e1000e; and the stress writer's rate. Figures only, never a failure on
# a slow one.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

# round trips per side, in 11 alternating rounds; allocate+free cycles
N=${BENCH_N:-110000}
A=${BENCH_ALLOC_N:-10000}
ktap_header
need_edu
load_msi
p=$(cut -d' ' -f1 "$T/parent")

if echo "$N $A" > "$T/bench"; then
	set -- $(cat "$T/bench")
	echo "bench: msi_deliver_msikit_$p $(( $1 / 1000 )).$(( $1 % 1000 / 100 )) us"
	echo "bench: msi_deliver_plain_$p $(( $2 / 1000 )).$(( $2 % 1000 / 100 )) us"
	echo "bench: msi_deliver_ratio_msikit_vs_plain_$p $(awk "BEGIN { printf \"%.2f\", $4 / 1000 }") ratio"
	echo "bench: msi_deliver_ratio_round_min_$p $(awk "BEGIN { printf \"%.2f\", $5 / 1000 }") ratio"
	echo "bench: msi_deliver_ratio_round_max_$p $(awk "BEGIN { printf \"%.2f\", $6 / 1000 }") ratio"
	echo "bench: msi_alloc_free_msikit_$p $(( $3 / 1000 )).$(( $3 % 1000 / 100 )) us"
	alloc=$3
	ktap_pass "delivery figures (median of $7 alternating rounds, $N round trips each side), allocation ($A)"
else
	ktap_fail "bench run"
fi

e1000e=$(pci_bdfs 0x8086:0x10d3 | tail -1)
e1000e=${e1000e:+/sys/bus/pci/devices/$e1000e}
if [ -n "$e1000e" ] && [ -e "$e1000e/msix_bench" ]; then
	if echo "$A" > "$e1000e/msix_bench"; then
		m=$(cat "$e1000e/msix_bench")
		echo "bench: msi_alloc_free_msix_dyn_$p $(( m / 1000 )).$(( m % 1000 / 100 )) us"
		[ -n "${alloc:-}" ] &&
			echo "bench: msi_alloc_free_ratio_msikit_vs_msix_dyn_$p $(awk "BEGIN { printf \"%.2f\", $alloc / $m }") ratio"
		ktap_pass "pci_msix_alloc_irq_at reference"
	else
		ktap_skip "pci_msix_alloc_irq_at reference" "dynamic MSI-X not supported here"
	fi
else
	ktap_skip "pci_msix_alloc_irq_at reference" "no unbound e1000e"
fi

echo 8 > "$T/alloc" && echo "0 1" > "$T/fire"
if echo "100000 1000" > "$T/stress"; then
	set -- $(cat "$T/stress_result")
	echo "bench: stress_writer_rate_$p $(( $2 * 1000000000 / ${16} )) writes/s"
	ktap_pass "stress writer rate"
else
	ktap_fail "stress run: $(cat "$T/stress_result")"
fi
echo 1 > "$T/free_all"
unload_msi
ktap_finished
