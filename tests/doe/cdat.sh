#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Read QEMU's CDAT table through the character device in all three modes
# and decode it: valid checksum, the structures QEMU builds (DSMAS, DSLBIS,
# DSEMTS), and byte-identical tables whichever path read them.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
ktap_result "cdat-selftest: decoder and reader on synthetic tables" cdat-selftest
need_cxl
T=/tmp/cdat
mkdir -p $T

check_mode() {	# check_mode MODE
	out=$(msikit-doe cdat "$BDF" --raw "$T/$1.bin" 2>&1)
	rc=$?
	echo "$out" | grep -E 'checksum|length:|^\[' | sed "s/^/# $1: /"
	ktap_result "$1: CDAT reads and decodes" test "$rc" = 0
	ktap_result "$1: checksum valid, DSMAS and DSLBIS present" \
		sh -c "echo '$out' | grep -q '(valid)' && echo '$out' | grep -q DSMAS && echo '$out' | grep -q DSLBIS"
}

load_doe
check_mode routed
bind_msikit "$BDF" || ktap_bail "cannot bind msikit_doe"
check_mode irq
unbind_msikit "$BDF"
load_doe poll=1
bind_msikit "$BDF" || ktap_bail "cannot bind msikit_doe"
ktap_expect "poll=1 selects polling" poll "$(mb_attr "$(mb_of "$BDF")" mode)"
check_mode poll
ktap_result "identical tables in all modes" \
	sh -c "cmp $T/routed.bin $T/irq.bin && cmp $T/irq.bin $T/poll.bin"
unbind_msikit "$BDF"
rmmod msikit_doe
ktap_finished
