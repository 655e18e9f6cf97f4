#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad input through the character device and module parameters: each gets
# its errno and the mailbox keeps working. Then random ioctls: 20,000 in
# make check, 100,000 in make soak.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
load_doe
modprobe msikit_doe_swmb || ktap_bail "modprobe msikit_doe_swmb failed"
SW=/dev/msikit/$(swmb_mb)

out=$(doe-badinput "$SW" 2>&1)
rc=$?
echo "$out" | grep -E '^(not ok|#)' | head -20
# the program's own skips reach make check's summary (tests/expected-skips)
echo "$out" | grep -E '^ok .*# SKIP'
ktap_result "doe-badinput: $(echo "$out" | grep -c '^ok') cases pass" test "$rc" = 0
ktap_result "bad input was logged" sh -c "dmesg | grep -q 'refused'"

# make check: 20,000 calls; make soak: the README's 100,000
case "${MSIKIT_SCALE:-ci}" in soak) NFUZZ=100000 ;; *) NFUZZ=20000 ;; esac
out=$(doe-fuzz -n $NFUZZ -s 1 "$SW" 2>&1)
rc=$?
echo "$out" | grep '^#' | tail -12
ktap_result "$NFUZZ random ioctls" test "$rc" = 0
ktap_result "mailbox works after the fuzz" \
	sh -c "msikit-doe exchange $SW 1234:01 0badf00d | grep -q 0badf00d"

# module parameters: refused with a reason, nothing changes
P=/sys/module/msikit_doe/parameters
old=$(cat $P/poll_max_us)
ktap_result "poll_max_us=0 refused" sh -c "! echo 0 > $P/poll_max_us"
ktap_result "poll_max_us=junk refused" sh -c "! echo junk > $P/poll_max_us"
ktap_expect "poll_max_us unchanged" "$old" "$(cat $P/poll_max_us)"
ktap_result "refusal logged" sh -c "dmesg | grep -q 'poll_max_us=.*refused'"
rmmod msikit_doe_swmb
rmmod msikit_doe
ktap_result "modprobe poll_max_us=20000 fails" sh -c "! modprobe msikit_doe poll_max_us=20000 2>/dev/null"
ktap_result "module is not loaded after the refusal" sh -c "! test -d /sys/module/msikit_doe"
ktap_result "modprobe msikit_doe_swmb count=99 fails" sh -c "modprobe msikit_doe && ! modprobe msikit_doe_swmb count=99 2>/dev/null"
rmmod msikit_doe
ktap_finished
