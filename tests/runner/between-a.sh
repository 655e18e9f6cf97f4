#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Plants a WARN for just after this test's log is cut: it prints between
# this test and the next (between-b), and must be charged to the next.
. /opt/msikit/tests/lib/ktap.sh
. /opt/msikit/tests/runner/lib.sh
ktap_header
ktap_result "a WARN is due after this test" plant_after_cut warn
ktap_finished
