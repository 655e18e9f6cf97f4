#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check / make bench: build msikit with dkms for every kernel of the
# matrix, boot each kernel in QEMU with the devices a suite needs, run the
# suite's kselftest-style scripts in the guest and report one TAP line per
# test and kernel with its seconds, then "N passed, N failed, N skipped".
#
#   check.sh [-t SUITE] [-k KERNEL] [--bench | --soak | --debug]
#
# A skip must be on tests/expected-skips (kernel, test and why); any other
# skip is a failure: a missing device or a lost kernel must not turn a
# suite green. --soak runs each suite's soak list at full scale. --debug
# runs the runner, doe, msi-lib, epf-doorbell and fault suites on the
# amd64 machines (q35, q35-ir, cxl) and arm64's ITS machines (arm64-its,
# arm64-its-smmu) under debug builds of Debian's own 6.12 source
# (scripts/debug-kernel.sh): lockdep, KASAN, kmemleak, object debugging
# and fault injection, whose every report fails the test that was running.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(dirname "$HERE")
. "$HERE/common.sh"

SUITES="" KSEL="" MSEL="" BENCH=0 SCALE=ci DEBUG=0 REPEAT=1 REP=""
# the machines the debug kernels run on: amd64's, and arm64's two ITS
# machines for the endpoint code (no riscv64 debug kernel)
DEBUG_MACHINES="q35 q35-ir cxl arm64-its arm64-its-smmu"
while [ $# -gt 0 ]; do
	case "$1" in
	-t) SUITES=$2; shift ;;
	-k) KSEL=$2; shift ;;
	-m) MSEL=$2; shift ;;
	--bench) BENCH=1 ;;
	--soak) SCALE=soak ;;
	--debug) DEBUG=1 ;;
	-r) REPEAT=$2; shift ;;
	*) die "usage: check.sh [-t 'SUITE...'] [-k KERNEL] [-m 'MACHINE...'] [-r TIMES] [--bench | --soak | --debug]" ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || die "check.sh needs root (chroot, mounts)"
case "$REPEAT" in ''|*[!0-9]*|0*) die "-r wants a count of 1 or more, not '$REPEAT'" ;; esac
# The most one test may take, and the watchdog's deadlines: make check's
# tests take seconds (65 s at most, measured), a soak's and a benchmark's
# minutes (their "# timeout:" lines), a debug kernel's kmemleak scans are
# slow.
LIMIT="" DOG_BOOT=300 DOG_SLACK=30 DOG_TAIL=300
[ "$SCALE" = ci ] && [ "$BENCH" = 0 ] && [ "$DEBUG" = 0 ] && LIMIT=300
[ "$DEBUG" = 1 ] && DOG_BOOT=1200 DOG_SLACK=240 DOG_TAIL=600
# One run per cache at a time: runs share the root and its /msikit-run.
mkdir -p "$MSIKIT_CACHE"
exec 9>"$MSIKIT_CACHE/.lock"
flock -n 9 || { msg "waiting for another msikit run on $MSIKIT_CACHE"; flock 9; }
if [ -z "$SUITES" ] && [ "$DEBUG" = 1 ]; then
	SUITES="runner doe msi-lib epf-doorbell fault"
