#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The inbound window: every descriptor msikit publishes is a 4-aligned
# offset inside it, and its base meets the port's address alignment. A
# port that cannot hold the window msikit plans is refused by msikit
# itself, cleanly, with the errno and the log line of its reason: too
# small a size_max, or an address alignment so coarse that the base
# aligned down needs more (ENOSPC), a non-power-of-two alignment (EINVAL),
# rules that would open the window beyond the interrupt range (EPERM).
# The setup write fails, nothing is requested and the port never sees a
# bad translation. With wide_window=1 a coarse alignment the port's size
# allows is met: the window opens below the interrupt range, says so, and
# delivers. Writer: edu MSI capability, requester ID of the receiving
# function.
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

# setup_refused WHAT ERRNO PATTERN: a setup of A fails with ERRNO (as
# echo spells it), msikit logs one line matching PATTERN (the reason:
# which check refused), and A holds nothing
setup_refused() {
	local n err
	n=$(dmesg | grep -cE "$3")
	if err=$(write_err "$A/ntb/setup" 8); then
		ktap_fail "$1: setup refused"
		echo 1 > "$A/ntb/teardown" 2>/dev/null
		return
	fi
	ktap_expect "$1: setup refused with $2" "$2" "${err##*: }"
	ktap_expect "$1: one log line gives the reason" $((n + 1)) "$(dmesg | grep -cE "$3")"
	ktap_expect "$1: nothing requested" 0 "$(info_field "$A" nr_irqs)"
	echo 1 > "$A/ntb/teardown" 2>/dev/null
}
TOO_BIG='msikit: peer 0: the window must cover'
BAD_RULES='msikit: peer 0: window rules refused'

case "$parent" in
x86-vector|intel-ir) small=4096 ;;	# the window is the 1 MiB at 0xfee00000
*) small=$((size / 2)) ;;
esac
echo "$small" > "$PARAMS/mw_size_max"
setup_refused "mw_size_max $small, below the window of $size" "No space left on device" "$TOO_BIG"
echo 1048576 > "$PARAMS/mw_size_max"

# A base the port's alignment cannot meet does not exist: msikit aligns
# the base down, and pays in window size. So 1 GiB alignment is refused
# for the size that costs (ENOSPC, "must cover"), never with a rules error,
# and taken where the port allows that size.
echo 1073741824 > "$PARAMS/mw_addr_align"
setup_refused "mw_addr_align 0x40000000, mw_size_max 1 MiB: the base aligned down to 1 GiB needs a larger window than the port allows" \
	"No space left on device" "$TOO_BIG"
echo 3000 > "$PARAMS/mw_addr_align"
setup_refused "mw_addr_align 3000, not a power of two" "Invalid argument" \
	"$BAD_RULES: address alignment 0xbb8"
echo 4096 > "$PARAMS/mw_addr_align"
echo 3000 > "$PARAMS/mw_size_align"
setup_refused "mw_size_align 3000, not a power of two" "Invalid argument" \
	"$BAD_RULES: .* size alignment 0xbb8"
echo 4096 > "$PARAMS/mw_size_align"
ktap_expect "msikit refused them itself: the port never saw a bad translation" 0 \
	"$(dmesg | grep -c 'inbound window .* refused')"

echo 0 > "$B/ntb/setup"
# Rules the port's size allows but that open the window beyond the
# interrupt range (below it: the ITS's control frame, the IOAPIC and HPET
# under 0xfee00000; above it; another DMA mapping behind an IOMMU) are
# refused unless wide_window says that nothing a peer reaches there matters.
WIDE_NO='msikit: peer 0: the port.s alignment would open .* beyond the interrupt range'
WIDE='/sys/module/msikit_ntb_msi/parameters/wide_window'
echo 1073741824 > "$PARAMS/mw_size_max"
echo 1073741824 > "$PARAMS/mw_addr_align"
setup_refused "mw_addr_align 0x40000000, mw_size_max 1 GiB: the window would open below the interrupt range" \
	"Operation not permitted" "$WIDE_NO"
echo 4096 > "$PARAMS/mw_addr_align"
p=4096
while [ $p -le $((size)) ]; do p=$((p * 2)); done
echo $p > "$PARAMS/mw_size_align"
setup_refused "mw_size_align $p, more than the range of $size: the window would reach above it" \
	"Operation not permitted" "$WIDE_NO"
echo 4096 > "$PARAMS/mw_size_align"
ktap_expect "msikit refused those itself too: the port never saw a bad translation" 0 \
	"$(dmesg | grep -c 'inbound window .* refused')"

# with wide_window=1, the same 1 GiB alignment: the base meets it (on a
# 1 GiB boundary, below the interrupt range, logged) and the descriptors
# still deliver
below='msikit: wide_window: the windows open'
n=$(dmesg | grep -c "$below")
echo 1 > "$WIDE" || ktap_bail "cannot set wide_window"
echo 1073741824 > "$PARAMS/mw_addr_align"
if echo 8 > "$A/ntb/setup"; then
	gbase=$(info_field "$A" win_base)
	log "1 GiB alignment: $(cat "$A/ntb/info")"
	ktap_result "wide_window=1, mw_addr_align 0x40000000, mw_size_max 1 GiB: window base $gbase on a 1 GiB boundary" \
		test $((gbase % 1073741824)) = 0
	ktap_expect "the window opened below the interrupt range, one log line says so" \
		$((n + 1)) "$(dmesg | grep -c "$below")"
	ktap_result "every offset is 4-aligned and inside the 1 GiB-aligned window" \
		descs_in_window "$A" "$(info_field "$A" win_size)"
	ktap_result "B -> A through the 1 GiB-aligned window: 8 interrupts x 1 write, each delivered exactly once" \
		fire_all_ok "$B" "$A" 8 1
else
	ktap_fail "wide_window=1, mw_addr_align 0x40000000, mw_size_max 1 GiB: setup of 8 on A"
fi
echo 0 > "$WIDE"
echo 1 > "$A/ntb/teardown" 2>/dev/null
echo 4096 > "$PARAMS/mw_addr_align"
echo 1048576 > "$PARAMS/mw_size_max"

ktap_result "defaults restored: setup of 8 works again" sh -c "echo 8 > $A/ntb/setup"
ktap_result "B -> A: 8 interrupts x 1 write, each delivered exactly once (writer: edu MSI capability, requester ID of the receiving function)" \
	fire_all_ok "$B" "$A" 8 1
teardown_both
ktap_result "unload" unload_ntb
ktap_finished
