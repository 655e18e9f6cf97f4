#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# inline_exchange=1: an in-kernel synchronous exchange on an idle mailbox
# runs in its caller, not the queue's worker (stats/inline), counted per
# exchange on the software mailbox, with msikit_doe_bench as the caller
# (it checks every echo against what it sent):
# - alone, each of its exchanges runs inline, and the file is there by
#   its name (once it was named after what the kernel defines the keyword
#   inline as, and no test noticed);
# - with inline_exchange=0, none does;
# - while 4 user-space clients (queued, run by the worker) exchange on
#   the same mailbox, from before the in-kernel ones start to after they
#   end, every exchange of either kind gets its own answer.
# timeout: 120
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

IP=/sys/module/msikit_doe/parameters/inline_exchange
st() { mb_stat "$MB" "$1"; }
d() { echo $(($(st "$1") - $2)); }

# kbench N: N in-kernel exchanges (and the module's untimed ones); sets
# KX to how many it ran
kbench() {
	local out
	rmmod msikit_doe_bench 2>/dev/null
	modprobe msikit_doe_bench label=inl target="$T" path=msikit n="$1" delay_us=0 ||
		return 1
	out=$(dmesg | awk '/\] bench-info: start inl / { b = "" } { b = b $0 "\n" } END { printf "%s", b }')
	rmmod msikit_doe_bench
	KX=$(echo "$out" | sed -n 's/.*\] bench-info: exchanges_total //p')
	! echo "$out" | grep -q 'bench-error:'
}

ktap_header
load_swmb
[ -w "$IP" ] || ktap_bail "msikit_doe has no inline_exchange"
ktap_result "stats/inline is there by its name" test -r "$CLASS/$MB/stats/inline" ||
	ktap_bail "no stats/inline"
T="sw:msikit-swmb.0:${MB##*-}"
echo 0 > "$(swmb_dev)/delay_us"

echo 1 > "$IP"
x0=$(st exchanges) i0=$(st inline)
ktap_result "inline_exchange=1: 200 in-kernel exchanges" kbench 200
log "inline_exchange=1: $KX exchanges by the caller, $(d exchanges "$x0") in all, $(d inline "$i0") inline"
ktap_result "inline_exchange=1: it ran some: ${KX:-none}" test "${KX:-0}" -ge 200
ktap_expect "inline_exchange=1: each ran inline" "$(d exchanges "$x0")" "$(d inline "$i0")"

echo 0 > "$IP"
i0=$(st inline)
ktap_result "inline_exchange=0: 200 in-kernel exchanges" kbench 200
ktap_expect "inline_exchange=0: none ran inline" 0 "$(d inline "$i0")"

echo 1 > "$IP"
x0=$(st exchanges) i0=$(st inline)
# (5,000 each: 4 x 1,000 were over in 0.8 s on 6.12, before a module
# load and 520 exchanges were)
doe-stress -c 4 -n 5000 -m echo "$SW" > /tmp/inline-stress.out 2>&1 &
pid=$!
# the clients are on the mailbox before the in-kernel exchanges start
k=0
while [ "$(st exchanges)" -lt $((x0 + 20)) ] && [ $k -lt 100 ]; do
	sleep 0.05
	k=$((k + 1))
done
x1=$(st exchanges)
ktap_result "inline_exchange=1 beside 4 user-space clients: 500 in-kernel exchanges" kbench 500
ktap_result "the clients ran from before to after them: $((x1 - x0)) exchanges before" \
	sh -c "test $((x1 - x0)) -ge 20 && kill -0 $pid 2>/dev/null"
wait $pid
rc=$?
grep '^#' /tmp/inline-stress.out | tail -3
ktap_expect "the user-space clients: 4 x 5000 echoes, each its own" 0 "$rc"
log "beside them: $KX exchanges by the caller, $(d exchanges "$x0") in all, $(d inline "$i0") inline"
ktap_expect "no read of a response before Data Object Ready" 0 "$(cat "$(swmb_dev)/early_reads")"

echo 0 > "$IP"
rmmod msikit_doe_swmb
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
