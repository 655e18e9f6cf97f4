#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The learning engine with an interrupt (learn=1, interrupt mode), on the
# software mailbox, counted per exchange:
# - a responder that answers at once is read right after Go with DOE
#   Interrupt Enable off (stats/quiet_goes), and each exchange that is
#   not quiet takes exactly one interrupt, each quiet one none. Quiet
#   only while the estimate and two deviations stay within a look
#   (doe_irq_plan()): on a noisy TCG host a few late looks widen the
#   deviation for several exchanges (12 of 30 quiet in one 6.12 boot, 26
#   to 29 in quieter ones), so a third, not half, must be;
# - turned slow (5 ms) right after a quiet Go whose estimate makes the
#   next one quiet too (quiet_one), the first exchange's Go is quiet and
#   its look misses: Interrupt Enable goes on and the one interrupt comes,
#   no 100 ms slice waited out (stats/irq_slices);
# - slow, each exchange takes exactly one interrupt, and the worker takes
#   the Status the handler read (stats/irq_status_hits), never quiet;
# - back at once, quiet again; an Error and a bad header meanwhile fail
#   their exchange, are aborted, and the next exchanges work;
# - all of it again with the mailbox taking Go before Interrupt Enable
#   from the same Control write, and ignoring it with Abort, as QEMU's
#   does (the software mailbox's go_first);
# - fast for 100 exchanges, then stalled past the timeout: the exchange
#   fails at the full timeout, not before, and the estimate is forgotten;
# - no response is read before Data Object Ready (the mailbox counts
#   such reads: early_reads).
# timeout: 180
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

LP=/sys/module/msikit_doe/parameters/learn
# run_n N: N echoes from one process, each response checked
run_n() { doe-stress -c 1 -n "$1" -m echo "$SW" > /dev/null; }
st() { mb_stat "$MB" "$1"; }
sw() { cat "$(swmb_dev)/$1"; }
# snap: the counters a phase is judged by, before it
snap() {
	x0=$(st exchanges) i0=$(st irqs) q0=$(st quiet_goes) m0=$(st quiet_misses)
	h0=$(st irq_status_hits) b0=$(st busy_irqs) p0=$(st irq_spun)
}
d() { echo $(($(st "$1") - $2)); }
# phase NAME: what the exchanges since snap did, in the log
phase() {
	log "$1: $(d exchanges "$x0") exchanges, $(d irqs "$i0") interrupts ($(d busy_irqs "$b0") busy, $(d irq_spun "$p0") met spinning), $(d quiet_goes "$q0") quiet ($(d quiet_misses "$m0") missed), $(d irq_status_hits "$h0") taken from the handler; latency $(cat "$CLASS/$MB/latency")"
}
delay() { echo "$1" > "$(swmb_dev)/delay_us"; }

# warm: 10 exchanges, q the quiet Go count before the last one
warm() { run_n 9 && q=$(st quiet_goes) && run_n 1; }

# at_once TAG: 30 exchanges answered at once, after 10 to learn it
at_once() {
	delay 0
	q=$(st quiet_goes)
	ktap_result "$1: 10 exchanges answered at once" warm
	# (the last one's Go quiet or not: the next one's interrupt, go_first)
	before=$(($(st quiet_goes) - q))
	snap
	ktap_result "$1: 30 more" run_n 30
	phase "$1"
	q=$(d quiet_goes "$q0")
	ktap_result "$1: a third of 30 at least a quiet Go: $q" test "$q" -ge 10
	# (an interrupt handled within the Go write once stood for 1 s)
	e=$(est_us "$MB")
	ktap_result "$1: the learned latency is an answer at once's: ${e:-none} us" \
		test "${e:-1000000}" -le 1000
	if [ "$order" = 0 ]; then
		ktap_expect "$1: an interrupt for each exchange not quiet, none for a quiet one" \
			$((30 - q)) "$(d irqs "$i0")"
	else
		# Go taken first: the quiet Go after one that was not still
		# runs with Interrupt Enable on, the first of the 30 too
		# when the exchange before them was not quiet
		ktap_result "$1: an interrupt at most for each exchange not quiet and the one after: $(d irqs "$i0")" \
			test "$(d irqs "$i0")" -le $((2 * (30 - q) + 1 - before))
	fi
}

# slow TAG: turned slow (5 ms) after a quiet Go, then 30 slow exchanges
slow() {
	ktap_result "$1: a quiet Go before the slow ones" quiet_one
	delay 5000
	snap
	sx=$(sw exchanges) sr=$(sw wait_reads)
	ktap_result "$1: one exchange of 5 ms after the quiet ones" run_n 1
	phase "$1 (first slow)"
	# (once, on 7.3, that look found the answer at 2 us: what the double saw)
	log "$1 (first slow): the double took $(($(sw exchanges) - sx)) Go at delay_us" \
		"$(sw delay_us), said Busy to $(($(sw wait_reads) - sr)) Status reads"
	ktap_expect "$1: its Go was quiet" 1 "$(d quiet_goes "$q0")"
	ktap_expect "$1: its look missed" 1 "$(d quiet_misses "$m0")"
	ktap_expect "$1: one interrupt came" 1 "$(d irqs "$i0")"
	ktap_result "$1: 10 more of 5 ms" run_n 10
	snap
	ktap_result "$1: 30 more" run_n 30
	phase "$1 (slow)"
	ktap_expect "$1: no quiet Go" 0 "$(d quiet_goes "$q0")"
	ktap_expect "$1: one interrupt per exchange" 30 "$(d irqs "$i0")"
	ktap_expect "$1: each response taken from the handler's Status read" 30 \
		"$(d irq_status_hits "$h0")"
	# the worker sleeps to shortly before the estimate, then spins
	ktap_result "$1: some of the 30 interrupts found the worker spinning: $(d irq_spun "$p0")" \
		test "$(d irq_spun "$p0")" -ge 1
}

# faults TAG: an Error and a bad header among answers at once
faults() {
	delay 0
	ktap_result "$1: 10 exchanges at once" run_n 10
	for f in error badhdr; do
		a0=$(st aborts)
		echo $f > "$(swmb_dev)/fault"
		ktap_result "$1: $f fails its exchange" \
			sh -c "! msikit-doe exchange $SW 1234:01 12345678 > /dev/null 2>&1"
		ktap_result "$1: $f aborted" test "$(st aborts)" -gt "$a0"
		ktap_result "$1: 5 exchanges after $f" run_n 5
	done
}

ktap_header
load_swmb
[ "$(mb_attr "$MB" mode)" = irq ] || ktap_skip_all "the software mailbox is not in interrupt mode"
[ -n "$(st irq_slices)" ] || ktap_bail "msikit_doe has no stats/irq_slices"
[ -w "$(swmb_dev)/go_first" ] || ktap_bail "msikit_doe_swmb has no go_first"
echo 1 > $LP

for order in 0 1; do
	echo $order > "$(swmb_dev)/go_first"
	t=go_first=$order
	s0=$(st irq_slices)
	at_once "$t at once"
	slow "$t"
	at_once "$t at once again"
	faults "$t"
	at_once "$t at once after faults"
	ktap_expect "$t: no 100 ms slice waited out" 0 "$(d irq_slices "$s0")"
done

# fast for 100 exchanges, then stalled past the timeout
learn_stall 0
ktap_expect "no read of the response before Data Object Ready" 0 "$(sw early_reads)"

echo 0 > $LP
rmmod msikit_doe_swmb
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
