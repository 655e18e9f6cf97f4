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
# Ten republishes while the host rings all eight: polled doorbells change
# their data in place, so the function goes not-ready first, and a ring
# with the old data still moves HANDLED (and counts as stale). Every store
# the host made is handled once, and the host saw each handled.
sum() { awk '{ for (i = 1; i <= NF; i++) n += $i } END { print n + 0 }' "$1"; }
r0=$(sum "$e/rings_all") s0=$(cat "$e/stale")
echo "all 60000" > "$h/ring_loop" 2>/dev/null &
loop=$!
sleep 0.3
ok=1 r=0
while [ $r -lt 10 ]; do
	echo 1 > "$e/republish" || { ok=0; break; }
	sleep 0.1
	r=$((r + 1))
done
ktap_expect "ten republishes while the host rang" 1 $ok
kill -9 $loop
wait $loop
sleep 0.1	# the last ring's poll
set -- $(cat "$h/loop_stats")
rung=$2 unseen=$8
log "host: $(cat "$h/loop_stats"); handled $r0 -> $(sum "$e/rings_all"), of them stale $s0 -> $(cat "$e/stale")"
[ "$rung" -gt 0 ] && ktap_pass "the host rang ($rung rings)" || ktap_fail "the host rang"
ktap_expect "the host saw each of its rings handled (none unseen)" 0 "$unseen"
ktap_expect "every store the host made was handled once (rings_all counts the stale ones too)" "$rung" \
	$(( $(sum "$e/rings_all") - r0 ))
# A stale polled ring made certain (the rings above may meet none):
# doorbell 3's data from before a republish, stored into the register BAR
# by the CPU (the host driver unloaded: it holds that BAR). The function
# must count it stale and as no doorbell's ring, and still move doorbell
# 3's HANDLED (rings_all), which a host that rang with its old table
# waits for.
set -- $(awk '$1 == 3 { print $3, $4, $5 }' "$e/doorbells")
bar=$1 off=$2 old=$3
[ -n "$old" ] || ktap_bail "no doorbell 3 in $e/doorbells"
rmmod msikit_epf_db_host || ktap_bail "the host driver did not unload"
echo 1 > "$e/republish" || ktap_bail "a republish failed"
wait_status "$e" "ready *" || ktap_bail "the function is not ready after its republish"
[ "$(awk '$1 == 3 { print $5 }' "$e/doorbells")" != "$old" ] ||
	ktap_bail "doorbell 3's data did not change at the republish"
base=$(vepc_bar 0 "$bar")
[ -n "$base" ] || ktap_bail "BAR $bar is not set"
s0=$(cat "$e/stale") rings0=$(cat "$e/rings") all0=$(cat "$e/rings_all")
poke $((base + off)) $((old))
# (HANDLED moves after the stale count: wait for it)
ktap_result "a ring with doorbell 3's old data moves doorbell 3's HANDLED, and no other's" \
	wait_value "$e/rings_all" "$(echo "$all0" | awk '{ $4 += 1; print }')"
ktap_expect "it is counted stale" $((s0 + 1)) "$(cat "$e/stale")"
ktap_expect "and as no doorbell's ring" "$rings0" "$(cat "$e/rings")"
modprobe msikit_epf_db_host || ktap_bail "the host driver did not load again"
ktap_result "module unload" unload_epf
ktap_finished
