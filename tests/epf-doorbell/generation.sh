#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A new generation of doorbells while a host still rings with the old
# table's data. On the ITS a doorbell's data is its event number, so the
# old events stay allocated (and handled, counted as stale) until the host
# has taken the new table and stale_grace_ms has passed: until then the
# new doorbells are other events, and an old ring never reaches one.
# After that the old events are free: an old ring finds no event (the ITS
# drops it) until a later generation takes the number again, which the
# host has by then promised not to ring (it acknowledged the new table).
# Generations start anywhere: "1" and "2" below are the function's first
# and second.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_vepc
# The grace must outlast what the test does within it: the host's sync,
# 8 rings each waited for, and 8 more with the old data. A stock kernel
# does that well within 6 s; a debug kernel (KASAN, lockdep, kmemleak)
# on TCG took longer than that once, so it gets 30 s.
GRACE=6000
case "$(uname -r)" in *-msikit-debug*) GRACE=30000 ;; esac
load_epf doorbells=8 stale_grace_ms=$GRACE
e=$(epf_dirs)
h=$(host_dirs)
[ -n "$e" ] && [ -n "$h" ] || ktap_bail "function or host device missing"
old=$(cat "$h/doorbells")
g1=$(gen_of "$e")
g2=$(next_gen "$g1")
ktap_expect "generation 1: 8 MSI doorbells" 8 "$(echo "$old" | grep -c ' msi ')"
ktap_expect "the host holds the function's generation" "$g1" "$(cat "$h/generation")"
echo 1 > "$e/republish" || ktap_bail "republish refused"
ktap_expect "republished: generation 2, generation 1 retiring" \
	"ready generation $g2 msi 8 parent gic-its retiring $g1 moved 0" "$(cat "$e/status")"
ktap_result "8 rings with generation 1's data before the host took generation 2" \
	ring_table "$old"
ktap_result "each reached its retired doorbell (8 stale)" wait_value "$e/stale" 8
ktap_expect "no generation-2 doorbell moved" "0 0 0 0 0 0 0 0" "$(cat "$e/rings")"
cat "$h/doorbells" "$h/status" "$h/generation" > /dev/null
# (the host's own look at READY may have dropped generation 1 when the
# republish cleared READY: none held is right too, generation 2 is not)
ktap_result "reading the host's files takes no table (and acknowledges none)" \
	test "$(cat "$h/generation")" != "$g2" -a "$(awk '{ print $NF }' "$h/status")" = "$g2"
echo 1 > "$h/sync" || ktap_bail "the host's sync failed"
new=$(cat "$h/doorbells")
ktap_expect "the host took generation 2 on sync" "$g2" "$(cat "$h/generation")"
same=$(printf '%s\n%s\n' "$old" "$new" | awk '{ print $5 }' | sort | uniq -d | wc -l)
ktap_expect "no generation-2 doorbell reuses a generation-1 event" 0 "$same"
ktap_result "generation 2: each rung once by the host, handled once by itself" \
	ring_each "$h" "$e" 8 1
ktap_result "generation 1's data again within the grace period" ring_table "$old"
ktap_result "still stale (16), never a generation-2 doorbell" wait_value "$e/stale" 16
ktap_expect "generation-2 counts unchanged" "1 1 1 1 1 1 1 1" "$(cat "$e/rings")"
ktap_result "generation 1 freed after the host's ack and the grace period" \
	wait_status "$e" "*retiring 0 *" $((GRACE / 1000 + 10))
ring_table "$old"
sleep 0.2
ktap_expect "generation 1's data after it was freed: dropped, no doorbell moved" \
	"16 1 1 1 1 1 1 1 1" "$(cat "$e/stale") $(cat "$e/rings")"
ktap_result "module unload" unload_epf
ktap_finished
