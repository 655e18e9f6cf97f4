#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The arm64 guest side of make demo: an endpoint function whose doorbells
# are ITS interrupts, rung by the host driver. The endpoint controller is
# msikit_vepc, a test-only virtual EPC that shows its functions on a
# virtual PCI bus of the same kernel (tests/modules/README.vepc), so the
# host's ring is a real store to the ITS's GITS_TRANSLATER.
run() { printf '\n$ %s\n' "$*"; "$@"; }

run uname -r
run modinfo -F filename msikit_epf_db msikit_epf_db_host
run modprobe msikit_vepc
run ls /sys/class/pci_epc
echo
echo "# create, bind and start 4 doorbells on msikit-vepc0, no configfs"
run modprobe msikit_epf_db_host
run modprobe msikit_epf_db epc=msikit-vepc0 doorbells=4
e=$(ls -d /sys/bus/pci-epf/devices/msikit_epf_db.bind* | head -1)
h=$(ls -d /sys/bus/pci/drivers/msikit_epf_db_host/[0-9]* | head -1)
run cat "$e/status"
echo "# the endpoint's doorbells (index kind BAR offset data virq):"
run cat "$e/doorbells"
echo "# the host side: a PCI function of the virtual bus, bound by msikit_epf_db_host"
run cat "$h/vendor" "$h/device"
echo "# the table the host driver read from the register BAR:"
run cat "$h/doorbells"
echo "# the host rings doorbell 2 three times, each waited for:"
run sh -c "echo '2 3' > $h/ring"
run cat "$e/rings"
run grep msikit_epf_db /proc/interrupts
run sh -c "dmesg | grep -E 'msikit' | tail -6"
run rmmod msikit_epf_db msikit_epf_db_host msikit_vepc
echo
echo "demo: done"
