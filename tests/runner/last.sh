#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The plan's last test: plants a WARN for after its log is cut, which
# prints after the last test, and a stack dump for after the runner's
# shutdown marker, which only the console sees while the guest powers off:
# both must turn the boot's own line red, each named.
. /opt/msikit/tests/lib/ktap.sh
. /opt/msikit/tests/runner/lib.sh
ktap_header
ktap_result "a WARN after the last test, a stack dump at power-off" \
	plant_after_shutdown stack warn
ktap_finished
