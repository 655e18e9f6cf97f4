# SPDX-License-Identifier: GPL-2.0
# Helpers for the ntb-msi suite. Sourced by each test after ktap.sh. The
# parent helpers (ir_kind, need_ir_if_iommu, expected_parent) are the
# msi-lib suite's: the peer interrupts sit on the same MSI parent.
. "$(dirname "$0")/../msi-lib/lib.sh"

DRV=/sys/bus/pci/drivers/msikit_ntb_loop
PARAMS=/sys/module/msikit_ntb_loop/parameters

# The edu functions, sorted: the loopback binds the first as side A.
edu_bdfs() { pci_bdfs 0x1234:0x11e8; }

# Sets ABDF, BBDF and A, B (their sysfs directories).
need_ntb_loop() {
	set -- $(edu_bdfs)
	[ $# -ge 2 ] || ktap_skip_all "needs two edu functions, the two sides of the loopback NTB (found $#)"
	ABDF=$1 BBDF=$2
	A=/sys/bus/pci/devices/$1 B=/sys/bus/pci/devices/$2
	need_ir_if_iommu
}

load_ntb() {
	rmmod msikit_ntb_loop 2>/dev/null
	# these bind every edu function too
	rmmod msikit_msi_test 2>/dev/null
	rmmod msikit_ntb_loop_ntb 2>/dev/null
	rmmod msikit_ntb_msi 2>/dev/null
	rmmod msikit_msi 2>/dev/null
	modprobe msikit_msi || ktap_bail "modprobe msikit_msi failed"
	modprobe msikit_ntb_msi || ktap_bail "modprobe msikit_ntb_msi failed"
	modprobe msikit_ntb_loop "$@" || ktap_bail "modprobe msikit_ntb_loop failed"
	[ -d "$A/ntb" ] && [ -d "$B/ntb" ] || ktap_bail "msikit_ntb_loop did not bind $ABDF and $BBDF"
	[ "$(cat "$A/ntb/side")$(cat "$B/ntb/side")" = AB ] ||
		ktap_bail "$ABDF is not side A or $BBDF not side B"
}

# setup_pair [MODULE PARAMETERS]: load the loopback (with them), B with
# an nm and nothing requested, A with IRQS (default 8) interrupts
# published; sets p (A's parent) and kind (parent_kind). For the tests that
# write from B to A while something moves A's interrupts: they need a
# second CPU.
IRQS=8
setup_pair() {
	[ "$(nproc)" -ge 2 ] || ktap_skip_all "needs 2 CPUs"
	load_ntb "$@"
	echo 0 > "$B/ntb/setup" || ktap_bail "setup 0 on B failed"
	echo $IRQS > "$A/ntb/setup" || ktap_bail "setup $IRQS on A failed"
	p=$(info_field "$A" parent)
	kind=$(parent_kind "$A")
}

# side_irqs SIDE: the irq numbers of the loopback side SIDE's (A or B)
# peer interrupts, from /proc/interrupts
side_irqs() { awk -v n="ntb-loop-$1" 'index($0, n) { sub(":", "", $1); print $1 }' /proc/interrupts; }

# on_cpu CPU IRQ...: how many of the IRQs CPU serves (effective affinity)
on_cpu() {
	local c=$1 i n=0
	shift
	for i in "$@"; do
		[ "$(cat /proc/irq/$i/effective_affinity_list)" = "$c" ] && n=$((n + 1))
	done
	echo $n
}

# msikit_ntb_msi's counters, in debugfs
NM_DBG=/sys/kernel/debug/msikit_ntb_msi

# nm_contexts: msikit_ntb_msi's live contexts, module-wide
nm_contexts() { cat "$NM_DBG/contexts"; }

# refused_total: the peer triggers msikit_ntb_msi refused for their
# descriptor (not published, torn, reserved, beyond the window), module-wide
refused_total() {
	awk '{ for (i = 2; i <= NF; i += 2) n += $i } END { print n + 0 }' "$NM_DBG/refused"
}

# result_field LINE NAME: the value after NAME in a "name value ..." line
result_field() {
	echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i += 2) if ($i == k) print $(i + 1) }'
}

