#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Real delivery through an msikit domain on the VM's MSI parent: edu's own
# MSI capability sends each composed message with edu's requester ID (VT-d
# checks it against the IRTE msikit's domain programmed, the ITS uses it as
# the DeviceID). Every write must arrive exactly once at its own interrupt,
# for 1, 8 and 256 interrupts. On AMD-Vi, the cap on msikit's interrupts
# is the function's, over all its domains.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_edu
load_msi

parent=$(cat "$T/parent")
log "parent: $parent"
ktap_expect "parent and its immutability: $(expected_parent)" "$(expected_parent)" "$parent"

for n in 1 8 256; do
	echo "$n" > "$T/alloc" || ktap_bail "alloc $n failed"
	ktap_result "$n interrupts x 3 writes each, each delivered exactly once (writer: edu MSI capability)" \
		fire_each fire "$n" 3
	[ $n = 1 ] && log "message of interrupt 0: $(head -1 "$T/msgs")"
	echo 1 > "$T/free_all"
done

# restore (seed 002): the writer loses its copies, msikit hands them back
echo 8 > "$T/alloc"
echo "0 1" > "$T/fire"
echo 1 > "$T/restore"
ktap_expect "restore hands back the 8 active messages" 8 "$(cat "$T/restore")"
ok=1
i=0
while [ $i -lt 8 ]; do
	echo "$i 2" > "$T/fire" || ok=0
	i=$((i + 1))
done
ktap_result "all 8 interrupts deliver after restore" test $ok = 1
echo 1 > "$T/free_all"

# the message format tells which parent composed it
echo 1 > "$T/alloc"
echo "0 1" > "$T/fire"
addr=$(awk '{print $2}' "$T/msgs")
data=$(awk '{print $3}' "$T/msgs")
case "$(cut -d' ' -f1 "$T/parent")" in
gic-its)
	# GITS_TRANSLATER (ITS base + 0x10040), data = the event in edu's ITT;
	# behind the SMMU the address is an I/O virtual page of edu's IOMMU
	# domain that maps it, and msikit's window is that page
	set -- $(cat "$T/window")
	log "window: $*"
	if behind_smmu; then
		ktap_result "ITS format through the SMMU: address $addr is in msikit's window, the IOVA page $1 ($2 bytes)" \
			sh -c "test \$(( $addr )) -ge \$(( $1 )) && test \$(( $addr )) -lt \$(( $1 + $2 ))"
		# virt's ITS: control frame 0x08080000, translation frame 0x08090000
		ktap_result "the SMMU maps that page over the ITS's translation frame: $addr stands for GITS_TRANSLATER $(printf %#x $(($4 + addr - $1)))" \
			test "$3" = iova -a $(($4 + addr - $1)) = $((0x08090040)) \
				-a $((addr >> 17)) != $((0x08080000 >> 17))
	else
		ktap_result "ITS format: address $addr is a GITS_TRANSLATER, event $data" \
			sh -c "test \$(( $addr & 0xffff )) = \$(( 0x0040 ))"
		ktap_result "msikit's window is the ITS's translation frame: $1, $2 bytes" \
			test "$3" = phys -a $(($1 & 0xffff)) = 0 -a $(($2)) = $((0x10000)) -a $((addr - $1)) = $((0x40))
	fi ;;
riscv-imsic)
	# a hart's interrupt file page, data = its interrupt identity
	ktap_result "IMSIC format: page-aligned address $addr, identity $data" \
		sh -c "test \$(( $addr & 0xfff )) = 0 && test \$(( $data )) -gt 0" ;;
intel-ir)
	ktap_result "remappable-format address (bit 4 set): $addr" \
		sh -c "test \$(( $addr & 0x10 )) != 0" ;;
amd-ir)
	# AMD keeps the compatibility address and carries the IRTE index in data
	ktap_result "AMD-Vi format: address $addr, data $(awk '{print $3}' "$T/msgs")" \
		sh -c "test \$(( $addr & 0xfff00000 )) = \$(( 0xfee00000 ))" ;;
*)
	ktap_result "compatibility-format address (bit 4 clear): $addr" \
		sh -c "test \$(( $addr & 0x10 )) = 0" ;;
esac
echo 1 > "$T/free_all"

# the most this parent holds: allocate and request until it refuses
if echo 1 > "$T/maxprobe"; then
	set -- $(cat "$T/maxprobe")
	log "parent $(cat "$T/parent") held $1 interrupts (stopped by errno $2, 0 = domain full at 2048)"
	echo "bench: msi_max_interrupts_$(cut -d' ' -f1 "$T/parent") $1 interrupts"
	ktap_result "most interrupts the parent holds: $1" test "$1" -gt 0
	ktap_expect "each of the $1 delivered one write exactly once" "$1" "$3"
else
	ktap_fail "maximum probe: $(cat "$T/maxprobe")"
fi

# AMD-Vi: msikit's interrupts take entries from the function's one
# remapping table (512), so all of the function's domains together stop at
# 512 minus its own vectors: per function, not per domain. A per-domain cap
# would give the second domain as much as the first.
if [ "$(cut -d' ' -f1 "$T/parent")" = amd-ir ]; then
	capmsg='msikit: amd-ir: .* over all of the function.s msikit domains'
	n=$(dmesg | grep -c "$capmsg")
	if echo 1 > "$T/capprobe"; then
		set -- $(cat "$T/capprobe")
		cap=$((512 - ($6 < 256 ? $6 : 256)))
		log "capprobe: $*: first domain $1 (errno ${2#-}), second $3 (errno ${4#-}), own vectors $6"
		ktap_expect "AMD-Vi: the first domain stops at the function's cap, 512 - $6 own vectors, with ENOSPC" \
			"$cap -28" "$1 $2"
		ktap_expect "AMD-Vi: a second domain of the function gets none (ENOSPC): the cap is per function" \
			"0 -28" "$3 $4"
		ktap_expect "AMD-Vi: an interrupt freed in the first domain is one the second can take, and only one" \
			1 "$5"
		ktap_result "AMD-Vi: msikit's cap refused, and said so (not the IOMMU's table)" \
			test "$(dmesg | grep -c "$capmsg")" -gt "$n"
	else
		ktap_fail "AMD-Vi cap probe: $(cat "$T/capprobe")"
	fi
fi
ktap_result "unload" unload_msi
ktap_finished
