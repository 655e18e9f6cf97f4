#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 8 user-space clients x 1000 exchanges on one mailbox, every response
# checked against what that client asked: the per-mailbox queue must never
# interleave two exchanges. On the software mailbox (echo of unique
# payloads of random length, and generated responses of random length) and
# on QEMU's CXL mailbox (CDAT entries against a reference read), engine
# and routed.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_cxl
stress() {	# stress DESC ARGS...
	desc=$1
	shift
	out=$(doe-stress "$@" 2>&1)
	rc=$?
	echo "$out" | grep '^#' | tail -4
	ktap_result "$desc" test "$rc" = 0
}

load_doe
modprobe msikit_doe_swmb || ktap_bail "modprobe msikit_doe_swmb failed"
SW=/dev/msikit/$(swmb_mb)
stress "software irq: 8 x 1000 echo" -c 8 -n 1000 -m echo "$SW"
stress "software irq: 8 x 1000 sized" -c 8 -n 1000 -m sized "$SW"
CX=/dev/msikit/$(mb_of "$BDF")
stress "CXL routed: 8 x 1000 CDAT" -c 8 -n 1000 -m cdat "$CX"
bind_msikit "$BDF" || ktap_bail "cannot bind msikit_doe"
stress "CXL engine irq: 8 x 1000 CDAT" -c 8 -n 1000 -m cdat "$CX"
unbind_msikit "$BDF"
rmmod msikit_doe_swmb
load_doe poll=1
modprobe msikit_doe_swmb || ktap_bail "modprobe msikit_doe_swmb failed"
SW=/dev/msikit/$(swmb_mb)
stress "software poll: 8 x 1000 echo" -c 8 -n 1000 -m echo "$SW"
rmmod msikit_doe_swmb
rmmod msikit_doe
ktap_finished
