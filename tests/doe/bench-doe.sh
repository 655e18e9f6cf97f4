#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# DOE benchmark: latency and rate of DOE exchanges, timed in the kernel by
# msikit_doe_bench, one measurement per load of that module.
#
#  A. QEMU's CXL mailbox, Discovery exchanges: msikit's engine interrupt
#     driven, the kernel's pci_doe() on the same mailbox in the same boot,
#     msikit's engine polled; config accesses per exchange from the
#     mailbox's counters.
#  B. The software mailbox answering after L us, L = 10 .. 10000, echo
#     exchanges, interrupt driven and polled: latency beyond L.
#
# Figures go to stdout as "bench: <name> <value> <unit>". A benchmark: the
# script fails only when a measurement could not run, never on a figure.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
FIGS=/tmp/bench-doe.figs
: > "$FIGS"
TOTAL=0

# bench LABEL PARAM...: one measurement. Prints its figures, keeps them in
# $FIGS, sets TOTAL to the exchanges it ran (untimed ones included).
# The module logs "bench-info: start <label>" first: its lines are those
# from the last such line on. (No dmesg -C here: the runner checks the
# whole test's kernel log for splats afterwards.)
bench() {
	label=$1
	shift
	TOTAL=0
	rmmod msikit_doe_bench 2>/dev/null
	if [ -d /sys/module/msikit_doe_bench ]; then
		ktap_fail "$label: msikit_doe_bench still loaded from an earlier run"
		return 1
	fi
	if ! modprobe msikit_doe_bench label="$label" "$@"; then
		ktap_fail "$label: modprobe msikit_doe_bench $*"
		dmesg | grep msikit_doe_bench | tail -3 | sed 's/^/# /'
		return 1
	fi
	out=$(dmesg | awk '/\] bench-info: start / { b = "" } { b = b $0 "\n" } END { printf "%s", b }')
	rmmod msikit_doe_bench
	echo "$out" | sed -n 's/.*\] bench: /bench: /p' | tee -a "$FIGS"
	echo "$out" | sed -n 's/.*\] bench-info: /# /p'
	TOTAL=$(echo "$out" | sed -n 's/.*\] bench-info: exchanges_total //p')
	err=$(echo "$out" | sed -n 's/.*\] bench-error: //p')
	if [ -n "$err" ]; then
		echo "$out" | grep 'msikit' | tail -5 | sed 's/^/# /'
		ktap_fail "$label: an exchange failed: $err"
		return 1
	fi
	ktap_pass "$label: ${TOTAL:-?} exchanges"
}

# fig NAME: the last value printed for a figure
fig() {
	awk -v k="$1" '$1 == "bench:" && $2 == k { v = $3 } END { print v }' "$FIGS"
}

# ratio NAME A B: "bench: NAME A/B ratio" when both figures exist
ratio() {
	if [ -z "$2" ] || [ -z "$3" ]; then
		log "$1: a figure is missing"
		return
	fi
	awk -v n="$1" -v a="$2" -v b="$3" \
		'BEGIN { if (b > 0) printf "bench: %s %.2f ratio\n", n, a / b }'
}

cfg_total() {	# cfg_total MB: config reads plus writes so far
	echo $(( $(mb_stat "$1" cfg_reads || echo 0) + $(mb_stat "$1" cfg_writes || echo 0) ))
}

# per_exchange NAME BEFORE AFTER: config accesses per exchange of the last run
per_exchange() {
	[ "${TOTAL:-0}" -gt 0 ] || return
	awk -v n="$1" -v d="$(($3 - $2))" -v x="$TOTAL" \
		'BEGIN { printf "bench: %s %.2f per-exchange\n", n, d / x }'
}

# mb_mode_is MB MODE: the mailbox runs in MODE (else the figure is not one)
mb_mode_is() {
	ktap_expect "$1 runs in $2 mode" "$2" "$(mb_attr "$1" mode)"
	[ "$(mb_attr "$1" mode)" = "$2" ]
}

