# SPDX-License-Identifier: GPL-2.0
# Helpers for the fault suite (make check-debug only). Each operation runs
# with the kernel's fault injection failing its 1st, 2nd, 3rd ...
# injectable call in turn (tests/progs/fail-nth), until it makes fewer
# calls than that. An operation that failed must say so (an errno) and
# leave nothing behind; one that absorbed the failure must work; the
# kernel must report nothing (the runner's scan, and kmemleak after the
# test, which is what finds a leaked allocation).
#
# Only kmalloc()s with module code on the stack are counted and failed
# (failslab's stack-trace filter, set to the module area, and its cache
# filter, set on the kmalloc caches): the kernel's own work for the
# operation (a file's open, a module's loading) is not what is tested, and
# neither are the debug kernel's own allocations below a module's frame
# (kmemleak's metadata, KASAN's stack depot, debugobjects' pool), which
# fall back on pools and depend on what ran before, and would make the
# numbering of failure points differ from run to run. Page allocations are
# not failed at all (fail_page_alloc's range is empty): msikit makes none
# of its own.
. "$(dirname "$0")/../msi-lib/lib.sh"

D=/sys/kernel/debug
# the most calls one operation may make before it is cut short
MAX_NTH=3000

# Kernel addresses do not fit the shell's arithmetic (dash saturates past
# 2^63 - 1): they are kept as 16 hex digits, without 0x, and handled in
# 32-bit halves.
hi() { echo $((0x$(echo "$1" | cut -c1-8))); }
lo() { echo $((0x$(echo "$1" | cut -c9-16))); }
# addr ADDRESS: ADDRESS (0x... or bare hex) as 16 hex digits
addr() {
	local a=${1#0x}
	while [ ${#a} -lt 16 ]; do a=0$a; done
	echo "$a"
}
# below A B: A < B
below() {
	[ "$(hi "$1")" -lt "$(hi "$2")" ] ||
		{ [ "$(hi "$1")" = "$(hi "$2")" ] && [ "$(lo "$1")" -lt "$(lo "$2")" ]; }
}

# module_area: MOD_START and MOD_END, an address range that holds every
# module's code and none of the kernel's. x86_64: MODULES_VADDR to
# MODULES_END, fixed. arm64 places modules below the kernel image, within
# 2 GiB of its end so that their PREL32 references reach it: the range is
# [_end - 2 GiB, _text), from /proc/kallsyms. A loaded module's code must
# be inside it (fault_setup checks): a layout that changed fails the suite.
module_area() {
	local text end h l
	case "$(uname -m)" in
	x86_64)
		MOD_START=ffffffffc0000000 MOD_END=ffffffffff000000 ;;
	aarch64)
		text=$(awk '$3 == "_text" { print $1 }' /proc/kallsyms)
		end=$(awk '$3 == "_end" { print $1 }' /proc/kallsyms)
		case "$text$end" in
		*[!0-9a-f]*|0000000000000000*) ktap_bail "no _text or _end in /proc/kallsyms" ;;
		esac
		[ ${#text} = 16 ] && [ ${#end} = 16 ] || ktap_bail "no _text or _end in /proc/kallsyms"
		h=$(hi "$end") l=$(lo "$end")
		if [ "$l" -ge $((0x80000000)) ]; then
			l=$((l - 0x80000000))
		else
			l=$((l + 0x80000000)) h=$((h - 1))
		fi
		MOD_START=$(printf '%08x%08x' "$h" "$l") MOD_END=$text ;;
	*)
		ktap_skip_all "the module area is known for x86_64 and arm64 only" ;;
	esac
}

fault_setup() {
	local c text
	[ -e /proc/thread-self/fail-nth ] ||
		ktap_skip_all "no fault injection in $(uname -r): make check-debug's kernel has it"
	# (built for the root's architecture: a foreign guest has none yet)
	fail-nth > /dev/null 2>&1
	[ $? = 2 ] || ktap_bail "tests/progs/fail-nth does not run on $(uname -m)"
	module_area
	modprobe msikit_msi || ktap_bail "modprobe msikit_msi failed"
	text=$(cat /sys/module/msikit_msi/sections/.text)
	rmmod msikit_msi
	text=$(addr "$text")
	! below "$text" $MOD_START && below "$text" $MOD_END ||
		ktap_bail "msikit_msi's code at $text is outside the module area $MOD_START..$MOD_END"
	echo N > $D/failslab/ignore-gfp-wait &&
	echo 0 > $D/failslab/verbose &&
	echo 0x$MOD_START > $D/failslab/require-start &&
	echo 0x$MOD_END > $D/failslab/require-end &&
	echo Y > $D/failslab/cache-filter ||
		ktap_bail "cannot set up failslab"
	for c in /sys/kernel/slab/kmalloc-*/failslab; do
		echo 1 > "$c" || ktap_bail "cannot mark $c"
	done
	# what an earlier test of this boot armed stays armed, even across
	# its module's unloading: none is armed unless the test arms it
	echo > $D/fail_function/inject &&
	echo 0 > $D/fail_function/probability ||
		ktap_bail "cannot clear fail_function"
	echo 0 > $D/fail_page_alloc/verbose &&
	echo 0 > $D/fail_page_alloc/require-start &&
	echo 0 > $D/fail_page_alloc/require-end ||
		ktap_bail "cannot set up fail_page_alloc"
	# what else has code in the module area is counted too: say what
	log "modules loaded: $(awk '{ printf "%s ", $1 }' /proc/modules)"
}

ko() { modinfo -n "$1"; }

# fei_arm FUNCTION ERRNO: FUNCTION, one of msikit's marked with
# ALLOW_ERROR_INJECTION and in a loaded module, becomes an injectable call
# too (fail_function), failing with -ERRNO when its turn comes. Its
# probability stays 0, so only fail-nth's countdown in the operation's own
# task fails it. Each failure it injects logs one line (verbose 1: no
# stack dump, which would be a report), which fei_hits counts. The entry
# outlives the module (fail_function has no module notifier): fei_disarm
# before the module goes.
fei_arm() {
	echo "!$1" > $D/fail_function/inject 2>/dev/null
	# (retval is read as an unsigned long: -ERRNO in two's complement)
	echo 1 > $D/fail_function/verbose &&
	echo "$1" > $D/fail_function/inject &&
	printf '0xffffffffffff%04x\n' $((0x10000 - $2)) > "$D/fail_function/$1/retval" ||
		ktap_bail "cannot arm fail_function for $1"
	log "fail_function: $1 fails with -$2 when its turn comes"
}
fei_disarm() { echo "!$1" > $D/fail_function/inject; }
# logged PATTERN: a line of the kernel log matches (an extended regex)
logged() { dmesg | grep -qE "$1"; }
# the failures fail_function injected in this test so far
fei_hits() { dmesg | grep -c 'name fail_function,'; }

# descs_mark, then descs_back: the irq descriptors of the mark, or say
# which are new (chip, handler name, hardware number)
DESCS=/tmp/msikit-fault-descs
descs_mark() { ls /sys/kernel/irq | sort > $DESCS; }
descs_back() {
	local i new
	new=$(ls /sys/kernel/irq | sort | comm -13 $DESCS -)
	[ -z "$new" ] && return 0
	for i in $new; do
		log "irq descriptor $i is new: chip $(cat /sys/kernel/irq/$i/chip_name)," \
		    "name $(cat /sys/kernel/irq/$i/name), hwirq $(cat /sys/kernel/irq/$i/hwirq)"
	done
	return 1
}

# fail_each NAME CLEAN WORKS UNDO -- FAIL-NTH-ARGS...: the operation
# (fail-nth N FAIL-NTH-ARGS) with its Nth call failed, N = 1, 2, ... After
# a failure it reported, CLEAN (a command) must pass: nothing left behind.
# After a failure it absorbed, and after the run that reached no failure,
# WORKS must pass, then UNDO undoes the operation, and CLEAN must pass
# again: what an absorbed failure left is charged to it, not to the next
# point. Sets POINTS (failures injected) and BAD; stops at the first that
# broke a rule (what it left would be charged to the points after it),
# and says which.
fail_each() {
	local name=$1 clean=$2 works=$3 undo=$4 n=1 out what rc absorbed=0
	shift 5
	POINTS=0 BAD=0
	while [ $n -le $MAX_NTH ]; do
		out=$(fail-nth $n "$@") || { log "$name: fail-nth $n failed"; BAD=$((BAD + 1)); return; }
		what=${out% *} rc=${out#* }
		if [ "$what" = missed ]; then
			if [ "$rc" != 0 ]; then
				log "$name: failed with errno $rc with no failure injected"
				BAD=$((BAD + 1))
			elif ! $works; then
				log "$name: does not work after its clean run"
				BAD=$((BAD + 1))
			fi
			$undo
			$clean || { log "$name: its undo after the clean run left something behind"; BAD=$((BAD + 1)); }
			break
		fi
		POINTS=$((POINTS + 1))
		if [ "$rc" != 0 ]; then
			$clean || { log "$name: call $n failed (errno $rc) and left something behind"; BAD=$((BAD + 1)); }
		else
			absorbed=$((absorbed + 1))
			$works || { log "$name: call $n failed, the operation said it succeeded and does not work"; BAD=$((BAD + 1)); }
			$undo
			[ $BAD != 0 ] || $clean ||
				{ log "$name: call $n failed, was absorbed, and the undo left something behind"; BAD=$((BAD + 1)); }
		fi
		[ $BAD = 0 ] || break
		n=$((n + 1))
	done
	[ $n -le $MAX_NTH ] || { log "$name: still making calls after $MAX_NTH"; BAD=$((BAD + 1)); }
	echo "# fault: $name: $POINTS failure points, $((POINTS - absorbed)) reported and unwound, $absorbed absorbed, $BAD broke a rule"
}
