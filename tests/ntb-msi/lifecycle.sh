#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Request, write, free 1000 times without leaking an interrupt; a
# simulated peer reset, after which msikit_ntb_msi_restore() republishes
# every descriptor and all deliver; one side unbound, and the module
# unloaded, while the other side writes to it: the writer fails cleanly
# with ENODEV, nothing hangs, and a fresh side works; msikit's own counts
# of live contexts and domains follow each step, and are zero before the
# modules go (rmmod alone would succeed with a context leaked). Writer:
# edu MSI capability, requester ID of the receiving function.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

# fire_loop SIDE ERRFILE: SIDE writes A's interrupt 0 until a write fails;
# the error goes to ERRFILE
fire_loop() {
	local err
	while err=$(write_err "$1/ntb/fire" "0 20"); do
		:
	done
	echo "${err##*: }" > "$2"
}

# stopped WHAT PID: PID exits within 30 s, else it is killed
stopped() {
	if wait_pid "$2" 30; then
		ktap_pass "$1"
	else
		ktap_fail "$1"
		kill "$2" 2>/dev/null
	fi
}

ktap_header
need_ntb_loop
load_ntb
ktap_result "no context or domain before any setup" live_is 0 0
echo 0 > "$A/ntb/setup" && echo 0 > "$B/ntb/setup" || ktap_bail "setup 0 failed"
ktap_result "in use: a context and a domain per side" live_is 2 2

lines=$(wc -l < /proc/interrupts)
descs=$(ls /sys/kernel/irq | wc -l)
ktap_result "1000 cycles: request on A, one write from B (delivery checked), free" \
	sh -c "echo 1000 > $A/ntb/cycle"
ktap_expect "no interrupt left behind in /proc/interrupts" "$lines" "$(wc -l < /proc/interrupts)"
ktap_expect "no interrupt descriptor leaked" "$descs" "$(ls /sys/kernel/irq | wc -l)"

# a peer reset: B forgets A's descriptors, A's nm restores them
echo 8 > "$A/ntb/setup" || ktap_bail "setup 8 on A failed"
ktap_result "restore after a simulated reset of B's copies" sh -c "echo 1 > $B/ntb/restore"
ktap_expect "restore republished all 8 of A's descriptors" 8 "$(cat "$B/ntb/restore")"
ktap_expect "A's channel holds all 8 again" 8 "$(wc -l < "$A/ntb/descs")"
ktap_result "all 8 deliver afterwards, each exactly once" fire_all_ok "$B" "$A" 8 1
ktap_result "still one context and one domain per side" live_is 2 2
teardown_both
ktap_result "teardown of both sides leaves no context and no domain" live_is 0 0

# unbind A while B writes to it
echo 0 > "$B/ntb/setup" && echo 4 > "$A/ntb/setup" || ktap_bail "setup before unbind failed"
rm -f /tmp/ntb-fire.err
fire_loop "$B" /tmp/ntb-fire.err &
pid=$!
sleep 1
echo "$ABDF" > "$DRV/unbind"
ktap_result "A unbound while B wrote to it" test ! -e "$A/ntb"
ktap_result "A's context and domain went with the unbind, B's stay" live_is 1 1
stopped "B's writer stopped once A was gone (no hang)" $pid
ktap_expect "B's write failed cleanly" "No such device" "$(cat /tmp/ntb-fire.err 2>/dev/null)"
echo "$ABDF" > "$DRV/bind"
ktap_expect "A bound again, as side A" A "$(cat "$A/ntb/side" 2>/dev/null)"
echo 4 > "$A/ntb/setup"
ktap_result "fresh setup on A: 4 interrupts x 2 writes from B, each delivered exactly once" \
	fire_all_ok "$B" "$A" 4 2

# unload the loopback while B writes to A
rm -f /tmp/ntb-fire.err
fire_loop "$B" /tmp/ntb-fire.err &
pid=$!
sleep 1
ktap_result "rmmod msikit_ntb_loop while B writes to A: no hang" timeout 60 rmmod msikit_ntb_loop
stopped "B's writer stopped" $pid
log "B's last write: $(cat /tmp/ntb-fire.err 2>/dev/null)"
ktap_result "no nm and no domain left behind by the loopback's unload" live_is 0 0
ktap_result "msikit_ntb_msi unloads" rmmod msikit_ntb_msi
ktap_result "msikit_msi unloads" rmmod msikit_msi
ktap_finished