elif [ -z "$SUITES" ]; then
	# the test bed's own self-test before the suites it judges (doe may
	# still go first, below); a suite that needs the debug kernel (its
	# debug-only file says why) is check-debug's
	SUITES="lint runner"
	for d in "$SRC"/tests/*/; do
		[ -f "$d/machine" ] && [ ! -f "$d/debug-only" ] && [ "$(basename "$d")" != runner ] &&
			SUITES="$SUITES $(basename "$d")"
	done
fi
# In make check, doe runs first, while the builds nothing else needs go on
# in the background (bg_builds, below): it needs neither the foreign
# kernels' cross builds nor the ntb.ko legs, and its machine is amd64's.
# (Every verdict, the runner's too, is read only once the run is over.)
case " $SUITES " in
*" doe "*) [ "$BENCH" = 0 ] && [ "$SCALE" = ci ] && [ "$DEBUG" = 0 ] &&
	SUITES="doe $(echo " $SUITES " | sed 's/ doe / /')" ;;
esac
SUITES=$(echo $SUITES)

# MSIKIT_OUT: another place for the logs (two runs on two caches at once)
OUT=${MSIKIT_OUT:-$SRC/out}
rm -rf "$OUT" && mkdir -p "$OUT"
. "$HERE/tap.sh"

t0=$(date +%s)
echo "TAP version 13"
"$HERE/host-setup.sh" || { tap fail setup/host; echo "$pass passed, $fail failed, $skip skipped"; exit 1; }
if ! "$HERE/mkroot.sh"; then
	tap fail setup/root "see $MSIKIT_CACHE/mkroot.log"
	echo "$pass passed, $fail failed, $skip skipped"
	exit 1
fi
KERNELS=$(cat "$ROOT/.msikit-kernels")
[ -n "$KSEL" ] && KERNELS=$(select_kernels "$KSEL")
[ -n "$KERNELS" ] || die "no kernel of the matrix matches '$KSEL'"
# What a run that ends early (an error, a signal) must not leave: a guest
# running on (it holds the cache's lock), the debug kernel in the root.
VMPID="" BG=""
on_exit() {
	if [ -n "$VMPID" ] && kill -0 "$VMPID" 2>/dev/null; then
		stop_qemu KILL
		wait "$VMPID"
	fi
	# the background builds are a process group of their own: all of
	# it, a build started while this runs too
	if [ -n "$BG" ]; then
		kill -TERM -- "-$BG" 2>/dev/null
		wait "$BG"
	fi
	[ "$DEBUG" = 1 ] && "$HERE/debug-kernel.sh" remove
}
trap on_exit EXIT
if [ "$DEBUG" = 1 ]; then
	t1=$(date +%s)
	if ! KERNELS=$("$HERE/debug-kernel.sh" install 2> "$OUT/debug-kernel.txt"); then
		tail -5 "$OUT/debug-kernel.txt" | sed 's/^/# /'
		tap fail setup/debug-kernel "see ${OUT#"$SRC/"}/debug-kernel.txt"
		echo "$pass passed, $fail failed, $skip skipped"
		exit 1
	fi
	tap pass "$KERNELS setup/debug-kernel" "" "$(( $(date +%s) - t1 ))"
	echo "# debug kernel $KERNELS: its last build took $(cat "$MSIKIT_CACHE/debug-kernel/build.seconds") s (a first one about 30 minutes)"
fi

# Machines of another architecture (arm64-its, riscv64-imsic) run Debian's
# kernel of that architecture with the same ABI as each amd64 kernel:
# fetched by foreign.sh, listed in $ROOT/.msikit-foreign (ok or skip and
# why), cross-built below.
FARCHS=""
# suite_machines SUITE: the machines a suite runs on in this mode
suite_machines() {
	local m
	for m in $(cat "$SRC/tests/$1/machine" 2>/dev/null); do
		[ "$DEBUG" = 1 ] && case " $DEBUG_MACHINES " in *" $m "*) ;; *) continue ;; esac
		[ -n "$MSEL" ] && case " $MSEL " in *" $m "*) ;; *) continue ;; esac
		echo "$m"
	done
}
for s in $SUITES; do
	for m in $(suite_machines "$s"); do
		a=$(machine_arch "$m")
		[ "$a" = amd64 ] || case " $FARCHS " in *" $a "*) ;; *) FARCHS="$FARCHS $a" ;; esac
	done
done
FOREIGN_SETUP=ok
# lint.sh's arm64 W=1 line may skip only where foreign.sh never ran
FOREIGN_RAN=""
[ -n "$FARCHS" ] && FOREIGN_RAN=1
# (a debug run takes only the guest's busybox from foreign.sh, which wants
# a kernel Debian has: the stock LTS's; its arm64 kernel is the debug one)
FKSRC=$KERNELS
[ "$DEBUG" = 1 ] && FKSRC=$(head -1 "$ROOT/.msikit-kernels")
if [ -n "$FARCHS" ] && ! KERNELS="$FKSRC" "$HERE/foreign.sh" $FARCHS > "$OUT/foreign.txt" 2>&1; then
	sed 's/^/# /' "$OUT/foreign.txt" | tail -10
	tap fail "setup/foreign" "see ${OUT#"$SRC/"}/foreign.txt"
	FOREIGN_SETUP=failed
	rm -f "$ROOT/.msikit-foreign"
fi
if [ "$DEBUG" = 1 ] && [ "$FOREIGN_SETUP" = ok ] && case " $FARCHS " in *" arm64 "*) true ;; *) false ;; esac; then
	t1=$(date +%s)
	if fk=$("$HERE/debug-kernel.sh" install arm64 2>> "$OUT/debug-kernel.txt"); then
		tap pass "$fk setup/debug-kernel" "" "$(( $(date +%s) - t1 ))"
		echo "# debug kernel $fk: its last build took $(cat "$MSIKIT_CACHE/debug-kernel/build-arm64.seconds") s (a first one about 32 minutes)"
	else
		tail -5 "$OUT/debug-kernel.txt" | sed 's/^/# /'
		# its machines' tests fail as "foreign kernel setup failed"
		tap fail setup/debug-kernel-arm64 "see ${OUT#"$SRC/"}/debug-kernel.txt"
	fi
fi
# foreign_kernel AMD64-ABI MACHINE: "ABI ok" or "ABI skip REASON"
foreign_kernel() {
	local a
	a=$(machine_arch "$2")
	[ "$a" = amd64 ] && { echo "$1 ok"; return; }
	grep -s "^$1 $a " "$ROOT/.msikit-foreign" | cut -d' ' -f3- | grep . ||
		echo "${1%-amd64}-$a fail foreign kernel setup failed"
}
FKERNELS=""
[ -n "$FARCHS" ] && [ "$FOREIGN_SETUP" = ok ] &&
	FKERNELS=$(for k in $KERNELS; do awk -v k="$k" '$1 == k && $4 == "ok" { print $3 }' "$ROOT/.msikit-foreign"; done)
echo "# kernels: $(echo $KERNELS $FKERNELS)  suites: $SUITES  (setup $(( $(date +%s) - t0 )) s)"
# a foreign kernel standing in for the one of the amd64 ABI says why
[ -n "$FKERNELS" ] && for k in $KERNELS; do
	awk -v k="$k" '$1 == k && $4 == "ok" && NF > 4 { n = $3; $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print "# " n " " $0 }' \
		"$ROOT/.msikit-foreign"
done

t1=$(date +%s)
if KERNELS="$KERNELS" "$HERE/build.sh" > "$OUT/build.txt" 2>&1; then
	for k in $KERNELS; do tap pass "$k build/dkms-install" "" "$(( $(date +%s) - t1 ))"; done
	# build.sh's own checks: "pass KERNEL build/NAME SECONDS" (dkms-hook,
	# make-install); a failed one stops build.sh and fails the lines above
	while read -r st k name secs; do
		tap "$st" "$k $name" "" "$secs"
	done < <(grep -a '^pass [^ ]* build/' "$OUT/build.txt")
	if [ "$DEBUG" = 1 ]; then
		for k in $KERNELS; do
			# (not "n": that is tap.sh's count of lines)
			if signed=$("$HERE/debug-kernel.sh" sign "$k" 2>> "$OUT/debug-kernel.txt"); then
				tap pass "$k build/sign" "$signed modules"
			else
				tap fail "$k build/sign" "see ${OUT#"$SRC/"}/debug-kernel.txt"
			fi
		done
	fi
else
	cat "$OUT/build.txt" | sed 's/^/# /' | tail -30
	tap fail "build/dkms-install" "see $MSIKIT_CACHE/build.log"
	echo "$pass passed, $fail failed, $skip skipped"
	exit 1
fi
# The amd64 kernels' ntb.ko legs (only ntb-msi and the fault suite load them) and
# the foreign kernels' cross builds (only their machines' boots and lint's
# arm64 W=1 read them) build in the background, niced under the guests,
# while doe runs: each chroot has its own mounts (chroot_run), the guest
# reads none of what they write. The cross builds go first: bg_wait,
# before every other suite, waits for them and reports them; the legs
# build on while lint and the runner run, and "bg_wait legs", before
# ntb-msi, waits for those too.
CROSS_FAILED=""
declare -A spent
BGDIR=$OUT/bg
mkdir -p "$BGDIR"
bg_builds() {
	local k t1 rc
	renice -n 10 "$BASHPID" > /dev/null
	for k in $FKERNELS; do
		t1=$(date +%s) rc=0
		"$HERE/build.sh" --cross "$k" > "$OUT/build-$k.txt" 2>&1 || rc=$?
		echo "$rc $(( $(date +%s) - t1 ))" > "$BGDIR/cross-$k"
	done
	: > "$BGDIR/cross.done"
	for k in $KERNELS; do
		needs_legs || break
		"$HERE/build.sh" --leg "$k" > "$OUT/build-leg-$k.txt" 2>&1
	done
}
# needs_legs: a suite of this run loads an ntb.ko leg: ntb-msi, and the
# fault suite of make check-debug (the adapter under fault injection, on
# the amd64 debug kernel: the arm64 one's cross build has no leg)
needs_legs() {
	case " $SUITES " in *" ntb-msi "*|*" fault "*) return 0 ;; esac
	return 1
}
# has_leg KERNEL: KERNEL gets an ntb.ko leg: every kernel but the arm64
# debug kernel, whose cross build makes none
has_leg() {
	case " $FKERNELS " in *" $1 "*) case "$1" in *-msikit-debug*) return 1 ;; esac ;; esac
	return 0
}
# alive PID: PID runs (a finished job not yet waited for is a zombie)
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${st#Z}" = "$st" ]
}
CROSS_REPORTED=""
# bg_wait [legs]: the cross builds, reported once; with "legs", the whole
# background job, and then the legs are reported
bg_wait() {
	local k rc secs t1
	[ -n "$BG" ] || return 0
	t1=$(date +%s)
	if [ "${1:-}" = legs ]; then
		wait "$BG"
		BG=""
	else
		while [ ! -e "$BGDIR/cross.done" ] && alive "$BG"; do sleep 1; done
	fi
	# (what the wait took is the setup's)
	spent[setup]=$(( ${spent[setup]:-0} + $(date +%s) - t1 ))
	[ -n "$CROSS_REPORTED" ] || for k in $FKERNELS; do
		read -r rc secs 2>/dev/null < "$BGDIR/cross-$k" || rc="lost" secs=""
		if [ "$rc" = 0 ]; then
			tap pass "$k build/cross" "" "$secs"
		else
			grep -a -E 'error|warning' "$OUT/build-$k.txt" | head -10 | sed 's/^/# /'
			tap fail "$k build/cross" "see ${OUT#"$SRC/"}/build-$k.txt" "$secs"
			CROSS_FAILED="$CROSS_FAILED $k"
		fi
	done
	CROSS_REPORTED=1
	[ -z "$BG" ] || return 0
	# every kernel's ntb.ko leg (the foreign ones' came with their cross
	# build), when a suite loads them: one that did not build says why here,
	# not only as each of its tests' bail
	needs_legs || return 0
	for k in $KERNELS $FKERNELS; do
		has_leg "$k" || continue
		case " $CROSS_FAILED " in *" $k "*) continue ;; esac
		secs=$(cat "$ROOT/opt/msikit/ntb-$k/seconds" 2>/dev/null)
		if [ -f "$ROOT/opt/msikit/ntb-$k/ko/ntb.ko" ] && [ ! -f "$ROOT/opt/msikit/ntb-$k/WHY" ]; then
			tap pass "$k build/ntb-leg" "" "$secs"
		else
			tail -5 "$ROOT/opt/msikit/ntb-$k/WHY" 2>/dev/null | sed 's/^/# /'
			tap fail "$k build/ntb-leg" "see /opt/msikit/ntb-$k/WHY in the root" "$secs"
		fi
	done
}
# (a process group of its own, which on_exit stops as a whole)
set -m
bg_builds &
BG=$!
set +m

run_suite() {	# run_suite KERNEL SUITE MACHINE
	local k=$1 s=$2 machine=$3 plan line name rc secs log tag out fk st why
	plan=$ROOT/msikit-plan
	if [ "$BENCH" = 1 ] && [ -f "$SRC/tests/$s/plan.$machine" ]; then
		# a machine there for some tests only runs the benchmarks it lists
		grep '^bench-' "$SRC/tests/$s/plan.$machine" | sed "s|^|$s/|" > "$plan"
	elif [ "$BENCH" = 1 ]; then
		(cd "$SRC/tests" && ls "$s"/bench-*.sh 2>/dev/null) > "$plan"
	elif [ "$SCALE" = soak ] && [ -f "$SRC/tests/$s/plan.$machine" ]; then
		# and only the soak tests it lists
		grep -x -F -f "$SRC/tests/$s/plan.$machine" "$SRC/tests/$s/soak" 2>/dev/null |
			sed "s|^|$s/|" > "$plan"
	elif [ "$SCALE" = soak ]; then
		sed "s|^|$s/|" "$SRC/tests/$s/soak" 2>/dev/null > "$plan"
	elif [ -f "$SRC/tests/$s/plan.$machine" ]; then
		# a machine that is there for some of the suite's tests only (the
		# benchmarks it lists are make bench's)
		grep -v '^bench-' "$SRC/tests/$s/plan.$machine" | sed "s|^|$s/|" > "$plan"
	elif [ -f "$SRC/tests/$s/plan" ]; then
		# the suite's order: tests that destroy the device run last
		sed "s|^|$s/|" "$SRC/tests/$s/plan" > "$plan"
	else
		(cd "$SRC/tests" && ls "$s"/*.sh | grep -v -e '/bench-' -e '/lib.sh') > "$plan"
	fi
	[ -s "$plan" ] || return 0
	# a suite that runs on several machines names each result after it
	tag=""
	[ "$(wc -w < "$SRC/tests/$s/machine")" -gt 1 ] && tag=" [$machine]"
	# the machine's own kernel for this amd64 ABI, or why there is none
	read -r fk st why < <(foreign_kernel "$k" "$machine")
	case " $CROSS_FAILED " in *" $fk "*) st=fail why="cross build failed" ;; esac
	if [ "$st" != ok ]; then
		while read -r name; do tap "$st" "$fk ${name%.sh}$tag" "$why"; done < "$plan"
		return 0
	fi
	# A test that ends its boot (tests/SUITE/own-boot: "TEST [MACHINE...]",
	# on those machines only if any are named, on no other) runs last, in
	# a boot of its own. So does, on the debug kernel, a test that leaves
	# the kernel less able to check the tests after it (tests/SUITE/debug-
	# own-boot): one whose report is a known one of the kernel's own
	# (tests/known-kernel-reports) turns lockdep off, one that locks the
	# kernel down closes kmemleak's debugfs file.
	local own="" t ms
	while read -r t ms; do
		case "$t" in ''|'#'*) continue ;; esac
		[ -n "$ms" ] && case " $ms " in *" $machine "*) ;; *) t="-$t" ;; esac
		own="$own $t"
	done < <(cat "$SRC/tests/$s/own-boot" 2>/dev/null
		 [ "$DEBUG" = 1 ] && cat "$SRC/tests/$s/debug-own-boot" 2>/dev/null)
	if [ -n "$own" ]; then
		cp "$plan" "$plan.all"
		grep -v -x -F -f <(for t in $own; do echo "$s/${t#-}"; done) "$plan.all" > "$plan"
		boot_plan "$fk" "$s" "$machine" "$tag" ""
		for t in $own; do
			case "$t" in -*) continue ;; esac
			if ! grep -x -F "$s/$t" "$plan.all" > "$plan"; then
				# its verdicts would go unasked: not a silent pass
				[ "$BENCH" = 1 ] || [ "$SCALE" = soak ] ||
					tap fail "$fk $s/${t%.sh}$tag" "in tests/$s/own-boot, not in the plan"
				continue
			fi
			boot_plan "$fk" "$s" "$machine" "$tag" "-${t%.sh}"
		done
	else
		boot_plan "$fk" "$s" "$machine" "$tag" ""
	fi
}

# lost_why SERIAL [TEST]: why a boot gave no result (for TEST)
lost_why() {
	local why rep from isr
	if [ -s "$1.watchdog" ]; then
		why="the host stopped the guest: $(cat "$1.watchdog")"
	else
		why="guest crashed or hung"
	fi
	# the watchdog's two LAPIC dumps (x86): a vector still in service a
	# second later, on a CPU halted in idle, is an interrupt QEMU never
	# ended, which leaves the CPU deaf to its timer (README, the runner)
	isr=$(awk -f "$SRC/tests/lib/lapic-isr.awk" "$1.monitor" 2>/dev/null)
	[ -n "$isr" ] && why="$why ($isr)"
	# the console's first kernel report from TEST's beginning on (the
	# whole console if TEST never began), which says why more often than
	# the watchdog can (a guest whose kernel stalled before user space);
	# the kernel's known reports and an earlier test's expected WARNING
	# are not the why
	from=""
	[ -n "${2:-}" ] && grep -a -q "^MSIKIT-BEGIN $2 " "$1" && from="MSIKIT-BEGIN $2 "
	rep=$(tr -d '\r' < "$1" | awk -v t="$from" 't == "" || index($0, t) == 1 { on = 1 } on' |
	      awk -v known="$SRC/tests/known-kernel-reports" -v note=/dev/null -f "$SRC/tests/lib/kscan.awk" |
	      cut -c1-160)
	echo "$why${rep:+; first kernel report on its console: $rep}"
}

# stop_qemu SIGNAL: the boot's QEMU, if its pidfile names a process that
# runs in the root (QEMU leaves the file behind when killed)
stop_qemu() {
	local qp
	qp=$(cat "$ROOT/msikit-run/qemu.pid" 2>/dev/null) || return 0
	[ "$(readlink "/proc/$qp/root" 2>/dev/null)" = "$ROOT" ] && kill -s "$1" "$qp" 2>/dev/null
}

# watchdog SERIAL PID PLAN: waits for the boot (vm.sh, PID) writing
# SERIAL, and stops its QEMU if the guest stops making progress. The guest
# prints "MSIKIT-BEGIN NAME LIMIT" as a test starts and "MSIKIT-RESULT
# NAME ..." as it ends; its own timeout ends a test after LIMIT, unless
# the guest's kernel is stuck, and then nothing in the guest can. Without
# this a hung guest costs vm.sh's hour. Deadlines: DOG_BOOT to the first
# test; LIMIT + DOG_SLACK (the runner's kill, kmemleak scans and log cut)
# per test; after a result, the plan's longest LIMIT + DOG_SLACK
# while tests remain (a BEGIN line the console garbled must not cut a
# healthy test short), DOG_TAIL after the last. SERIAL.watchdog says why
# it stopped the guest, SERIAL.monitor has the vCPUs' registers.
watchdog() {
	local serial=$1 pid=$2 plan=$3 now deadline what line last="" cur="" stop=0 left maxlim
	maxlim=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$plan")
	now=$(date +%s)
	deadline=$((now + DOG_BOOT)) what="no test began within $DOG_BOOT s of the boot"
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		# whole lines, and lines no kernel record was printed into
		line=$(tr -d '\r' < "$serial" |
		       grep -a -E '^MSIKIT-(BEGIN [^ ]+ [0-9]+|RESULT [^ ]+ [0-9]+ [0-9]+)$' | tail -1)
		if [ "$line" != "$last" ]; then
			last=$line now=$(date +%s)
			set -- $line
			cur=""
			left=$(($(wc -l < "$plan") - $(tr -d '\r' < "$serial" | grep -a -c '^MSIKIT-RESULT ')))
			if [ "$1" = MSIKIT-BEGIN ]; then
				cur=$2 deadline=$((now + $3 + DOG_SLACK))
				what="$2 was still running $(($3 + DOG_SLACK)) s after it began (its limit: $3 s)"
			elif [ "$left" -gt 0 ]; then
				deadline=$((now + maxlim + DOG_SLACK))
				what="no test began or ended within $((maxlim + DOG_SLACK)) s of $2's result"
			else
				deadline=$((now + DOG_TAIL))
				what="the guest did not power off within $DOG_TAIL s of the last result"
			fi
		fi
		[ "$(date +%s)" -ge "$deadline" ] || continue
		if [ "$stop" = 0 ]; then
			[ -n "$cur" ] && grep -a -q "^MSIKIT-HUNG $cur:" "$serial" &&
				what="$what; the console has the guest's blocked tasks and CPUs (MSIKIT-HUNG)"
			echo "$what" > "$serial.watchdog"
			# where each vCPU is, for a guest too stuck to say; on x86
			# each local APIC twice, a second apart: a guest whose vCPUs
			# all halt with interrupts on waits for a timer, and these
			# say whether one was armed and whether its count moves
			# (other machines answer the lapic lines "unknown command")
			timeout 5 sh -c "printf 'info status\ninfo registers -a\ninfo lapic 0\ninfo lapic 1\n' > '$ROOT/msikit-run/mon.in'" 2>/dev/null
			sleep 1
			timeout 5 sh -c "printf 'info lapic 0\ninfo lapic 1\n' > '$ROOT/msikit-run/mon.in'" 2>/dev/null
			sleep 2
			cp "$ROOT/msikit-run/monitor.log" "$serial.monitor" 2>/dev/null
		fi
		# QEMU ends on SIGTERM, vm.sh then unmounts as usual; SIGKILL once
		# if it does not
		stop=$((stop + 1))
		if [ "$stop" -le 30 ]; then
			stop_qemu TERM
		elif [ "$stop" = 31 ]; then
			stop_qemu KILL
		fi
	done
	wait "$pid"
}

boot_plan() {	# boot_plan KERNEL SUITE MACHINE TAG SERIAL-SUFFIX: one boot, $ROOT/msikit-plan
	local k=$1 s=$2 machine=$3 tag=$4 suffix=$5 plan=$ROOT/msikit-plan out line name rc secs log serial t1 dtsi lim qf missing
	[ -s "$plan" ] || return 0
	out=$OUT/$k/$machine$suffix$REP
	serial=$OUT/serial-$k-$s-$machine$suffix$REP.log
	rm -rf "$ROOT/msikit-out"
	t1=$(date +%s)
	dtsi=$SRC/tests/$s/$machine.dtsi
	[ -f "$dtsi" ] || dtsi=""
	rm -f "$serial.watchdog" "$serial.monitor" "$ROOT/msikit-run/qemu.pid"
	# Each test's limit, which the guest runner and the watchdog both go
	# by: its "# timeout:" line or 600 s, capped by LIMIT. The plan the
	# guest reads is "TEST LIMIT" lines.
	while read -r name; do
		lim=$(sed -n 's/^# timeout: \([0-9][0-9]*\)$/\1/p' "$SRC/tests/$name" | head -1)
		lim=${lim:-600}
		[ -n "$LIMIT" ] && [ "$lim" -gt "$LIMIT" ] && lim=$LIMIT
		echo "$name $lim"
	done < "$plan" > "$plan.limits"
	mv "$plan.limits" "$plan"
	# a suite's extra QEMU devices: tests/SUITE/qemu.MACHINE, else
	# tests/SUITE/qemu (for every machine of the suite)
	qf=$SRC/tests/$s/qemu.$machine
	[ -f "$qf" ] || qf=$SRC/tests/$s/qemu
	# and what must listen before QEMU starts (tests/SUITE/qemu-pre)
	MSIKIT_QEMU_EXTRA=$(cat "$qf" 2>/dev/null) MSIKIT_DTS_EXTRA=$dtsi \
	MSIKIT_QEMU_PRE=$(cat "$SRC/tests/$s/qemu-pre" 2>/dev/null) \
	"$HERE/vm.sh" "$k" "$machine" env MSIKIT_SCALE=$SCALE \
		/bin/sh /opt/msikit/tests/run-guest.sh /msikit-plan /msikit-out \
		< /dev/null > "$serial" 2>&1 &
	VMPID=$!
	watchdog "$serial" $VMPID "$plan"
	VMPID=""
	mkdir -p "$out" && cp -a "$ROOT/msikit-out/." "$out/" 2>/dev/null
	while read -r name _; do
		name=${name%.sh}
		line=$(grep -a "^MSIKIT-RESULT $name " "$serial" | tail -1)
		log=$out/$(echo "$name" | tr / _).log
		if [ -z "$line" ]; then
			tap fail "$k $name$tag" "no result: $(lost_why "$serial" "$name"), see ${serial#"$SRC/"}"
			# (kscan.awk, in lost_why, is the one list of kernel reports)
			tr -d '\r' < "$serial" | grep -a "^MSIKIT-HUNG $name:" | head -3 | sed 's/^/# /'
			continue
		fi
		set -- $(echo "$line" | tr -d '\r')
		rc=$3 secs=$4
		[ "$BENCH" = 1 ] && grep -a '^bench:' "$log"
		# make soak's figures: each stress's and fuzz's own summary
		[ "$SCALE" = soak ] && grep -a -E '^bench:|^# (scale|fuzz)' "$log"
		# a zero exit is not trusted over the test's own lines
		[ "$rc" = 0 ] && grep -a -q -E '^not ok|^Bail out!|^# Totals: .*fail:[1-9]' "$log" && rc=1
		# nor over its shell's: a command the guest lacks (busybox is all
		# the foreign guests have) reads as nothing, and a check built on
		# it may pass on nothing
		missing=$(grep -a -m1 -E '^[^#].*: [^ :]+: (command )?not found$' "$log")
		if [ -n "$missing" ] && { [ "$rc" = 0 ] || [ "$rc" = 4 ]; }; then
			tap fail "$k $name$tag" "a command it ran is missing here: $missing" "$secs"
			continue
		fi
		case "$rc" in
		0) tap pass "$k $name$tag" "" "$secs" ;;
		4)
			# a test that skipped as a whole says why in its plan line;
			# one that skipped every check it has, in each of them; one
			# that says neither skipped nothing it could name
			if grep -a -q '^1\.\.0 # SKIP' "$log"; then
				tap skip "$k $name$tag" "$(grep -a -m1 '^1\.\.0 # SKIP' "$log" | sed 's/^1\.\.0 # SKIP *//')" "$secs"
			else
				found=0
				while read -r what; do
					tap skip "$k $name$tag" "$what" "$secs"
					found=1
				done < <(inner_skips "$log")
				[ "$found" = 1 ] || tap fail "$k $name$tag" \
					"exit 4 (skip) with no skip line saying why, see ${log#"$SRC/"}" "$secs"
			fi
			;;
		*)
			klog=$(grep -a -m1 '^# kernel log: ' "$log" | cut -c3- | cut -c1-160)
			tap fail "$k $name$tag" "exit $rc${klog:+: $klog}, see ${log#"$SRC/"}" "$secs"
			grep -a -E '^not ok|^# (kernel log|expected|timed)|^Bail' "$log" | head -8 | sed 's/^/#   /'
			;;
		esac
		# A check that skipped inside a test that ran is a skip too, with
		# its own reason, held against tests/expected-skips like any other;
		# and the script's own count of them must be what was found.
		[ "$rc" = 4 ] && continue
		found=0
		while read -r what; do
			tap skip "$k $name$tag" "$what"
			found=$((found + 1))
		done < <(inner_skips "$log")
		said=$(sed -n 's/^# Totals: .* skip:\([0-9]*\).*/\1/p' "$log" | tail -1)
		[ "${said:-0}" -le "$found" ] ||
			tap fail "$k $name$tag" "its totals count $said skips and $found reached its log"
	done < "$plan"
	boot_result "$k" "$s" "$tag" "$serial" "$out" "$suffix"
}


