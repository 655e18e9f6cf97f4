#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Teardown that waits for nothing it need not. PERST# (msikit_vepc's
# perst): the link is gone, no host can write, so the functions let go of
# everything at once (the controller's deinit), however long the grace is;
# released, they come back with generations the host never took, and the
# host rings them. An unbind with the link up waits for the host's word
# that it stopped ringing, bounded: a busy host answers at once, an idle
# one costs the bound (1 s at most), never the grace period.
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
t=$(secs sh -c "echo 1 > $P")
log "PERST# asserted in $t s"
ktap_result "PERST#: two functions down in under 2 s, with a 5 s grace each (no wait on the deinit path)" \
	below "$t" 2
ktap_expect "both functions are down" "down down" "$(awk '{ print $1 }' "$e0/status" "$e1/status" | tr '\n' ' ' | sed 's/ $//')"
wait $loop
ktap_expect "the host's devices went with the link" "" "$(host_dirs)"
echo 0 > $P || ktap_bail "releasing PERST# failed"
ktap_result "PERST# released: function 0 is ready again" wait_status "$e0" "ready *"
ktap_result "PERST# released: function 1 is ready again" wait_status "$e1" "ready *"
ktap_result "with generations the host never took" \
	test "$(gen_of "$e0")" != "$g0" -a "$(gen_of "$e1")" != "$g1"
set -- $(host_dirs)
h0=$1 h1=$2
[ -n "$h1" ] || ktap_bail "the host's devices did not come back"
ktap_result "function 0: each doorbell rung once by the host, handled once by itself" \
	ring_each "$h0" "$e0" 8 1
ktap_result "function 1: each doorbell rung once by the host, handled once by itself" \
	ring_each "$h1" "$e1" 8 1
# both hosts hold tables and ring no more: the unbind waits its bound
l0=$(dmesg | wc -l)
t=$(secs sh -c "echo > $EPCP")
log "unbind with idle hosts in $t s"
ktap_result "unbind with idle hosts: bounded by 1 s per function, not the 5 s grace" below "$t" 4
ktap_expect "one line per function says its host did not answer" 2 \
	"$(dmesg | tail -n +$((l0 + 1)) | grep -c 'the host did not say it stopped ringing within 1000 ms')"
ktap_result "module unload" unload_epf
ktap_finished
