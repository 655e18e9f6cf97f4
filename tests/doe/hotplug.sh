#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Removal of the device under 8 busy clients, through QEMU's monitor
# (device_del: pciehp powers the slot off, the PCI core removes the
# function). Clients must get ENODEV, never wrong data, and the mailbox
# must be gone. Runs last in the suite: the device does not come back.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_cxl
[ -c /dev/ttyS1 ] || ktap_skip_all "no host request channel"
load_doe
bind_msikit "$BDF" || ktap_bail "cannot bind msikit_doe"
MB=$(mb_of "$BDF")

# The removal comes when pciehp acts on the attention button (5 s later,
# more on a slow kernel): the clients run until it has happened and they
# have had a second to meet it, not for a fixed time.
rm -f /tmp/h.stop
doe-stress -k -d 120 -s /tmp/h.stop -m cdat "/dev/msikit/$MB" > /tmp/h.log 2>&1 &
pid=$!
sleep 2
host_request device_del cxl0
ktap_result "device removed within 30 s" wait_gone "$BDF" 30
sleep 1
touch /tmp/h.stop
wait $pid
rc=$?
grep '^#' /tmp/h.log | tail -4
ktap_result "clients: exchanges before the removal, then only ENODEV (and ENOENT or ENXIO reopening a node that is going), no wrong data" \
	stress_verdict /tmp/h.log $rc ENODEV open:ENOENT open:ENXIO
ktap_result "clients got ENODEV" grep -q '^# errno ENODEV' /tmp/h.log
ktap_result "mailbox unregistered" sh -c "! test -e $CLASS/$MB"
ktap_result "module unloads after removal" rmmod msikit_doe
ktap_finished
