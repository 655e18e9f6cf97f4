#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An endpoint controller behind an SMMU (arm64-its-smmu.dtsi: msikit-vepc0
# with stream ID 8). The ITS's doorbell is then an I/O virtual address in
# the controller's IOMMU domain, and the doorbell BAR must target that
# address, not the ITS's physical frame. The host's rings are bus-master
# writes through the SMMU: edu (requester ID 8, the controller's stream
# here) copies each doorbell's data, from a page mapped in the same
# domain, to the BAR's bus address plus the doorbell's offset. Each must
# reach its own doorbell exactly once, and nothing else.
EPC=msikit-vepc0
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../msi-lib/lib.sh"

N=8 K=3
# the ITS's physical translation frame on QEMU's virt
FRAME=0x08090000

# dma_ring_each H E K: edu rings each doorbell of host device H K times,
# each waited for: function E counts it once on that doorbell, no sibling
# moves
dma_ring_each() {
	local h=$1 e=$2 k=$3 i kind bar off data base before want j
	while read -r i kind bar off data; do
		base=$(vepc_bar 0 "$bar")
		[ -n "$base" ] || { log "doorbell $i: BAR $bar is not set"; return 1; }
		echo "$i ${data#0x}" > "$V/scratch" || return 1
		j=0
		while [ $j -lt "$k" ]; do
			before=$(cat "$e/rings_all")
			echo "$(printf '%x %x' $((scratch + 4 * i)) $((base + off)))" > "$T/dma_copy" ||
				{ log "doorbell $i: edu's DMA failed"; return 1; }
			want=$(echo "$before" | awk -v n="$i" '{ $(n + 1) += 1; print }')
			wait_value "$e/rings_all" "$want" || { log "doorbell $i: ring $j"; return 1; }
			j=$((j + 1))
		done
	done <<TABLE
$(cat "$h/doorbells")
TABLE
}

ktap_header
need_vepc
need_edu
V=/sys/bus/platform/devices/$EPC
rmmod msikit_msi_test 2>/dev/null
modprobe msikit_msi_test bare=1 || ktap_bail "modprobe msikit_msi_test bare=1 failed"
[ -e "$T/dma_copy" ] || ktap_bail "msikit_msi_test did not bind $EDU"
l0=$(log_mark)
load_epf doorbells=$N
scratch=$(cat "$V/scratch")
[ "$scratch" != none ] || ktap_bail "$EPC is not behind an IOMMU: boot arm64-its-smmu with tests/epf-doorbell/arm64-its-smmu.dtsi"
log "scratch page for edu's reads: $scratch"
set -- $(epf_dirs)
e0=$1
set -- $(host_dirs)
h0=$1
[ -n "$e0" ] && [ -n "$h0" ] || ktap_bail "a function and its host device expected"
ktap_expect "MSI doorbells behind the SMMU" "ready generation G msi $N parent gic-its" \
	"$(status_g "$e0" 7)"
ktap_expect "no polled fallback or refusal was logged" 0 \
	"$(log_since "$l0" | grep -c -e 'doorbells are polled' -e 'no MSI parent')"
iova=$(log_since "$l0" | sed -n "s/.*$EPC: msikit: gic-its doorbell mapped by the IOMMU at \(0x[0-9a-f]*\).*/\1/p" | tail -1)
ktap_result "msikit_msi learned the doorbell's I/O virtual page: $iova" test -n "$iova"
bar=$(awk 'NR == 1 { print $3 }' "$h0/doorbells")
base=$(vepc_bar 0 "$bar")
log "doorbell BAR $bar at $base"
ktap_result "the doorbell BAR targets that page ($base), not the ITS's physical frame" \
	test -n "$base" -a "$((base))" = "$((iova))" -a "$((base & ~0xffff))" != "$((FRAME))"
ktap_result "edu's DMA through the SMMU (the controller's stream) rings each of $N doorbells $K times, each counted once on itself" \
	dma_ring_each "$h0" "$e0" $K
ktap_expect "every doorbell counted exactly its $K rings" \
	"$(awk -v n=$N -v k=$K 'BEGIN { for (i = 0; i < n; i++) printf "%s%d", i ? " " : "", k; print "" }')" \
	"$(cat "$e0/rings_all")"
ktap_result "module unload" unload_epf
rmmod msikit_msi_test
ktap_finished
