#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad input gets an errno and one line saying why, and changes nothing:
# the function's module parameters and controller name, the host's ring
# requests, and a register BAR that lies (bad magic, a doorbell count
# past the most there can be, an offset past its BAR, an unknown kind or
# BAR). The host keeps no table it could not validate and rings nothing.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

EPCP=/sys/module/msikit_epf_db/parameters/epc

# refused "DESCRIPTION" "DMESG-PATTERN" ARGS...: modprobe msikit_epf_db
# ARGS fails with one line matching the pattern and creates nothing
refused() {
	local d=$1 p=$2 n
	shift 2
	n=$(dmesg | grep -c -- "$p")
	if insmod "$ko" "$@" 2>/dev/null; then
		ktap_fail "$d: refused"
		rmmod msikit_epf_db
		return
	fi
	ktap_expect "$d: refused with one line per attempt" $((n + tries)) "$(dmesg | grep -c -- "$p")"
	ktap_expect "$d: nothing created" "" "$(epf_dirs)"
}

# ring_refused H E REQUEST: writing REQUEST to H's ring fails and no
# doorbell of E moves
ring_refused() {
	local before
	before=$(cat "$2/rings_all")
	echo "$3" > "$1/ring" 2>/dev/null && { log "ring '$3' accepted"; return 1; }
	sleep 0.05
	[ "$(cat "$2/rings_all")" = "$before" ] || { log "a doorbell moved: $before -> $(cat "$2/rings_all")"; return 1; }
}

# lie WHAT OFFSET VALUE PATTERN: with the host unbound, store VALUE at
# OFFSET of the register BAR, bind the host again: it keeps no table, a
# ring fails, one line names the field; then the true value goes back
lie() {
	local what=$1 off=$2 val=$3 pat=$4 addr save n
	addr=$((reg + off))
	echo "$dev" > "$HOSTDRV/unbind"
	save=$(busybox devmem "$(printf '0x%x' $addr)" 32)
	n=$(dmesg | grep -c -- "$pat")
	poke $addr "$val"
	echo "$dev" > "$HOSTDRV/bind" 2>/dev/null
	if [ -d "$HOSTDRV/$dev" ]; then
		ktap_expect "$what: the host keeps no table" "" "$(cat "$HOSTDRV/$dev/doorbells" 2>/dev/null)"
		ktap_result "$what: a ring fails and no doorbell moves" ring_refused "$HOSTDRV/$dev" "$e" 0
		echo "$dev" > "$HOSTDRV/unbind"
	else
		ktap_pass "$what: the host does not bind"
	fi
	ktap_expect "$what: one line names it" 1 $(($(dmesg | grep -c -- "$pat") - n))
	poke $addr "$save"
	echo "$dev" > "$HOSTDRV/bind"
}

ktap_header
need_vepc
ko=$(find -L /lib/modules/"$(uname -r)" -name msikit_epf_db.ko | head -1)
[ -f "$ko" ] || ktap_bail "msikit_epf_db.ko not found"
# busybox's insmod calls init_module again when finit_module fails: the
# module's init runs, and says why, once per attempt
tries=1
case "$(insmod 2>&1 | head -n 2)" in *BusyBox*) tries=2 ;; esac
modprobe msikit_msi && modprobe msikit_vepc && modprobe msikit_epf_db_host || ktap_bail "modprobe failed"
refused "doorbells=0" "doorbells=0" epc=$EPC doorbells=0
refused "doorbells=65" "doorbells=65" epc=$EPC doorbells=65
refused "poll_us=5" "poll_us=5" epc=$EPC poll_us=5
refused "functions=9" "functions=9" epc=$EPC functions=9
refused "stale_grace_ms=70000" "stale_grace_ms=70000" epc=$EPC stale_grace_ms=70000
refused "epc=nosuch" 'no endpoint controller "nosuch"' epc=nosuch
modprobe msikit_epf_db epc=$EPC doorbells=8 || ktap_bail "modprobe msikit_epf_db failed"
e=$(epf_dirs)
h=$(host_dirs)
[ -n "$e" ] && [ -n "$h" ] || ktap_bail "function or host device missing"
if echo msikit-vepc1 > "$EPCP" 2>/dev/null; then
	ktap_fail "naming another controller while bound: refused"
else
	ktap_expect "naming another controller while bound: refused, still on $EPC" \
		"$EPC $e" "$(cat "$EPCP") $(epf_dirs)"
fi
for r in 8 x "0 0" "all 1000001" "-1" ""; do
	ktap_result "host ring '$r': refused, no doorbell moves" ring_refused "$h" "$e" "$r"
done
ktap_result "the host still rings every doorbell once" ring_each "$h" "$e" 8 1

dev=$(basename "$h")
reg=$(vepc_bar 0 0)
[ -n "$reg" ] || ktap_bail "no register BAR"
ent=$((0x40))
lie "bad magic" 0 0xdeadbeef "magic 0xdeadbeef"
lie "bad version" 4 7 "version 7"
lie "count 65" 8 65 "COUNT 0x41"
lie "offset past the doorbell BAR" $((ent + 8)) 0x10000 "OFFSET 0x10000"
lie "unknown kind" $ent 9 "KIND 0x9"
lie "BAR 5, which the function lacks" $((ent + 4)) 5 "BAR 0x5"
lie "an MSI doorbell in the register BAR" $((ent + 4)) 0 "BAR 0x0"
h=$(host_dirs)
ktap_result "the truth back: each doorbell rung once more, handled once" ring_each "$h" "$e" 8 1
ktap_result "module unload" unload_epf
ktap_finished
