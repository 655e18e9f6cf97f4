#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Plants a real "warn" report from the kernel: the test passes on its own
# and the runner must fail it.
. /opt/msikit/tests/lib/ktap.sh
. /opt/msikit/tests/runner/lib.sh
ktap_header
ktap_result "the kernel printed a warn report" plant warn
ktap_finished
