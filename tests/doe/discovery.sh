#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Discovery on QEMU's CXL type-3 mailbox, in every mode: routed through the
# kernel's pci_doe() while msikit does not own the function, then through
# msikit's own engine once msikit_doe is bound to it. QEMU's mailbox lists
# DOE Discovery (0001:00) and CXL Table Access (1e98:02).
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_cxl
load_doe
MB=$(mb_of "$BDF")
ktap_result "a mailbox appears for $BDF at load" test -n "$MB"
ktap_expect "unowned function is routed" routed "$(mb_attr "$MB" mode)"
f=$(mb_attr "$MB" features | tr '\n' ' ')
ktap_expect "routed Discovery lists 0001:00 and 1e98:02" "0001:00 1e98:02 " "$f"
ktap_result "features sysfs sits under the PCI device" \
	test -r "/sys/bus/pci/devices/$BDF/msikit-doe/$MB/features"

ktap_result "bind msikit_doe to $BDF" bind_msikit "$BDF"
ktap_expect "owned function runs the engine with interrupts" irq "$(mb_attr "$MB" mode)"
f=$(mb_attr "$MB" features | tr '\n' ' ')
ktap_expect "engine Discovery lists the same features" "0001:00 1e98:02 " "$f"
out=$(msikit-doe features "$BDF" 2>&1)
echo "$out" | sed 's/^/# /'
ktap_result "msikit-doe features names CDAT" sh -c "echo '$out' | grep -q 'Table Access'"

unbind_msikit "$BDF"
ktap_expect "unbound function is routed again" routed "$(mb_attr "$MB" mode)"
rmmod msikit_doe
ktap_finished
