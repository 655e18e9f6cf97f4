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
# of its own. One kernel function whose failed kmalloc() is a defect of
# the kernel's own is spared (fault_spare, below).
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
	# tests/progs/fail-nth is built for the root's architecture; an
	# arm64 guest (busybox, no libc) runs its static aarch64 build. The
	# shell cannot stand in for it: busybox's insmod retries a failed
	# finit_module() with init_module(), which loads cleanly what the
	# injection failed, so every failed init would pass for absorbed.
	# (Its usage line, not just its exit code 2: busybox's sh runs a
	# foreign binary as a script, and a syntax error exits 2 as well.)
	FAILNTH=fail-nth
	if ! fail-nth 2>&1 | grep -q '^usage: fail-nth N write FILE VALUE'; then
		FAILNTH=fail-nth.$(uname -m)
		$FAILNTH 2>&1 | grep -q '^usage: fail-nth N write FILE VALUE' ||
			ktap_bail "neither fail-nth nor $FAILNTH runs on $(uname -m) (tests/progs)"
		log "fail-nth: $FAILNTH"
	fi
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
	echo > $D/fail_function/inject || ktap_bail "cannot clear fail_function"
	# nothing injects but fail-nth's countdown (probability 0), which
	# neither reads nor needs the attributes' times counters
	for c in $D/fail*/probability; do
		echo 0 > "$c" || ktap_bail "cannot set $c"
	done
	echo 0 > $D/failslab/reject-start && echo 0 > $D/failslab/reject-end ||
		ktap_bail "cannot clear failslab's reject range"
	fault_spare its_lpi_free
	echo 0 > $D/fail_page_alloc/verbose &&
	echo 0 > $D/fail_page_alloc/require-start &&
	echo 0 > $D/fail_page_alloc/require-end ||
		ktap_bail "cannot set up fail_page_alloc"
	# what else has code in the module area is counted too: say what
	log "modules loaded: $(awk '{ printf "%s ", $1 }' /proc/modules)"
}

