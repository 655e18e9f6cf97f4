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
echo "demo: done"
