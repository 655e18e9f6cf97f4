#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 10,000 affinity changes of the doorbells' interrupts while the host
# rings them all: every ring is handled by its own doorbell, counted per
# doorbell, so the ITS's moves (MOVI) lose and misroute no ring.
#
# What the "message never changed" checks show, and what they do not: on
# the ITS a message names the device and event, not a CPU, and an affinity
# change never recomposes it, so msikit has nothing to report and those
# checks cannot fail here. They show only that msikit reports no change
# where there is none (no spurious "moved" warning, the published table
# stands). They do not show that a changed message would be caught: the
# function refuses parents whose messages change (mutable ones) before it
# publishes anything, and msikit's reporting of real changes is checked
# where they happen (msi-lib/stress and ntb-msi on the x86 vector).
# timeout: 300
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

CHANGES=${CHANGES:-10000}
[ "${MSIKIT_SCALE:-ci}" = soak ] && CHANGES=100000

# turn AFFINITY-FILES CHANGES: alternate each interrupt between CPU 0 and 1
turn() {
	local i=0 f
	while [ $i -lt "$2" ]; do
		for f in $1; do
			echo $((i % 2 + 1)) > "$f" || return 1
			i=$((i + 1))
		done
	done
}

ktap_header
need_vepc
[ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ] || ktap_skip_all "needs 2 CPUs"
load_epf doorbells=8
e=$(epf_dirs)
h=$(host_dirs)
[ -n "$e" ] && [ -n "$h" ] || ktap_bail "function or host device missing"
table=$(cat "$h/doorbells")
before=$(cat "$e/doorbells")
files=$(awk '{ printf "/proc/irq/%s/smp_affinity ", $6 }' "$e/doorbells")
turn "$files" "$CHANGES" &
job=$!
rounds=0
while kill -0 $job 2>/dev/null; do
	echo "all 20" > "$h/ring" || break
	rounds=$((rounds + 20))
done
wait $job
ktap_expect "$CHANGES affinity changes made" 0 $?
log "each doorbell rung $rounds times meanwhile"
[ "$rounds" -gt 0 ] || ktap_fail "the host rang while the affinity changed"
want=$(awk -v r=$rounds 'BEGIN { for (i = 0; i < 8; i++) printf "%s%d", i ? " " : "", r }')
ktap_result "every ring handled by its own doorbell ($rounds each, 0 lost)" \
	wait_value "$e/rings_all" "$want"
ktap_expect "no message change reported (the ITS recomposes none: this cannot fail here, see above)" "moved 0" \
	"$(awk '{ print $(NF - 1), $NF }' "$e/status")"
ktap_expect "the function's doorbells are the ones it published (the ITS keeps messages: a consistency check)" \
	"$before" "$(cat "$e/doorbells")"
ktap_expect "the host's table is the one it took" "$table" "$(cat "$h/doorbells")"
ktap_result "module unload" unload_epf
ktap_finished
