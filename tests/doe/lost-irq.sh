#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A DOE interrupt that never arrives, in interrupt mode on the software
# mailbox, counted per exchange. A mailbox sends its message only as DOE
# Interrupt Status goes from clear to set, so a bit left set after a lost
# message stops every later one.
# - The mailbox sets Interrupt Status for a response, and the message is
#   lost (fault "lostirq"): that exchange completes after one 100 ms slice
#   (stats/irq_slices), the engine clears the bit it found set
#   (stats/irq_lost, one log line), and each of the next 20 exchanges
#   takes exactly one interrupt and waits out no slice.
# - The same with learn=1: the look after the slice is no sample, so the
#   learned latency right after it is what it was before, not 100 ms
#   more.
# - learn=1, a responder answering at once turned slow (5 ms) right after
#   a quiet Go, its message lost: the quiet look and its short poll miss,
#   the look after the slice finds the answer, and the estimate, an answer
#   at once's, is forgotten (stats/est_resets), or the next Go would be
#   quiet too, on a mailbox that takes Interrupt Enable only with Go a
#   slice long every time.
# - learn=1 from before the mailbox exists: its Discovery exchanges run
#   before the software mailbox knows its handle, and the double replays
#   the interrupt it could not send, even after a quiet Go turned Interrupt
#   Enable off meanwhile; no exchange after it waits out a slice.
# timeout: 90
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

LP=/sys/module/msikit_doe/parameters/learn
N=20
# run_n N: N echoes from one process, each response checked
run_n() { doe-stress -c 1 -n "$1" -m echo "$SW" > /dev/null; }
st() { mb_stat "$MB" "$1"; }
d() { echo $(($(st "$1") - $2)); }
delay() { echo "$1" > "$(swmb_dev)/delay_us"; }

# lost TAG: one lost message, then N exchanges
lost() {
	ktap_result "$1: 10 exchanges of 200 us" run_n 10
	# (l0: where new_log starts)
	s0=$(st irq_slices) g0=$(st irq_lost) l0=$(log_mark)
	lat0=$(latency_line "$MB")
	echo lostirq > "$(swmb_dev)/fault"
	ktap_result "$1: the exchange whose interrupt is lost completes" run_n 1
	ktap_expect "$1: it waited out one slice" 1 "$(d irq_slices "$s0")"
	ktap_expect "$1: the engine cleared Interrupt Status once" 1 "$(d irq_lost "$g0")"
	ktap_expect "$1: one log line says so" 1 "$(new_log 'after a wait with no interrupt')"
	# (exactly the estimate before it: one of the 10 answered late on a
	# busy host leaves its jump there, 1.5 ms once, and that is no slice)
	if [ "$(cat $LP)" = Y ]; then
		lat1=$(latency_line "$MB")
		log "$1: latency before it $lat0, after it $lat1"
		ktap_expect "$1: the look after the slice took no sample" "$lat0" "$lat1"
	fi
	s0=$(st irq_slices) i0=$(st irqs) x0=$(st exchanges)
	ktap_result "$1: $N exchanges after it" run_n $N
	log "$1: $(d exchanges "$x0") exchanges, $(d irqs "$i0") interrupts, latency $(cat "$CLASS/$MB/latency")"
	ktap_expect "$1: one interrupt for each" $N "$(d irqs "$i0")"
	ktap_expect "$1: no slice waited out" 0 "$(d irq_slices "$s0")"
}

# quiet_lost: answers at once until a Go is quiet and the estimate makes
# the next one quiet too (quiet_one), then turned slow with the next
# message lost. Sets QUIET to the quiet Goes of that exchange, RESETS to
# the estimates it forgot.
quiet_lost() {
	local q r
	delay 0
	run_n 10 && quiet_one || return 1
	q=$(st quiet_goes) r=$(st est_resets)
	delay 5000
	echo lostirq > "$(swmb_dev)/fault"
	run_n 1 || return 1
	QUIET=$(($(st quiet_goes) - q)) RESETS=$(($(st est_resets) - r))
}

ktap_header
load_swmb
[ "$(mb_attr "$MB" mode)" = irq ] || ktap_skip_all "the software mailbox is not in interrupt mode"
[ -n "$(st irq_lost)" ] || ktap_bail "msikit_doe has no stats/irq_lost"
delay 200

echo 0 > $LP
lost "learn=0"
echo 1 > $LP
lost "learn=1"
m0=$(st quiet_misses) g0=$(st irq_lost)
ktap_result "learn=1: a quiet Go turned slow, its message lost" quiet_lost
log "quiet Go turned slow: $(d quiet_misses "$m0") quiet looks missed, $(d irq_lost "$g0") lost messages cleared, latency $(latency_line "$MB")"
ktap_expect "learn=1: its Go was quiet" 1 "${QUIET:-0}"
ktap_expect "learn=1: the estimate of an answer at once was forgotten" 1 "${RESETS:-0}"
delay 200
ktap_result "learn=1: 10 exchanges of 200 us after it" run_n 10
rmmod msikit_doe_swmb

# learn=1 as the mailbox comes up: its Discovery answers at once, so the
# second Go is quiet, with the first one's interrupt not yet handed over
load_swmb learn=1
delay 200
s0=$(st irq_slices) i0=$(st irqs)
x0=$(st exchanges) q0=$(st quiet_goes) b0=$(st busy_irqs) h0=$(st irq_status_hits)
log "learn=1 from the start: before them $x0 exchanges, $q0 quiet, $i0 interrupts ($b0 busy)"
ktap_result "learn=1 from the start: $N exchanges" run_n $N
log "learn=1 from the start: $(d exchanges "$x0") exchanges, $(d irqs "$i0") interrupts" \
	"($(d busy_irqs "$b0") busy), $(d quiet_goes "$q0") quiet," \
	"$(d irq_status_hits "$h0") taken from the handler," \
	"latency $(latency_line "$MB")"
ktap_expect "learn=1 from the start: no slice waited out" 0 "$(d irq_slices "$s0")"
ktap_expect "learn=1 from the start: one interrupt for each" $N "$(d irqs "$i0")"
# the double's duty (it hands over the interrupt it could not send), not
# the engine's recovery
ktap_expect "learn=1 from the start: no lost message cleared" 0 "$(st irq_lost)"
ktap_expect "no read of a response before Data Object Ready" 0 "$(cat "$(swmb_dev)/early_reads")"

echo 0 > $LP
rmmod msikit_doe_swmb
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
