#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# timeout: 5
# Plants a test asleep in the kernel past its limit, where the runner's
# kill cannot reach it (an uninterruptible sleep, as a driver waiting for
# a device that never answers): the test must fail as timed out, naming
# where it sleeps. It ends its boot (the sleeper holds msikit_report):
# tests/runner/own-boot gives it one.
. /opt/msikit/tests/lib/ktap.sh
. /opt/msikit/tests/runner/lib.sh
ktap_header
plant stuck
ktap_result "the kernel let a stuck test go" true
ktap_finished