# boot_result KERNEL SUITE TAG SERIAL OUT SUFFIX: the boot's own line, named
# after the test that had the boot to itself (SUFFIX "-NAME") if any. The guest
# runner charges to it whatever the kernel reported before the first test
# and after the last (MSIKIT-BOOT); what the kernel printed after that,
# while powering off, reached only the console, which printed every level
# from the runner's shutdown marker on: everything after that marker is
# scanned here. (Records print in order; what a late console prints before
# the marker was charged already.)
boot_result() {
	local k=$1 s=$2 tag=$3 serial=$4 out=$5 line rc secs why tail name=$2/boot+shutdown$6
	line=$(grep -a '^MSIKIT-BOOT ' "$serial" | tail -1 | tr -d '\r')
	if [ -z "$line" ]; then
		tap fail "$k $name$tag" "no result: $(lost_why "$serial"), see ${serial#"$SRC/"}"
	else
		set -- $line
		rc=$2 secs=$3
		shift 3
		why=$*
		tail=$(tr -d '\r' < "$serial" | sed -n '/msikit-run: [0-9]* shutdown$/,$p' | sed 1d |
		       awk -f "$SRC/tests/lib/kscan.awk")
		why=$(echo "${why#clean}" | cut -c1-200)
		if [ -n "$tail" ]; then
			rc=99 why="${why}${why:+; }while powering off: $(echo "$tail" | cut -c1-120)"
		fi
		# the console must show the whole power-off: a hang or a lost
		# console there is not a clean one
		if ! grep -a -q 'msikit-run: [0-9]* shutdown' "$serial"; then
			rc=99 why="${why}${why:+; }the console never showed the shutdown marker"
		elif ! tr -d '\r' < "$serial" | sed -n '/msikit-run: [0-9]* shutdown$/,$p' |
		     grep -a -q 'reboot: Power down'; then
			rc=99 why="${why}${why:+; }the console never showed the kernel power down"
		fi
		if [ "$rc" = 0 ]; then
			tap pass "$k $name$tag" "" "$secs"
		else
			tap fail "$k $name$tag" "kernel log: $why, see ${out#"$SRC/"}/boot.dmesg, shutdown.dmesg" "$secs"
		fi
	fi
	# the self-test must have seen each of its planted verdicts in this boot
	verdicts_missed "$k " "$tag" <(cut -d' ' -f1 "$ROOT/msikit-plan"; echo "$name")
}

