#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# msikit_ntb_msi over ntb.ko under fault injection, on q35 with the
# ntb.ko leg (Debian's NTB core built out of tree, tests/ntb-msi/ntb-api.sh)
# and the loopback as two struct ntb_devs:
# - the loopback binding its second side, B: the writer it names for B's
#   windows (msikit_ntb_set_mw_writer()) and B's 16 doorbells, peer
#   interrupts of msikit_ntb_msi on a port of the loopback's own;
# - upstream's ntb_msi_test binding side A, unmodified: its probe's
#   ntb_msi_init(), which makes A's port through msikit's adapter
#   (msikit_ntb_port_from_ntb()) and A's context on it.
# Each is a bind through sysfs, which returns the probe's error, and each
# kmalloc() with module code on the stack is failed in turn (fault/
# lib.sh): msikit_ntb_msi's, and the callers' around it, whose failures
# msikit's own unwinding must then undo (a probe that fails after
# ntb_msi_init() leaves the context to devres, ntb_register_device()
# failing leaves B's doorbells to msikit_ntb_msi_exit()). A bind that
# failed must leave the side unbound with no context of msikit's and no
# irq descriptor; one that absorbed the failure must work: every doorbell
# rung once each way, or each of A's and B's 4 interrupts of ntb_msi_test
# triggered by the other side and counted once, at its own.
# ntb_msi_test requests its interrupts (ntb_msi_setup_mws(),
# ntbm_msi_request_irq()) from its link-up work, in a worker the failing
# task's countdown does not reach: fault/ntb-msi.sh fails the same
# msikit_ntb_msi calls where a client makes them in its own task.
# timeout: 1800
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/../ntb-msi/lib.sh"
. "$(dirname "$0")/lib.sh"

N=4
LOOP=/sys/bus/pci/drivers/msikit_ntb_loop_ntb
MSIT=/sys/bus/ntb/drivers/ntb_msi_test
ktap_header
need_ntb_loop
grep -qw debugfs /proc/mounts || mount -t debugfs none /sys/kernel/debug
fault_setup
need_ntb_leg
# (the leg's directory: D is fault/lib.sh's debugfs)
LEG=$D D=/sys/kernel/debug
insmod "$LEG/ko/msikit_ntb_msi.ko" || ktap_bail "insmod msikit_ntb_msi.ko (adapter, ntb_msi API) failed"
insmod "$LEG/ko/msikit_ntb_loop_ntb.ko" one_port_number=1 || ktap_bail "insmod msikit_ntb_loop_ntb.ko failed"
[ -e "$LOOP/$ABDF" ] && [ -e "$LOOP/$BBDF" ] || ktap_bail "msikit_ntb_loop_ntb did not bind $ABDF and $BBDF"
# gone LINK WHAT: a failed bind left nothing: LINK (the driver's link to
# the device) absent, msikit_ntb_msi's contexts and the irq descriptors as
# at the mark (CTX, descs_mark)
gone() {
	[ ! -e "$1" ] || { log "$2 is bound"; return 1; }
	[ "$(nm_contexts)" = "$CTX" ] || { log "msikit_ntb_msi contexts: $(nm_contexts), not $CTX"; return 1; }
	descs_back
}

# --- the loopback binds side B ---
echo "$BBDF" > "$LOOP/unbind" || ktap_bail "unbinding B from the loopback failed"
CTX=$(nm_contexts)
descs_mark
b_gone() { gone "$LOOP/$BBDF" "B"; }
# each doorbell once each way, waited for at the peer's own doorbell
# interrupt (-ETIMEDOUT if lost, -EIO if another one counted)
rings() {
	local bit=0
	while [ $bit -lt 16 ]; do
		write_err "$A/db_fire" "$bit 1" > /dev/null && write_err "$B/db_fire" "$bit 1" > /dev/null ||
			{ log "doorbell $bit lost or misrouted"; return 1; }
		bit=$((bit + 1))
	done
}
b_works() { [ -e "$LOOP/$BBDF" ] && rings; }
b_unbind() { echo "$BBDF" > "$LOOP/unbind"; }
fail_each "bind of the loopback's side B" b_gone b_works b_unbind -- write "$LOOP/bind" "$BBDF"
ktap_result "bind of side B: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0
echo "$BBDF" > "$LOOP/bind" || ktap_bail "binding B to the loopback failed"

# --- ntb_msi_test binds side A ---
# found SIDE: when SIDE's ntb_msi_test last read its peer's descriptors
# (the time stamp of its newest such line: the log may wrap meanwhile,
# but the newest line stays); found_new SIDE STAMP: since STAMP
found() { dmesg | grep "ntb_msi_test $1: Found $N interrupts on peer 0" | tail -1 | sed 's/\].*//'; }
found_new() {
	local t
	t=$(found "$1")
	[ -n "$t" ] && [ "$t" != "$2" ]
}
# both sides read the other's descriptors since FA and FB were taken: a
# side's setup work rings its peer last, so both works are done
both_found() {
	wait_for 10 found_new "$ABDF" "$FA" && wait_for 10 found_new "$BBDF" "$FB" ||
		{ log "the sides did not read each other's descriptors"; return 1; }
}
CTX0=$(nm_contexts)
FA=$(found "$ABDF") FB=$(found "$BBDF")
insmod "$LEG/ko/ntb_msi_test.ko" num_irqs=$N || ktap_bail "insmod ntb_msi_test.ko failed"
TA=$D/ntb_msi_test/$ABDF TB=$D/ntb_msi_test/$BBDF
# (ntb_msi_test's remove does not wait for its setup work: let it end)
both_found || ktap_bail "ntb_msi_test on A and B did not set up"
echo "$ABDF" > "$MSIT/unbind" || ktap_bail "unbinding ntb_msi_test from A failed"
CTX=$(nm_contexts)
descs_mark
FA=$(found "$ABDF") FB=$(found "$BBDF")
a_gone() { gone "$MSIT/$ABDF" "ntb_msi_test on A"; }
# both sides read the other's descriptors again (A's are new), then each
# triggers every interrupt of the other once
a_works() {
	[ -e "$MSIT/$ABDF" ] || { log "ntb_msi_test is not bound to A"; return 1; }
	both_found && each_once "$TB" "$TA" 1 && each_once "$TA" "$TB" 1
}
a_unbind() {
	echo "$ABDF" > "$MSIT/unbind" || return 1
	FA=$(found "$ABDF") FB=$(found "$BBDF")
}
fail_each "ntb_msi_test's bind of A (ntb_msi_init through the adapter)" a_gone a_works a_unbind -- \
	write "$MSIT/bind" "$ABDF"
ktap_result "ntb_msi_init() through the adapter: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0

# after all that, A and B still deliver, and everything goes
echo "$ABDF" > "$MSIT/bind" || ktap_bail "a last bind of ntb_msi_test to A failed"
ktap_result "ntb_msi_test: each of 4 interrupts once each way, at its own" a_works
rmmod ntb_msi_test || ktap_bail "rmmod ntb_msi_test failed"
ktap_expect "ntb_msi_test's contexts, A's and B's, went with it" "$CTX0" "$(nm_contexts)"
ktap_result "the modules unload" \
	sh -c "rmmod msikit_ntb_loop_ntb && rmmod msikit_ntb_msi && rmmod ntb && rmmod msikit_msi"
ktap_finished
