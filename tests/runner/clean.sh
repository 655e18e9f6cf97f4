#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The control: loading the planting module and asking it for nothing
# prints no report, so a runner that fails every test fails this one.
. /opt/msikit/tests/lib/ktap.sh
. /opt/msikit/tests/runner/lib.sh
ktap_header
plant none
ktap_pass "nothing planted"
ktap_finished