spent[setup]=$(( $(date +%s) - t0 ))
for s in $SUITES; do
	if [ "$s" = lint ]; then
		[ "$BENCH" = 1 ] || [ "$SCALE" = soak ] || [ "$DEBUG" = 1 ] && continue
		bg_wait
		tl=$(date +%s) t1=$tl
		for k in $KERNELS; do
			# checkpatch and lintian run once, with the run's first kernel
			once=""
			[ "$k" = "$(echo $KERNELS | cut -d' ' -f1)" ] && once=1
			KERNEL=$k MSIKIT_FOREIGN=$FOREIGN_RAN MSIKIT_LINT_ONCE=$once \
				tap_lines "$k " "$OUT/lint-$k" "$HERE/lint.sh"
		done
		spent[lint]=$(( $(date +%s) - tl ))
		continue
	fi
	[ -f "$SRC/tests/$s/machine" ] || die "unknown suite $s"
	# (a benchmark, a soak or a debug kernel waits for every build before
	# its first suite: their figures and timings are not taken next to a
	# compiler)
	if [ "$s" = ntb-msi ] || [ "$BENCH" = 1 ] || [ "$SCALE" != ci ] || [ "$DEBUG" = 1 ]; then
		bg_wait legs
	elif [ "$s" != doe ]; then
		bg_wait
	fi
	tl=$(date +%s)
	ks=$KERNELS
	VERDICTS=""
	if [ "$s" = runner ]; then
		[ "$BENCH" = 1 ] || [ "$SCALE" = soak ] && continue
		# one boot per architecture is enough to test the test bed
		ks=$(echo $KERNELS | cut -d' ' -f1)
		# the host half: the report scanner and the log slicer against
		# every report format and a stream that lost records
		t1=$(date +%s)
		tap_lines "" "$OUT/scan-fixtures" "$SRC/tests/runner/scan-fixtures.sh"
		# and check.sh's own bookkeeping (tap.sh) against planted input
		tap_lines "" "$OUT/check-self" "$SRC/tests/runner/check-self.sh"
		VERDICTS=$SRC/tests/runner/verdicts
		[ "$DEBUG" = 1 ] && VERDICTS=$VERDICTS.debug
	fi
	# -r: every boot again, to catch what fails once in a while
	for k in $ks; do
		for m in $(suite_machines "$s"); do
			for r in $(seq "$REPEAT"); do
				REP=""
				[ "$REPEAT" = 1 ] || REP=-r$r
				run_suite "$k" "$s" "$m"
			done
		done
	done
	VERDICTS=""
	spent[$s]=$(( $(date +%s) - tl ))
