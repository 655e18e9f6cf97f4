#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Plants a WARN 3 s after this test ends: it prints while the next test
# (between-b) runs, and must be charged to that one.
. /opt/msikit/tests/lib/ktap.sh
. /opt/msikit/tests/runner/lib.sh
ktap_header
ktap_result "a WARN is due in 3 s" plant warn 3000
ktap_finished
