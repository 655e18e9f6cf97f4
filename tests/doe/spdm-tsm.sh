#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# While the kernel's PCI TSM holds a function (7.x: pdev->tsm, set by the
# PCI core's connect), a CMA/SPDM request from user space would break the
# TSM's own session there: msikit_doe refuses it, mediated or raw, with
# EBUSY and one line, and msikit-doe spdm exits 5. A test-only TSM
# (tests/modules/msikit_tsm_fake.c) has the PCI core connect the P-384
# nvme function for real (routed: nvme keeps it); once the TSM lets go,
# the device is verified again. Kernels without the TSM core skip.
# timeout: 120
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

PRE=/msikit-run/pre
EV=/tmp/spdm-tsm

# verify: msikit-doe spdm on the P-384 function, its exit code in RC
verify() {
	rm -rf $EV && mkdir -p $EV
	msikit-doe spdm "$B" --ca $PRE/root-p384.pem --out $EV > $EV/out 2>&1
	RC=$?
	sed 's/^/# /' $EV/out | grep -E 'result|chain:|refused|busy|TSM' | head -3
}
new_lines() { log_since "$l0" | grep -c "$1"; }

ktap_header
[ -s $PRE/ports ] || ktap_skip_all "no SPDM responder: this machine has no nvme spdm_port devices"
modinfo msikit_tsm_fake > /dev/null 2>&1 ||
	ktap_skip_all "no PCI TSM core in this kernel (CONFIG_PCI_TSM) or none msikit_tsm_fake recognises"
load_doe
modprobe nvme || ktap_bail "modprobe nvme failed"
i=0
while [ $i -lt 50 ] && ! nvme_bdf p384 > /dev/null; do sleep 0.2; i=$((i + 1)); done
B=$(nvme_bdf p384) || ktap_bail "no nvme function with serial spdm-p384"
D=/sys/bus/pci/devices/$B

verify
ktap_expect "before any TSM: verified (exit 0)" 0 "$RC"
before=$(ls /sys/class/tsm 2>/dev/null)
# a test cut short leaves no TSM holding the function (unloading it
# disconnects, and puts the Device Capabilities bit back)
trap 'rmmod msikit_tsm_fake 2>/dev/null' EXIT
modprobe msikit_tsm_fake bdf="$B" || ktap_bail "modprobe msikit_tsm_fake bdf=$B failed"
# the TSM this module registered: the one that was not there before
T=$(ls /sys/class/tsm 2>/dev/null | grep -vxF "$before" | head -1)
log "TSM $T; $B's tsm/: $(ls "$D/tsm" 2>/dev/null | tr '\n' ' ')"
ktap_result "the PCI core offers $B to the TSM ($T)" test -n "$T" -a -w "$D/tsm/connect"
ktap_result "connect: the PCI core gives $B to the TSM" sh -c "echo $T > $D/tsm/connect"

l0=$(log_mark)
verify
ktap_expect "msikit-doe spdm while the TSM holds $B: busy (exit 5)" 5 "$RC"
ktap_result "one line says why" test "$(new_lines "the kernel's TSM holds this device")" -ge 1
out=$(msikit-doe exchange "$B" 0001:01 00008410 2>&1)
log "$out"
ktap_result "a raw GET_VERSION meanwhile: EBUSY" sh -c "echo '$out' | grep -q 'Device or resource busy'"
ktap_expect "nothing claimed" none "$(mb_attr "$(mb_of "$B")" spdm_claim)"

ktap_result "disconnect: the TSM lets go of $B" sh -c "echo $T > $D/tsm/disconnect"
verify
ktap_expect "once the TSM let go: verified again (exit 0)" 0 "$RC"
ktap_result "the TSM unloads" rmmod msikit_tsm_fake
ktap_result "and $B's tsm/ goes with it" test ! -e "$D/tsm/connect"
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
