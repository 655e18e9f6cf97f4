#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# scripts/tcg-poke.sh's guest part: for SECONDS, flip trace events (static
# keys: text_poke with its int3 breakpoints) and load and unload a module
# while tcg-poke-stress keeps both CPUs waking each other up.
#
#   tcg-poke-guest.sh SECONDS
secs=${1:?usage: tcg-poke-guest.sh SECONDS}
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T ||
	{ echo "tcg-poke: no tracefs"; exit 1; }
/opt/msikit/tests/progs/tcg-poke-stress "$secs" &
s=$!
n=0
while kill -0 $s 2>/dev/null; do
	for e in sched irq timer workqueue; do
		echo 1 > $T/events/$e/enable && echo 0 > $T/events/$e/enable ||
			{ echo "tcg-poke: cannot flip $e's events"; kill $s; exit 1; }
	done
	modprobe dummy && rmmod dummy ||
		{ echo "tcg-poke: cannot load and unload dummy"; kill $s; exit 1; }
	n=$((n + 1))
done
wait $s
echo "tcg-poke: $n rounds of flips"
