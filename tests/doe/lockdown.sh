#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Kernel lockdown (LOCKDOWN_PCI_ACCESS, part of lockdown=integrity): no
# user-space object reaches a device, so EXCHANGE fails with EPERM and one
# log line, while INFO and FEATURES still answer; and msikit_doe refuses
# to load with allow_reserved=1. The lockdown LSM only ever raises the
# level, through securityfs, so this runs last in the suite: the rest of
# the boot stays locked down. Loading a module under lockdown needs a
# signature the kernel trusts, which the test build may not have: then the
# allow_reserved check is skipped, saying so. On the debug kernel the
# runner has kmemleak's own thread scan, since lockdown closes debugfs:
# locks-down
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

L=/sys/kernel/security/lockdown

ktap_header
load_swmb
ktap_result "before lockdown: an exchange works" \
	sh -c "msikit-doe exchange $SW 1234:01 0badf00d | grep -q 0badf00d"

[ -e $L ] || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
if [ ! -w $L ]; then
	why="no $L: no lockdown LSM in this kernel, or securityfs cannot be mounted"
	ktap_skip "exchange under lockdown -> EPERM" "$why"
	ktap_skip "loading with allow_reserved=1 under lockdown fails" "$why"
	rmmod msikit_doe_swmb
	rmmod msikit_doe
	ktap_finished
fi
log "lockdown before: $(cat $L)"
echo integrity > $L 2>/dev/null
ktap_result "the kernel is locked down (integrity or above)" grep -Eq '\[(integrity|confidentiality)\]' $L

e0=$(mb_stat "$MB" exchanges)
l0=$(log_mark)
out=$(msikit-doe exchange "$SW" 1234:01 0badf00d 2>&1)
log "$out"
ktap_result "exchange under lockdown -> EPERM" \
	sh -c "echo '$out' | grep -q 'Operation not permitted'"
ktap_expect "one line says why" 1 "$(new_log "refused: the kernel is locked down")"
out=$(msikit-doe exchange "$SW" 0001:01 00008410 2>&1)
log "$out"
ktap_result "a mediated SPDM GET_VERSION under lockdown -> EPERM" \
	sh -c "echo '$out' | grep -q 'Operation not permitted'"
ktap_expect "nothing reached the mailbox" "$e0" "$(mb_stat "$MB" exchanges)"
ktap_result "INFO and FEATURES still answer" \
	sh -c "msikit-doe features $SW | grep -q '1234:01'"
ktap_result "msikit_doe_swmb unloads" rmmod msikit_doe_swmb
ktap_result "msikit_doe unloads" rmmod msikit_doe

l0=$(log_mark)
if modprobe msikit_doe allow_reserved=1 2>/dev/null; then
	ktap_fail "loading with allow_reserved=1 under lockdown fails"
	rmmod msikit_doe
elif [ "$(new_log "allow_reserved=1 refused: the kernel is locked down")" = 1 ]; then
	ktap_pass "loading with allow_reserved=1 under lockdown fails, saying why once"
elif [ "$(new_log "module loading is restricted")" -ge 1 ]; then
	ktap_skip "loading with allow_reserved=1 under lockdown fails" \
		"the kernel refuses the unsigned module before msikit_doe's check runs"
else
	ktap_fail "loading with allow_reserved=1 under lockdown fails, saying why once"
	log_since "$l0" | sed 's/^/# /'
fi
ktap_finished
