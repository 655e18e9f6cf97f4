#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# allow_reserved, which lets user space exchange CMA/SPDM and Secured
# CMA/SPDM objects, is a load-time decision: the parameter is read-only
# (0444) and a write to it fails; loading with it taints the kernel
# (TAINT_USER, 64 in /proc/sys/kernel/tainted) and says so once in the
# log; each reserved exchange is then logged (ratelimited) and CMA/SPDM
# is not filtered. Without it, Secured CMA/SPDM gets EACCES and CMA/SPDM
# is mediated (spdm-policy.sh): a request that is not SPDM 1.x gets EPERM.
# Runs late in the suite: the taint stays.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

P=/sys/module/msikit_doe/parameters/allow_reserved
TAINT_USER=64
WARN="allow_reserved=1: user space may exchange CMA/SPDM"

ktap_header
load_doe
ktap_expect "allow_reserved is read-only: mode 444" 444 "$(stat -c %a $P)"
ktap_result "writing 1 to it fails" sh -c "! echo 1 > $P 2>/dev/null"
ktap_expect "it still reads N" N "$(cat $P)"
modprobe msikit_doe_swmb || ktap_bail "modprobe msikit_doe_swmb failed"
SW=/dev/msikit/$(swmb_mb)
out=$(msikit-doe exchange "$SW" 0001:01 12345678 2>&1)
log "$out"
ktap_result "CMA/SPDM (0001:01) is mediated: a request of SPDM 7.8 gets EPERM" \
	sh -c "echo '$out' | grep -q 'Operation not permitted'"
out=$(msikit-doe exchange "$SW" 0001:02 12345678 2>&1)
log "$out"
ktap_result "Secured CMA/SPDM (0001:02) refused with EACCES" \
	sh -c "echo '$out' | grep -q 'Permission denied'"
rmmod msikit_doe_swmb
rmmod msikit_doe

t0=$(cat /proc/sys/kernel/tainted)
l0=$(log_mark)
modprobe msikit_doe allow_reserved=1 || ktap_bail "modprobe msikit_doe allow_reserved=1 failed"
t1=$(cat /proc/sys/kernel/tainted)
log "tainted: $t0 before the load, $t1 after"
if [ $((t0 & TAINT_USER)) -ne 0 ]; then
	ktap_skip "loading with allow_reserved=1 sets TAINT_USER" \
		"the kernel carried TAINT_USER before (tainted=$t0): no change to see"
else
	ktap_result "loading with allow_reserved=1 sets TAINT_USER" \
		test $((t1 & TAINT_USER)) -eq $TAINT_USER
fi
ktap_expect "the load logs its warning once" 1 "$(new_log "$WARN")"
log_since "$l0" | grep -F "$WARN" | sed 's/^/# /'
ktap_expect "allow_reserved reads Y" Y "$(cat $P)"
ktap_result "writing 0 to it fails" sh -c "! echo 0 > $P 2>/dev/null"
ktap_expect "it still reads Y" Y "$(cat $P)"

modprobe msikit_doe_swmb || ktap_bail "modprobe msikit_doe_swmb failed"
MB=$(swmb_mb)
SW=/dev/msikit/$MB
l0=$(log_mark)
ktap_result "CMA/SPDM (0001:01) exchange goes through" \
	sh -c "msikit-doe exchange $SW 0001:01 12345678 | grep -q 12345678"
ktap_expect "and is logged once" 1 "$(new_log "exchange 0001:01 (reserved for the kernel)")"
ktap_result "an ordinary exchange is not logged" \
	sh -c "msikit-doe exchange $SW 1234:01 0badf00d | grep -q 0badf00d"
ktap_expect "no new line for it" 1 "$(new_log "$MB")"
out=$(DOE_ALLOW_RESERVED=1 doe-badinput "$SW" 2>&1)
rc=$?
echo "$out" | grep -E '^(not ok|# planned|# doe-badinput)'
# its skips (the reserved-type refusals, moot here) reach make check's summary
echo "$out" | grep -E '^ok .*# SKIP'
ktap_result "doe-badinput with allow_reserved=1" test "$rc" = 0

rmmod msikit_doe_swmb
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_result "loading again without allow_reserved works" modprobe msikit_doe
ktap_expect "and reads N" N "$(cat $P)"
rmmod msikit_doe
ktap_finished
