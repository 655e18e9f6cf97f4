#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# msikit_ntb_msi under fault injection, on q35's x86 vector with the
# loopback NTB (two edu functions): loading the module; a client's setup
# of four peer interrupts (msikit_ntb_msi_init, setup_mws, four requests
# and their descriptors published); a republish after a peer reset
# (msikit_ntb_msi_restore); the client's teardown (free and exit). Each
# kmalloc() is failed in turn: the operation must fail with an errno and
# leave no context, domain, irq descriptor or published descriptor behind
# (a restore: leave its interrupts requested, so that the next one
# republishes them), or absorb the failure and work: every interrupt
# delivered exactly once from the peer.
# timeout: 1800
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/../ntb-msi/lib.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_ntb_loop
fault_setup
rmmod msikit_ntb_loop msikit_msi_test msikit_ntb_msi 2>/dev/null

# --- loading msikit_ntb_msi ---
modprobe msikit_msi || ktap_bail "modprobe msikit_msi failed"
mod_gone() { [ ! -d /sys/module/msikit_ntb_msi ]; }
# A load that absorbed a failure in creating its debugfs counters works
# without them, by design (the debugfs API asks callers to ignore its
# errors): the domains it would leave are still counted by msikit_msi.
mod_works() {
	if [ ! -e "$NM_DBG/contexts" ]; then
		log "no debugfs counters after this load: their creation failed, which msikit_ntb_msi ignores"
		[ "$(cat /sys/module/msikit_msi/parameters/domains)" = 0 ]
		return
	fi
	live_is 0 0
}
mod_unload() { rmmod msikit_ntb_msi; }
# The load allocates nothing from kmalloc: its init's only allocations are
# its debugfs directory and files, from the dentry cache and debugfs's
# inode cache (the generic one before 6.14), which fault_setup does not
# mark. Marked here for the load alone (and unmarked if the test ends
# early: the marks would outlive it in this boot); a cache that slub
# merged with others cannot be (failslab refuses a shared one).
dcaches=""
dcaches_unmark() {
	for c in $dcaches; do
		echo 0 > "/sys/kernel/slab/$c/failslab"
	done
}
trap dcaches_unmark EXIT
for c in dentry debugfs_inode_cache inode_cache; do
	echo 1 2>/dev/null > "/sys/kernel/slab/$c/failslab" && dcaches="$dcaches $c"
done
log "caches marked for the load:${dcaches:- none (merged)}"
fail_each "load msikit_ntb_msi" mod_gone mod_works mod_unload -- load "$(ko msikit_ntb_msi)"
dcaches_unmark
marked=$dcaches dcaches=""
trap - EXIT
ktap_result "load msikit_ntb_msi: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0
if [ -n "$marked" ]; then
	ktap_result "load msikit_ntb_msi: its debugfs creation was failed ($POINTS points)" \
		test "$POINTS" -gt 0
fi

# --- a client's setup: context, windows, four interrupts ---
load_ntb
echo 0 > "$B/ntb/setup" || ktap_bail "setup 0 on B failed"
descs_mark
setup_gone() {
	live_is 1 1 && descs_back && [ -z "$(cat "$A/ntb/descs")" ] ||
		{ log "after a failed setup: A's channel holds $(wc -l < "$A/ntb/descs") descriptors"; return 1; }
}
setup_works() { fire_all_ok "$B" "$A" 4 1; }
teardown_a() { echo 1 > "$A/ntb/teardown"; }
fail_each "setup 4 on A" setup_gone setup_works teardown_a -- write "$A/ntb/setup" 4
ktap_result "setup of 4 peer interrupts: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0

# --- a republish after B forgot A's descriptors ---
echo 4 > "$A/ntb/setup" || ktap_bail "setup 4 on A failed"
descs_mark
# the interrupts stay requested through these: their counts add up
FIRED=0
fire_more() {
	local r
	FIRED=$((FIRED + 1))
	echo 1 > "$B/ntb/fire_all" || log "fire_all on B failed"
	r=$(cat "$B/ntb/fire_result")
	[ "$r" = "sent 4 delivered 4 lost 0 misrouted 0" ] && counts_are "$A" 4 $FIRED ||
		{ log "B -> A: $r"; return 1; }
}
restore_kept() {
	live_is 2 2 && descs_back && [ "$(wc -l < "$A/ntb/counts")" = 4 ] &&
		echo 1 > "$B/ntb/restore" && fire_more
}
fail_each "restore A's descriptors" restore_kept fire_more true -- write "$B/ntb/restore" 1
ktap_result "republish after a peer reset: $POINTS failure points, each reported and kept or absorbed" \
	test "$BAD" = 0

# --- the client's teardown: four frees and the context's exit ---
teardown_a
descs_mark
echo 4 > "$A/ntb/setup" || ktap_bail "setup 4 on A failed"
# a teardown that failed changed nothing, and the undo sets A up again
td_kept() { live_is 2 2 && [ "$(wc -l < "$A/ntb/counts")" = 4 ]; }
td_gone() { live_is 1 1 && descs_back; }
setup_a() { echo 4 > "$A/ntb/setup"; }
fail_each "teardown of A" td_kept td_gone setup_a -- write "$A/ntb/teardown" 1
ktap_result "teardown: $POINTS failure points, each reported and kept or absorbed" test "$BAD" = 0

# after all that, both sides still deliver and everything goes
teardown_a && echo 4 > "$A/ntb/setup" || ktap_bail "a last setup 4 on A failed"
ktap_result "4 peer interrupts, each delivered exactly once" setup_works
teardown_both
ktap_result "no context and no domain left" live_is 0 0
rmmod msikit_ntb_loop && rmmod msikit_ntb_msi && rmmod msikit_msi
ktap_result "the modules unload" test ! -d /sys/module/msikit_ntb_msi
ktap_finished
