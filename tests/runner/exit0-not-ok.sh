#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A test whose log says it failed but whose exit status says 0 (a failure
# in a subshell, a forwarded program's line): the log wins, it must fail.
echo "TAP version 13"
echo "ok 1 a check that passed"
echo "not ok 2 a planted failure the exit status hides"
echo "1..2"
exit 0
