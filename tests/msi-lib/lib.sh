# SPDX-License-Identifier: GPL-2.0
# Helpers for the msi-lib suite. Sourced by each test after ktap.sh.

edu_bdf() {
	local d
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] &&
			{ basename "$d"; return 0; }
	done
	return 1
}

need_edu() {
	EDU=$(edu_bdf) || ktap_skip_all "no edu device in this VM"
	T=/sys/bus/pci/devices/$EDU
}

# VT-d present (QEMU's intel-iommu comes with intremap=on here)?
have_ir() { [ -n "$(ls /sys/class/iommu 2>/dev/null)" ]; }

load_msi() {
	rmmod msikit_msi_test 2>/dev/null
	rmmod msikit_msi 2>/dev/null
	modprobe msikit_msi "$@" || ktap_bail "modprobe msikit_msi failed"
	modprobe msikit_msi_test || ktap_bail "modprobe msikit_msi_test failed"
	[ -e "$T/parent" ] || ktap_bail "msikit_msi_test did not bind $EDU"
}

unload_msi() {
	rmmod msikit_msi_test && rmmod msikit_msi
}
