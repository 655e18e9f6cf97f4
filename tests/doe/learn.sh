#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The engine's learned poll schedule (learn=1, poll mode), on the software
# mailbox: it learns a responder's latency and finds most responses at
# its first read, follows a responder that becomes slower or faster
# within 10 exchanges, takes one late answer as no new level, copes with
# jitter, forgets what it learned when the responder stalls past the
# timeout (which is still taken at 1 s, never early), and never reads a
# response before Data Object Ready (the mailbox counts such reads:
# early_reads). learn=0 is today's schedule. A long learned sleep does not
# hold up teardown.
# timeout: 240
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

ktap_header
load_swmb poll=1
ktap_expect "learn is off by default (experimental)" N "$(cat $LP)"
echo 1000 > "$(swmb_dev)/delay_us"
# what polling from Go reads for 20 exchanges of 1 ms, in this boot
w0=$(st wait_reads)
ktap_result "learn=0: 20 exchanges of 1 ms" run_n 20
r0=$(($(st wait_reads) - w0))
echo 1 > $LP
ktap_expect "nothing learned yet" none "$(cat "$CLASS/$MB/latency")"

# At 1 ms, not 200 us: the software responder's answers come as late as
# its hrtimer, which on TCG scatters by some 50 us, a quarter of 200 us,
# where the engine stops aiming its reads (doe_lat_aim()) and rightly
# polls. At 200 us this phase judged how quiet the boot's timers were
# (learned as 310 +- 147 us in one single-threaded 6.12 boot: no learned
# read at all), not the engine.
ktap_result "30 exchanges of 1 ms" run_n 30
e=$(est_us "$MB")
log "latency: $(cat "$CLASS/$MB/latency"); target hits $(st target_hits), fallbacks $(st fallbacks), wait reads $(st wait_reads) of $(st exchanges) exchanges"
ktap_result "learned 1 ms as 750..3000 us: ${e:-none}" test "${e:-0}" -ge 750 -a "${e:-0}" -le 3000
t0=$(st target_hits) w0=$(st wait_reads) p0=$(st probes) f0=$(st fallbacks)
ktap_result "20 more" run_n 20
# Found by the learned reads: some at the target, and besides the probes
# (an early read after a target hit, which misses when on time) at most a
# quarter of the Status reads polling from Go made for 20 in this boot.
# (The target read is aimed half a deviation early, and a short poll
# after it often finds the answer: 28 to 38 for the 20 in six quiet boots,
# when it was aimed a whole deviation early.) A fallback to the growing
# sleeps is counted, not refused: an answer later than its estimate by
# more than the short polls cover (two and a half deviations) falls back,
# and on TCG the responder's own timer is that late now and then. Target
# hits alone depend on the probes' wakeups: a probe woken at or after the
# estimate finds the answer itself, and the next exchange has no probe,
# so on TCG they alternate.
reads=$(( $(st wait_reads) - w0 - ($(st probes) - p0) ))
log "target hits $(($(st target_hits) - t0)) of 20, probes $(($(st probes) - p0)), fallbacks $(($(st fallbacks) - f0)), Status reads while waiting $(($(st wait_reads) - w0))"
ktap_result "found by the learned reads: $reads Status reads besides probes, polling $r0" \
	test "$reads" -le $((r0 / 4)) -a "$(($(st target_hits) - t0))" -ge 1

# a responder that becomes slower, then faster
echo 200 > "$(swmb_dev)/delay_us"
ktap_result "10 exchanges of 200 us" run_n 10
echo 2000 > "$(swmb_dev)/delay_us"
ktap_result "10 exchanges after it slowed to 2 ms" run_n 10
e=$(est_us "$MB")
ktap_result "the estimate followed up: ${e:-none} us" test "${e:-0}" -ge 1500
echo 200 > "$(swmb_dev)/delay_us"
ktap_result "10 exchanges after it sped up to 200 us" run_n 10
e=$(est_us "$MB")
ktap_result "the estimate followed down: ${e:-none} us" test "${e:-99999}" -le 1000

# one late answer among 200 us ones: the next answer undoes the jump
ktap_result "10 exchanges of 200 us" run_n 10
o0=$(st est_outliers) f0=$(st fallbacks)
l0=$(latency_line "$MB")
echo 3000 > "$(swmb_dev)/delay_us"
ktap_result "one exchange of 3 ms" run_n 1
l1=$(latency_line "$MB") f1=$(st fallbacks) o1=$(st est_outliers)
echo 200 > "$(swmb_dev)/delay_us"
ktap_result "one exchange of 200 us" run_n 1
log "one late answer: latency $l0, after it $l1 ($((f1 - f0)) fallbacks," \
	"$((o1 - o0)) outliers), then $(latency_line "$MB") ($(($(st fallbacks) - f1)) fallbacks)"
e=$(est_us "$MB")
ktap_expect "the 3 ms answer was taken as one late answer" $((o0 + 1)) "$(st est_outliers)"
ktap_result "the estimate is back after one exchange: ${e:-none} us" test "${e:-99999}" -le 1000

# jitter: each delay uniform in 100..300 us
echo 50 > "$(swmb_dev)/jitter_pct"
ktap_result "30 exchanges with 50 % jitter" run_n 30
echo 0 > "$(swmb_dev)/jitter_pct"

# fast for 100 exchanges, then stalled past the timeout
learn_stall 100
ktap_expect "no read of the response before Data Object Ready" 0 "$(sw early_reads)"

# learn=0: today's growing sleeps, nothing counted at a learned read
echo 0 > $LP
t0=$(st target_hits) f0=$(st first_look_hits)
ktap_result "learn=0: 10 exchanges" run_n 10
ktap_expect "learn=0: no learned reads" "$t0 $f0" "$(st target_hits) $(st first_look_hits)"
echo 1 > $LP

# a long learned sleep and teardown
echo 600000 > "$(swmb_dev)/delay_us"
ktap_result "3 exchanges of 600 ms" run_n 3
msikit-doe exchange "$SW" 1234:01 12345678 > /dev/null 2>&1 &
x=$!
sleep 0.2
t1=$(date +%s%N)
rmmod msikit_doe_swmb
t2=$(date +%s%N)
wait $x
log "rmmod during a learned sleep: $(( (t2 - t1) / 1000000 )) ms"
ktap_result "the software mailbox went within 1 s of rmmod, mid-sleep" test $(( (t2 - t1) / 1000000 )) -lt 1000
echo 0 > $LP
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
