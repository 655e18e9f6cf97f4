#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Read QEMU's CDAT table through the character device in all three modes
# and decode it: valid checksum, the structures QEMU builds (DSMAS, DSLBIS,
# DSEMTS), and byte-identical tables whichever path read them. Once, in
# irq mode: the device picked by -s, --json, and a table saved with
# --dump-bin decoding from --from-dump as it did from the device.
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

# the JSON and dump options, after check_mode irq saved irq.bin with --raw
check_conventions() {
	local short=${BDF#*:} mb rc
	mb=/dev/msikit/$(mb_of "$BDF")
	msikit-doe cdat -s "$short" --json --dump-bin $T/dump.bin > $T/dev.json
	ktap_expect "cdat -s $short --json --dump-bin exits 0" 0 $?
	ktap_result "cdat --json: $mb, checksum_valid, DSMAS and DSLBIS among the entries" \
		json_check $T/dev.json 'd["mailbox"] == a[0] and d["checksum_valid"] is True and
		d["length_valid"] is True and d["malformed"] is None and
		{"DSMAS", "DSLBIS"} <= {e["type_name"] for e in d["entries"]}' "$mb"
	ktap_result "cdat --dump-bin saves what --raw saved" cmp $T/dump.bin $T/irq.bin
	msikit-doe cdat --from-dump $T/dump.bin --json > $T/file.json
	ktap_expect "cdat --from-dump --json exits 0" 0 $?
	ktap_result "cdat --from-dump --json: the device read's header and entries, no mailbox" \
		json_check $T/file.json 'd == {k: v for k, v in json.load(open(a[0])).items()
					      if k != "mailbox"}' $T/dev.json
	# the text decoded from the dump is the device read's, less the
	# line naming the mailbox (--file is the same option, an older name)
	msikit-doe cdat "$mb" > $T/dev.txt 2>&1
	rc=$?
	msikit-doe cdat --from-dump $T/dump.bin > $T/from-dump.txt 2>&1
	ktap_expect "cdat DEV and cdat --from-dump exit 0" "0 0" "$rc $?"
	grep -v '^mailbox:' $T/dev.txt > $T/dev-body.txt
	ktap_result "cdat --from-dump prints what the device read printed, but its mailbox line" \
		sh -c "[ -s $T/from-dump.txt ] && cmp $T/dev-body.txt $T/from-dump.txt"
}

load_doe
check_mode routed
bind_msikit "$BDF" || ktap_bail "cannot bind msikit_doe"
check_mode irq
check_conventions
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
