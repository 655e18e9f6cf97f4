#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# msikit_msi_restore() racing affinity changes: reports of one interrupt
# arrive in the order its messages took effect, so what the consumer heard
# last is the current message, and every interrupt delivers with it.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ROUNDS=2000
ktap_header
need_edu
[ "$(grep -c '^processor' /proc/cpuinfo)" -ge 2 ] || ktap_skip_all "needs two CPUs"
load_msi
echo 8 > "$T/alloc" || ktap_bail "alloc failed"
echo "0 1" > "$T/fire" || ktap_bail "first write failed"
echo "$ROUNDS" > "$T/restore_race"
rc=$?
set -- $(cat "$T/restore_race")
log "$(cat "$T/parent"): $1 rounds, $2 affinity changes, $3 refused, $4 stale"
ktap_result "$ROUNDS rounds of write + restore while interrupts move" test "$rc" = 0 -a "$1" = "$ROUNDS"
# the changer runs beside the rounds, paced by them, and may be a round or
# two behind when they end: judge what it did, not how many it managed
case "$(cat "$T/parent")" in
*pinned) ktap_result "pinned parent: all $3 changes tried were refused, none made" \
		test "$3" -gt 0 -a "$2" = 0 ;;
*) ktap_result "interrupts moved during the race: $2" test "$2" -gt 0 ;;
esac
ktap_expect "the last message each interrupt reported is its current one" 0 "$4"
echo 1 > "$T/restore"
# counts already hold the race's writes: the driver checks each write
# lands once, on its own interrupt (fire fails on a loss or a misroute)
ok=0 i=0
while [ $i -lt 8 ]; do
	echo "$i 1" > "$T/fire" && ok=$((ok + 1))
	i=$((i + 1))
done
ktap_expect "all 8 deliver with their restored messages, each exactly once" 8 "$ok"
echo 1 > "$T/free_all"
ktap_result "unload" unload_msi
ktap_finished
