#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: on a fresh Debian machine, build the test bed, dkms-install
# msikit into a stock Debian kernel's root, boot that kernel under QEMU with
# an emulated CXL memory device, an nvme function that speaks CMA/SPDM,
# two edu functions and two ivshmem-plain functions on one shared memory,
# and show the DOE driver at work, a device's identity verified over
# CMA/SPDM, NTB
# peer interrupts between two loopback ports, and two network interfaces
# over them (upstream's ntb_transport and ntb_netdev) pinging; then boot
# Debian's arm64 kernel of the same ABI on a GICv3 ITS machine and show an
# endpoint function's doorbells rung by the host driver.
#
#   demo.sh [-k KERNEL]     default: the newest kernel of the matrix
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"

KSEL=""
[ "${1:-}" = -k ] && KSEL=$2
[ "$(id -u)" = 0 ] || die "demo.sh needs root (chroot, mounts)"
# One run per cache at a time: runs share the root and its /msikit-run.
mkdir -p "$MSIKIT_CACHE"
exec 9>"$MSIKIT_CACHE/.lock"
flock -n 9 || { msg "waiting for another msikit run on $MSIKIT_CACHE"; flock 9; }

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "host prerequisites (bookworm packages only) and the cached trixie root"
"$HERE/host-setup.sh"
"$HERE/mkroot.sh"
K=$(tail -1 "$ROOT/.msikit-kernels")
[ -n "$KSEL" ] && K=$(select_kernels "$KSEL" | tail -1)
[ -n "$K" ] || die "no kernel of the matrix matches '$KSEL'"

step "dkms add/build/install msikit for $K (log: $MSIKIT_CACHE/build.log)"
KERNELS=$K "$HERE/build.sh"
# and the ntb.ko leg the ntb_transport part of the demo loads
"$HERE/build.sh" --leg "$K" | tail -1
[ ! -f "$ROOT/opt/msikit/ntb-$K/WHY" ] ||
	die "the ntb.ko leg for $K did not build: $(tail -3 "$ROOT/opt/msikit/ntb-$K/WHY" | tr '\n' ' ')"
chroot "$ROOT" dkms status msikit

step "booting the stock Debian kernel $K under QEMU (TCG) with a CXL type-3 device, an nvme function that speaks CMA/SPDM, two edu functions and two ivshmem-plain functions on one shared memory"
# the loopback's shared memory, as tests/ntb-msi/qemu gives it
shm="-object memory-backend-file,id=ntbshm0,mem-path=/msikit-run/ntb-shm,size=4M,share=on
     -object memory-backend-file,id=ntbshm1,mem-path=/msikit-run/ntb-shm,size=4M,share=on
     -device ivshmem-plain,memdev=ntbshm0,bus=pcie.0 -device ivshmem-plain,memdev=ntbshm1,bus=pcie.0"
# QEMU's nvme forwards its DOE's CMA/SPDM objects to a socket: the doe
# suite's test responder plays a device's firmware there (P-384 chain)
spdm="-device nvme,serial=spdm-p384,spdm_port=@PORT_p384@,bus=pcie.0"
MSIKIT_QEMU_PRE="exec python3 /opt/msikit/tests/doe/spdm-responder.py /msikit-run/pre p384" \
MSIKIT_QEMU_EXTRA="$spdm -device edu,bus=pcie.0 -device edu,bus=pcie.0 $shm" "$HERE/vm.sh" "$K" cxl /bin/sh /opt/msikit/tests/demo-guest.sh 2>&1 |
	grep -a -v -E '^(SeaBIOS|Booting from|Probing EDD)|\[[0-9 .]+\] (reboot|ACPI|x2apic)' |
	sed -u 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g'

# arm64: endpoint doorbells on a GICv3 ITS. Debian's arm64 kernel of the
# same ABI, msikit built for it by dkms (cross), QEMU virt with the nodes
# the epf-doorbell suite adds to its device tree.
FK=""
if KERNELS=$K "$HERE/foreign.sh" arm64 > "$MSIKIT_CACHE/demo-foreign.log" 2>&1; then
	FK=$(awk -v k="$K" '$1 == k && $2 == "arm64" && $4 == "ok" { print $3 }' "$ROOT/.msikit-foreign")
fi
if [ -z "$FK" ]; then
	step "arm64: no Debian arm64 kernel for $K here (see $MSIKIT_CACHE/demo-foreign.log): endpoint doorbells not shown"
	exit 0
fi
step "dkms build msikit for Debian's arm64 kernel $FK (cross; log: $MSIKIT_CACHE/build-$FK.log)"
"$HERE/build.sh" --cross "$FK" | tail -1
step "booting $FK on QEMU virt (GICv3 ITS) with a virtual endpoint controller node: the host driver rings the endpoint's doorbells"
MSIKIT_DTS_EXTRA=$(dirname "$HERE")/tests/epf-doorbell/arm64-its.dtsi "$HERE/vm.sh" "$FK" arm64-its /bin/sh /opt/msikit/tests/demo-guest-epf.sh 2>&1 |
	grep -a -v -E 'qemu-system-aarch64: warning|\[[0-9 .]+\] reboot' |
	sed -u 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g'
