#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Controllers whose BARs are not all programmable, as real ones describe
# theirs (msikit-vepc3..5 in arm64-its.dtsi):
#  - 64-bit-only BARs 0 and 2, BAR 2 fixed at 4 KiB: the register BAR
#    takes BARs 0-1, the doorbell BAR is BAR 2 (and 3), 64-bit at its
#    fixed size, and it targets the message the ITS composed
#    (GITS_TRANSLATER, 0x08090040 here);
#  - a fixed 1 MiB doorbell BAR, which would expose more than the ITS's
#    64 KiB translation frame: polled doorbells, one line says why;
#  - a controller that refuses the doorbell BAR it offered: polled, one
#    line says why, and the bind does not fail.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

TRANSLATER=0x08090040

# polled_because EPC WHY: on EPC the function's doorbells are polled, one
# line says WHY, and every doorbell rung once is handled once by itself
polled_because() {
	local l0 e h
	EPC=$1
	need_vepc
	l0=$(log_mark)
	load_epf doorbells=4
	e=$(epf_dirs)
	h=$(host_dirs)
	[ -n "$e" ] && [ -n "$h" ] || { log "$1: function or host device missing"; return 1; }
	ktap_expect "$1: polled doorbells" "ready generation G polled 4" "$(status_g "$e" 5)"
	ktap_expect "$1: one line says why" 1 \
		"$(log_since "$l0" | grep -c "doorbells are polled: .*$2")"
	ktap_result "$1: each doorbell rung once, handled once by itself" ring_each "$h" "$e" 4 1
	ktap_result "$1: module unload" unload_epf
}

# at_translater H: how many of host device H's doorbells lie at BAR 2 +
# offset == GITS_TRANSLATER
at_translater() {
	local i kind bar off data base n=0
	base=$(vepc_bar 0 2)
	while read -r i kind bar off data; do
		[ "$bar" = 2 ] && [ $((base + off)) = $((TRANSLATER)) ] && n=$((n + 1))
	done <<TABLE
$(cat "$1/doorbells")
TABLE
	echo $n
}

ktap_header
EPC=msikit-vepc3
need_vepc
load_epf doorbells=8
e=$(epf_dirs)
h=$(host_dirs)
[ -n "$e" ] && [ -n "$h" ] || ktap_bail "function or host device missing"
ktap_expect "64-bit BARs 0 and 2, fixed BAR 2: MSI doorbells" "ready generation G msi 8" "$(status_g "$e" 5)"
ktap_expect "the register BAR is BAR 0, 64-bit, 4 KiB" "0x1000 0x4" \
	"$(awk '$1 == 0 && $2 == 0 { print $4, $5 }' "/sys/bus/platform/devices/$EPC/bars")"
ktap_expect "the doorbell BAR is BAR 2, 64-bit, at its fixed 4 KiB" "0x1000 0x4" \
	"$(awk '$1 == 0 && $2 == 2 { print $4, $5 }' "/sys/bus/platform/devices/$EPC/bars")"
ktap_expect "every doorbell is in BAR 2" 8 "$(awk '$3 == 2' "$h/doorbells" | wc -l)"
ktap_expect "BAR 2 plus each doorbell's offset is the message the ITS composed" 8 "$(at_translater "$h")"
ktap_result "each doorbell rung 2 times, handled 2 times by itself" ring_each "$h" "$e" 8 2
ktap_result "module unload" unload_epf
polled_because msikit-vepc4 "would reach past the MSI doorbell frame"
polled_because msikit-vepc5 "refused the doorbell BAR"
ktap_finished
