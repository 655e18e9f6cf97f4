#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A host that keeps its device while the endpoint rebinds its function, as
# over a real link that stays up (msikit_vepc keep_link=Y). A host that
# looks at READY (the host driver's default) lets go of its table as the
# function goes, and says so; one that does not (watch_ms=0), and so still
# holds the old table when the function is back, finds a generation it
# never took and takes the new table before it rings.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

EPCP=/sys/module/msikit_epf_db/parameters/epc
KEEP=/sys/module/msikit_vepc/parameters/keep_link

ktap_header
need_vepc
load_epf doorbells=8
e=$(epf_dirs)
h=$(host_dirs)
[ -n "$e" ] && [ -n "$h" ] || ktap_bail "function or host device missing"
hdev=$(readlink -f "$h")
g1=$(gen_of "$e")
ktap_expect "the host holds the first bind's generation" "$g1" "$(cat "$h/generation")"
echo Y > $KEEP
l0=$(log_mark)
echo > $EPCP || ktap_bail "unbind through epc failed"
ktap_expect "unbound, the host keeps its device and sees not-ready" "$hdev notready" \
	"$(readlink -f "$(host_dirs)") $(cat "$h/status")"
ktap_expect "it let go of its table as the function went, and said so in time" "0 0" \
	"$(cat "$h/generation") $(log_since "$l0" | grep -c -E 'did not say (it|they) stopped ringing')"
echo "$EPC" > $EPCP || ktap_bail "bind through epc failed"
e=$(epf_dirs)
ktap_result "bound again: the function is ready" wait_status "$e" "ready *"
ktap_result "the host's rings take the new table: each doorbell once, on itself" \
	ring_each "$h" "$e" 8 1
g1=$(gen_of "$e")
ktap_expect "the host took the new generation" "$g1" "$(cat "$h/generation")"

# a host that does not look at READY holds its table across the rebind
echo 0 > /sys/module/msikit_epf_db_host/parameters/watch_ms
sleep 0.5	# the look already queued runs once more, finds READY, and stops
l0=$(log_mark)
echo > $EPCP || ktap_bail "unbind through epc failed"
ktap_expect "the function waited its bound for that host, and said so once" 1 \
	"$(log_since "$l0" | grep -c -E 'did not say (it|they) stopped ringing')"
ktap_expect "a host that does not look still holds the old table" "$g1" "$(cat "$h/generation")"
echo "$EPC" > $EPCP || ktap_bail "bind through epc failed"
e=$(epf_dirs)
ktap_result "bound again: the function is ready" wait_status "$e" "ready *"
ktap_expect "the host kept its device across both rebinds" "$hdev" "$(readlink -f "$(host_dirs)")"
g2=$(gen_of "$e")
ktap_result "the new bind's generation is one the host never took" test "$g2" != "$g1"
ktap_expect "the host holds the old table until it rings or syncs" "$g1" "$(cat "$h/generation")"
ktap_result "the host's rings take the new table first: each doorbell once, on itself" \
	ring_each "$h" "$e" 8 1
ktap_expect "the host took the new generation" "$g2" "$(cat "$h/generation")"
echo 10 > /sys/module/msikit_epf_db_host/parameters/watch_ms
echo N > $KEEP
ktap_result "module unload" unload_epf
ktap_finished
