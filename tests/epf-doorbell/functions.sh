#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two functions on one controller, each with its own doorbells (an msikit
# domain per function; both share the ITS device of the controller's
# DeviceID, which msi-parent names, and say so): a ring of one function's
# doorbell is handled by that doorbell only, and the other function counts
# nothing. msimap.sh has functions with DeviceIDs of their own.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

# ring_all_of H E OTHER N: ring each doorbell of host device H once;
# function E counts each once, function OTHER nothing
ring_all_of() {
	local other
	other=$(cat "$3/rings_all")
	ring_each "$1" "$2" "$4" 1 || return 1
	[ "$(cat "$3/rings_all")" = "$other" ] && return 0
	log "the other function counted rings: $other -> $(cat "$3/rings_all")"
	return 1
}

ktap_header
need_vepc
load_epf doorbells=8 functions=2
set -- $(epf_dirs)
e0=$1 e1=$2
set -- $(host_dirs)
h0=$1 h1=$2
[ -n "$e1" ] && [ -n "$h1" ] || ktap_bail "two functions and two host devices expected"
ktap_expect "function 0: 8 MSI doorbells" "ready generation G msi 8" "$(status_g "$e0" 5)"
ktap_expect "function 1: 8 MSI doorbells" "ready generation G msi 8" "$(status_g "$e1" 5)"
d=$( (awk '{ print $5 }' "$h0/doorbells"; awk '{ print $5 }' "$h1/doorbells") | sort | uniq -d | wc -l)
ktap_expect "the two functions' doorbells are 16 distinct events" 0 "$d"
# bound functions pin their driver's module; the module's own do not, or
# it could never be unloaded (configfs's, which Debian lacks, would)
ktap_expect "the module's own bound functions do not pin it" 0 "$(cat /sys/module/msikit_epf_db/refcnt)"
# msi-parent gives the controller one DeviceID: the functions say so
ktap_expect "function 0 says its DeviceID is shared" "0x0 shared 2" "$(cat "$e0/deviceid")"
ktap_expect "function 1 says its DeviceID is shared" "0x0 shared 2" "$(cat "$e1/deviceid")"
ktap_result "function 0's doorbells: each handled once by itself, function 1 counts nothing" \
	ring_all_of "$h0" "$e0" "$e1" 8
ktap_result "function 1's doorbells: each handled once by itself, function 0 counts nothing" \
	ring_all_of "$h1" "$e1" "$e0" 8
ktap_result "module unload" unload_epf
ktap_finished
