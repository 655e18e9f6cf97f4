#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A consumer that forgets free_irq(): msikit_msi_free() refuses with EBUSY
# and one log line; msikit_msi_domain_destroy() warns once and keeps the
# domain, so the late free_irq() is safe; a second destroy completes and
# msikit_msi can unload.
# expect-warn: msikit_msi_domain_destroy
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_edu
load_msi
cat "$T/selftest_handlers" > /tmp/handlers.out
sed 's/^/# /' /tmp/handlers.out
ktap_result "$(grep -c '^ok' /tmp/handlers.out) cases of a forgotten free_irq" \
	sh -c "! grep -q '^not ok' /tmp/handlers.out && grep -q '^ok' /tmp/handlers.out"
ktap_expect "the refused free is logged once" 1 "$(dmesg | grep -c 'not freed: free_irq() it first')"
ktap_expect "the kept domain is logged" 1 "$(dmesg | grep -c 'MSI domain kept: 1 interrupts still have handlers')"
ktap_expect "one WARN, from msikit_msi_domain_destroy" 1 "$(dmesg | grep -c 'WARNING:.*msikit_msi_domain_destroy')"
ktap_result "msikit_msi unloads after the second destroy" unload_msi
ktap_finished
