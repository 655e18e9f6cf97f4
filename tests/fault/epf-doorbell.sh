#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# msikit_epf_db and its host driver under fault injection, on arm64-its
# with msikit_vepc (test-only, tests/modules/README.vepc): loading the
# module with epc= (the binder creates a function of 4 doorbells on the
# controller); binding through the epc parameter of a loaded module; a
# republish (a new generation of doorbells); the host driver's probe; the
# teardown (an empty epc); loading each module on its own (msikit_epf_db
# without epc=, and the host driver, whose init probes the function).
# Each kmalloc() is failed in turn: the operation
# must fail with an errno and leave no function, binding or irq descriptor
# behind (a republish: keep the generation the host holds, ringing), or
# absorb the failure and work: the host driver binds the function and
# each doorbell counts exactly its own ring. From the bind on, the
# controller's refusal of the doorbell BAR is a failure point too
# (fail_function on epf_db_set_db_bar): polled doorbells must absorb it.
# timeout: 1800
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/../epf-doorbell/lib.sh"
. "$(dirname "$0")/lib.sh"

DB=/sys/module/msikit_epf_db/parameters
N=4
NL='
'

ktap_header
need_vepc
fault_setup
for m in msikit_epf_db msikit_epf_db_host msikit_vepc; do rmmod $m 2>/dev/null; done
modprobe msikit_msi || ktap_bail "modprobe msikit_msi failed"
modprobe msikit_vepc || ktap_bail "modprobe msikit_vepc failed"
descs_mark

none_left() {
	[ -z "$(epf_dirs)" ] && descs_back ||
		{ log "functions left: $(epf_dirs | tr '\n' ' ')"; return 1; }
}
# the host driver binds the function, and each doorbell counts its own ring
host_rings() {
	local e h rc=0
	modprobe msikit_epf_db_host || return 1
	e=$(epf_dirs) h=$(host_dirs)
	if [ -z "$e" ] || [ -z "$h" ]; then
		log "function '$e', host device '$h'"
		rc=1
	elif ! ring_each "$h" "$e" $N 1; then
		rc=1
	fi
	rmmod msikit_epf_db_host
	return $rc
}

# --- loading msikit_epf_db with epc= ---
mod_gone() { [ ! -d /sys/module/msikit_epf_db ] && none_left; }
mod_unload() { rmmod msikit_epf_db; }
fail_each "load msikit_epf_db epc=$EPC" mod_gone host_rings mod_unload -- \
	load "$(ko msikit_epf_db)" "epc=$EPC doorbells=$N"
ktap_result "load with epc=: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0

# --- loading msikit_epf_db without epc= (the EPF driver registered) ---
mod_loaded() {
	[ -d /sys/module/msikit_epf_db ] && [ -d /sys/bus/pci-epf/drivers/msikit_epf_db ] &&
		[ -z "$(epf_dirs)" ]
}
fail_each "load msikit_epf_db" mod_gone mod_loaded mod_unload -- \
	load "$(ko msikit_epf_db)" "doorbells=$N"
ktap_result "load without epc=: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0

# --- binding through the epc parameter ---
modprobe msikit_epf_db doorbells=$N || ktap_bail "modprobe msikit_epf_db failed"
# a controller that refuses the doorbell BAR (EBUSY): polled doorbells
fei_arm epf_db_set_db_bar 16
bind_gone() { [ -z "$(cat $DB/epc)" ] && none_left; }
unbind_all() { echo > $DB/epc; }
fail_each "bind epc=$EPC" bind_gone host_rings unbind_all -- write $DB/epc "$EPC"
ktap_result "bind through epc: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0
ktap_result "a refused doorbell BAR was among them, and polled doorbells took over" \
	logged "doorbells are polled: .* refused the doorbell BAR"

# --- loading the host driver (its init probes the function) ---
echo "$EPC" > $DB/epc || ktap_bail "bind epc=$EPC failed"
descs_mark
hmod_gone() {
	[ ! -d /sys/module/msikit_epf_db_host ] && [ -z "$(host_dirs)" ] && descs_back ||
		{ log "after a failed load: msikit_epf_db_host $(test -d /sys/module/msikit_epf_db_host && echo loaded), host devices '$(host_dirs | tr '\n' ' ')'"; return 1; }
}
# a probe that fails under the load does not fail the load (the driver
# core's rule): the function must then be left unbound, as it was; the
# clean load must bind it (the republish below bails otherwise)
hmod_works() {
	local h
	h=$(host_dirs)
	[ -n "$h" ] || { descs_back && log "the load's probe failed and unwound"; return; }
	ring_each "$h" "$(epf_dirs)" $N 1
}
hmod_unload() { rmmod msikit_epf_db_host; }
fail_each "load msikit_epf_db_host" hmod_gone hmod_works hmod_unload -- \
	load "$(ko msikit_epf_db_host)"
