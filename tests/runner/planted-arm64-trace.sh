#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A bare stack dump in arm64's spelling ("Call trace:", lower case t),
# written to the kernel log by hand: caught on every architecture.
. /opt/msikit/tests/lib/ktap.sh
ktap_header
for l in "CPU: 1 PID: 4242 Comm: planted Not tainted" \
	 "Hardware name: linux,dummy-virt (DT)" "Call trace:" \
	 " show_stack+0x20/0x38" " dump_stack_lvl+0x78/0x90" " planted_fn+0x10/0x20"; do
	echo "<4>$l" > /dev/kmsg
done
ktap_pass "an arm64-style stack dump is in the kernel log"
ktap_finished
