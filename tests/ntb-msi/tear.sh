#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Descriptors that cannot tear. Upstream's ntb_transport sends a
# descriptor in two scratchpads: it zeroes both, writes the offset, then
# the data, and its peer reads them one at a time, so the peer can hold
# the offset of one descriptor with the data of another: on the x86 vector
# parent the old vector on the new CPU, a misrouted interrupt. Here A's
# channel behaves like that (msikit_ntb_loop tear_us: each half written
# and read 20 us apart) while B writes A's 8 interrupts in turn and a
# thread moves them. Descriptors that can change are sealed: B's trigger
# refuses a mix (EBADMSG) or a zeroed half (ENODATA), B reads the channel
# again and sends, and each interrupt counts exactly its own writes.
# Immutable parents publish plain descriptors that never change; the
# pinned IMSIC seals but refuses the moves. Writer: edu MSI capability,
# requester ID of A.
# timeout: 600
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

case "${MSIKIT_SCALE:-ci}" in
soak) WRITES=200000 CHANGES=20000 ;;
*) WRITES=8000 CHANGES=800 ;;
esac

ktap_header
need_ntb_loop
setup_eight tear_us=20
case $kind in
immutable) want=plain ;;
*) want=sealed ;;
esac
[ $kind = mutable ] || { WRITES=1000 CHANGES=100; }

# formats_are SIDE FORMAT: every descriptor SIDE published decodes and has FORMAT
formats_are() {
	local bad
	bad=$(awk -v f="$2" '$4 != f' "$1/ntb/descs")
	[ -z "$bad" ] || { log "descriptors not $2: $bad"; return 1; }
}
ktap_expect "8 descriptors published" 8 "$(wc -l < "$A/ntb/descs")"
ktap_result "$p ($kind): every descriptor is $want" formats_are "$A" $want

run_stress ", two-scratchpad channel" "; channel torn 20 us apart"
set -- $res
case $kind in
mutable)
	ktap_result "$p: descriptors republished through the torn channel: ${14}" \
		test "${14}" -gt 0
	# a run in which nothing tore proves nothing about the seal
	ktap_result "$p: B held halves of two descriptors ${22} times, each refused (EBADMSG) and read again" \
		test "${22}" -gt 0
	ktap_result "$p: msikit said why it refused a torn descriptor" \
		sh -c "dmesg | grep -q 'fails its seal'"
	log "reads of a zeroed half (ENODATA), read again: ${24}"
	;;
*)
	ktap_expect "$p ($kind): no descriptor changed, none republished" 0 "${14}"
	ktap_expect "$p ($kind): nothing tore" "0 0" "${22} ${24}"
	;;
esac
ktap_result "every descriptor still decodes and is $want" formats_are "$A" $want
teardown_both
ktap_result "unload" unload_ntb
ktap_finished
