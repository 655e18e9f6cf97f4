#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The inbound window: every descriptor msikit publishes is a 4-aligned
# offset inside it, and its base meets the port's address alignment. A
# port that cannot hold the window msikit plans (size_max too small, an
# address alignment the base cannot meet, a non-power-of-two alignment)
# is refused by msikit itself, cleanly: the setup write fails, nothing is
# requested and the port never sees a bad translation. Writer of the
# final check: edu MSI capability, requester ID of the receiving function.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_ntb_loop
load_ntb
echo 0 > "$B/ntb/setup" || ktap_bail "setup 0 on B failed"
echo 8 > "$A/ntb/setup" || ktap_bail "setup 8 on A failed"
log "$(cat "$A/ntb/info")"
base=$(info_field "$A" win_base) size=$(info_field "$A" win_size)
parent=$(info_field "$A" parent)
align=$(cat "$PARAMS/mw_addr_align")
[ -n "$base" ] && [ -n "$size" ] && [ $((size)) -gt 0 ] || ktap_bail "no window in A's info"

# descs_in_window SIDE SIZE: each published offset is below SIZE, 4-aligned
descs_in_window() {
	local i off data
	while read -r i off data; do
		[ $((off)) -lt $(($2)) ] && [ $((off % 4)) = 0 ] ||
			{ log "descriptor $i: offset $off, data $data"; return 1; }
	done < "$1/ntb/descs"
}
ktap_expect "8 descriptors published" 8 "$(wc -l < "$A/ntb/descs")"
ktap_result "every offset is 4-aligned and inside the window of $size bytes" \
	descs_in_window "$A" "$size"
ktap_result "window base $base is aligned to mw_addr_align $align" test $((base % align)) = 0
teardown_both

# setup_refused WHAT: a setup of A fails and A holds nothing
setup_refused() {
	ktap_result "$1: setup refused" refused "$A/ntb/setup" 8
	ktap_expect "$1: nothing requested" 0 "$(info_field "$A" nr_irqs)"
	echo 1 > "$A/ntb/teardown" 2>/dev/null
}

case "$parent" in
x86-vector|intel-ir) small=4096 ;;	# the window is the 1 MiB at 0xfee00000
*) small=$((size / 2)) ;;
esac
echo "$small" > "$PARAMS/mw_size_max"
setup_refused "mw_size_max $small, below the window of $size"
echo 1048576 > "$PARAMS/mw_size_max"

echo 1073741824 > "$PARAMS/mw_addr_align"
setup_refused "mw_addr_align 0x40000000, which the window base cannot meet"
echo 3000 > "$PARAMS/mw_addr_align"
setup_refused "mw_addr_align 3000, not a power of two"
echo 4096 > "$PARAMS/mw_addr_align"
echo 3000 > "$PARAMS/mw_size_align"
setup_refused "mw_size_align 3000, not a power of two"
echo 4096 > "$PARAMS/mw_size_align"
ktap_expect "msikit refused them itself: the port never saw a bad translation" 0 \
	"$(dmesg | grep -c 'inbound window .* refused')"

echo 0 > "$B/ntb/setup"
ktap_result "defaults restored: setup of 8 works again" sh -c "echo 8 > $A/ntb/setup"
ktap_result "B -> A: 8 interrupts x 1 write, each delivered exactly once (writer: edu MSI capability, requester ID of the receiving function)" \
	fire_all_ok "$B" "$A" 8 1
teardown_both
ktap_result "unload" unload_ntb
ktap_finished
