#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A test that checked nothing has not passed: it must fail.
. /opt/msikit/tests/lib/ktap.sh
ktap_header
ktap_finished
