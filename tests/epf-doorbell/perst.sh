#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Teardown that waits for nothing it need not. PERST# (msikit_vepc's
# perst): the link is gone, no host can write, so the functions let go of
# everything at once (the controller's deinit), however long the grace is;
# released, they come back with generations the host never took, and the
# host rings them. An unbind with the link up waits for the host's word
# that it stopped ringing (HOST_GEN STOPPED): an idle host gives it within
# its 10 ms look at READY, an unloaded one as it goes; hosts that hold a
# table and never answer cost the bound (1 s) once, for all the
# functions, and one line, never the grace period.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

P=/sys/bus/platform/devices/$EPC/perst
EPCP=/sys/module/msikit_epf_db/parameters/epc

# secs CMD...: CMD's wall time in seconds (centiseconds of /proc/uptime)
secs() {
	local a b
	a=$(cut -d' ' -f1 /proc/uptime)
	"$@"
	b=$(cut -d' ' -f1 /proc/uptime)
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b - a }'
}
# below A B: A < B
below() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}

ktap_header
need_vepc
load_epf doorbells=8 functions=2 stale_grace_ms=5000
set -- $(epf_dirs)
e0=$1 e1=$2
set -- $(host_dirs)
h0=$1 h1=$2
[ -n "$e1" ] && [ -n "$h1" ] || ktap_bail "two functions and two host devices expected"
g0=$(gen_of "$e0") g1=$(gen_of "$e1")
echo "all 60000" > "$h0/ring_loop" 2>/dev/null &
loop=$!
sleep 0.3
l0=$(log_mark)
t=$(secs sh -c "echo 1 > $P")
log "PERST# asserted in $t s"
ktap_result "PERST#: two functions down in under 1.5 s, with a 5 s grace each (no wait on the deinit path)" \
	below "$t" 1.5
ktap_expect "PERST#: no function waited for its host" 0 \
	"$(log_since "$l0" | grep -c -E 'did not say (it|they) stopped ringing')"
ktap_expect "both functions are down" "down down" "$(awk '{ print $1 }' "$e0/status" "$e1/status" | tr '\n' ' ' | sed 's/ $//')"
wait $loop
ktap_expect "the host's devices went with the link" "" "$(host_dirs)"
echo 0 > $P || ktap_bail "releasing PERST# failed"
ktap_result "PERST# released: function 0 is ready again" wait_status "$e0" "ready *"
ktap_result "PERST# released: function 1 is ready again" wait_status "$e1" "ready *"
set -- $(host_dirs)
h0=$1 h1=$2
[ -n "$h1" ] || ktap_bail "the host's devices did not come back"
ktap_expect "the host took the new generations" "$(gen_of "$e0") $(gen_of "$e1")" \
	"$(cat "$h0/generation") $(cat "$h1/generation")"
ktap_result "which are not the ones before PERST#" \
	test "$(gen_of "$e0")" != "$g0" -a "$(gen_of "$e1")" != "$g1"
ktap_result "function 0: each doorbell rung once by the host, handled once by itself" \
	ring_each "$h0" "$e0" 8 1
ktap_result "function 1: each doorbell rung once by the host, handled once by itself" \
	ring_each "$h1" "$e1" 8 1
# both hosts hold tables and ring no more: each says so within its look
# at READY, so the unbind does not wait
l0=$(log_mark)
echo > $EPCP || ktap_bail "unbind through epc failed"
ktap_expect "unbind with idle hosts: both answered, no function waited its bound" 0 \
	"$(log_since "$l0" | grep -c -E 'did not say (it|they) stopped ringing')"
# hosts that hold a table and never answer: the host driver goes (it
# says STOPPED as it does), then each function's HOST_GEN is set behind
# its back to the generation it serves, as a host that took it and hung.
# The binder stops both functions and waits for both hosts at once: one
# bound (1 s) for the two, not one each, and not the 5 s grace.
echo "$EPC" > $EPCP || ktap_bail "bind through epc failed"
set -- $(epf_dirs)
e0=$1 e1=$2
wait_status "$e0" "ready *" && wait_status "$e1" "ready *" ||
	ktap_bail "the functions did not come back"
rmmod msikit_epf_db_host || ktap_bail "the host driver did not unload"
for f in 0 1; do
	reg=$(vepc_bar $f 0)
	[ -n "$reg" ] || ktap_bail "function $f has no register BAR"
	eval e=\$e$f
	poke $((reg + 0x14)) "$(gen_of "$e")"
done
l0=$(log_mark)
t=$(secs sh -c "echo > $EPCP")
log "unbind with two hung hosts in $t s"
ktap_result "unbind with two hosts that never answer: bounded by 1 s once, not once each" below "$t" 1.8
ktap_expect "one line says both hosts did not answer, after one wait" \
	"1 0" "$(log_since "$l0" | grep -c '2 of 2 hosts did not say they stopped ringing within 1000 ms') \
$(log_since "$l0" | grep -c 'the host did not say it stopped ringing')"
modprobe msikit_epf_db_host
ktap_result "module unload" unload_epf
ktap_finished
