#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Discovery on QEMU's CXL type-3 mailbox, in every mode: routed through the
# kernel's pci_doe() while msikit does not own the function, then through
# msikit's own engine once msikit_doe is bound to it. QEMU's mailbox lists
# DOE Discovery (0001:00) and CXL Table Access (1e98:02). On the way,
# msikit-doe's conventions: lspci's -s selector (pcisel-selftest first,
# without a device), --json of list and features, the usage errors.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
ktap_result "pcisel-selftest: the -s selector on tables of addresses" pcisel-selftest
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

# msikit-doe's conventions, on the engine's mailbox
T=/tmp/discovery
mkdir -p $T
SHORT=${BDF#*:}		# bus:dev.fn, as lspci -s takes it without a domain
CAP=$(mb_attr "$MB" cap_offset)
msikit-doe list --json > $T/list.json
ktap_expect "list --json exits 0" 0 $?
ktap_result "list --json: $MB of $BDF, cap_offset $CAP as sysfs says, 1e98:02 named" \
	json_check $T/list.json 'any(r["node"] == a[0] and r["device"] == a[1] and
	r["cap_offset"] == int(a[2], 0) and r["mode"] == "irq" and
	any(f["vid"] == 0x1e98 and f["type"] == 2 and f["name"] for f in r["features"])
	for r in d)' "$MB" "$BDF" "$CAP"
# a software mailbox too: a row that -s must leave out
modprobe msikit_doe_swmb || ktap_bail "modprobe msikit_doe_swmb failed"
all=$(msikit-doe list)
echo "$all" | sed 's/^/# /'
ktap_result "list shows a mailbox of another device than $BDF" \
	sh -c "echo '$all' | awk -v d='$BDF' 'NF && \$2 != d' | grep -q ."
out=$(msikit-doe list -s "$SHORT")
ktap_expect "list -s $SHORT exits 0" 0 $?
ktap_expect "list -s $SHORT: all of $BDF's mailboxes, no other row" \
	"$(ls $CLASS | grep -c -F "doe-$BDF-") 0" \
	"$(echo "$out" | awk -v d="$BDF" '$2 == d' | wc -l) $(echo "$out" | awk -v d="$BDF" 'NF && $2 != d' | wc -l)"
rmmod msikit_doe_swmb
out=$(msikit-doe list -s ff:1f.7)
ktap_expect "list -s ff:1f.7 exits 0" 0 $?
ktap_expect "list -s ff:1f.7: no row" "" "$out"
msikit-doe features -s "$SHORT" --json > $T/features.json
ktap_expect "features -s $SHORT --json exits 0" 0 $?
ktap_result "features -s $SHORT --json: $BDF's $MB, irq, 1e98:02 named" \
	json_check $T/features.json 'd["device"] == a[0] and d["mailbox"] == "/dev/msikit/" + a[1] and
	d["cap_offset"] == int(a[2], 0) and d["mode"] == "irq" and d["irq"] is not None and
	d["dead"] is False and any(f["vid"] == 0x1e98 and f["type"] == 2 and
	f["name"] == "CXL Table Access (CDAT)" and not f["reserved"] for f in d["features"])' \
	"$BDF" "$MB" "$CAP"
msikit-doe features -s "0:0:$SHORT" > /dev/null 2>&1
ktap_expect "features -s with a third colon: usage error" 2 $?
msikit-doe list -s 0d:20.0 > /dev/null 2>&1
ktap_expect "list -s with device 20 (above 1f): usage error" 2 $?
msikit-doe features -s "$SHORT" "$BDF" > /dev/null 2>&1
ktap_expect "features with both -s and DEV: usage error" 2 $?
# what -s does when it matches no device, or several: a class directory
# of two mailboxes of 0d:00.0, in two PCI domains, and no device nodes
F=$T/fake
mkdir -p $F/class/doe-0000:0d:00.0-190 $F/class/doe-0001:0d:00.0-190 $F/dev
fake() { MSIKIT_DOE_SYSFS=$F/class MSIKIT_DOE_DEVDIR=$F/dev msikit-doe "$@"; }
for c in features cdat exchange; do
	a=""
	[ $c = exchange ] && a=1234:01
	fake $c -s 0e:00.0 $a > /dev/null 2> $T/err
	ktap_expect "$c -s matching no device: runtime error (1)" 1 $?
	ktap_result "$c -s matching no device says so" grep -q 'no PCI device with a DOE mailbox matches' $T/err
	fake $c -s 0d:00.0 $a > /dev/null 2> $T/err
	ktap_expect "$c -s matching 0000:0d:00.0 and 0001:0d:00.0: usage error (2)" 2 $?
	ktap_result "$c -s matching two devices names them" \
		sh -c "grep -q 'matches 2 devices' $T/err && grep -q '0001:0d:00.0' $T/err"
	fake $c -s 1:0d:00.0 $a > /dev/null 2> $T/err
	ktap_result "$c -s 1:0d:00.0 picks doe-0001:0d:00.0-190 (its node, absent here, fails to open)" \
		grep -q "$F/dev/doe-0001:0d:00.0-190" $T/err
done
fake spdm -s 0e:00.0 > /dev/null 2>&1
ktap_expect "spdm -s matching no device: no such device (7)" 7 $?

unbind_msikit "$BDF"
ktap_expect "unbound function is routed again" routed "$(mb_attr "$MB" mode)"
rmmod msikit_doe
ktap_finished
