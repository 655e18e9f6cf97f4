#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot one stock Debian kernel of the root under QEMU TCG with a 9p view of
# the root as its file system, run a guest command, and power off.
#
#   vm.sh KERNEL MACHINE GUEST-COMMAND...
#
# MACHINE picks the emulated platform (see machine_args). The guest command
# runs in the root as PID 1's child; its output is the guest console. QEMU
# 10 runs from the root (bookworm's 7.2 cannot bind cxl_pci).
#
# The arm64 and riscv64 machines boot Debian's kernel of that architecture
# (KERNEL is its own ABI, fetched by foreign.sh). The root's programs are
# amd64 there, so the guest does not chroot into it: it stays in a busybox
# initramfs of that architecture and links the paths the tests use
# (/opt/msikit, /msikit-*, /lib/modules/KERNEL) into the 9p root.
#
# A guest asks for a monitor command (device_del, ...) by writing one line
# to its second serial port, /dev/ttyS1; the host relays it to the QEMU
# monitor. That is how tests pull a device out from under the guest. (A
# file on the 9p root cannot carry replies: the guest caches it away.)
set -euo pipefail
. "$(dirname "$0")/common.sh"

K=$1 MACHINE=$2
shift 2
[ -f "$ROOT/.msikit-kernels" ] || die "no root: run scripts/mkroot.sh"
# a whole suite, arm64's million-write stress included, on a loaded host
VMTIMEOUT=${VMTIMEOUT:-3600}

ARCH=$(machine_arch "$MACHINE")
# the kernel's tree in the root: / for amd64, the extracted debs otherwise
base=""
if [ "$ARCH" != amd64 ]; then
	[ "${K##*-}" = "$ARCH" ] || die "machine $MACHINE runs $ARCH kernels, not $K"
	base=/opt/foreign/$ARCH/$K
	[ -d "$ROOT$base" ] || die "no $K in the root: run scripts/foreign.sh $ARCH"
fi
# arm64: an uncompressed Image; riscv64: vmlinux, an EFI-stub Image;
# 7.x: the linux-binary package's vmlinuz; all taken by -kernel.
for vmlinuz in "$ROOT$base/boot/vmlinuz-$K" "$ROOT$base/boot/vmlinux-$K" \
	       "$ROOT$base/usr/lib/modules/$K/vmlinuz" ""; do
	[ -f "$vmlinuz" ] && break
done
[ -n "$vmlinuz" ] || die "no kernel image for $K in the root"

# A busybox initramfs that only mounts the 9p root: built once per kernel.
mkinitrd() {
	local out=$MSIKIT_CACHE/initrd-$K.gz st m bb=$ROOT/usr/bin/busybox
	[ -n "$base" ] && bb=$ROOT/opt/foreign/$ARCH/busybox
	if [ -f "$out" ] && [ "$out" -nt "$ROOT$base/usr/lib/modules/$K/modules.dep" ] &&
	   [ "$out" -nt "$0" ]; then
		echo "$out"
		return
	fi
	st=$(mktemp -d)
	mkdir -p "$st"/{bin,dev,proc,sys,newroot,lib/modules/"$K"}
	cp "$bb" "$st/bin/busybox"
	for m in $(chroot "$ROOT" modprobe ${base:+-d "$base"} -S "$K" --show-depends -a 9p 9pnet_virtio |
		   awk '$1 == "insmod" { print $2 }'); do
		case "$m" in
		*.xz) xz -dc "$ROOT$m" ;;
		*.zst) zstd -qdc "$ROOT$m" ;;
		*) cat "$ROOT$m" ;;
		esac > "$st/lib/modules/$K/$(basename "${m%.xz}" .zst)"
		grep -qx "$(basename "${m%.xz}" .zst)" "$st/modules.order" 2>/dev/null ||
			echo "$(basename "${m%.xz}" .zst)" >> "$st/modules.order"
	done
	cat > "$st/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod /lib/modules/*/$m; done
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose rootfs /newroot; then
	echo "MSIKIT-VM: cannot mount the 9p root"; poweroff -f
