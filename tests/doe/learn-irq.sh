#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The learning engine with an interrupt (learn=1, interrupt mode), on the
# software mailbox, counted per exchange:
# - a responder that answers at once is read right after Go with DOE
#   Interrupt Enable off: each such exchange is a quiet Go (stats/
#   quiet_goes) and raises no interrupt;
# - a slow one is not looked at: each exchange takes exactly one
#   interrupt, and the worker takes the Status the handler read (stats/
#   irq_status_hits) rather than reading its own;
# - one that turns slow while quiet loses no exchange and no interrupt:
#   its first slow exchange turns the interrupt on and is woken by it;
# - back at once, it is quiet again;
# - fast for 100 exchanges, then stalled past the timeout: the exchange
#   fails at the full timeout, not before, and the estimate is forgotten;
# - no response is read before Data Object Ready (the mailbox counts
#   such reads: early_reads).
# timeout: 150
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

LP=/sys/module/msikit_doe/parameters/learn
run_n() {	# run_n N: N echoes, all must succeed
	local i=0
	while [ $i -lt "$1" ]; do
		msikit-doe exchange "$SW" 1234:01 12345678 > /dev/null || return 1
		i=$((i + 1))
	done
}
st() { mb_stat "$MB" "$1"; }
sw() { cat "$(swmb_dev)/$1"; }
# snap: the counters a phase is judged by, before it
snap() { x0=$(st exchanges) i0=$(st irqs) q0=$(st quiet_goes) h0=$(st irq_status_hits) b0=$(st busy_irqs); }
# phase NAME: what the exchanges since snap did, in the log
phase() {
	log "$1: $(($(st exchanges) - x0)) exchanges, $(($(st irqs) - i0)) interrupts ($(($(st busy_irqs) - b0)) busy), $(($(st quiet_goes) - q0)) quiet, $(($(st irq_status_hits) - h0)) taken from the handler; latency $(cat "$CLASS/$MB/latency")"
}

ktap_header
load_swmb
[ "$(mb_attr "$MB" mode)" = irq ] || ktap_skip_all "the software mailbox is not in interrupt mode"
[ -n "$(st quiet_goes)" ] || ktap_bail "msikit_doe has no stats/quiet_goes"
echo 1 > $LP

# at once: learned within a few exchanges, then quiet
echo 0 > "$(swmb_dev)/delay_us"
ktap_result "10 exchanges answered at once" run_n 10
snap
ktap_result "30 more" run_n 30
phase "at once"
ktap_expect "at once: each of 30 exchanges a quiet Go" 30 $(($(st quiet_goes) - q0))
ktap_expect "at once: no interrupt" 0 $(($(st irqs) - i0))

# turned slow while quiet: the quiet look misses, the interrupt goes on
echo 300 > "$(swmb_dev)/delay_us"
snap
ktap_result "one exchange of 300 us after the quiet ones" run_n 1
phase "first slow"
ktap_expect "first slow: one interrupt woke it" 1 $(($(st irqs) - i0))
ktap_result "10 more of 300 us" run_n 10
snap
ktap_result "30 more" run_n 30
phase "slow"
ktap_expect "slow: no quiet Go" 0 $(($(st quiet_goes) - q0))
ktap_expect "slow: one interrupt per exchange, none lost" 30 $(($(st irqs) - i0))
ktap_expect "slow: each response taken from the handler's Status read" 30 $(($(st irq_status_hits) - h0))

# back at once
echo 0 > "$(swmb_dev)/delay_us"
ktap_result "10 exchanges at once again" run_n 10
snap
ktap_result "20 more" run_n 20
phase "at once again"
ktap_expect "at once again: each a quiet Go" 20 $(($(st quiet_goes) - q0))
ktap_expect "at once again: no interrupt" 0 $(($(st irqs) - i0))

# fast for 100 exchanges, then stalled past the timeout
ktap_result "100 exchanges at once" run_n 100
r0=$(st est_resets) to0=$(st timeouts)
echo 1500000 > "$(swmb_dev)/delay_us"
t1=$(date +%s%N)
ktap_result "a stall past the timeout fails the exchange" \
	sh -c "! msikit-doe exchange $SW 1234:01 12345678 > /dev/null 2>&1"
t2=$(date +%s%N)
ktap_result "after the full timeout, not before: $(( (t2 - t1) / 1000000 )) ms" \
	test $(( (t2 - t1) / 1000000 )) -ge 1000
ktap_expect "counted as a timeout" $((to0 + 1)) "$(st timeouts)"
ktap_result "the estimate was forgotten" test "$(st est_resets)" -gt "$r0"
echo 0 > "$(swmb_dev)/delay_us"
ktap_result "the next exchanges work" run_n 5
ktap_expect "no read of the response before Data Object Ready" 0 "$(sw early_reads)"

echo 0 > $LP
rmmod msikit_doe_swmb
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
