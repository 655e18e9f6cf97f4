# SPDX-License-Identifier: GPL-2.0
# Helpers for the msi-lib suite. Sourced by each test after ktap.sh.

# pci_bdfs VENDOR:DEVICE: the functions with those IDs (0x1234:0x11e8),
# sorted
pci_bdfs() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ] && basename "$d"
	done | sort
}

edu_bdf() {
	local b
	b=$(pci_bdfs 0x1234:0x11e8 | head -1)
	[ -n "$b" ] && echo "$b"
}

need_edu() {
	EDU=$(edu_bdf) || ktap_skip_all "no edu device in this VM"
	T=/sys/bus/pci/devices/$EDU
	need_ir_if_iommu
}

# Which interrupt remapping the kernel runs: intel-ir, amd-ir or none.
# An IOMMU without remapping (the kernel can refuse it) counts as none.
ir_kind() {
	grep -q 'IR-IO-APIC' /proc/interrupts || { echo none; return; }
	case "$(ls /sys/class/iommu 2>/dev/null)" in
	dmar*) echo intel-ir ;;
	ivhd*) echo amd-ir ;;
	*) echo unknown ;;
	esac
}

have_ir() { [ "$(ir_kind)" != none ]; }

# An x86 machine with an IOMMU whose remapping the kernel refused tests
# nothing the plain q35 machine does not: say why and skip. On arm64 the
# SMMU remaps MSI writes in its DMA domain instead (arm64-its-smmu).
need_ir_if_iommu() {
	case "$(uname -m)" in x86_64) ;; *) return 0 ;; esac
	if [ -n "$(ls /sys/class/iommu 2>/dev/null)" ] && ! have_ir; then
		case "$(ls /sys/class/iommu)" in
		ivhd*) ktap_skip_all "AMD-Vi present but interrupt remapping disabled by $(uname -r): QEMU's IVRS names 00:14.0 as the southbridge IOAPIC, this kernel requires an ISA or SMBus function there, and QEMU has none it can place at 00:14.0" ;;
		*) ktap_skip_all "IOMMU present but interrupt remapping disabled" ;;
		esac
	fi
}

load_msi() {
	rmmod msikit_msi_test 2>/dev/null
	rmmod msikit_msi 2>/dev/null
	modprobe msikit_msi "$@" || ktap_bail "modprobe msikit_msi failed"
	modprobe msikit_msi_test || ktap_bail "modprobe msikit_msi_test failed"
	[ -e "$T/parent" ] || ktap_bail "msikit_msi_test did not bind $EDU"
}

# fire_each ATTR N W [TOTAL]: W writes to each of interrupts 0..N-1
# through ATTR (fire: edu's MSI capability; dma_fire: edu's DMA engine),
# each waited for by the driver; then every count must be TOTAL (W: the
# interrupts were requested for these writes). Says what went wrong.
fire_each() {
	local attr=$1 n=$2 w=$3 total=${4:-$3} i=0 bad
	while [ $i -lt "$n" ]; do
		echo "$i $w" > "$T/$attr" || { log "interrupt $i: write lost or misrouted ($attr)"; return 1; }
		i=$((i + 1))
	done
	bad=$(awk -v w="$total" '$2 != w' "$T/counts" | head -3)
	[ -z "$bad" ] || { log "counts off (want $total each): $bad"; return 1; }
}

unload_msi() {
	rmmod msikit_msi_test && rmmod msikit_msi
}

# The parent msikit must find on this machine, as the test driver's
# "parent" attribute spells it.
expected_parent() {
	case "$(uname -m)" in
	aarch64) echo "gic-its immutable" ;;
	riscv64) echo "riscv-imsic mutable pinned" ;;
	*)
		case "$(ir_kind)" in
		intel-ir) echo "intel-ir immutable" ;;
		amd-ir) echo "amd-ir immutable" ;;
		*) echo "x86-vector mutable" ;;
		esac
		;;
	esac
}

# behind_smmu: edu sits in an IOMMU DMA domain (arm64-its-smmu), so its
# messages hold I/O virtual addresses
behind_smmu() {
	case "$(cat "$T/iommu_group/type" 2>/dev/null)" in DMA|DMA-FQ) ;; *) return 1 ;; esac
}
