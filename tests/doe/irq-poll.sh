#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Which completion path ran, proven by counters: QEMU's mailbox raises its
# DOE interrupt (MSI-X vector 0) on Data Object Ready, so interrupt mode
# must count one interrupt per exchange and polling mode none. The software
# mailbox answers after 200 us, so polling there must actually poll, and
# its interrupt mode must be woken by the interrupt.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_cxl
N=50

run_n() {	# run_n DEV PROTO DWORD: N exchanges
	i=0
	while [ $i -lt $N ]; do
		msikit-doe exchange "$1" "$2" "$3" > /dev/null || return 1
		i=$((i + 1))
	done
}

load_doe
bind_msikit "$BDF" || ktap_bail "cannot bind msikit_doe"
MB=$(mb_of "$BDF")
i0=$(mb_stat "$MB" irqs); x0=$(mb_stat "$MB" exchanges)
ktap_result "irq mode: $N Discovery exchanges" run_n "$BDF" 0001:00 00000000
i1=$(mb_stat "$MB" irqs); x1=$(mb_stat "$MB" exchanges)
# busy_irqs (interrupts showing neither Ready nor Error) is logged, not
# asserted: a Ready interrupt that lands after its response was read
# counts there too, and with MSI-X on another CPU that can happen
log "irq mode: $((x1 - x0)) exchanges, $((i1 - i0)) interrupts ($(mb_stat "$MB" busy_irqs) busy_irqs), irq $(mb_attr "$MB" irq)"
ktap_result "irq mode: an interrupt per exchange" test $((i1 - i0)) -ge $N
ktap_expect "irq mode: no polling" 0 "$(mb_stat "$MB" polls)"
unbind_msikit "$BDF"

load_doe poll=1
bind_msikit "$BDF" || ktap_bail "cannot bind msikit_doe"
ktap_result "poll mode: $N Discovery exchanges" run_n "$BDF" 0001:00 00000000
ktap_expect "poll mode: no interrupt" 0 "$(mb_stat "$MB" irqs)"
unbind_msikit "$BDF"

load_doe
modprobe msikit_doe_swmb || ktap_bail "modprobe msikit_doe_swmb failed"
SW=$(swmb_mb)
echo 200 > "$(swmb_dev)/delay_us"
i0=$(mb_stat "$SW" irqs)
p0=$(mb_stat "$SW" polls)
ktap_result "software irq mode: $N exchanges" run_n "/dev/msikit/$SW" 1234:01 12345678
ktap_expect "software irq mode: woken by interrupts" $N "$(( $(mb_stat "$SW" irqs) - i0 ))"
ktap_expect "software irq mode: no polling" 0 "$(( $(mb_stat "$SW" polls) - p0 ))"
rmmod msikit_doe_swmb
load_doe poll=1
modprobe msikit_doe_swmb || ktap_bail "modprobe msikit_doe_swmb failed"
SW=$(swmb_mb)
echo 200 > "$(swmb_dev)/delay_us"
# Whether an exchange finds its response ready at the first look depends
# on how fast the engine gets there (a debug kernel may take the 200 us):
# the mailbox counts the Status reads that told the poller to wait, and
# each of them must be followed by one sleep, never by an interrupt.
p0=$(mb_stat "$SW" polls) w0=$(cat "$(swmb_dev)/wait_reads")
ktap_result "software poll mode: $N exchanges" run_n "/dev/msikit/$SW" 1234:01 12345678
p1=$(mb_stat "$SW" polls) w1=$(cat "$(swmb_dev)/wait_reads")
log "software poll mode: $((p1 - p0)) sleeps, $((w1 - w0)) Status reads said wait, $N exchanges of 200 us"
ktap_expect "software poll mode: a sleep after every Status read that said wait" \
	$((w1 - w0)) $((p1 - p0))
ktap_result "software poll mode: it waited, no interrupts" \
	test $((p1 - p0)) -gt 0 -a "$(mb_stat "$SW" irqs)" = 0
ktap_expect "software poll mode: mode reads poll" poll "$(mb_attr "$SW" mode)"
rmmod msikit_doe_swmb
rmmod msikit_doe
ktap_finished
