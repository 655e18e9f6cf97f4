#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest side of make demo: what a user of msikit would type.
export PATH=/opt/msikit/tools:$PATH
run() { printf '\n$ %s\n' "$*"; "$@"; }

run uname -r
run modinfo -F filename msikit_doe
run modprobe msikit_doe
bdf=$(for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/class")" = 0x050210 ] && basename "$d"; done)
run lspci -s "$bdf"
echo
echo "# msikit does not own $bdf yet: its mailbox is routed through the kernel's pci_doe()"
run msikit-doe list
run msikit-doe features "$bdf"
echo
echo "# give the function to msikit_doe: its own engine drives the mailbox, interrupt driven"
run sh -c "echo msikit_doe > /sys/bus/pci/devices/$bdf/driver_override"
run sh -c "echo $bdf > /sys/bus/pci/drivers_probe"
run msikit-doe list
run msikit-doe cdat "$bdf"
mb=$(ls /sys/class/msikit-doe | grep -F "$bdf" | head -1)
run grep -H . /sys/class/msikit-doe/"$mb"/mode /sys/class/msikit-doe/"$mb"/irq \
	/sys/class/msikit-doe/"$mb"/stats/exchanges /sys/class/msikit-doe/"$mb"/stats/irqs
run sh -c "dmesg | grep -i msikit | tail -5"

echo
echo "# msikit_ntb_msi: NTB peer interrupts in a domain of their own. Two edu"
echo "# functions play the two ports of a back-to-back NTB (msikit_ntb_loop, a"
echo "# test-only port driver): a peer's write through its window arrives as a"
echo "# real MSI write carrying the receiving function's requester ID."
run modprobe msikit_ntb_loop
set -- $(for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] && echo "$d/ntb"; done | sort)
A=$1 B=$2
run modinfo -F ntb_core msikit_ntb_msi
run sh -c "echo 4 > $A/setup && echo 0 > $B/setup"
run cat "$A/info"
echo "# the descriptors A publishes to its peer (window offset, data):"
run cat "$A/descs"
echo "# B triggers each of A's 4 peer interrupts 3 times, each waited for at its own interrupt:"
run sh -c "echo 3 > $B/fire_all"
run cat "$B/fire_result" "$A/counts"
run grep ntb-loop /proc/interrupts
run sh -c "echo 1 > $A/teardown && echo 1 > $B/teardown && rmmod msikit_ntb_loop"
echo
echo "demo: done"
