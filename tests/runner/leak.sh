#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Plants a leak only kmemleak can see: on the debug kernel the runner must
# fail this test; elsewhere there is no kmemleak and it skips.
. /opt/msikit/tests/lib/ktap.sh
. /opt/msikit/tests/runner/lib.sh
ktap_header
[ -w /sys/kernel/debug/kmemleak ] || ktap_skip_all "no kmemleak in this kernel"
ktap_result "an object was leaked" plant leak
ktap_finished
