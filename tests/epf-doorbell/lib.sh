# SPDX-License-Identifier: GPL-2.0
# Helpers for the epf-doorbell suite. Sourced by each test after ktap.sh.
#
# The endpoint controller is msikit_vepc (test-only, tests/modules/
# README.vepc) on the device-tree node tests/epf-doorbell/arm64-*.dtsi adds;
# it exposes each function on a virtual PCI bus of the same kernel, where
# the shipped host driver binds it. A host ring is then a CPU store through
# the function's doorbell BAR, which maps the ITS's GITS_TRANSLATER.

EPC=${EPC:-msikit-vepc0}
HOSTDRV=/sys/bus/pci/drivers/msikit_epf_db_host

need_vepc() {
	[ -d "/sys/bus/platform/devices/$EPC" ] ||
		ktap_skip_all "no $EPC node: boot with tests/epf-doorbell/$(uname -m | sed 's/aarch64/arm64/')-*.dtsi"
	modinfo msikit_vepc > /dev/null 2>&1 ||
		ktap_skip_all "msikit_vepc is not built for $(uname -r) (needs CONFIG_PCI_ENDPOINT)"
}

# load_epf ARGS...: the library, the controller, the host driver, then the
# function on $EPC with ARGS (doorbells=, functions=, ...)
load_epf() {
	local m
	# what a test that bailed out left behind
	for m in msikit_epf_db msikit_epf_db_host msikit_vepc; do rmmod $m 2>/dev/null; done
	modprobe msikit_msi || ktap_bail "modprobe msikit_msi failed"
	modprobe msikit_vepc || ktap_bail "modprobe msikit_vepc failed"
	modprobe msikit_epf_db_host || ktap_bail "modprobe msikit_epf_db_host failed"
	modprobe msikit_epf_db epc="$EPC" "$@" || ktap_bail "modprobe msikit_epf_db epc=$EPC $* failed"
}

unload_epf() {
	rmmod msikit_epf_db && rmmod msikit_epf_db_host && rmmod msikit_vepc
}

# the functions msikit_epf_db created, one sysfs directory per line
epf_dirs() {
	ls -d /sys/bus/pci-epf/devices/msikit_epf_db.bind* 2>/dev/null |
		awk -F'[.]bind' '{ print $2, $0 }' | sort -n | cut -d' ' -f2
}

# the host side's devices, one sysfs directory per line, in function order
host_dirs() {
	ls -d $HOSTDRV/[0-9]* 2>/dev/null
}

# wait_rings EPFDIR INDEX WANT: the function counted WANT rings on doorbell
# INDEX within 5 s
wait_rings() {
	local i=0 got
	while [ $i -lt 500 ]; do
		got=$(awk -v n="$2" '{ print $(n + 1) }' "$1/rings")
		[ "$got" = "$3" ] && return 0
		i=$((i + 1))
		sleep 0.01
	done
	log "doorbell $2: $got rings handled, want $3"
	return 1
}

# ring_each HOSTDIR EPFDIR N K: ring each of doorbells 0..N-1 K times, one
# doorbell at a time; each must count exactly its own K, and no other
# doorbell may move meanwhile
ring_each() {
	local h=$1 e=$2 n=$3 k=$4 i=0 before after
	while [ $i -lt "$n" ]; do
		before=$(cat "$e/rings")
		echo "$i $k" > "$h/ring" || { log "doorbell $i: ring refused"; return 1; }
		wait_rings "$e" "$i" "$(echo "$before" | awk -v n="$i" -v k="$k" '{ print $(n + 1) + k }')" ||
			return 1
		after=$(cat "$e/rings")
		if [ "$(echo "$before" | awk -v n="$i" '{ $(n + 1) = ""; print }')" != \
		     "$(echo "$after" | awk -v n="$i" '{ $(n + 1) = ""; print }')" ]; then
			log "doorbell $i: a sibling counted its ring: $before -> $after"
			return 1
		fi
		i=$((i + 1))
	done
}

# vepc_bar FUNCTION BAR: the physical address the function mapped BAR to
vepc_bar() {
	awk -v f="$1" -v b="$2" '$1 == f && $2 == b { print $3 }' "/sys/bus/platform/devices/$EPC/bars"
}

# poke ADDRESS VALUE: one 32-bit store from user space, a host that rings
# with whatever table it holds (busybox devmem; the register BAR only
# while no host driver holds it)
poke() {
	busybox devmem "$(printf '0x%x' "$1")" 32 "$(printf '0x%x' "$2")"
}

# ring_table TABLE [FUNCTION [WRITER]]: one write per doorbell of TABLE (the
# host's doorbells lines, "I KIND BAR OFFSET DATA") at FUNCTION's BARs (0),
# by WRITER ADDRESS DATA (poke: a CPU store)
ring_table() {
	local f=${2:-0} w=${3:-poke} i kind bar off data base
	while read -r i kind bar off data; do
		base=$(vepc_bar "$f" "$bar")
		[ -n "$base" ] || { log "doorbell $i: BAR $bar is not set"; return 1; }
		$w $((base + off)) $((data)) || return 1
	done <<TABLE
$1
TABLE
}

# gen_of EPFDIR: the function's generation; next_gen G: the one after G,
# as the function counts (never 0 or all-ones)
gen_of() {
	awk '{ print $3 }' "$1/status"
}
next_gen() {
	local n=$(( ($1 + 1) & 0xffffffff ))
	[ "$n" = 0 ] || [ "$n" = 4294967295 ] && n=1
	echo "$n"
}

# status_g EPFDIR [FIELDS]: the function's status (its first FIELDS
# fields) with the generation, which starts anywhere, spelt G
status_g() {
	awk -v n="${2:-0}" '{ $3 = "G"; if (n) NF = n; print }' "$1/status"
}

# wait_status EPFDIR PATTERN [SECONDS]: the function's status matches
# within SECONDS (5)
wait_status() {
	local i=0 n=$(( ${3:-5} * 100 ))
	while [ $i -lt $n ]; do
		case "$(cat "$1/status")" in $2) return 0 ;; esac
		i=$((i + 1))
		sleep 0.01
	done
	log "status: $(cat "$1/status"), want $2"
	return 1
}

# wait_value FILE WANT: FILE reads WANT within 5 s
wait_value() {
	local i=0
	while [ $i -lt 500 ]; do
		[ "$(cat "$1")" = "$2" ] && return 0
		i=$((i + 1))
		sleep 0.01
	done
	log "$1: $(cat "$1"), want $2"
	return 1
}
