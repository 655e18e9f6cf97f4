# SPDX-License-Identifier: GPL-2.0
# Helpers for the doe suite. Sourced by each test after ktap.sh.

CLASS=/sys/class/msikit-doe
export PATH=/opt/msikit/tools:/opt/msikit/tests/progs:$PATH

# BDF of QEMU's CXL type-3 device (class 05 02 10: CXL memory device)
cxl_bdf() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/class")" = 0x050210 ] && { basename "$d"; return 0; }
	done
	return 1
}

# mailbox name(s) of a device: doe-<bdf>-<cap>
mb_of() {
	ls "$CLASS" 2>/dev/null | grep -F "doe-$1-" | head -1
}

mb_attr() { cat "$CLASS/$1/$2" 2>/dev/null; }
mb_stat() { cat "$CLASS/$1/stats/$2" 2>/dev/null; }

# latency_line MB: MB's learned latencies on one line, for a log or a compare
latency_line() { mb_attr "$1" latency | tr '\n' ' '; }

# est_us MB: MB's learned latency of the software mailbox's echo, in us
est_us() { awk '$1 == "1234:01" { print int($2 / 1000) }' "$CLASS/$1/latency"; }

# new_log TEXT: lines holding TEXT the kernel logged after the mark in l0
new_log() { log_since "$l0" | grep -cF "$1"; }

bind_msikit() {
	echo msikit_doe > "/sys/bus/pci/devices/$1/driver_override"
	echo "$1" > /sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$1/driver")")" = msikit_doe ]
}

unbind_msikit() {
	[ -e "/sys/bus/pci/devices/$1/driver" ] &&
		echo "$1" > "/sys/bus/pci/devices/$1/driver/unbind"
	echo > "/sys/bus/pci/devices/$1/driver_override"
}

# the software mailbox of msikit_doe_swmb instance $1 (default 0)
swmb_mb() {
	ls "$CLASS" 2>/dev/null | grep -F "doe-msikit-swmb.${1:-0}-" | head -1
}

swmb_dev() {
	echo /sys/bus/platform/devices/msikit-swmb.${1:-0}
}

load_doe() {
	rmmod msikit_doe_swmb 2>/dev/null
	rmmod msikit_doe 2>/dev/null
	modprobe msikit_doe "$@" || ktap_bail "modprobe msikit_doe $* failed"
}

# load_swmb [msikit_doe parameters]: msikit_doe and one software mailbox;
# sets MB (its name) and SW (its node)
load_swmb() {
	load_doe "$@"
	modprobe msikit_doe_swmb || ktap_bail "modprobe msikit_doe_swmb failed"
	MB=$(swmb_mb)
	[ -n "$MB" ] || ktap_bail "no software mailbox"
	SW=/dev/msikit/$MB
}

# quiet_one: the software mailbox MB (node SW) answering at once, echoes
# until one Go is quiet (learn=1, interrupt mode) and the estimate it left
# makes the next one quiet too: the level and two deviations within a
# look, DOE_LOOK_NS (doe_irq_plan(); a jump after a quiet Go would be up,
# and show); 1 when none of 50 was, 2 when an exchange failed
quiet_one() {
	local k=0 q
	while [ $k -lt 50 ]; do
		q=$(mb_stat "$MB" quiet_goes)
		doe-stress -c 1 -n 1 -m echo "$SW" > /dev/null || return 2
		[ "$(mb_stat "$MB" quiet_goes)" -gt "$q" ] &&
			awk '$1 == "1234:01" { q = $2 + 2 * $3 <= 2000 } END { exit !q }' \
				"$CLASS/$MB/latency" && return 0
		k=$((k + 1))
	done
	return 1
}

# nvme_bdf MODE: the nvme function of an SPDM responder mode (tests/doe/
# qemu: its serial is spdm-MODE)
nvme_bdf() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ "$(cat "$c/serial" 2>/dev/null | tr -d ' ')" = "spdm-$1" ] &&
			{ basename "$(readlink -f "$c/device")"; return 0; }
	done
	return 1
}

need_cxl() {
	BDF=$(cxl_bdf) || ktap_skip_all "no CXL type-3 device in this VM"
}

