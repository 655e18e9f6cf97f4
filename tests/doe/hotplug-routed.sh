#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Removal of a function whose routed mailbox is in use. msikit does not
# own the function, so every exchange runs through the kernel's pci_doe()
# on the core's mailbox, which the core frees right after device_del():
# 8 clients keep exchanges queued and one on the registers while the PCI
# core removes the function. The removal is the PCI core's own (sysfs
# remove), the path pciehp takes after its attention button too, so that
# a rescan brings the device back for the tests after this one (hotplug.sh
# pulls it out through QEMU, with msikit's engine bound). No oops, no
# hang: the removal completes, the clients get ENODEV and never wrong
# data, the mailbox goes, nothing holds the module, and the function that
# comes back gets a working routed mailbox.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_cxl
load_doe
MB=$(mb_of "$BDF")
[ -n "$MB" ] || ktap_bail "no mailbox for $BDF"
ktap_expect "the mailbox is routed through pci_doe()" routed "$(mb_attr "$MB" mode)"
drv=$(readlink "/sys/bus/pci/devices/$BDF/driver")
log "driver of $BDF: ${drv:+$(basename "$drv")}${drv:-none}"

# exchanges_moving MB: its exchanges counter rises within 5 s
exchanges_moving() {
	local a b i=0
	a=$(mb_stat "$1" exchanges)
	while [ $i -lt 25 ]; do
		sleep 0.2
		b=$(mb_stat "$1" exchanges)
		[ "${b:-0}" -gt "${a:-0}" ] && return 0
		i=$((i + 1))
	done
	return 1
}

# appears FILE SECONDS: FILE exists within SECONDS (a finished child is
# still there for kill -0 until the shell reaps it: a file tells)
appears() {
	local i=0
	while [ ! -e "$1" ] && [ $i -lt $(($2 * 5)) ]; do
		sleep 0.2; i=$((i + 1))
	done
	[ -e "$1" ]
}

# no_mailbox BDF: the function has no mailbox any more
no_mailbox() {
	[ -z "$(mb_of "$1")" ]
}

rm -f /tmp/hr.stop /tmp/hr.removed
doe-stress -k -d 120 -s /tmp/hr.stop -m cdat "/dev/msikit/$MB" > /tmp/hr.log 2>&1 &
pid=$!
ktap_result "clients are exchanging before the removal" exchanges_moving "$MB"
# in the background: a removal that hangs must fail this test, not stop it
(echo 1 > "/sys/bus/pci/devices/$BDF/remove"; touch /tmp/hr.removed) &
ktap_result "function removed within 30 s, exchanges in flight" wait_gone "$BDF" 30
ktap_result "the removal returned" appears /tmp/hr.removed 10
sleep 1
touch /tmp/hr.stop
wait $pid
rc=$?
grep '^#' /tmp/hr.log | tail -4
ktap_result "clients: exchanges before the removal, then only ENODEV (and ENOENT or ENXIO reopening a node that is going), no wrong data" \
	stress_verdict /tmp/hr.log $rc ENODEV open:ENOENT open:ENXIO
ktap_result "clients got ENODEV" grep -q '^# errno ENODEV' /tmp/hr.log
ktap_result "mailbox unregistered" sh -c "! test -e $CLASS/$MB"
ktap_result "no mailbox left for $BDF" no_mailbox "$BDF"
ktap_expect "nothing holds the module once the clients are gone" 0 \
	"$(cat /sys/module/msikit_doe/refcnt)"

# The function comes back: a fresh routed mailbox, nothing left of the old.
echo 1 > /sys/bus/pci/rescan
i=0
while [ -z "$(mb_of "$BDF")" ] && [ $i -lt 150 ]; do
	sleep 0.2; i=$((i + 1))
done
MB2=$(mb_of "$BDF")
ktap_result "rescan: $BDF is back with a mailbox" test -n "$MB2"
ktap_expect "rescan: the new mailbox is routed" routed "$(mb_attr "$MB2" mode)"
ktap_result "rescan: CDAT reads through the new mailbox" \
	sh -c "msikit-doe cdat $BDF > /dev/null"
ktap_result "module unloads" rmmod msikit_doe
ktap_finished
