#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The cap on user-space exchanges per mailbox (max_queued), which bounds
# what callers killed while waiting leave queued (up to 2 MiB each). On a
# software mailbox slowed to 300 ms per exchange, with max_queued=4:
# doe-queue fills the queue with waiting callers, then with a killed
# process's exchanges, and each time the next exchange fails at once with
# EBUSY; everything drains, and both modules unload: nothing is left
# holding the mailbox. max_queued itself refuses values out of 1..4096.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

P=/sys/module/msikit_doe/parameters/max_queued

ktap_header
load_doe
ktap_expect "max_queued defaults to 64" 64 "$(cat $P)"
l0=$(log_mark)
ktap_result "max_queued=0 refused" sh -c "! echo 0 > $P 2>/dev/null"
ktap_result "max_queued=4097 refused" sh -c "! echo 4097 > $P 2>/dev/null"
ktap_expect "max_queued unchanged" 64 "$(cat $P)"
ktap_expect "each refusal logged once" 2 "$(new_log "refused: must be 1..4096")"
rmmod msikit_doe
ktap_result "modprobe max_queued=0 fails" sh -c "! modprobe msikit_doe max_queued=0 2>/dev/null"

load_doe max_queued=4
modprobe msikit_doe_swmb || ktap_bail "modprobe msikit_doe_swmb failed"
MB=$(swmb_mb)
[ -n "$MB" ] || ktap_bail "no software mailbox"
SW=/dev/msikit/$MB
ktap_expect "queued reads 0 when idle" 0 "$(mb_attr "$MB" queued)"

# 300 ms per exchange: 4 in a row take 1.2 s, each well inside the DOE
# timeout of 1 s, and leave doe-queue ample time to see the queue full
echo 300000 > "$(swmb_dev)/delay_us"
l0=$(log_mark)
out=$(doe-queue -n 4 -t 30 "$SW" 2>&1)
rc=$?
echo "$out" | grep -E '^(not ok|#)|^ok .*# SKIP'
ktap_result "doe-queue: $(echo "$out" | grep -c '^ok') cases pass" test "$rc" = 0
ktap_expect "stats/queue_full counts its two refusals" 2 "$(mb_stat "$MB" queue_full)"
ktap_expect "each refusal logged once, with the reason" 2 \
	"$(new_log "refused: 4 exchanges queued already (max_queued)")"
echo 0 > "$(swmb_dev)/delay_us"
ktap_expect "queued reads 0 after the run" 0 "$(mb_attr "$MB" queued)"
ktap_result "the mailbox works" \
	sh -c "msikit-doe exchange $SW 1234:01 0badf00d | grep -q 0badf00d"

# lower the cap at run time: it applies to the next exchange. doe-queue
# again, with a cap of 1: it sees the one exchange queued and tries the
# next at once from the same process (a second process may start after
# the first exchange is done, as it did on the debug kernel).
echo 1 > $P
echo 300000 > "$(swmb_dev)/delay_us"
out=$(doe-queue -n 1 -t 30 "$SW" 2>&1)
rc=$?
echo "$out" | grep -E '^(not ok|#)|^ok .*# SKIP'
ktap_result "max_queued=1 at run time: the next exchange gets EBUSY, the queued one completes" \
	test "$rc" = 0
ktap_expect "stats/queue_full counts its two refusals more" 4 "$(mb_stat "$MB" queue_full)"
echo 0 > "$(swmb_dev)/delay_us"

ktap_result "msikit_doe_swmb unloads" rmmod msikit_doe_swmb
ktap_result "msikit_doe unloads: nothing holds it" rmmod msikit_doe
ktap_finished
