#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# API misuse through the test driver (bad index, double free, NULL device,
# nvec 0 or huge) gives clean errnos; 1000 allocate/free cycles leak no
# interrupt; a consumer's unload with interrupts allocated cleans up.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_edu
# The first bind maps the functions' INTx on device-tree platforms
# (pci_assign_irq), and those mappings outlive the driver: count after it.
load_msi
unload_msi
base=$(ls /sys/kernel/irq | wc -l)
load_msi

cat "$T/selftest" > /tmp/selftest.out
sed 's/^/# /' /tmp/selftest.out
ktap_result "$(grep -c '^ok' /tmp/selftest.out) API misuse cases" \
	sh -c "! grep -q '^not ok' /tmp/selftest.out && grep -q '^ok' /tmp/selftest.out"
ktap_expect "a device without an MSI parent is refused with one log line" 1 \
	"$(dmesg | grep -c 'msikit-selftest.*msikit: no MSI parent domain')"

before=$(ls /sys/kernel/irq | wc -l)
i=0
while [ $i -lt 1000 ]; do
	echo 4 > "$T/alloc" || break
	echo 1 > "$T/free_all"
	i=$((i + 1))
done
after=$(ls /sys/kernel/irq | wc -l)
ktap_expect "1000 allocate/free cycles of 4 interrupts" 1000 "$i"
ktap_expect "no interrupt descriptor leaked" "$before" "$after"

# all or nothing, also when the parent runs out part way
before=$(ls /sys/kernel/irq | wc -l)
echo 1 > "$T/range_all"
set -- $(cat "$T/range_all")
log "alloc_range(2048): rc $1, $2 allocated"
if [ "$1" -lt 0 ]; then
	ktap_expect "a refused alloc_range of 2048 leaves nothing allocated (errno ${1#-})" 0 "$2"
else
	ktap_expect "alloc_range of 2048 allocated all" 2048 "$2"
fi
ktap_expect "no interrupt descriptor leaked by alloc_range" "$before" "$(ls /sys/kernel/irq | wc -l)"

echo 16 > "$T/alloc"
out=$(rmmod msikit_msi 2>&1)
rc=$?
log "rmmod msikit_msi under its consumer: ${out:-succeeded}"
ktap_result "msikit_msi refuses to unload under a consumer" test "$rc" != 0
ktap_result "it stays loaded, held by the consumer" test -e /sys/module/msikit_msi/holders/msikit_msi_test
# the refusal changed nothing: every interrupt still delivers to itself
ktap_result "the consumer's 16 interrupts still deliver, each exactly once" fire_each fire 16 1
# one domain per edu function the test driver bound (the e1000e it binds
# has none): counted by msikit_msi itself
bound=$(cat /sys/bus/pci/drivers/msikit_msi_test/*:*/vendor | grep -c 0x1234)
ktap_expect "msikit_msi counts the consumer's $bound live domains" "$bound" \
	"$(cat /sys/module/msikit_msi/parameters/domains)"
ktap_result "consumer unloads with 16 interrupts allocated" rmmod msikit_msi_test
ktap_expect "its interrupts are gone" "$base" "$(ls /sys/kernel/irq | wc -l)"
ktap_expect "no domain left behind (a leaked one survives the consumer's rmmod)" 0 \
	"$(cat /sys/module/msikit_msi/parameters/domains)"
ktap_result "msikit_msi unloads" rmmod msikit_msi
ktap_finished
