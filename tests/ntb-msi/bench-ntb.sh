#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench T=ntb-msi: what a peer interrupt costs against the function's
# own PCI MSI vector on the same parent, both sent by A's edu with A's
# requester ID, in one boot, and how much of that the trigger call is;
# how long a republish takes where a move changes the descriptor; how
# many peer interrupts the parent holds; the stress writer's rate.
# Figures only: the checks are that each part ran and every write arrived
# exactly once, never how fast.
# timeout: 1800
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

# round trips each way, in the module's 31 alternating rounds: enough
# that the rounds' quartiles are narrower than the goal's 5 %
N=20000
WRITES=20000 CHANGES=1000

# thousandths N: N / 1000 with three decimals
thousandths() {
	printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}

ktap_header
need_ntb_loop
load_ntb
echo 0 > "$B/ntb/setup" || ktap_bail "setup 0 on B failed"
echo 1 > "$A/ntb/setup" || ktap_bail "setup 1 on A failed"
p=$(info_field "$A" parent)
kind=$(parent_kind "$A")
log "$(cat "$A/ntb/info")"

if echo "$N" > "$A/ntb/bench"; then
	r=$(cat "$A/ntb/bench")
	set -- $r
	log "bench attribute: $*"
	echo "bench: ntb-msi peer-trigger-vs-own-msi $(thousandths "$3") ratio (quartiles $(thousandths "${11}") to $(thousandths "${12}"), min $(thousandths "$4") max $(thousandths "$5"), $6 rounds, $p)"
	echo "bench: ntb-msi peer-trigger $1 ns/op"
	echo "bench: ntb-msi own-msi $2 ns/op"
	# the same message without msikit_ntb_msi_peer_trigger(): of the
	# trigger's cost, this share is the domain's (message, chip, the
	# parent's remapping), the rest the trigger call's
	echo "bench: ntb-msi kit-message-vs-own-msi $(thousandths "${14}") ratio ($p)"
	echo "bench: ntb-msi kit-message ${13} ns/op"
	# issue 18's goal: a peer trigger costs at most 1.05x the plain MSI
	# of the same parent, sent by the same writer
	bench_goal "trigger_cost_$p" "$(thousandths "$3")" "<=" 1.05 ratio
	# each write was waited for at its own interrupt (a lost or misrouted
	# one fails the run); the counts show none was booked twice either, and
	# that something was measured at all
	ktap_result "$6 rounds measured, $1, $2 and ${13} ns per round trip" \
		test "$6" -gt 0 -a "$1" -gt 0 -a "$2" -gt 0 -a "${13:-0}" -gt 0
	ktap_result "B sent A's interrupt 0 writes: $8" test "$8" -gt 0
	ktap_expect "A's interrupt 0 counted exactly the $8 writes sent to it" "$8" \
		"$(awk '$1 == 0 { print $2 }' "$A/ntb/counts")"
	ktap_result "A's own MSI vector: $9 writes sent, counted exactly $9 (got ${10})" \
		test "$9" -gt 0 -a "${10}" = "$9"
	if [ $kind != mutable ]; then
		log "republish: n/a on $p"
	elif [ "$(nproc)" -lt 2 ]; then
		log "republish: n/a on $p: one CPU"
	else
		echo "bench: ntb-msi republish $7 ns"
		ktap_result "$p: moves of A's interrupt 0 republished through desc_changed and delivered" \
			test "$7" -gt 0
	fi
else
	ktap_fail "bench run"
fi
# the msi_irqs directory may outlive the vector (devres): its entries do not
ktap_expect "A's own MSI vector freed after the bench" "" "$(ls "$A/msi_irqs" 2>/dev/null)"

# the probe's nm is A's second: A's first goes
echo 1 > "$A/ntb/teardown" || ktap_fail "teardown of A"
v=$(info_field "$A" own_vectors)
if echo 1 > "$A/ntb/maxprobe"; then
	r=$(cat "$A/ntb/maxprobe")
	set -- $r
	log "maxprobe: $*; stopped by errno $2 (0: the nm of 2048 was full)"
	echo "bench: ntb-msi peer-irqs-per-port $1 irqs (own vectors $v, parent $p)"
	ktap_result "most peer interrupts the parent holds: $1" test "$1" -gt 0
	ktap_expect "each of the $1 delivered one write from B exactly once" "$1" "$3"
else
	ktap_fail "maximum probe: $(cat "$A/ntb/maxprobe")"
fi

# the pinned IMSIC refuses every move; one CPU has nowhere to move to
changes=$CHANGES
[ $kind = pinned ] && changes=0
[ "$(nproc)" -lt 2 ] && changes=0
if echo 8 > "$A/ntb/setup"; then
	rc=0
	echo "$WRITES $changes" > "$B/ntb/stress" || rc=1
	r=$(cat "$B/ntb/stress_result")
	log "stress B -> A, 8 interrupts, parent $p ($kind): $r"
	ns=$(result_field "$r" ns)
	w=$(result_field "$r" writes)
	ktap_result "B -> A: $WRITES writes, $changes affinity changes: stress ran" test "$rc" = 0
	ktap_expect "writes sent" "$WRITES" "$w"
	# a change refused with an error other than EBUSY (a move still
	# waiting) or EPERM (pinned) is a failure of msikit's set_affinity
	ktap_expect "affinity changes that failed" 0 "$(result_field "$r" failed)"
	[ "$changes" = 0 ] || ktap_result "affinity changes were made: $(result_field "$r" changes)" \
		test "$(result_field "$r" changes)" -gt 0
	ktap_expect "lost, misrouted, spurious" "0 0 0" \
		"$(result_field "$r" lost) $(result_field "$r" misrouted) $(result_field "$r" spurious)"
	ktap_result "each of A's 8 interrupts counted exactly its own $((WRITES / 8)) writes" \
		counts_are "$A" 8 $((WRITES / 8))
	if [ "$rc" = 0 ] && [ "${ns:-0}" -gt 0 ]; then
		echo "bench: ntb-msi stress-rate $((w * 1000000000 / ns)) writes/s"
	else
		ktap_fail "stress elapsed time reported: '$ns'"
	fi
else
	ktap_fail "setup 8 on A"
fi
ktap_expect "no write was dropped by A's window" 0 "$(info_field "$A" dropped)"
teardown_both
ktap_result "unload" unload_ntb
ktap_finished
