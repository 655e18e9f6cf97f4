#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Waits while between-a's WARN prints: the runner must fail this test.
. /opt/msikit/tests/lib/ktap.sh
ktap_header
sleep 6
ktap_pass "waited 6 s"
ktap_finished
