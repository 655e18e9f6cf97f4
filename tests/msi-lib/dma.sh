#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The second writer: edu's DMA engine stores each message's data at its
# address, a bus-master write as a peer's through a memory window arrives.
# QEMU sends it with requester ID 0 ("unspecified"), so it proves delivery
# where the parent does not need an ID (x86 vector, IMSIC) and, under
# VT-d, delivery with the source-ID check skipped, not passed. The ITS
# takes it for DeviceID 0: there the domain is made for the function at
# 00:00.0, whose ID that is. QEMU's AMD-Vi takes it for the southbridge
# IOAPIC's, a function that does not exist: a skip saying so. edu
# completes one DMA per 100 ms of virtual time.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

N=8 W=2
ktap_header
need_edu
load_msi
[ -e "$T/dma_fire" ] || ktap_bail "no dma_fire attribute"
p=$(cut -d' ' -f1 "$T/parent")
case "$p" in
gic-its)
	log "writer: edu DMA, requester ID 0, which the ITS takes for DeviceID 0: the domain is 00:00.0's (delivery/stress test edu's own DeviceID through its MSI capability)"
	log "IOMMU domains: edu $(cat "$T/iommu_group/type" 2>/dev/null || echo none), 00:00.0 $(cat /sys/bus/pci/devices/0000:00:00.0/iommu_group/type 2>/dev/null || echo none)"
	behind_smmu && log "behind the SMMU: edu's DMA crosses it with edu's stream, so it targets edu's own mapping of 00:00.0's doorbell page (dma_map_resource); delivery tests the message's IOVA itself, through edu's MSI capability"
	remapped=$(dmesg | grep -c "msikit_msi_test: .*00:00.0's doorbell page")
	t0=$(date +%s)
	ktap_result "$N interrupts x $W DMA writes each on 00:00.0's domain (DeviceID 0), each delivered exactly once (writer: edu DMA, $((N * W)) writes)" \
		sh -c "echo '$N $W' > $T/dma_dev0"
	behind_smmu && ktap_expect "through the SMMU: edu's DMA took its own mapping of 00:00.0's doorbell page" \
		$((remapped + 1)) "$(dmesg | grep -c "msikit_msi_test: .*00:00.0's doorbell page")"
	echo "bench: dma_writer_ms_per_write_$p $(( ($(date +%s) - t0) * 1000 / (N * W) )) ms"
	ktap_result "unload" unload_msi
	ktap_finished ;;
amd-ir)
	unload_msi
	ktap_skip_all "edu DMA carries no requester ID: QEMU's AMD-Vi takes it for the southbridge IOAPIC's (00:14.0, no such function here), whose remapping table is not edu's; delivery/stress serve AMD-Vi with edu's MSI capability" ;;
intel-ir) log "writer: edu DMA, no requester ID: VT-d skips its source-ID check (delivery/stress check it with edu's MSI capability)" ;;
*) log "writer: edu DMA (no requester ID; this parent does not use one)" ;;
esac

echo "$N" > "$T/alloc" || ktap_bail "alloc $N failed"
t0=$(date +%s)
ktap_result "$N interrupts x $W DMA writes each, each delivered exactly once (writer: edu DMA, $((N * W)) writes)" \
	fire_each dma_fire "$N" "$W"
echo "bench: dma_writer_ms_per_write_$p $(( ($(date +%s) - t0) * 1000 / (N * W) )) ms"
echo 1 > "$T/free_all"

# the message after restore is what the DMA writer uses too
echo 1 > "$T/alloc"
echo 1 > "$T/restore"
ktap_result "after restore, a DMA write of the handed-back message delivers" sh -c "echo '0 1' > $T/dma_fire"
echo 1 > "$T/free_all"
ktap_result "unload" unload_msi
ktap_finished
