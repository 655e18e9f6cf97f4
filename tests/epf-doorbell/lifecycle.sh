#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bind/unbind through the epc parameter and module unload/load, 40 times
# each (1000 in make soak), every time with the host ringing every
# doorbell when it goes:
# no splat (the runner checks), no hang, and nothing left behind: no
# interrupt, no iomem window, no PCI device, and msikit_msi unused.
# timeout: 500
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

EPCP=/sys/module/msikit_epf_db/parameters/epc
N=${N:-40}
[ "${MSIKIT_SCALE:-ci}" = soak ] && N=1000

# cycle HOW: bind, ring, and take it away while the host rings
cycle() {
	local e h
	e=$(epf_dirs)
	h=$(host_dirs)
	[ -n "$e" ] && [ -n "$h" ] || { log "function or host device missing"; return 1; }
	echo "all 1" > "$h/ring" || { log "ring failed"; return 1; }
	echo "all 10000" > "$h/ring_loop" 2>/dev/null &
	# ringing before it goes
	sleep 0.1
	case $1 in
	param)
		echo > "$EPCP" || return 1
		wait
		echo "$EPC" > "$EPCP" || return 1
		;;
	module)
		rmmod msikit_epf_db || return 1
		wait
		modprobe msikit_epf_db epc="$EPC" doorbells=8 stale_grace_ms=10 || return 1
		;;
	esac
}

# repeat HOW: N cycles
repeat() {
	local i=0
	while [ $i -lt "$N" ]; do
		cycle "$1" || { log "$1 cycle $i failed"; return 1; }
		i=$((i + 1))
	done
}

ktap_header
need_vepc
irqs=$(wc -l < /proc/interrupts)
load_epf doorbells=8 stale_grace_ms=10
ktap_result "$N unbind/bind cycles through epc, the host ringing each time" repeat param
ktap_result "$N module unload/load cycles, the host ringing each time" repeat module
h=$(host_dirs)
e=$(epf_dirs)
ktap_result "still works: each doorbell rung once, handled once" ring_each "$h" "$e" 8 1
# the function's devices on the host's bus (msikit_epf_db's IDs)
fn_devices() {
	local d n=0
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x4d4b ] && n=$((n + 1))
	done
	echo $n
}
ktap_expect "one function's device on the host's bus" 1 "$(fn_devices)"
ktap_result "module unload" unload_epf
ktap_expect "no interrupt left" "$irqs" "$(wc -l < /proc/interrupts)"
ktap_expect "no iomem window left" 0 "$(grep -c msikit-vepc /proc/iomem)"
ktap_expect "no function's device left on the host's bus" 0 "$(fn_devices)"
ktap_expect "msikit_msi unused" 0 "$(awk '$1 == "msikit_msi" { print $3 }' /proc/modules)"
ktap_finished
