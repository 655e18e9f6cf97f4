#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# msikit_doe under fault injection, on the CXL machine's type-3 device:
# loading the module (which finds every mailbox and runs Discovery on the
# routed ones); binding it to the device (the engine takes the mailbox,
# its interrupt and Discovery); each ioctl on its node;
# msikit_doe_attach() from the function's own driver (the test-only
# msikit_doe_client); and the bind again with poll=1. Each kmalloc() is failed in turn: the operation
# must fail with an errno and leave no module, class, binding or irq
# descriptor behind, or absorb the failure and work: the mailbox there,
# with all of its features.
# timeout: 1800
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/../doe/lib.sh"
. "$(dirname "$0")/lib.sh"

FEATURES="0001:00 1e98:02 "
DRV=/sys/bus/pci/drivers/msikit_doe

ktap_header
need_cxl
fault_setup
DEV=/sys/bus/pci/devices/$BDF
rmmod msikit_doe 2>/dev/null
descs_mark

# the mailbox is there, in MODE, and lists every feature
mb_works() {
	local mb
	mb=$(mb_of "$BDF")
	[ -n "$mb" ] && [ "$(mb_attr "$mb" mode)" = "$1" ] &&
		[ "$(mb_attr "$mb" features | tr '\n' ' ')" = "$FEATURES" ] ||
		{ log "mailbox '$mb': mode $(mb_attr "$mb" mode), features $(mb_attr "$mb" features | tr '\n' ' ')"; return 1; }
}

# --- loading msikit_doe ---
doe_gone() { [ ! -d /sys/module/msikit_doe ] && [ ! -d "$CLASS" ] && descs_back; }
doe_works() { mb_works routed; }
doe_unload() { rmmod msikit_doe; }
fail_each "load msikit_doe" doe_gone doe_works doe_unload -- load "$(ko msikit_doe)"
ktap_result "load msikit_doe: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0

# --- binding msikit_doe to the device ---
modprobe msikit_doe || ktap_bail "modprobe msikit_doe failed"
[ -e "$DEV/driver" ] && echo "$BDF" > "$DEV/driver/unbind"
echo msikit_doe > "$DEV/driver_override"
descs_mark
bind_gone() { [ ! -e "$DEV/driver" ] && descs_back && mb_works routed; }
# a failure the engine absorbed may leave it polling: the fallback it
# takes on a device without vectors, which works as well
bind_works() { mb_works irq || mb_works poll; }
unbind() { echo "$BDF" > $DRV/unbind; }
fail_each "bind msikit_doe" bind_gone bind_works unbind -- write $DRV/bind "$BDF"
ktap_result "bind msikit_doe: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0

# after all that, the engine still runs and the module goes cleanly
ktap_result "bind msikit_doe to $BDF" sh -c "echo $BDF > $DRV/bind"
ktap_result "the engine runs with interrupts and lists every feature" mb_works irq

# --- a user-space exchange and each ioctl on the mailbox's node ---
# A failed call must leave the mailbox as it was: nothing queued, no
# reference to the module held, still in interrupt mode with every
# feature; one that did not reach the device must not count an exchange
# or an error either (an exchange the engine failed counts an error, as
# it should). fail-nth itself checks that a call that succeeded returned
# what the mailbox holds.
MB=$(mb_of "$BDF")
NODE=/dev/msikit/$MB
ref0=$(cat /sys/module/msikit_doe/refcnt)
counts() { echo "$(mb_stat "$MB" exchanges) $(mb_stat "$MB" errors)"; }
node_gone() {
	[ "$(mb_attr "$MB" queued)" = 0 ] && [ "$(cat /sys/module/msikit_doe/refcnt)" = "$ref0" ] &&
		{ [ "$op" = discovery ] || [ "$(counts)" = "$COUNTS" ]; } && mb_works irq ||
		{ log "after a failed $op: queued $(mb_attr "$MB" queued), exchanges and errors $(counts) (were $COUNTS), refcnt $(cat /sys/module/msikit_doe/refcnt) (was $ref0)"; return 1; }
}
node_works() { mb_works irq; }
for op in open info features discovery; do
	COUNTS=$(counts)
	fail_each "doe $op" node_gone node_works true -- doe "$NODE" $op
	ktap_result "$op on the node: $POINTS failure points, each reported and unwound or absorbed" \
		test "$BAD" = 0
done
ktap_result "an exchange after all that succeeds" test "$(doe-xchg "$NODE" 0001:00 4 0)" = "success rsp_len=4"
unbind
echo > "$DEV/driver_override"

# --- msikit_doe_attach(): the function's own driver hands it over ---
# (msikit_doe_client, test only: its probe allocates its vectors and
# attaches; its failures are the operation's too)
CDRV=/sys/bus/pci/drivers/msikit_doe_client
modprobe msikit_doe_client || ktap_bail "modprobe msikit_doe_client failed"
echo msikit_doe_client > "$DEV/driver_override"
descs_mark
att_gone() { [ ! -e "$DEV/driver" ] && [ "$(cat "$DEV/enable")" = 0 ] && descs_back && mb_works routed; }
att_works() { mb_works irq || mb_works poll; }
att_undo() { echo "$BDF" > $CDRV/unbind; }
fail_each "attach" att_gone att_works att_undo -- write $CDRV/bind "$BDF"
ktap_result "attach from the function's driver: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0
echo > "$DEV/driver_override"
rmmod msikit_doe_client

# --- binding with poll=1 (the engine never asks for vectors) ---
rmmod msikit_doe
modprobe msikit_doe poll=1 || ktap_bail "modprobe msikit_doe poll=1 failed"
[ -e "$DEV/driver" ] && echo "$BDF" > "$DEV/driver/unbind"
echo msikit_doe > "$DEV/driver_override"
descs_mark
poll_works() { mb_works poll; }
fail_each "bind msikit_doe poll=1" bind_gone poll_works unbind -- write $DRV/bind "$BDF"
ktap_result "bind with poll=1: $POINTS failure points, each reported and unwound or absorbed" \
	test "$BAD" = 0 -a "$POINTS" -gt 0
echo > "$DEV/driver_override"
rmmod msikit_doe
ktap_result "msikit_doe unloads" test ! -d /sys/module/msikit_doe
ktap_finished