# fault_spare FUNCTION: no kmalloc() with the kernel's FUNCTION on its
# stack (within the filter's depth) is failed, nor counted: failslab's
# reject range, from FUNCTION's address to the next symbol's, wins over
# the module area, and the points after it are numbered as if it were not
# there. For a defect of the kernel's own on a path msikit's operations
# take, which failing it would only find again, and which
# tests/known-kernel-reports describes. One function at most: failslab has
# one reject range. FUNCTION may carry the compiler's suffix
# (FUNCTION.isra.0); a kernel without it gets no range, and says so.
fault_spare() {
	local r start end
	r=$(awk -v f="$1" 'at { if ($1 != at) { print at, $1; exit } next }
		($3 == f || index($3, f ".") == 1) && ($2 == "t" || $2 == "T") { at = $1 }' /proc/kallsyms)
	[ -n "$r" ] || { log "failslab spares nothing: no $1 in $(uname -r)"; return 0; }
	start=${r% *} end=${r#* }
	case "$start$end" in
	*[!0-9a-f]*|0000000000000000*) ktap_bail "no address for $1 in /proc/kallsyms" ;;
	esac
	below "$start" "$end" || ktap_bail "$1's range $start..$end in /proc/kallsyms is empty"
	echo "0x$start" > $D/failslab/reject-start && echo "0x$end" > $D/failslab/reject-end ||
		ktap_bail "cannot set failslab's reject range"
	log "failslab spares $1 ($start..$end): see tests/known-kernel-reports"
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

# descs_mark [NAME], then descs_back [NAME]: the irq descriptors of the
# mark, or say which are new (chip, handler name, hardware number). A test
# that must come back to two states keeps a mark under a name for each.
DESCS=/tmp/msikit-fault-descs
descs_file() { echo "$DESCS${1:+.$1}"; }
descs_mark() { ls /sys/kernel/irq > "$(descs_file "${1:-}")"; }
# only_in A B: the lines of file A that file B lacks (awk: busybox, which
# is the foreign guests' every tool, has no comm)
only_in() { awk 'NR == FNR { b[$0] = 1; next } !($0 in b)' "$2" "$1"; }
# DESCS_LAST: the mark descs_back last held the machine to, which
# clean_ok moves on by the kernel's own leftovers
descs_back() {
	local i new gone mark
	mark=$(descs_file "${1:-}")
	DESCS_LAST=$mark
	[ -s "$mark" ] || { log "no irq descriptors marked${1:+ as $1}"; return 1; }
	ls /sys/kernel/irq > $DESCS.now
	new=$(only_in $DESCS.now "$mark")
	gone=$(only_in "$mark" $DESCS.now)
	for i in $gone; do
		log "irq descriptor $i is gone"
	done
	[ -z "$new$gone" ] && return 0
	for i in $new; do
		log "irq descriptor $i is new: chip $(cat /sys/kernel/irq/$i/chip_name)," \
		    "name $(cat /sys/kernel/irq/$i/name), hwirq $(cat /sys/kernel/irq/$i/hwirq)"
	done
	return 1
}

# known_leftover LINE: the name of the kernel's own leftover that LINE (an
# irq descriptor descs_back found new) is: a "leftover" line of
# tests/known-kernel-reports whose every |-separated string is in LINE
known_leftover() {
	awk -v text="$1" '
	sub(/^leftover /, "") {
		n = split($0, f, "|")
		for (i = 2; i <= n; i++)
			if (!index(text, f[i]))
				next
		print f[1]
		found = 1
		exit
	}
	END { exit !found }' "$(dirname "$0")/../known-kernel-reports"
}

# clean_ok CLEAN: CLEAN passes; or what it found is only irq descriptors
# the kernel leaves behind itself (known_leftover; none gone), and CLEAN
# passes once they are taken as the machine's state. That is said and
# counted in KNOWN, and the points after are not charged with them. CLEAN
# runs in this shell: what it counts (fire_more's FIRED) must stay
# counted.
LEFT=/tmp/msikit-fault-left CLEAN_OUT=/tmp/msikit-fault-clean
clean_ok() {
	local line k names=""
	$1 > $CLEAN_OUT 2>&1 && { cat $CLEAN_OUT; return 0; }
	cat $CLEAN_OUT
	grep -q "^# irq descriptor .* is gone" $CLEAN_OUT && return 1
	grep "^# irq descriptor .* is new:" $CLEAN_OUT > $LEFT || return 1
	while IFS= read -r line; do
		k=$(known_leftover "$line") || return 1
		names="$names $k"
	done < $LEFT
	# the mark CLEAN's descs_back used, named or not
	ls /sys/kernel/irq > "${DESCS_LAST:-$DESCS}"
	$1 > $CLEAN_OUT 2>&1 || { cat $CLEAN_OUT; return 1; }
	cat $CLEAN_OUT
	log "the kernel's own leftover, not msikit's:$names (tests/known-kernel-reports)"
	KNOWN=$((KNOWN + 1))
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
	POINTS=0 BAD=0 KNOWN=0
	while [ $n -le $MAX_NTH ]; do
		out=$($FAILNTH $n "$@") || { log "$name: fail-nth $n failed"; BAD=$((BAD + 1)); return; }
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
			clean_ok $clean || { log "$name: its undo after the clean run left something behind"; BAD=$((BAD + 1)); }
			break
		fi
		POINTS=$((POINTS + 1))
		if [ "$rc" != 0 ]; then
			clean_ok $clean || { log "$name: call $n failed (errno $rc) and left something behind"; BAD=$((BAD + 1)); }
		else
			absorbed=$((absorbed + 1))
			$works || { log "$name: call $n failed, the operation said it succeeded and does not work"; BAD=$((BAD + 1)); }
			$undo
			[ $BAD != 0 ] || clean_ok $clean ||
				{ log "$name: call $n failed, was absorbed, and the undo left something behind"; BAD=$((BAD + 1)); }
		fi
		[ $BAD = 0 ] || break
		n=$((n + 1))
	done
	[ $n -le $MAX_NTH ] || { log "$name: still making calls after $MAX_NTH"; BAD=$((BAD + 1)); }
	REPORTED=$((POINTS - absorbed))
	echo "# fault: $name: $POINTS failure points, $REPORTED reported and unwound, $absorbed absorbed, $BAD broke a rule, $KNOWN left the kernel's own known leftover"
}
