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

# no udev in this guest: nvme is loaded by hand, and its serial reads
# once the controller's reset work is done
modprobe nvme
nv="" i=0
while [ -z "$nv" ] && [ $i -lt 50 ]; do
	for c in /sys/class/nvme/nvme*; do
		[ "$(tr -d ' ' < "$c/serial" 2>/dev/null)" = spdm-p384 ] &&
			nv=$(basename "$(readlink -f "$c/device")")
	done
	[ -n "$nv" ] || sleep 0.2
	i=$((i + 1))
done
[ -n "$nv" ] || echo "# no nvme function with serial spdm-p384: device authentication not shown"
if [ -n "$nv" ]; then
	echo
	echo "# Device authentication over CMA/SPDM. QEMU's nvme function $nv forwards"
	echo "# its DOE mailbox's CMA/SPDM objects to a test responder on the host"
	echo "# (tests/doe/spdm-responder.py) that plays a device's firmware with a"
	echo "# P-384 certificate chain. nvme keeps the function: msikit reaches the"
	echo "# mailbox through the kernel's pci_doe(), lets through only SPDM's"
	echo "# read-only requests, and msikit-doe checks the answers in user space."
	run msikit-doe spdm -s "$nv" --ca /msikit-run/pre/root-p384.pem --out /tmp/spdm
	run ls /tmp/spdm
	echo "# the chain msikit-doe wrote is for openssl as it is, the device's certificate first:"
	run openssl x509 -in /tmp/spdm/slot0.pem -noout -subject -issuer
	run openssl verify -CAfile /msikit-run/pre/root-p384.pem -untrusted /tmp/spdm/slot0.pem \
		/tmp/spdm/slot0.pem
	echo "# anything but a read-only request is refused, KEY_EXCHANGE here:"
	run msikit-doe exchange -s "$nv" 0001:01 0000e412
	run sh -c "dmesg | grep 'msikit-doe.*refused' | tail -1"
fi

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

D=/opt/msikit/ntb-$(uname -r)
AB=$(basename "$(dirname "$A")") BB=$(basename "$(dirname "$B")")
if [ ! -d "$D/ko" ] || [ -f "$D/WHY" ]; then
	echo "# no ntb.ko leg for $(uname -r): $(tail -2 "$D/WHY" 2>/dev/null)"
	echo
	echo "demo: done"
	exit 0
fi
echo
echo "# upstream's ntb_transport in its use_msi mode and ntb_netdev over it,"
echo "# unmodified: two network interfaces over the loopback NTB, each in a"
echo "# network namespace of its own. Debian builds no NTB core, so the test"
echo "# bed built ntb.ko and the clients from Debian's linux-source ($D);"
echo "# the loopback's windows are memory here (two ivshmem-plain functions"
echo "# on one shared memory) and a packet's interrupt is msikit's trigger,"
echo "# a store through the peer's mapped window."
run rmmod msikit_ntb_msi
run insmod "$D/ko/ntb.ko"
run insmod "$D/ko/msikit_ntb_msi.ko"
run insmod "$D/ko/msikit_ntb_loop_ntb.ko" shm=1
run insmod "$D/ko/ntb_transport.ko" use_msi=1
run insmod "$D/ko/ntb_netdev.ko"
# the interface of the side whose edu is $1
netdev_of() {
	for n in /sys/class/net/*; do
		case "$(readlink -f "$n/device")" in */"$1"/*) basename "$n" ;; esac
	done
}
IA=$(netdev_of "$AB") IB=$(netdev_of "$BB")
unshare -n sleep 600 & NA=$!
unshare -n sleep 600 & NB=$!
# (unshare execs sleep once its namespace exists)
for i in $(seq 50); do
	[ "$(readlink /proc/$NA/ns/net)" != "$(readlink /proc/$$/ns/net)" ] &&
		[ "$(readlink /proc/$NB/ns/net)" != "$(readlink /proc/$$/ns/net)" ] && break
	sleep 0.2
done
run busybox ip link set dev "$IA" netns "$NA"
run busybox ip link set dev "$IB" netns "$NB"
run nsenter -t "$NA" -n busybox ip addr add 10.97.0.1/24 dev "$IA"
run nsenter -t "$NB" -n busybox ip addr add 10.97.0.2/24 dev "$IB"
run nsenter -t "$NA" -n busybox ip link set "$IA" up
run nsenter -t "$NB" -n busybox ip link set "$IB" up
for i in $(seq 100); do
	nsenter -t "$NA" -n busybox ip link show "$IA" | grep -q LOWER_UP &&
		nsenter -t "$NB" -n busybox ip link show "$IB" | grep -q LOWER_UP && break
	sleep 0.2
done
run nsenter -t "$NA" -n busybox ip addr show "$IA"
run nsenter -t "$NA" -n busybox ping -c 3 10.97.0.2
run nsenter -t "$NB" -n busybox ping -c 3 10.97.0.1
run sh -c "dmesg | grep 'Using MSI interrupts' | tail -2"
run grep ntb_transport /proc/interrupts
run cat "$(dirname "$A")/shm" "$(dirname "$B")/shm"
kill "$NA" "$NB"
wait 2>/dev/null
run sh -c "rmmod ntb_netdev ntb_transport msikit_ntb_loop_ntb msikit_ntb_msi ntb"
echo
echo "demo: done"