ktap_result "load of the host driver: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0

# --- a republish, with the host driver holding the table ---
modprobe msikit_epf_db_host || ktap_bail "modprobe msikit_epf_db_host failed"
e=$(epf_dirs) h=$(host_dirs)
[ -n "$e" ] && [ -n "$h" ] || ktap_bail "function or host device missing"
descs_mark
G=$(gen_of "$e")
# a refused republish keeps the generation the host holds, which rings
rp_kept() {
	[ "$(gen_of "$e")" = "$G" ] && ring_each "$h" "$e" $N 1 ||
		{ log "generation $(gen_of "$e") (was $G), status $(cat "$e/status")"; return 1; }
}
# one that worked made the next, which the host takes and rings
rp_works() {
	local g
	g=$(gen_of "$e")
	[ "$g" = "$(next_gen "$G")" ] && echo 1 > "$h/sync" && ring_each "$h" "$e" $N 1 &&
		wait_status "$e" "*retiring 0 *" 15 ||
		{ log "generation $g (was $G), status $(cat "$e/status")"; return 1; }
	G=$g
}
fail_each "republish" rp_kept rp_works true -- write "$e/republish" 1
ktap_result "republish: $POINTS failure points, each refused and kept or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0
ktap_result "the retired generations are freed" wait_status "$e" "*retiring 0 *" 15
# each republish that worked replaced the function's descriptors with
# its next generation's: as many as at the mark, none of them foreign
descs_replaced() {
	local i new gone
	ls /sys/kernel/irq > $DESCS.now
	new=$(only_in $DESCS.now $DESCS) gone=$(only_in $DESCS $DESCS.now | wc -l)
	for i in $new; do
		[ "$(cat /sys/kernel/irq/$i/chip_name)" = msikit-MSI ] ||
			{ log "irq descriptor $i is new and not a doorbell's: chip $(cat /sys/kernel/irq/$i/chip_name)"; return 1; }
	done
	new=$(echo $new | wc -w)
	[ "$new" = "$gone" ] || { log "$new irq descriptors new, $gone gone"; return 1; }
}
ktap_result "no irq descriptor left by the republishes" descs_replaced

# --- the host driver's probe ---
HBDF=$(basename "$h")
echo "$HBDF" > $HOSTDRV/unbind || ktap_bail "unbind $HBDF failed"
descs_mark
href=$(cat /sys/module/msikit_epf_db_host/refcnt)
host_gone() {
	[ ! -e "/sys/bus/pci/devices/$HBDF/driver" ] && descs_back &&
		[ "$(cat /sys/module/msikit_epf_db_host/refcnt)" = "$href" ] ||
		{ log "after a failed probe: driver $(readlink "/sys/bus/pci/devices/$HBDF/driver"), refcnt $(cat /sys/module/msikit_epf_db_host/refcnt) (was $href)"; return 1; }
}
host_works() { ring_each "$HOSTDRV/$HBDF" "$e" $N 1; }
host_unbind() { echo "$HBDF" > $HOSTDRV/unbind; }
fail_each "host probe" host_gone host_works host_unbind -- write $HOSTDRV/bind "$HBDF"
ktap_result "host driver probe: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0
echo "$HBDF" > $HOSTDRV/bind || ktap_bail "bind $HBDF to the host driver failed"

# --- the teardown: an empty epc ---
echo > $DB/epc
descs_mark
echo "$EPC" > $DB/epc || ktap_bail "bind epc=$EPC again failed"
# a teardown that failed changed nothing, and the undo binds again
td_kept() { [ -n "$(epf_dirs)" ] && [ "$(cat $DB/epc)" = "$EPC" ]; }
td_gone() { [ -z "$(epf_dirs)" ] && descs_back; }
rebind() { echo "$EPC" > $DB/epc; }
# a newline, as echo writes: an empty write never reaches the parameter
fail_each "teardown" td_kept td_gone rebind -- write $DB/epc "$NL"
ktap_result "teardown: $POINTS failure points, each reported and kept or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0

# after all that, a function still rings and everything goes
h=$(host_dirs) e=$(epf_dirs)
ktap_result "each doorbell counts exactly its own ring" ring_each "$h" "$e" $N 1
fei_disarm epf_db_set_db_bar
ktap_result "the modules unload" unload_epf
ktap_finished