done

bg_wait legs
# Removing the package takes its modules with it, on every kernel (the
# next run installs it again).
if [ "$BENCH" = 0 ] && [ "$SCALE" = ci ] && [ "$DEBUG" = 0 ]; then
	t1=$(date +%s)
	chroot_run "$ROOT" dpkg -r msikit-dkms msikit-tools > "$OUT/remove.txt" 2>&1
	rc=$?
	left=$(find "$ROOT"/usr/lib/modules/*/updates "$ROOT"/usr/src -maxdepth 3 -name 'msikit*' 2>/dev/null)
	if [ "$rc" = 0 ] && [ -z "$left" ]; then
		tap pass "package/remove" "" "$(( $(date +%s) - t1 ))"
	else
		tap fail "package/remove" "dpkg -r exit $rc; left: $(echo $left)" "$(( $(date +%s) - t1 ))"
	fi

	# Seconds per suite against tests/budget, the one place they are
	# written: growth shows before it breaks CI's limit, and a suite that
	# took more than twice its budget (a hang no per-test timeout caught,
	# a retry loop) fails; ordinary noise does not. A budget is for one
	# run of each boot: -r's repeats are not held to it.
	while read -r bs bsecs; do
		case "$bs" in ''|'#'*) continue ;; esac
		[ "$bs" = total ] && { budget_total=$bsecs; continue; }
		[ -n "${spent[$bs]:-}" ] && [ "$REPEAT" = 1 ] || continue
		echo "# budget: $bs ${spent[$bs]} s of $bsecs s"
		[ "${spent[$bs]}" -le $((2 * bsecs)) ] ||
			tap fail "budget/$bs" "took ${spent[$bs]} s, more than twice its budget of $bsecs s (tests/budget)"
	done < "$SRC/tests/budget"
	for bs in "${!spent[@]}"; do
		grep -q "^$bs[[:space:]]" "$SRC/tests/budget" || tap fail "budget/$bs" "no budget in tests/budget"
	done
	echo "# budget: whole check $(( $(date +%s) - t0 )) s of ${budget_total:-2700} s"
fi
echo "# elapsed $(( $(date +%s) - t0 )) s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
