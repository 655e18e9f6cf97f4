#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Teardown that waits for nothing it need not. PERST# (msikit_vepc's
# perst): the link is gone, no host can write, so the functions let go of
# everything at once (the controller's deinit), however long the grace is,
# even with hosts that hold a table and never said they stopped (a wait
# for them would take its 1 s bound and say so); released, they come back
# with generations the host never took, and the host rings them. An
# unbind with the link up waits for the host's word that it stopped
# ringing (HOST_GEN STOPPED): an idle host gives it within its 10 ms look
# at READY, an unloaded one as it goes; hosts that hold a table and never
# answer cost the bound (1 s) once, for all the functions, and one line,
# never the grace period; and while the functions wait, their doorbell
# BARs are already cleared (only the register BAR is left).
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

# hang_hosts: each function's HOST_GEN set to the generation it serves,
# as by a host that took its table and hung (the host driver unloaded:
# it holds the register BAR)
hang_hosts() {
	local f reg e
	for f in 0 1; do
		reg=$(vepc_bar $f 0)
		[ -n "$reg" ] || ktap_bail "function $f has no register BAR"
		eval e=\$e$f
		poke $((reg + 0x14)) "$(gen_of "$e")"
	done
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
b0=$(basename "$h0") b1=$(basename "$h1")
# Hosts that took their tables and hung: the host driver goes (it says
# STOPPED as it does, and with it loaded the link's going would say it
# again), then each function's HOST_GEN is set behind its back to the
# generation it serves. A deinit that waited for its host would now wait.
rmmod msikit_epf_db_host || ktap_bail "the host driver did not unload"
hang_hosts
l0=$(log_mark)
t=$(secs sh -c "echo 1 > $P")
log "PERST# asserted in $t s"
ktap_result "PERST#: two functions with hung hosts down in under 1 s, the bound a wait would take, with a 5 s grace each (no wait on the deinit path)" \
	below "$t" 1.0
ktap_expect "PERST#: no function waited for its host" 0 \
	"$(log_since "$l0" | grep -c -E 'did not say (it|they) stopped ringing')"
ktap_expect "both functions are down" "down down" "$(awk '{ print $1 }' "$e0/status" "$e1/status" | tr '\n' ' ' | sed 's/ $//')"
ktap_result "the host's devices went with the link" \
	test ! -e "/sys/bus/pci/devices/$b0" -a ! -e "/sys/bus/pci/devices/$b1"
modprobe msikit_epf_db_host || ktap_bail "the host driver did not load again"
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
# hosts that hold a table and never answer (hang_hosts), with the link
# up: the binder stops both functions and waits for both hosts at once,
# one bound (1 s) for the two, not one each, and not the 5 s grace.
echo "$EPC" > $EPCP || ktap_bail "bind through epc failed"
set -- $(epf_dirs)
e0=$1 e1=$2
wait_status "$e0" "ready *" && wait_status "$e1" "ready *" ||
	ktap_bail "the functions did not come back"
rmmod msikit_epf_db_host || ktap_bail "the host driver did not unload"
hang_hosts
l0=$(log_mark)
a=$(cut -d' ' -f1 /proc/uptime)
sh -c "echo > $EPCP" &
unbind=$!
# during the wait: both stopping, and only the register BARs left
wait_status "$e0" "stopping *" 1 && wait_status "$e1" "stopping *" 1
during="$(awk '{ print $1 }' "$e0/status" "$e1/status" | tr '\n' ' ')bars $(awk '{ printf "%s.%s ", $1, $2 }' "/sys/bus/platform/devices/$EPC/bars")"
wait $unbind
b=$(cut -d' ' -f1 /proc/uptime)
t=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b - a }')
log "unbind with two hung hosts in $t s"
ktap_result "unbind with two hosts that never answer: bounded by 1 s once, not once each" below "$t" 1.8
ktap_expect "while they wait: both functions stopping, their doorbell BARs already cleared" \
	"stopping stopping bars 0.0 1.0 " "$during"
ktap_expect "one line says both hosts did not answer, after one wait" \
	"1 0" "$(log_since "$l0" | grep -c '2 of 2 hosts did not say they stopped ringing within 1000 ms') \
$(log_since "$l0" | grep -c 'the host did not say it stopped ringing')"
modprobe msikit_epf_db_host
ktap_result "module unload" unload_epf
ktap_finished
