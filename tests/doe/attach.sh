#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# msikit_doe_attach() and msikit_doe_detach() as a function's own driver
# calls them: msikit_doe_client (test only, tests/modules) bound to the
# CXL device. With the client's MSI vectors the mailbox runs in interrupt
# mode; with MSIKIT_DOE_ATTACH_POLL, or without vectors, it is polled;
# CDAT reads through it each time. Detached (the client unbound) the
# function is disabled again and the mailbox is routed again and works. An unknown flag, and an attach forced to fail
# (fail_probe_after_remove), fail the client's probe with their errno and
# one log line, and leave the mailbox routed and working.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

C=msikit_doe_client
CP=/sys/module/$C/parameters
FAIL=/sys/module/msikit_doe/parameters/fail_probe_after_remove

cdat_ok() { msikit-doe cdat "$BDF" 2>/dev/null | grep -q '(valid)'; }
bind_client() {
	echo $C > "/sys/bus/pci/devices/$BDF/driver_override"
	echo "$BDF" > /sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$BDF/driver")")" = $C ]
}
# attached PARAMS MODE: the client bound with PARAMS (vectors, flags)
# gives the mailbox MODE, and CDAT reads through it
attached() {
	local v=$1 f=$2 mode=$3
	echo "$v" > $CP/vectors && echo "$f" > $CP/flags && bind_client &&
		[ "$(mb_of "$BDF")" = "$MB" ] && [ "$(mb_attr "$MB" mode)" = "$mode" ] && cdat_ok ||
		{ log "vectors=$v flags=$f: driver $(readlink "/sys/bus/pci/devices/$BDF/driver"), mailbox '$(mb_of "$BDF")' mode $(mb_attr "$MB" mode)"; return 1; }
}
# detached: the client unbound (unbind_msikit unbinds any driver), the
# function disabled again, the mailbox routed again and working
detached() {
	unbind_msikit "$BDF"
	[ "$(cat "/sys/bus/pci/devices/$BDF/enable")" = 0 ] && [ "$(mb_of "$BDF")" = "$MB" ] &&
		[ "$(mb_attr "$MB" mode)" = routed ] && cdat_ok ||
		{ log "after the unbind: enable $(cat "/sys/bus/pci/devices/$BDF/enable"), mailbox '$(mb_of "$BDF")' mode $(mb_attr "$MB" mode)"; return 1; }
}

ktap_header
need_cxl
rmmod $C 2>/dev/null
load_doe
unbind_msikit "$BDF"
modprobe $C || ktap_bail "modprobe $C failed"
MB=$(mb_of "$BDF")
[ -n "$MB" ] || ktap_bail "no routed mailbox for $BDF"
ktap_expect "routed before the attach" routed "$(mb_attr "$MB" mode)"

ktap_result "attach with the driver's MSI vectors: interrupt mode, CDAT reads" attached 1 0 irq
ktap_result "detach: routed again, CDAT reads" detached
ktap_result "attach with MSIKIT_DOE_ATTACH_POLL: polled, CDAT reads" attached 1 1 poll
ktap_result "detach" detached
ktap_result "attach without vectors: polled, CDAT reads" attached 0 0 poll
ktap_result "detach" detached

# the API's refusals: the probe fails with the errno, the mailbox stays
refused() {	# refused VECTORS FLAGS ERRNO LINE
	local l0
	l0=$(log_mark)
	echo "$1" > $CP/vectors && echo "$2" > $CP/flags || return 1
	bind_client && { log "the client bound"; return 1; }
	[ "$(log_since "$l0" | grep -cF "$BDF: $4")" = 1 ] ||
		{ log "'$4' logged $(log_since "$l0" | grep -cF "$BDF: $4") times"; return 1; }
	log_since "$l0" | grep -q "probe with driver $C failed with error -$3" ||
		{ log "no probe failure with -$3"; return 1; }
	detached
}
ktap_result "an unknown flag: EINVAL, one line, the mailbox routed and working" \
	refused 1 2 22 "msikit_doe_attach: unknown flags 0x2"
echo 1 > $FAIL || ktap_bail "no $FAIL"
ktap_result "an attach that fails (fail_probe_after_remove): EIO, one line, the mailbox routed and working" \
	refused 1 0 5 "msikit_doe_attach failed on purpose"
echo 0 > $FAIL
echo 0 > $CP/flags
ktap_result "attach works again" attached 1 0 irq
ktap_result "detach" detached
ktap_result "$C unloads" rmmod $C
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
