#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The core's spurious-interrupt report without its stack dump, written to
# the kernel log by hand: caught on every architecture.
. /opt/msikit/tests/lib/ktap.sh
ktap_header
echo '<0>irq 42: nobody cared (try booting with the "irqpoll" option)' > /dev/kmsg
echo '<0>handlers:' > /dev/kmsg
echo '<0>Disabling IRQ #42' > /dev/kmsg
ktap_pass "a nobody-cared report is in the kernel log"
ktap_finished
