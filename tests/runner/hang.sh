#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# timeout: 5
# Plants a guest that hangs: every CPU spins with interrupts off, as in a
# deadlock, and the console goes silent. Nothing in the guest can end the
# test: the host's watchdog must stop QEMU 30 s past the test's limit
# (240 s on the debug kernel), not after vm.sh's hour, and the test and
# its boot then have no result. It ends its boot:
# tests/runner/own-boot gives it one.
. /opt/msikit/tests/lib/ktap.sh
. /opt/msikit/tests/runner/lib.sh
ktap_header
plant freeze
ktap_result "the kernel let every CPU go" true
ktap_finished
