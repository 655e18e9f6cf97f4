#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Where a doorbell write cannot reach an MSI controller msikit serves, the
# function refuses the MSI path with one line and falls back to polled
# doorbells, which work end to end. Two ways to get there: on arm64-its a
# node whose tree names no MSI parent (msikit-vepc1); on arm64-gicv2 a
# node whose MSI parent is a GICv2m frame, which msikit does not serve.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
if [ -d /sys/bus/platform/devices/msikit-vepc1 ]; then
	EPC=msikit-vepc1
	why="no MSI doorbell on msikit-vepc1"
	log "arm64-its: $EPC, whose node names no MSI parent"
else
	EPC=msikit-vepc0
	why="is not one msikit serves"
	log "arm64-gicv2: $EPC, whose MSI parent is the GICv2m frame"
fi
need_vepc
load_epf doorbells=8
e=$(epf_dirs)
h=$(host_dirs)
[ -n "$e" ] && [ -n "$h" ] || ktap_bail "function or host device missing"
ktap_expect "the function fell back to polled doorbells" \
	"ready generation G polled 8 parent none" "$(status_g "$e" 7)"
ktap_expect "one line says why the MSI path was refused" 1 \
	"$(dmesg | grep -c "$why")"
ktap_expect "one line says the doorbells are polled" 1 \
	"$(dmesg | grep -c 'msikit: doorbells are polled')"
ktap_expect "the host sees 8 polled doorbells" 8 "$(grep -c ' polled ' "$h/doorbells")"
# rings that come between two polls merge: ring once, wait, three times
ok=1
for r in 1 2 3; do
	ring_each "$h" "$e" 8 1 || { ok=0; break; }
done
ktap_expect "each polled doorbell rung 3 times, handled 3 times by itself" 1 $ok
ktap_expect "no ring was taken for another generation's" 0 "$(cat "$e/stale")"
ktap_result "module unload" unload_epf
ktap_finished
