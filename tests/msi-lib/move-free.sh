#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Right after boot: load msikit_msi and its consumer, allocate, move to
# another CPU, request and free at once, unload; ten times on the IMSIC,
# three elsewhere. A move made from another CPU than the old one leaves
# the old CPU to retire its target later, after the free; 7.x's IMSIC
# driver then looked up the freed interrupt and oopsed (hardening issue,
# section 1). The runner's kernel-log scan and oops=panic turn any such
# report into a failure.
# timeout: 900
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_edu
[ "$(grep -c '^processor' /proc/cpuinfo)" -ge 2 ] || ktap_skip_all "needs two CPUs"
# the IMSIC is where it bit: ten rounds there, three elsewhere
load_msi
case "$(cat "$T/parent")" in *pinned) ROUNDS=10 ;; *) ROUNDS=3 ;; esac
unload_msi
round=0 total=0 cross=0
while [ $round -lt $ROUNDS ]; do
	load_msi
	echo 50 > "$T/movefree" || { log "movefree failed in round $round"; break; }
	set -- $(cat "$T/movefree")
	total=$((total + $1)) cross=$((cross + $2))
	unload_msi || { log "unload failed in round $round"; break; }
	round=$((round + 1))
done
log "$total move+free cycles, $cross moved from another CPU than the old one"
ktap_expect "$ROUNDS rounds of load, 50 move+free cycles, unload" "$ROUNDS" "$round"
ktap_expect "every cycle ran" $((ROUNDS * 50)) "$total"
# On the IMSIC the hazard needs a move from a CPU other than the old one:
# prove the test made them, or it could pass without reaching it. (x86
# reserves no vector before activation, so nothing moves there yet.)
[ "$ROUNDS" = 10 ] && ktap_result "IMSIC: moves from another CPU than the old one: $cross of 500" \
	test "$cross" -ge 250
ktap_finished
