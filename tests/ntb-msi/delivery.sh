#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Peer interrupts through the loopback NTB, both directions: each side's
# client requests N interrupts and publishes their descriptors, the other
# side triggers each through its outbound window, and the receiving edu's
# own MSI capability sends the write with the receiving function's
# requester ID (VT-d checks it against the IRTE msikit programmed, the ITS
# takes it for the DeviceID). Every write must arrive exactly once at its
# own interrupt, for 1, 8 and half the most the parent holds (one half
# per side, at most 256 to keep TCG time down).
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

W="writer: edu MSI capability, requester ID of the receiving function"
ktap_header
need_ntb_loop
load_ntb
echo 0 > "$B/ntb/setup" || ktap_bail "setup 0 on B failed"

exp=$(expected_parent)
log "$(cat "$B/ntb/info")"
ktap_expect "the peer interrupts' parent is this machine's: ${exp%% *}" "${exp%% *}" \
	"$(info_field "$B" parent)"

# the most A holds, each written once from B
max=0
if echo 1 > "$A/ntb/maxprobe"; then
	set -- $(cat "$A/ntb/maxprobe")
	max=$1
	log "peer interrupts: $1 (parent $(info_field "$B" parent)), own vectors $(info_field "$A" own_vectors); stopped by errno $2 (0: the nm of 2048 was full)"
	ktap_result "most peer interrupts the parent holds: $1" test "$1" -gt 0
	ktap_expect "each of the $1 delivered one write from B exactly once ($W)" "$1" "$3"
else
	ktap_fail "maximum probe: $(cat "$A/ntb/maxprobe")"
fi

# both sides draw on the same parent: half the maximum each, at most 256
big=$((max / 2))
[ $big -gt 256 ] && big=256
sizes="1 8"
[ $big -gt 8 ] && sizes="$sizes $big"
for n in $sizes; do
	if ! echo "$n" > "$A/ntb/setup" || ! echo "$n" > "$B/ntb/setup"; then
		ktap_fail "setup $n on both sides"
		teardown_both
		continue
	fi
	ktap_expect "side A holds $n peer interrupts" "$n" "$(info_field "$A" nr_irqs)"
	ktap_result "B -> A: $n interrupts x 3 writes, each delivered exactly once ($W)" \
		fire_all_ok "$B" "$A" "$n" 3
	ktap_result "A -> B: $n interrupts x 3 writes, each delivered exactly once ($W)" \
		fire_all_ok "$A" "$B" "$n" 3
	[ "$n" = 1 ] && log "descriptor of A's interrupt 0: $(cat "$A/ntb/descs")"
	teardown_both
done
ktap_expect "no write was dropped by a window" "0 0" \
	"$(info_field "$A" dropped) $(info_field "$B" dropped)"
ktap_result "unload" unload_ntb
ktap_finished
