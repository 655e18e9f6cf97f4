#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A response longer than the caller's buffer, on QEMU's CXL mailbox, as
# <uapi/msikit/doe.h> documents it: EOVERFLOW, and rsp_len the length the
# response needed, or 0 = unknown on a mailbox routed through the kernel's
# pci_doe(), which drops what does not fit. The routed path reads one
# dword more than the buffer: a response that fits exactly is no overflow,
# one a dword longer is already of unknown length. The engine, bound to
# the function, always knows the length, and it must be the one that a
# large enough buffer gets.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

DISC=0001:00		# Discovery, index 0: a 4-byte response
CDAT=1e98:02		# CXL Table Access, read CDAT entry 0: its header

ktap_header
need_cxl
load_doe
MB=$(mb_of "$BDF")
[ -n "$MB" ] || ktap_bail "no mailbox for $BDF"
N=/dev/msikit/$MB

# xchg RSP_LEN FEATURE DWORD: "<errno> rsp_len=<n>" of one exchange
xchg() {
	doe-xchg "$N" "$2" "$1" "$3"
}

# mode_is MODE...: the function's mailbox runs in one of these modes
mode_is() {
	case " $* " in *" $(mb_attr "$(mb_of "$BDF")" mode) "*) return 0 ;; esac
	return 1
}

ktap_expect "the mailbox is routed through pci_doe()" routed "$(mb_attr "$MB" mode)"
over0=$(mb_stat "$MB" overflows)
ktap_expect "routed: Discovery, 4-byte buffer: fits" "success rsp_len=4" "$(xchg 4 $DISC 0)"
ktap_expect "routed: Discovery, no buffer: EOVERFLOW, rsp_len 0 (unknown)" \
	"EOVERFLOW rsp_len=0" "$(xchg 0 $DISC 0)"
full=$(xchg 4096 $CDAT 0)
log "routed: CDAT entry 0 in a 4096-byte buffer: $full"
len=$(echo "$full" | sed -n 's/^success rsp_len=\([0-9]*\)$/\1/p')
[ "${len:-0}" -gt 8 ] || ktap_bail "CDAT entry 0 unreadable: $full"
ktap_expect "routed: CDAT entry 0, a buffer of its size: fits" \
	"success rsp_len=$len" "$(xchg "$len" $CDAT 0)"
ktap_expect "routed: CDAT entry 0, one dword short: EOVERFLOW, rsp_len 0 (unknown)" \
	"EOVERFLOW rsp_len=0" "$(xchg $((len - 4)) $CDAT 0)"
ktap_expect "routed: CDAT entry 0, 8-byte buffer: EOVERFLOW, rsp_len 0 (unknown)" \
	"EOVERFLOW rsp_len=0" "$(xchg 8 $CDAT 0)"
ktap_expect "routed: stats/overflows counted 3" $((over0 + 3)) "$(mb_stat "$MB" overflows)"
ktap_expect "routed: the mailbox works after the overflows" \
	"success rsp_len=$len" "$(xchg "$len" $CDAT 0)"

bind_msikit "$BDF" || ktap_bail "cannot bind msikit_doe"
MB=$(mb_of "$BDF")
N=/dev/msikit/$MB
ktap_result "engine: bound, the mailbox is msikit's" mode_is irq poll
ktap_expect "engine: Discovery, no buffer: EOVERFLOW, rsp_len 4" \
	"EOVERFLOW rsp_len=4" "$(xchg 0 $DISC 0)"
ktap_expect "engine: CDAT entry 0, one dword short: EOVERFLOW, rsp_len $len" \
	"EOVERFLOW rsp_len=$len" "$(xchg $((len - 4)) $CDAT 0)"
ktap_expect "engine: CDAT entry 0, 8-byte buffer: EOVERFLOW, rsp_len $len" \
	"EOVERFLOW rsp_len=$len" "$(xchg 8 $CDAT 0)"
ktap_expect "engine: CDAT entry 0, a buffer of its size: fits" \
	"success rsp_len=$len" "$(xchg "$len" $CDAT 0)"
unbind_msikit "$BDF"
ktap_result "unbound: the mailbox is routed again" mode_is routed
rmmod msikit_doe
ktap_finished
