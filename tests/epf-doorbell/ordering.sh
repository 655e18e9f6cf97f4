#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Ordering. The host rings doorbell 0 without pause while the function
# publishes ten new generations: each time READY drops, the table changes,
# READY comes back, and the host rings with the new table the moment it
# sees READY; every ring it made is handled, none lost, none elsewhere.
# Then teardown while the host rings every doorbell: the functions go
# down first (READY clears), then the link; the host sees not-ready, its
# loop ends when its device goes, and nothing splats.
#
# What this does not show: that a doorbell is never published before its
# handler is requested. msikit hands out no message before request_irq()
# activates the interrupt (msikit_msi_get_msg() is -EAGAIN until then), so
# the function cannot publish in the wrong order and no test can make it;
# a ring that arrived ahead of the handler would be an unhandled interrupt
# the runner's kernel-log scan reports, but nothing here provokes one. The
# order checked is the one the function controls: table, then READY, and
# READY cleared before the table goes.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

EPCP=/sys/module/msikit_epf_db/parameters/epc

ktap_header
need_vepc
load_epf doorbells=8 stale_grace_ms=10
e=$(epf_dirs)
h=$(host_dirs)
[ -n "$e" ] && [ -n "$h" ] || ktap_bail "function or host device missing"
# long enough to outlast the republishes however slow the machine: it is
# stopped (killed) once they are done
echo "0 60000" > "$h/ring_loop" 2>/dev/null &
loop=$!
sleep 0.3
ok=1 g=$(gen_of "$e") r=0
while [ $r -lt 10 ]; do
	g=$(next_gen "$g") r=$((r + 1))
	echo 1 > "$e/republish" || { ok=0; break; }
	wait_status "$e" "ready generation $g msi 8 parent gic-its retiring 0 *" || { ok=0; break; }
	sleep 0.1
done
ktap_expect "ten new generations while the host rang (READY down, new table, READY up)" 1 $ok
kill -9 $loop
wait $loop
set -- $(cat "$h/loop_stats")
rung=$2 resyncs=$6 unseen=$8
log "host: $(cat "$h/loop_stats")"
[ "$rung" -gt 0 ] && ktap_pass "the host rang ($rung rings)" || ktap_fail "the host rang"
[ "$resyncs" -ge 1 ] && ktap_pass "the host took the new tables as it rang ($resyncs)" ||
	ktap_fail "the host took the new tables as it rang"
ktap_expect "the function counted each ring before the next (none unseen)" 0 "$unseen"
ktap_result "every ring handled, by doorbell 0 of its generation: $rung (rings follow READY; request-before-publish is the API's, not tested)" \
	wait_value "$e/rings_all" "$rung 0 0 0 0 0 0 0"

# teardown while ringing
echo "all 20000" > "$h/ring_loop" 2>/dev/null &
loop=$!
sleep 0.5
ktap_result "the functions go away while the host rings" sh -c "echo > $EPCP"
wait $loop
ktap_expect "the host's loop ended when its device went" "" "$(host_dirs)"
line=$(dmesg | grep 'ring_loop: rung' | tail -1)
log "$line"
nr=$(echo "$line" | sed -n 's/.* notready \([0-9]*\) .*/\1/p')
[ "${nr:-0}" -gt 0 ] && ktap_pass "the host saw not-ready before its device went" ||
	ktap_fail "the host saw not-ready before its device went"
ktap_expect "the function is gone too" "" "$(epf_dirs)"
echo msikit-vepc0 > "$EPCP" || ktap_bail "binding again failed"
e=$(epf_dirs)
h=$(host_dirs)
ktap_result "bound again: each doorbell rung once, handled once" ring_each "$h" "$e" 8 1
ktap_result "module unload" unload_epf
ktap_finished
