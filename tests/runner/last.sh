#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The plan's last test: plants a WARN 1 s after it ends, which prints
# after the last test and must turn the boot's own line red.
. /opt/msikit/tests/lib/ktap.sh
. /opt/msikit/tests/runner/lib.sh
ktap_header
ktap_result "a WARN is due in 1 s" plant warn 1000
ktap_finished
