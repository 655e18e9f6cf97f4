#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Upstream's ntb_msi API over msikit, with upstream's own client of it,
# unmodified: drivers/ntb/test/ntb_msi_test.c from Debian's linux-source
# of this kernel, built out of tree against the NTB core of the ntb.ko
# leg and against msikit_ntb_msi's ntb_msi_init() and friends
# (ntb-msi/upstream.c), which take the highest memory window of the
# loopback's struct ntb_devs through msikit's adapter. Each side requests
# 4 interrupts and publishes their descriptors in its scratchpads; the
# other side triggers each through its debugfs, and each must count at its
# own interrupt, exactly once, none at a sibling. Then the interrupts
# move between CPUs: where that changes descriptors, ntb_msi_test's
# desc_changed republishes them and each still counts exactly its own.
# The loopback runs with one_port_number (tests/modules/README.ntb-loop:
# ntb_msi_test indexes peers by the port number that rang).
# timeout: 300
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

N=4
ktap_header
need_ntb_loop
need_ntb_leg
grep -qw debugfs /proc/mounts || mount -t debugfs none /sys/kernel/debug
insmod "$D/ko/msikit_ntb_msi.ko" || ktap_bail "insmod msikit_ntb_msi.ko (adapter, ntb_msi API) failed"
ktap_result "this msikit_ntb_msi carries upstream's ntb_msi API" \
	sh -c "modinfo -F ntb_core $D/ko/msikit_ntb_msi.ko | grep -q 'ntb_msi API'"
insmod "$D/ko/msikit_ntb_loop_ntb.ko" one_port_number=1 || ktap_bail "insmod msikit_ntb_loop_ntb.ko failed"
contexts=$(nm_contexts)
insmod "$D/ko/ntb_msi_test.ko" num_irqs=$N || ktap_bail "insmod ntb_msi_test.ko failed"
T=/sys/kernel/debug/ntb_msi_test
TA=$T/$ABDF TB=$T/$BBDF

# ready SIDE: SIDE has its peer's descriptors
ready() {
	local i=0
	while [ $i -lt 50 ]; do
		[ "$(cat "$1/peer0/ready" 2>/dev/null)" = 1 ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
ktap_result "ntb_msi_test on A has B's descriptors" ready "$TA"
ktap_result "ntb_msi_test on B has A's descriptors" ready "$TB"
ktap_expect "A found $N interrupts of B" $N "$(cat "$TA/peer0/count")"
ktap_expect "B found $N interrupts of A" $N "$(cat "$TB/peer0/count")"
ktap_expect "msikit_ntb_msi contexts: the loopback's two, and one per ntb_msi_init()" \
	$((contexts + 2)) "$(nm_contexts)"

ktap_result "A -> B: each of B's $N interrupts twice, each counted at its own interrupt exactly once" \
	each_once "$TA" "$TB" 2
ktap_result "B -> A: each of A's $N interrupts twice, each counted exactly once" \
	each_once "$TB" "$TA" 2

# Move B's interrupts between the CPUs, each move followed by triggers from
# A, which reads the descriptors ntb_msi_test republished (x86 vector) or
# that never changed (remapping)
irqs=$(awk '/ntb_msi_test/ { sub(":", "", $1); print $1 }' /proc/interrupts | head -$((N * 2)))
found=$(dmesg | grep -c "Found $N interrupts on peer")
moves() {
	local k=0 i cpu
	while [ $k -lt 4 ]; do
		cpu=$((k % 2))
		for i in $irqs; do echo $cpu > /proc/irq/$i/smp_affinity_list; done 2>/dev/null
		sleep 0.2
		each_once "$TA" "$TB" 1 && each_once "$TB" "$TA" 1 || return 1
		k=$((k + 1))
	done
}
if [ "$(nproc)" -ge 2 ]; then
	ktap_result "4 rounds of moves between CPU 0 and 1, each interrupt still counted exactly once both ways" moves
	p=$(awk '/parent/ { print $2 }' "$A/info")
	log "parent $p; descriptors re-read by the peers since the first: $(( $(dmesg | grep -c "Found $N interrupts on peer") - found ))"
else
	ktap_skip "moves between CPUs" "needs 2 CPUs"
fi
rmmod ntb_msi_test || ktap_bail "rmmod ntb_msi_test failed"
ktap_expect "ntb_msi_test's contexts went with it (devres)" "$contexts" \
	"$(nm_contexts)"
ktap_result "unload: loopback, msikit_ntb_msi, ntb.ko" \
	sh -c "rmmod msikit_ntb_loop_ntb && rmmod msikit_ntb_msi && rmmod ntb && rmmod msikit_msi"
ktap_finished