fi
for d in proc sys dev run tmp; do mkdir -p /newroot/$d; done
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
mount -t tmpfs tmp /newroot/tmp
mount -t tmpfs run /newroot/run
mount -t debugfs debugfs /newroot/sys/kernel/debug 2>/dev/null
mkdir -p /newroot/dev/pts && mount -t devpts devpts /newroot/dev/pts
echo "MSIKIT-VM: up $(uname -r)"
chroot /newroot /bin/sh /msikit-run/guest-cmd < /dev/console > /dev/console 2>&1
echo "MSIKIT-VM: guest command exited $?"
sync
poweroff -f
INIT
	[ -n "$base" ] && { echo "$base" > "$st/msikit-base"; foreign_init > "$st/init"; }
	chmod +x "$st/init"
	(cd "$st" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.new"
	mv "$out.new" "$out"
	rm -rf "$st"
	echo "$out"
}

# The init of a foreign guest: no chroot (the root's programs are amd64),
# busybox of the guest's architecture is the shell and every tool.
foreign_init() {
	cat <<'INIT'
#!/bin/busybox sh
/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod /lib/modules/*/$m; done
mkdir -p /host
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose rootfs /host; then
	echo "MSIKIT-VM: cannot mount the 9p root"; poweroff -f
fi
K=$(uname -r)
rm -rf /lib/modules/$K
ln -s "/host$(cat /msikit-base)/usr/lib/modules/$K" /lib/modules/$K
mkdir -p /host/msikit-out
for p in opt msikit-run msikit-plan msikit-out; do ln -s /host/$p /$p; done
mkdir -p /tmp /run
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
echo "MSIKIT-VM: up $(uname -r)"
/bin/sh /msikit-run/guest-cmd < /dev/console > /dev/console 2>&1
echo "MSIKIT-VM: guest command exited $?"
sync
poweroff -f
INIT
}

machine_args() {
	case "$MACHINE" in
	# edu is the stand-in third party: its DMA and its own MSI capability
	# write any message; dma_mask lets its DMA reach 0xfee00000.
	# An e1000e without a network and without a driver in the guest is
	# the MSI-X device for the dynamic-allocation reference figures.
	q35)	echo "-M q35 -device edu,dma_mask=0xffffffff -device e1000e,romfile=" ;;
	q35-ir)	echo "-M q35,kernel-irqchip=split -device intel-iommu,intremap=on" \
		     "-device edu,dma_mask=0xffffffff -device e1000e,romfile=" ;;
	q35-amdir)
		echo "-M q35,kernel-irqchip=split -device amd-iommu,intremap=on" \
		     "-device edu,dma_mask=0xffffffff -device e1000e,romfile=" ;;
	# Debian's own arm64 and riscv64 kernels on QEMU's virt machines with
	# the MSI controllers msikit targets there: GICv3 with an ITS, and
	# RISC-V AIA with IMSICs behind the APLIC. edu's DMA reaches both
	# doorbells (GITS_TRANSLATER at 0x08090040, IMSIC at 0x28000000).
	arm64-its)
		echo "-M virt,gic-version=3,its=on" \
		     "-device edu,dma_mask=0xffffffff -device e1000e,romfile=" ;;
	# the same behind QEMU's SMMUv3, which translates every PCI function's
	# DMA and MSI writes (stream ID = requester ID): the ITS doorbell is
	# then an I/O virtual address in each device's IOMMU domain. edu is
	# placed at 00:01.0 (requester ID 8), as on arm64-its. msikit_vepc
	# takes a doorbell BAR there for a bus address (an IOVA just under
	# 4 GiB): -m 2G keeps RAM (0x40000000-0xbfffffff) clear of it.
	arm64-its-smmu)
		echo "-M virt,gic-version=3,its=on,iommu=smmuv3" \
		     "-device edu,dma_mask=0xffffffff,addr=01.0 -device e1000e,romfile=" ;;
	# GICv2 with its GICv2m MSI frame: an MSI parent msikit does not serve
	arm64-gicv2)
		echo "-M virt,gic-version=2" \
		     "-device edu,dma_mask=0xffffffff -device e1000e,romfile=" ;;
	riscv64-imsic)
		echo "-M virt,aia=aplic-imsic" \
		     "-device edu,dma_mask=0xffffffff -device e1000e,romfile=" ;;
	cxl)
		# One CXL type-3 memory device (it carries a DOE mailbox with
		# Discovery and CDAT) behind a CXL host bridge and root port.
		echo "-M q35,cxl=on -m 2G,maxmem=8G,slots=4" \
		     "-object memory-backend-ram,id=cxlmem0,size=256M" \
		     "-object memory-backend-ram,id=cxllsa0,size=256M" \
		     "-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1" \
		     "-device cxl-rp,port=0,bus=cxl.1,id=rp0,chassis=0,slot=2" \
		     "-device cxl-type3,bus=rp0,volatile-memdev=cxlmem0,lsa=cxllsa0,id=cxl0" \
		     "-M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G"
		;;
	*) die "unknown machine $MACHINE" ;;
	esac
}
# what a suite adds to a machine (tests/SUITE/qemu.MACHINE or qemu, which
# check.sh reads): ntb-msi's second edu, the other side of its loopback NTB
extra_args() {
	echo ${MSIKIT_QEMU_EXTRA:-}
}

# A suite may add nodes to the device tree a virt machine generates
# (MSIKIT_DTS_EXTRA, a dts fragment: tests/SUITE/MACHINE.dtsi): QEMU dumps
# its own tree for these very arguments, dtc appends the fragment, and the
# guest boots the result. The fragment can name the MSI controllers by the
# labels "its" (GICv3 ITS) and "v2m" (GICv2m frame), and the SMMU by
# "smmu", which the dumped tree lacks: they are added to the first node of
# that compatible.
mkdtb() {
	local dts=$run/virt.dts
	[ -n "${MSIKIT_DTS_EXTRA:-}" ] || return 0
	[ -f "$MSIKIT_DTS_EXTRA" ] || die "no device-tree fragment $MSIKIT_DTS_EXTRA"
	chroot "$ROOT" $qemu -accel tcg -cpu max -smp 2 $mem -display none -nic none \
		$(machine_args) -machine dumpdtb=/msikit-run/virt.dtb >/dev/null ||
		die "$MACHINE: QEMU could not dump its device tree"
	chroot "$ROOT" dtc -q -I dtb -O dts /msikit-run/virt.dtb |
		awk '/^[ \t]*[a-z][^ ]*@[0-9a-f]+ \{$/ { node = NR }
		     { line[NR] = $0 }
		     /compatible = "arm,gic-v3-its"/ && !its { its = node }
		     /compatible = "arm,gic-v2m-frame"/ && !v2m { v2m = node }
		     /compatible = "arm,smmu-v3"/ && !smmu { smmu = node }
		     END { for (i = 1; i <= NR; i++) {
				l = line[i]
				if (i == its) sub(/[^ \t]/, "its: &", l)
				if (i == v2m) sub(/[^ \t]/, "v2m: &", l)
				if (i == smmu) sub(/[^ \t]/, "smmu: &", l)
				print l } }' > "$dts"
	cat "$MSIKIT_DTS_EXTRA" >> "$dts"
	chroot "$ROOT" dtc -q -I dts -O dtb -o /msikit-run/virt.dtb /msikit-run/virt.dts ||
		die "$MACHINE: dtc refused $MSIKIT_DTS_EXTRA"
	echo "-dtb /msikit-run/virt.dtb"
}

initrd=$(mkinitrd)
run=$ROOT/msikit-run
rm -rf "$run" && mkdir -p "$run"
printf '%s\n' "$*" > "$run/guest-cmd"
cp "$initrd" "$run/initrd.gz"
mkfifo "$run/mon.in" "$run/mon.out" "$run/req.in" "$run/req.out"
mkdir -p "$ROOT/mnt/guest-root"

mem="-m 2G"
case "$MACHINE" in cxl) mem="" ;; esac
# The host-request serial port serves the hotplug test (amd64 only); the
# virt machines have one UART.
case "$ARCH" in
amd64) qemu=qemu-system-x86_64 console=ttyS0 serial="-serial mon:stdio -serial pipe:/msikit-run/req" ;;
arm64) qemu=qemu-system-aarch64 console=ttyAMA0 serial="-serial mon:stdio" ;;
riscv64) qemu=qemu-system-riscv64 console=ttyS0 serial="-serial mon:stdio" ;;
esac
dtb=$(mkdtb)
# The debug kernel boots with 4-level paging. With 5-level paging (-cpu max
# has LA57) its KASAN decides whether an address has shadow from
# pgtable_l5_enabled(), a CPU feature bit that identify_cpu() clears and
# re-reads on the boot CPU: an interrupt taken in between reports a
# direct-map access as "wild-memory-access" (seen once in 7 boots, RIP just
# after identify_cpu()'s memset), and lockdep is then off for the run.
# Its slab caches are not merged (either architecture): the fault suite
# marks the kmalloc caches for failslab, which refuses a cache other caches
# were merged into. The arm64 one boots without KASLR: modules then sit
# just below the kernel image, where the fault suite's stack-trace filter
# expects them (tests/fault/lib.sh, module_area).
kargs=""
case "$K" in
*-msikit-debug) kargs=" no5lvl slab_nomerge" ;;
*-msikit-debug-arm64) kargs=" slab_nomerge nokaslr" ;;
esac
# What a suite needs listening before QEMU starts (MSIKIT_QEMU_PRE, from
# tests/SUITE/qemu-pre: the doe suite's SPDM responder, since QEMU will
# not start a device whose socket has no listener): a command run in the
# root, in the background, until QEMU is gone. It writes
# /msikit-run/pre/ports ("NAME PORT" lines) once it listens, and each
# @PORT_NAME@ in the suite's extra arguments becomes that port.
pre_pid=""
if [ -n "${MSIKIT_QEMU_PRE:-}" ]; then
	mkdir -p "$run/pre"
	chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 sh -c "$MSIKIT_QEMU_PRE" > "$run/pre/log" 2>&1 &
	pre_pid=$!
	# (the full trap below replaces this one)
	trap 'kill $pre_pid 2>/dev/null || true' EXIT
	for i in $(seq 100); do
		[ -s "$run/pre/ports" ] || ! kill -0 $pre_pid 2>/dev/null && break
		sleep 0.1
	done
	if [ ! -s "$run/pre/ports" ]; then
		kill $pre_pid 2>/dev/null
		die "$MSIKIT_QEMU_PRE did not come up: $(tail -3 "$run/pre/log" | tr '\n' ' ')"
	fi
	while read -r name port; do
		MSIKIT_QEMU_EXTRA=${MSIKIT_QEMU_EXTRA//@PORT_$name@/$port}
	done < "$run/pre/ports"
fi
# TCG's threading: the kernels in tests/qemu-single-thread run on one
# thread; MSIKIT_TCG, a whole -accel value (tcg,thread=multi), overrides
# it (scripts/tcg-poke.sh). The console log says which.
accel="-accel ${MSIKIT_TCG:-tcg}"
if [ -z "${MSIKIT_TCG:-}" ]; then
	list=$(dirname "$0")/../tests/qemu-single-thread
	[ -f "$list" ] || die "no $list"
	while read -r glob _ || [ -n "${glob:-}" ]; do
		case "$glob" in ''|'#'*) continue ;; esac
		# shellcheck disable=SC2254
		case "$K" in $glob) accel="-accel tcg,thread=single"; break ;; esac
	done < "$list"
fi
echo "MSIKIT-VM: QEMU $accel"
qemu_cmd="$qemu $accel -cpu max -smp 2 $mem -display none -no-reboot -nic none \
	$(machine_args) $(extra_args) \
	-kernel ${vmlinuz#"$ROOT"} $dtb -initrd /msikit-run/initrd.gz \
	-append 'console=$console panic=-1 oops=panic loglevel=4 log_buf_len=4M no_hash_pointers$kargs' \
	-fsdev local,id=fs0,path=/mnt/guest-root,security_model=passthrough -device virtio-9p-pci,fsdev=fs0,mount_tag=rootfs,bus=pcie.0 \
	-chardev pipe,id=mon0,path=/msikit-run/mon -mon chardev=mon0,mode=readline \
	-pidfile /msikit-run/qemu.pid \
	$serial"

# The guest root is a plain bind of the root: without the proc, sys and dev
# mounts the chroot wrapper puts there for QEMU itself.
relay() {
	cat "$run/mon.out" > "$run/monitor.log" &
	exec 3<>"$run/req.in"	# keep the guest's receive side open
	while IFS= read -r req; do
		req=${req%$'\r'}
		echo "MSIKIT-VM: host request: $req" >&2
		echo "$req" > "$run/mon.in"
	done < "$run/req.out"
}
relay & relay_pid=$!
trap 'pkill -P $relay_pid 2>/dev/null || true; kill $relay_pid $pre_pid 2>/dev/null || true; umount_all "$ROOT/mnt/guest-root"' EXIT
umount_all "$ROOT/mnt/guest-root"
mount --bind "$ROOT" "$ROOT/mnt/guest-root"
mount --make-private "$ROOT/mnt/guest-root"
rc=0
chroot_run "$ROOT" timeout -k 10 "$VMTIMEOUT" sh -c "$qemu_cmd" || rc=$?
exit $rc
