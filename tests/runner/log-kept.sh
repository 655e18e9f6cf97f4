#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The runner never clears the kernel log, and a test's dmesg still shows
# only its own records: between-a's WARN printed before between-b ended,
# so the real log has it and this test's dmesg must not.
. /opt/msikit/tests/lib/ktap.sh
ktap_header
real=${MSIKIT_REAL_DMESG:?not run by run-guest.sh}
line="msikit-log-kept: own record $$"
echo "<6>$line" > /dev/kmsg

all=$($real)
own=$(dmesg)
ktap_result "the real log still has the previous test's end marker" \
	sh -c 'echo "$1" | grep -q "msikit-run: [0-9]* end runner/between-b\$"' - "$all"
ktap_result "the real log still has between-a's WARN" \
	sh -c 'echo "$1" | grep -q "msikit_report"' - "$all"
ktap_result "this test's dmesg has no runner marker" \
	sh -c '! echo "$1" | grep -q "msikit-run: "' - "$own"
ktap_result "this test's dmesg has no record of an earlier test" \
	sh -c '! echo "$1" | grep -q "msikit_report"' - "$own"
ktap_result "this test's dmesg has its own record once" \
	sh -c '[ "$(echo "$1" | grep -c "$2\$")" = 1 ]' - "$own" "$line"
ktap_finished
