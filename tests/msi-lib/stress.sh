#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Writes interleaved with affinity changes from another CPU: 0 lost, 0
# spurious. Writer: edu's MSI capability (edu's requester ID), always using
# the consumer's published copy of the message, which lags msikit's report
# by a work item, as a real remote writer's would. On the x86 vector
# parent every change is a new message; under remapping and the ITS none
# is; the IMSIC, which would retire the old message under the writer,
# refuses every change once the interrupt is requested (pinned).
# TCG runs the million writes at 2,000-12,000 a second, arm64 slowest:
# timeout: 2400
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

WRITES=${STRESS_WRITES:-1000000}
CHANGES=${STRESS_CHANGES:-10000}

ktap_header
need_edu
[ "$(nproc)" -ge 2 ] || ktap_skip_all "needs 2 CPUs"
load_msi
echo 8 > "$T/alloc" || ktap_bail "alloc failed"
echo "0 1" > "$T/fire" || ktap_bail "first write failed"

t0=$(date +%s)
echo "$WRITES $CHANGES" > "$T/stress"
rc=$?
r=$(cat "$T/stress_result")
log "writer: edu MSI capability; $(cat "$T/parent"); $r; $(( $(date +%s) - t0 )) s"
set -- $r
ktap_result "$WRITES writes, $CHANGES affinity changes: stress ran" test "$rc" = 0
ktap_expect "every write arrived" "$WRITES" "$2"
ktap_expect "lost" 0 "$4"
ktap_expect "spurious" 0 "$6"
case "$(cat "$T/parent")" in
*pinned)
	ktap_expect "pinned parent: affinity changes refused with EPERM" "$CHANGES" "${18}"
	ktap_expect "pinned parent: no message republished" 0 "${14}"
	;;
*immutable)
	ktap_expect "affinity changes made" "$CHANGES" "$8"
	ktap_expect "immutable parent: no message republished" 0 "${14}"
	;;
*)
	ktap_expect "affinity changes made" "$CHANGES" "$8"
	ktap_result "mutable parent: messages republished (${14})" test "${14}" -gt 0
	;;
esac
echo "bench: stress_rate_$(cat "$T/parent" | cut -d' ' -f1) $(( $2 * 1000000000 / ${16} )) writes/s"
echo 1 > "$T/free_all"
unload_msi
ktap_finished