# json_check FILE EXPR [ARG...]: passes when the Python expression EXPR
# holds, d being the JSON document in FILE and a the list of ARGs; on a
# failure (a document that does not parse among them) shows why and the
# document's start
json_check() {
	local f=$1 e=$2 err
	shift 2
	if err=$(python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
a = sys.argv[2:]
sys.exit(0 if ($e) else 1)" "$f" "$@" 2>&1); then
		return 0
	fi
	[ -z "$err" ] || echo "$err" | tail -2 | sed 's/^/# /'
	head -40 "$f" | sed 's/^/# /'
	return 1
}

# a QEMU monitor command (device_del ...), relayed by the VM runner
host_request() {
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
	echo "$*" > /dev/ttyS1
}

# wait up to $2 seconds for a PCI function to disappear
wait_gone() {
	i=0
	while [ -e "/sys/bus/pci/devices/$1" ] && [ $i -lt $(($2 * 5)) ]; do
		sleep 0.2; i=$((i + 1))
	done
	[ ! -e "/sys/bus/pci/devices/$1" ]
}

# stress_each LOG WHEN: every client of a doe-stress run with -p had an
# exchange succeed WHEN (before, after or both) the phase file appeared;
# one client shut out on either side is a failure the totals would hide
stress_each() {
	local bad
	[ "$(grep -c ' ok_before=' "$1")" -gt 0 ] || { log "no per-client counts in $1"; return 1; }
	case $2 in
	before) bad=$(grep ' ok_before=0 ' "$1") ;;
	after) bad=$(grep ' ok_after=0$' "$1") ;;
	*) bad=$(grep -e ' ok_before=0 ' -e ' ok_after=0$' "$1") ;;
	esac
	[ -z "$bad" ] || { log "clients shut out: $(echo "$bad" | sed 's/^# doe-stress: //' | tr '\n' ';')"; return 1; }
}

# stress_verdict LOG RC ERRNO...: a doe-stress run with -k passed when the
# client exited 0, some exchanges succeeded, none returned wrong data, and
# every failure had one of the errnos the situation allows: ERRNO for any,
# open:ERRNO for a node's open only (reopening a node whose device is
# going: ENOENT once its file is gone, ENXIO while the file is still there
# but its character device is not).
stress_verdict() {
	local f=$1 rc=$2 ok e n o
	shift 2
	[ "$rc" = 0 ] || { log "doe-stress exited $rc"; return 1; }
	ok=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' "$f" | tail -1)
	[ "${ok:-0}" -gt 0 ] || { log "no exchange succeeded"; return 1; }
	grep -q ' mismatched=0 ' "$f" || { log "wrong data returned"; return 1; }
	for e in $(sed -n 's/^# errno \([A-Za-z0-9]*\):.*/\1/p' "$f"); do
		n=$(sed -n "s/^# errno $e: \([0-9]*\)$/\1/p" "$f")
		o=$(sed -n "s/^# open errno $e: \([0-9]*\)$/\1/p" "$f")
		case " $* " in
		*" $e "*) continue ;;
		*" open:$e "*) [ "${o:-0}" = "$n" ] && continue ;;
		esac
		log "errno $e ($n, ${o:-0} of them an open) is not one this situation allows ($*)"
		return 1
	done
}

# learn_stall US: the learning engine's stall on the software mailbox, the
# caller's run_n running its exchanges: 100 answered after US us, then one
# stalled past the timeout, which must fail after the full timeout, not
# before, be counted, and forget the estimate; then 5 that work again
learn_stall() {
	local r0 to0 t1 t2
	echo "$1" > "$(swmb_dev)/delay_us"
	ktap_result "100 exchanges of $1 us" run_n 100
	r0=$(mb_stat "$MB" est_resets) to0=$(mb_stat "$MB" timeouts)
	echo 1500000 > "$(swmb_dev)/delay_us"
	t1=$(date +%s%N)
	ktap_result "a stall past the timeout fails the exchange" \
		sh -c "! msikit-doe exchange $SW 1234:01 12345678 > /dev/null 2>&1"
	t2=$(date +%s%N)
	ktap_result "after the full timeout, not before: $(( (t2 - t1) / 1000000 )) ms" \
		test $(( (t2 - t1) / 1000000 )) -ge 1000
	ktap_expect "counted as a timeout" $((to0 + 1)) "$(mb_stat "$MB" timeouts)"
	ktap_result "the estimate was forgotten" test "$(mb_stat "$MB" est_resets)" -gt "$r0"
	echo "$1" > "$(swmb_dev)/delay_us"
	ktap_result "the next exchanges work" run_n 5
}
