#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The host half on a kernel without PCI_ENDPOINT (Debian amd64): the host
# driver loads and binds what it is told to; the endpoint half is a stub
# that refuses to load with its reason. Bound by new_id to edu, whose
# BAR 0 is no msikit register BAR, it refuses with the magic it read and
# keeps nothing.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
edu=$(grep -l '^0x1234$' /sys/bus/pci/devices/*/vendor 2>/dev/null |
	while read -r f; do d=${f%/vendor}; [ "$(cat "$d/device")" = 0x11e8 ] && basename "$d"; done | head -1)
[ -n "$edu" ] || ktap_skip_all "no edu device"
ktap_result "it loads by itself for the function's default IDs (1234:4d4b)" \
	sh -c "modinfo -F alias msikit_epf_db_host | grep -qx 'pci:v00001234d00004D4Bsv\*sd\*bc\*sc\*i\*'"
ktap_result "the host driver loads" modprobe msikit_epf_db_host
ktap_result "and registers its PCI driver" test -d "$HOSTDRV"
ktap_expect "it binds nothing it was not told to" "" "$(host_dirs)"
if modprobe msikit_epf_db 2>/dev/null; then
	ktap_fail "the endpoint half refuses to load here"
	rmmod msikit_epf_db
else
	ktap_expect "the endpoint half refuses to load, saying why" 1 \
		"$(dmesg | grep -c 'msikit_epf_db.*CONFIG_PCI_ENDPOINT')"
fi
[ -n "$(ls /sys/bus/pci/devices/"$edu"/driver 2>/dev/null)" ] &&
	echo "$edu" > "/sys/bus/pci/devices/$edu/driver/unbind"
# new_id probes every unbound match: edu, once
echo "1234 11e8" > "$HOSTDRV/new_id" 2>/dev/null
ktap_expect "bound to edu by hand, it refuses a BAR without the magic" "" \
	"$(ls "$HOSTDRV" | grep -x "$edu")"
ktap_expect "one line names the magic it read" 1 "$(dmesg | grep -c "$edu.*magic")"
echo "1234 11e8" > "$HOSTDRV/remove_id" 2>/dev/null
ktap_result "the host driver unloads" rmmod msikit_epf_db_host
ktap_finished
