#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An endpoint controller described as upstream's endpoint MSI code and
# real boards describe it: "msi-map" and no "msi-parent" (msikit-vepc2 in
# arm64-its.dtsi). The kernel gives such a platform device no MSI domain;
# msikit finds the ITS through the map and gives each function the
# DeviceID the map has for its requester ID. A write that carries one
# function's requester ID then reaches that function's doorbells and
# nothing of the other's, whatever data it carries.
#
# The map: function 0 -> DeviceID 0, which a CPU store carries in QEMU
# (the host driver's rings) and edu's DMA engine (a bus-master write that
# QEMU sends without a requester ID; msikit_msi_test's "dma_send"), and
# function 1 -> DeviceID 8, which edu carries on its own MSI writes (edu
# is 00:01.0; msikit_msi_test's "send").
EPC=msikit-vepc2
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../msi-lib/lib.sh"

N=4

# edu_ring_each H E OTHER F [HOW]: for each doorbell of host device H (function
# F), edu sends its data to its address: function E counts it once on that
# doorbell and nothing else, and function OTHER counts nothing
edu_ring_each() {
	local h=$1 e=$2 o=$3 f=$4 how=${5:-send} i kind bar off data base before other want
	while read -r i kind bar off data; do
		base=$(vepc_bar "$f" "$bar")
		[ -n "$base" ] || { log "doorbell $i: BAR $bar is not set"; return 1; }
		before=$(cat "$e/rings_all") other=$(cat "$o/rings_all")
		echo "$(printf '%x' $((base + off))) ${data#0x}" > "$T/$how" || return 1
		want=$(echo "$before" | awk -v n="$i" '{ $(n + 1) += 1; print }')
		wait_value "$e/rings_all" "$want" || { log "doorbell $i: edu's write"; return 1; }
		[ "$(cat "$o/rings_all")" = "$other" ] ||
			{ log "doorbell $i: the other function counted: $other -> $(cat "$o/rings_all")"; return 1; }
	done <<TABLE
$(cat "$h/doorbells")
TABLE
}

# edu_send ADDRESS DATA: edu sends it once as its MSI (requester ID 8)
edu_send() {
	echo "$(printf '%x %x' "$1" "$2")" > "$T/send"
}

# cross F H E [WRITER]: each doorbell's data of host device H (function E),
# written at the same offset of function F's doorbell BAR by WRITER (poke:
# a CPU store, DeviceID 0; edu_send: edu's MSI, DeviceID 8): function E
# counts none of them
cross() {
	local e=$3 before
	before=$(cat "$e/rings_all")
	ring_table "$(cat "$2/doorbells")" "$1" "${4:-poke}" || return 1
	sleep 0.2
	[ "$(cat "$e/rings_all")" = "$before" ] && return 0
	log "function of $2 counted writes that carried another requester ID: $before -> $(cat "$e/rings_all")"
	return 1
}

ktap_header
need_vepc
need_edu
# bare: edu writes, but has no msikit domain of its own, which would share
# DeviceID 8 with function 1
rmmod msikit_msi_test 2>/dev/null
modprobe msikit_msi_test bare=1 || ktap_bail "modprobe msikit_msi_test bare=1 failed"
[ -e "$T/send" ] || ktap_bail "msikit_msi_test did not bind $EDU"
l0=$(log_mark)
load_epf doorbells=$N functions=2
set -- $(epf_dirs)
e0=$1 e1=$2
set -- $(host_dirs)
h0=$1 h1=$2
[ -n "$e1" ] && [ -n "$h1" ] || ktap_bail "two functions and two host devices expected"
ktap_expect "function 0: MSI doorbells through msi-map" "ready generation G msi $N parent gic-its" \
	"$(status_g "$e0" 7)"
ktap_expect "function 1: MSI doorbells through msi-map" "ready generation G msi $N parent gic-its" \
	"$(status_g "$e1" 7)"
ktap_expect "function 0: DeviceID 0, its own" "0x0 own" "$(cat "$e0/deviceid")"
ktap_expect "function 1: DeviceID 8, its own" "0x8 own" "$(cat "$e1/deviceid")"
ktap_expect "no polled fallback or refusal was logged" 0 \
	"$(log_since "$l0" | grep -c -e 'doorbells are polled' -e 'no MSI parent')"
ktap_result "function 0: each doorbell rung by the host (DeviceID 0) counts once, on itself" \
	ring_each "$h0" "$e0" $N 2
ktap_expect "function 1 counted none of function 0's rings" "0 0 0 0" "$(cat "$e1/rings_all")"
ktap_result "function 0: each doorbell rung by edu's DMA engine (a bus-master write, DeviceID 0) counts once, on itself; function 1 nothing" \
	edu_ring_each "$h0" "$e0" "$e1" 0 dma_send
ktap_result "function 1: each doorbell rung by edu's MSI (DeviceID 8) counts once, on itself; function 0 nothing" \
	edu_ring_each "$h1" "$e1" "$e0" 1
ktap_result "function 1's doorbells written with function 0's requester ID: function 1 counts none" \
	cross 0 "$h1" "$e1"
ktap_result "function 0's doorbells written with function 1's requester ID (edu): function 0 counts none" \
	cross 1 "$h0" "$e0" edu_send
ktap_result "module unload" unload_epf
rmmod msikit_msi_test
ktap_finished
