#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The host driver rings every doorbell of a function with 1, 8 and 64
# doorbells (64: the most a function has; the ITS holds them all): each
# ring is handled exactly once, by its own doorbell, counted per doorbell.
# The host's ring is a CPU store through the doorbell BAR onto the ITS, a
# real LPI; on this machine it carries DeviceID 0, the node's msi-parent.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_vepc
for n in 1 8 64; do
	load_epf doorbells=$n
	e=$(epf_dirs)
	h=$(host_dirs)
	[ -n "$e" ] && [ -n "$h" ] || ktap_bail "$n doorbells: function or host device missing"
	ktap_expect "$n doorbells: published as MSI doorbells on the ITS" \
		"ready generation G msi $n parent gic-its" "$(status_g "$e" 7)"
	ktap_expect "$n doorbells: the host sees all of them" "$n" "$(wc -l < "$h/doorbells")"
	# PCI_COMMAND (offset 4): memory space on, bus mastering off
	ktap_expect "$n doorbells: the host driver enabled memory space, not bus mastering" 2 \
		"$(( 0x$(od -An -tx1 -j4 -N1 "$(readlink -f "$h")/config" | tr -d ' ') & 6 ))"
	ktap_result "$n doorbells: each rung 3 times, each handled exactly 3 times by itself" \
		ring_each "$h" "$e" "$n" 3
	ktap_result "$n doorbells: module unload" unload_epf
done
ktap_finished
