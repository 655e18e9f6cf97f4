#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A probe that fails after the routed mailboxes were taken down (forced by
# the test-only parameter fail_probe_after_remove) puts them back: the
# function keeps a working mailbox, the failure is EIO and says why in
# exactly one log line. Cleared, the same bind works and unbinds cleanly.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

P=/sys/module/msikit_doe/parameters/fail_probe_after_remove
WHY="probe failed on purpose: fail_probe_after_remove=1 (test only)"

not() { ! "$@"; }
cdat_ok() { msikit-doe cdat "$BDF" 2>/dev/null | grep -q '(valid)'; }
engine_mode() {
	case "$(mb_attr "$MB" mode)" in irq|poll) return 0 ;; esac
	return 1
}

ktap_header
need_cxl
load_doe
[ -w "$P" ] || ktap_bail "no $P"
MB=$(mb_of "$BDF")
[ -n "$MB" ] || ktap_bail "no routed mailbox for $BDF"
ktap_expect "routed before the bind" routed "$(mb_attr "$MB" mode)"

echo 1 > "$P"
# the log is the runner's to clear: look only past this offset
l0=$(log_mark)
ktap_result "bind fails while fail_probe_after_remove=1" not bind_msikit "$BDF"
ktap_expect "the mailbox is there again" "$MB" "$(mb_of "$BDF")"
ktap_expect "and routed" routed "$(mb_attr "$MB" mode)"
ktap_result "and it works: CDAT reads, checksum valid" cdat_ok
ktap_expect "the reason is logged exactly once" 1 "$(new_log "$BDF: $WHY")"
ktap_expect "the probe failed with EIO" 1 \
	"$(new_log "probe with driver msikit_doe failed with error -5")"
ktap_expect "nothing failed to come back" 0 "$(new_log "no routed DOE mailbox")"
log_since "$l0" | grep -F "$BDF" | sed 's/^/# /'
unbind_msikit "$BDF"

echo 0 > "$P"
ktap_result "bind works once cleared" bind_msikit "$BDF"
ktap_result "driven by the engine" engine_mode
ktap_result "CDAT reads through the engine" cdat_ok
unbind_msikit "$BDF"
ktap_expect "unbind: routed again" routed "$(mb_attr "$MB" mode)"
ktap_result "CDAT reads routed" cdat_ok
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_finished