# run_stress WHAT NOTE: B writes A's IRQS interrupts WRITES times, each write
# waited for at its own interrupt, while CHANGES affinity changes move
# them; WHAT ends the test names, NOTE the log line. Checks what every run
# must show: it ran, every write was sent, none was lost, misrouted or
# spurious, each interrupt counted exactly its own. The result line is
# left in $res.
run_stress() {
	local rc t0
	t0=$(date +%s)
	echo "$WRITES $CHANGES" > "$B/ntb/stress"
	rc=$?
	res=$(cat "$B/ntb/stress_result")
	log "scale ${MSIKIT_SCALE:-ci}; writer: edu MSI capability, requester ID of A; parent $p ($kind)$2; $res; $(( $(date +%s) - t0 )) s"
	ktap_result "B -> A: $WRITES writes, $CHANGES affinity changes$1: stress ran" \
		test "$rc" = 0
	ktap_expect "writes sent" "$WRITES" "$(result_field "$res" writes)"
	ktap_expect "lost" 0 "$(result_field "$res" lost)"
	ktap_expect "misrouted to a sibling interrupt" 0 "$(result_field "$res" misrouted)"
	ktap_expect "spurious" 0 "$(result_field "$res" spurious)"
	ktap_expect "affinity changes that failed otherwise than EBUSY or EPERM" 0 \
		"$(result_field "$res" failed)"
	ktap_result "each of A's $IRQS interrupts counted exactly its own $((WRITES / IRQS)) writes" \
		counts_are "$A" $IRQS $((WRITES / IRQS))
}

# need_ntb_shm: the two ivshmem-plain functions of the loopback's
# memory-mapped windows (tests/ntb-msi/qemu), one shared memory
need_ntb_shm() {
	local n
	n=$(pci_bdfs 0x1af4:0x1110 | grep -c .)
	[ "$n" = 2 ] || ktap_bail "needs two ivshmem-plain functions, the loopback's shared memory (found $n)"
}

# load_shm_double [PARAM...]: the loopback with memory-mapped windows. A
# kernel without per-device DMA ops has no place for its pool: the double
# refuses with its line, and the test skips for that reason alone.
load_shm_double() {
	local why="shm=1 needs per-device DMA ops, which this kernel lacks" l0
	l0=$(log_mark)
	insmod "$D/ko/msikit_ntb_loop_ntb.ko" shm=1 "$@" && return 0
	# this insmod's own refusal, not an earlier test's
	log_since "$l0" | grep -q "msikit_ntb_loop_ntb: $why" &&
		ktap_skip_all "the loopback's $why (ARCH_HAS_DMA_OPS)"
	ktap_bail "insmod msikit_ntb_loop_ntb.ko shm=1 $* failed"
}

