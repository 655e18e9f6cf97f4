#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A check built on a command this guest lacks: the shell says "not found",
# the command's output is empty, and the check passes on nothing (as
# fault's descs_back did without busybox's comm). The runner fails the
# test on the shell's line, whatever it exited with.
echo "TAP version 13"
left=$(msikit-no-such-tool /sys/kernel/irq)
[ -z "$left" ] && echo "ok 1 nothing left (read from a command that never ran)"
echo "1..1"
exit 0
