#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The plan's last test: plants a WARN for after its log is cut, which
# prints after the last test and must turn the boot's own line red.
. /opt/msikit/tests/lib/ktap.sh
. /opt/msikit/tests/runner/lib.sh
ktap_header
ktap_result "a WARN is due after the last test" plant_after_cut warn
ktap_finished