# wait_for SECONDS COMMAND...: COMMAND passes within SECONDS
wait_for() {
	local n=$(($1 * 5))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# The ntb.ko leg's network: upstream's ntb_transport and ntb_netdev over
# the loopback's ntb_devs (loaded, with shm=1), each side's interface in a
# network namespace of its own, held by a sleeping process (NA, NB):
# A's (IA) is 10.97.0.1, B's (IB) 10.97.0.2. in_a and in_b run a command
# in them; sysfs shows the namespace it was mounted in, so ask ip.
in_a() { nsenter -t "$NA" -n "$@"; }
in_b() { nsenter -t "$NB" -n "$@"; }
# the network interface of the side whose edu is $1
netdev_of() {
	local n
	for n in /sys/class/net/*; do
		case "$(readlink -f "$n/device")" in */"$1"/*) basename "$n"; return ;; esac
	done
}
carrier() {
	in_a busybox ip link show "$IA" | grep -q LOWER_UP && in_b busybox ip link show "$IB" | grep -q LOWER_UP
}
# (unshare execs sleep once it has made its namespace)
ns_made() {
	[ "$(readlink /proc/"$NA"/ns/net)" != "$(readlink /proc/$$/ns/net)" ] &&
		[ "$(readlink /proc/"$NB"/ns/net)" != "$(readlink /proc/$$/ns/net)" ]
}
# transport_up USE_MSI: ntb_transport (its use_msi) and ntb_netdev, the
# namespaces and addresses, and the carriers up; bails out if not
transport_up() {
	insmod "$D/ko/ntb_transport.ko" use_msi="$1" || ktap_bail "insmod ntb_transport use_msi=$1 failed"
	insmod "$D/ko/ntb_netdev.ko" || ktap_bail "insmod ntb_netdev failed"
	IA=$(netdev_of "$ABDF") IB=$(netdev_of "$BBDF")
	[ -n "$IA" ] && [ -n "$IB" ] || ktap_bail "no ntb_netdev interface for A ('$IA') or B ('$IB')"
	unshare -n sleep 3600 & NA=$!
	unshare -n sleep 3600 & NB=$!
	wait_for 5 ns_made || ktap_bail "no network namespaces"
	busybox ip link set dev "$IA" netns "$NA" && busybox ip link set dev "$IB" netns "$NB" ||
		ktap_bail "cannot move the interfaces into their namespaces"
	in_a busybox ip addr add 10.97.0.1/24 dev "$IA" && in_a busybox ip link set "$IA" up &&
		in_b busybox ip addr add 10.97.0.2/24 dev "$IB" && in_b busybox ip link set "$IB" up ||
		ktap_bail "cannot configure the interfaces"
	wait_for 20 carrier || ktap_bail "no carrier: ntb_transport's queue link is not up"
}
transport_down() {
	kill "$NA" "$NB" 2>/dev/null
	wait "$NA" "$NB" 2>/dev/null
	NA="" NB=""
	rmmod ntb_netdev && rmmod ntb_transport
}
# httpd_up: A serves /tmp/ntb-www on port 8080 (HTTPD its pid), listening
httpd_up() {
	nsenter -t "$NA" -n busybox httpd -f -p 8080 -h /tmp/ntb-www & HTTPD=$!
	wait_for 10 sh -c "nsenter -t $NA -n busybox netstat -ltn | grep -q ':8080 '" ||
		ktap_bail "A's HTTP server does not listen"
}
httpd_down() {
	kill "$HTTPD" 2>/dev/null
	wait "$HTTPD" 2>/dev/null
	HTTPD=""
}
# what a test that bails out or skips leaves: the namespaces' and
# server's processes, the clients, the leg's modules, the IOMMU domains it
# changed
transport_cleanup() {
	[ -z "$HTTPD" ] || kill "$HTTPD" 2>/dev/null
	[ -z "$NA$NB" ] || kill $NA $NB 2>/dev/null
	rmmod ntb_netdev ntb_transport ntb_tool ntb_perf 2>/dev/null
	rmmod msikit_ntb_loop_ntb 2>/dev/null
	rmmod msikit_ntb_msi ntb msikit_msi 2>/dev/null
	iommu_restore 2>/dev/null
}
# shm_leg_up [DOUBLE-PARAM...]: what upstream's clients over the
# memory-mapped loopback start from: the leg's ntb.ko, the two shared-
# memory functions, debugfs, the cleanup trap, each edu in an identity
# domain, the adapter (upstream's ntb_msi API) and the double with PARAMs
shm_leg_up() {
	need_ntb_loop
	need_ntb_leg
	need_ntb_shm
	grep -qw debugfs /proc/mounts || mount -t debugfs none /sys/kernel/debug
	HTTPD="" NA="" NB=""
	trap transport_cleanup EXIT
	iommu_identity
	insmod "$D/ko/msikit_ntb_msi.ko" ||
		ktap_bail "insmod msikit_ntb_msi.ko (adapter, ntb_msi API) failed"
	load_shm_double "$@"
}
# now_us: microseconds since some fixed point. The foreign guests' date
# is busybox's, which has no %N (its "%s%N" made the shell divide by an
# unset N): there, /proc/uptime, in hundredths of a second.
now_us() {
	local ns
	ns=$(date +%s%N)
	case "$ns" in
	*[!0-9]*) awk '{ printf "%.0f\n", $1 * 1000000 }' /proc/uptime ;;
	*) echo $((ns / 1000)) ;;
	esac
}
# msi_lines BDF: the times ntb_transport on that side said it uses MSI
# (once per reading of the peer's descriptor)
msi_lines() { dmesg | grep -c "$1: Using MSI interrupts for QP0"; }

# The shm pool must serve edu's buffers, which an IOMMU DMA domain would
# take over: Debian's amd64 kernels translate by default behind VT-d
# and AMD-Vi. iommu_identity puts each side's edu, unbound, in an identity
# domain and records what it was; iommu_restore puts that back.
IOMMU_SAVED=""
iommu_identity() {
	local bdf g t
	for bdf in "$ABDF" "$BBDF"; do
		g=/sys/bus/pci/devices/$bdf/iommu_group
		[ -e "$g/type" ] || continue
		t=$(cat "$g/type")
		[ "$t" = identity ] && continue
		echo identity > "$g/type" ||
			ktap_bail "cannot put $bdf's IOMMU group in an identity domain (it was $t)"
		IOMMU_SAVED="$IOMMU_SAVED $bdf=$t"
	done
}
iommu_restore() {
	local e
	for e in $IOMMU_SAVED; do
		echo "${e#*=}" > "/sys/bus/pci/devices/${e%%=*}/iommu_group/type" || return 1
	done
	IOMMU_SAVED=""
}

# Upstream's ntb_msi_test over the ntb.ko leg, N interrupts a side, its
# debugfs directory per side.
# occ SIDE: the occurrences of SIDE's interrupts, in index order
occ() {
	local i=0
	while [ $i -lt $N ]; do
		printf '%s ' "$(cat "$1/irq${i}_occurrences")"
		i=$((i + 1))
	done
}
# each_once TX RX ROUNDS: TX triggers each of RX's interrupts ROUNDS times;
# after each trigger exactly that interrupt counted one more, no other
each_once() {
	local r=0 i before after want
	while [ $r -lt "$3" ]; do
		i=0
		while [ $i -lt $N ]; do
			before=$(occ "$2")
			echo $i > "$1/peer0/trigger" || { log "trigger $i: refused"; return 1; }
			want=$(echo $before | awk -v i=$i '{ $(i + 1) += 1; print }')
			after=$(echo $(occ "$2"))
			[ "$after" = "$want" ] || sleep 0.2
			after=$(echo $(occ "$2"))
			[ "$after" = "$want" ] || { log "trigger $i: occurrences '$before' became '$after', want '$want'"; return 1; }
			i=$((i + 1))
		done
		r=$((r + 1))
	done
}

# need_ntb_leg: the ntb.ko leg's modules for this kernel (sets D), with
# msikit_msi and ntb.ko loaded and nothing else of the loopback's
need_ntb_leg() {
	local m
	D=/opt/msikit/ntb-$(uname -r)
	[ -d "$D" ] || ktap_bail "no ntb.ko leg for $(uname -r): build.sh --leg (amd64) or --cross builds it"
	[ -f "$D/WHY" ] && ktap_bail "the ntb.ko leg did not build: $(tail -3 "$D/WHY" | tr '\n' ' ')"
	for m in msikit_ntb_loop msikit_msi_test msikit_ntb_loop_ntb msikit_ntb_msi; do
		rmmod $m 2>/dev/null
	done
	modprobe msikit_msi || ktap_bail "modprobe msikit_msi failed"
	insmod "$D/ko/ntb.ko" || ktap_bail "insmod ntb.ko failed"
}

unload_ntb() {
	rmmod msikit_ntb_loop && rmmod msikit_ntb_msi && rmmod msikit_msi
}

# shm_count SIDE KEY: the number after KEY in the side's shm line
# (msikit_ntb_loop_ntb's shm attribute), nothing without shm
shm_count() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$1/shm"; }

# info_field SIDE NAME: one value of SIDE's info line
info_field() {
	awk -v k="$2" '{ for (i = 1; i < NF; i += 2) if ($i == k) print $(i + 1) }' "$1/ntb/info"
}

# parent_kind SIDE: pinned (IMSIC), immutable (remapping, ITS) or mutable
# (x86 vector): what an affinity change does to SIDE's descriptors
parent_kind() {
	if [ "$(info_field "$1" pinned)" = 1 ]; then
		echo pinned
	elif [ "$(info_field "$1" immutable)" = 1 ]; then
		echo immutable
	else
		echo mutable
	fi
}

# teardown of both sides; one that has nothing set up refuses, which is fine
teardown_both() {
	echo 1 > "$A/ntb/teardown" 2>/dev/null
	echo 1 > "$B/ntb/teardown" 2>/dev/null
	return 0
}

# live_is CONTEXTS DOMAINS: msikit_ntb_msi's live contexts and msikit_msi's
# live domains, as the modules count them (a leaked context or domain
# survives its client's rmmod: only these counts show it)
live_is() {
	local got
	[ -r "$NM_DBG/contexts" ] ||
		{ log "no debugfs msikit_ntb_msi/contexts (debugfs not mounted, or msikit_ntb_msi could not create it, which it ignores)"; return 1; }
	got="$(nm_contexts 2>/dev/null) $(cat /sys/module/msikit_msi/parameters/domains 2>/dev/null)"
	[ "$got" = "$1 $2" ] || { log "live contexts and domains: '$got', not '$1 $2'"; return 1; }
}

# write_err FILE VALUE: write VALUE to FILE; on failure print why. An
# external echo names the errno (dash's builtin says "I/O error" for all).
write_err() {
	env echo "$2" 2>&1 > "$1"
}

# refused FILE VALUE: writing VALUE to FILE fails; logs the errno
refused() {
	local err
	err=$(write_err "$1" "$2") && { log "$1 took '$2'"; return 1; }
	log "side $(cat "$(dirname "$1")/side") $(basename "$1") <- '$2': ${err##*: }"
}

# counts_are SIDE N W: SIDE has N requested interrupts, each counted W
counts_are() {
	local n bad
	n=$(wc -l < "$1/ntb/counts")
	[ "$n" = "$2" ] || { log "side $(cat "$1/ntb/side"): $n interrupts, not $2"; return 1; }
	bad=$(awk -v w="$3" '$2 != w' "$1/ntb/counts" | head -3 | tr '\n' ' ')
	[ -z "$bad" ] || { log "side $(cat "$1/ntb/side"): counts off: $bad"; return 1; }
}

# fire_all_ok TX RX N W: W writes from TX to each of RX's N interrupts,
# each waited for at its own interrupt; all delivered, and RX's counts
# are exactly W each (a write counted elsewhere is misrouted)
fire_all_ok() {
	local r
	echo "$4" > "$1/ntb/fire_all" || log "fire_all $4 on side $(cat "$1/ntb/side") failed"
	r=$(cat "$1/ntb/fire_result")
	log "$(cat "$1/ntb/side") -> $(cat "$2/ntb/side"): $r"
	[ "$r" = "sent $(($3 * $4)) delivered $(($3 * $4)) lost 0 misrouted 0" ] &&
		counts_are "$2" "$3" "$4"
}

# wait_pid PID SECONDS: PID has exited, or does within SECONDS
wait_pid() {
	local i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt "$2" ]; do
		sleep 1
		i=$((i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}