# A. QEMU's CXL mailbox
bench_cxl() {
	load_doe
	bind_msikit "$BDF" || { ktap_fail "cxl: bind msikit_doe to $BDF"; return; }
	MB=$(mb_of "$BDF")
	cap=$(mb_attr "$MB" cap_offset)
	T=pci:$BDF:${cap#0x}
	log "cxl: $MB, irq $(mb_attr "$MB" irq), target $T"
	if mb_mode_is "$MB" irq; then
		c0=$(cfg_total "$MB")
		bench cxl_irq target="$T" path=msikit &&
			per_exchange cxl_cfg_accesses_irq "$c0" "$(cfg_total "$MB")" | tee -a "$FIGS"
	fi
	# msikit bound and idle: pci_doe() drives the same registers
	c0=$(cfg_total "$MB")
	bench cxl_kernel target="$T" path=kernel
	log "cxl_kernel: msikit's counters moved by $(( $(cfg_total "$MB") - c0 )) meanwhile"
	unbind_msikit "$BDF"

	load_doe poll=1
	bind_msikit "$BDF" || { ktap_fail "cxl: bind msikit_doe poll=1 to $BDF"; return; }
	MB=$(mb_of "$BDF")
	if mb_mode_is "$MB" poll; then
		c0=$(cfg_total "$MB")
		p0=$(mb_stat "$MB" polls)
		bench cxl_poll target="$T" path=msikit &&
			per_exchange cxl_cfg_accesses_poll "$c0" "$(cfg_total "$MB")" | tee -a "$FIGS"
		log "cxl_poll: $(( $(mb_stat "$MB" polls) - p0 )) poll sleeps for $TOTAL exchanges"
	fi
	unbind_msikit "$BDF"

	ratio cxl_rate_ratio_irq_vs_kernel "$(fig cxl_irq_rate)" "$(fig cxl_kernel_rate)"
	ratio cxl_rate_ratio_poll_vs_kernel "$(fig cxl_poll_rate)" "$(fig cxl_kernel_rate)"
	ratio cxl_p50_ratio_kernel_vs_irq "$(fig cxl_kernel_p50)" "$(fig cxl_irq_p50)"
	# Discovery, 1 dword each way: 2 header + 1 payload writes, Go, one
	# status read that sees Data Object Ready, 3 reads and their 3
	# acknowledging writes.
	# a constant of the protocol, not a measurement: a comment, never a figure
	log "constant: cxl_cfg_accesses_min 11 per-exchange (the protocol's least)"
}

# B. the software mailbox, L us to answer
bench_sw() {	# bench_sw MODE [msikit_doe parameters]
	mode=$1
	shift
	load_doe "$@"
	modprobe msikit_doe_swmb || { ktap_fail "sw_$mode: modprobe msikit_doe_swmb"; return; }
	SW=$(swmb_mb)
	dev=$(swmb_dev)
	if mb_mode_is "$SW" "$mode"; then
		for L in 10 100 1000 10000; do
			n=300
			[ "$L" = 10000 ] && n=100
			echo "$L" > "$dev/delay_us"
			c0=$(cfg_total "$SW")
			bench "sw_${mode}_L$L" target="sw:${dev##*/}:${SW##*-}" \
				path=msikit n=$n delay_us="$L" &&
				per_exchange "sw_${mode}_L${L}_cfg_accesses" "$c0" "$(cfg_total "$SW")"
		done
	fi
	rmmod msikit_doe_swmb
}

# Timers decide the software mailbox's figures: say which ones run them.
log "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)," \
	"clockevent $(cat /sys/devices/system/clockevents/clockevent0/current_device 2>/dev/null)," \
	"$(nproc) CPUs"

if BDF=$(cxl_bdf); then
	bench_cxl
else
	ktap_skip "cxl" "no CXL type-3 device in this VM"
fi

bench_sw irq
bench_sw poll poll=1
ktap_result "msikit_doe_bench refuses path=kernel on a software mailbox" \
	sh -c '! modprobe msikit_doe_bench target=sw:msikit-swmb.0:0 path=kernel label=x 2>/dev/null'
rmmod msikit_doe_bench 2>/dev/null
rmmod msikit_doe 2>/dev/null

# What one wakeup costs here (hrtimer callback to thread running), the
# floor under every ready-to-done figure above: on TCG it is tens of us.
bench tcg_floor path=floor n=1000 delay_us=100

# The PCI core looks at DOE Status every HZ / 128 jiffies (PCI_DOE_POLL_INTERVAL),
# sleeping in between: a response is seen that late at best.
cfg=/boot/config-$(uname -r)
[ -f "$cfg" ] || cfg=/usr/lib/modules/$(uname -r)/config
hz=$(sed -n 's/^CONFIG_HZ=//p' "$cfg" 2>/dev/null)
if [ -n "$hz" ]; then
	jiffies=$((hz / 128))
	log "CONFIG_HZ=$hz: the core sleeps $jiffies jiffies between two looks"
	log "constant: kernel_poll_granularity $((jiffies * 1000000 / hz)) us (from CONFIG_HZ, not measured)"
else
	log "no kernel config for $(uname -r): CONFIG_HZ unknown"
fi
ktap_finished
