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
	# tests/progs/fail-nth is built for the root's architecture: a
	# foreign guest (arm64's busybox) has the shell's write and load
	FAILNTH=fail-nth
	# its usage line, not just its exit code 2: busybox's sh runs a
	# foreign binary as a script, and a syntax error exits 2 as well
	if ! fail-nth 2>&1 | grep -q '^usage: fail-nth N write FILE VALUE'; then
		[ "$(uname -m)" = aarch64 ] ||
			ktap_bail "tests/progs/fail-nth does not run on $(uname -m)"
		FAILNTH=fail_nth_sh
		log "fail-nth: the shell's, for $(uname -m)"
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
	# every injection, fail-nth's too, counts its attribute's times down
	# (probability 0 keeps each from injecting anything itself): how
	# fail_nth_sh sees one in a task that is gone
	for c in $D/fail*/times; do
		echo 0 > "${c%/times}/probability" && echo $INJ_TIMES > "$c" ||
			ktap_bail "cannot set the injection counter $c"
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

INJ_TIMES=1000000000
# the failures injected since fault_setup, by every fault attribute
injected() {
	cat $D/fail*/times | awk -v t=$INJ_TIMES '{ n += t - $1 } END { print n }'
}

# errno MESSAGE: the number of the strerror() text a busybox applet printed
errno_of() {
	case "$1" in
	*"Operation not permitted") echo 1 ;;
	*"No such file or directory") echo 2 ;;
	*"Resource temporarily unavailable") echo 11 ;;
	*"Cannot allocate memory"|*"Out of memory") echo 12 ;;
	*"Device or resource busy") echo 16 ;;
	*"File exists") echo 17 ;;
	*"No such device") echo 19 ;;
	*"Invalid argument") echo 22 ;;
	*"No space left on device") echo 28 ;;
	*"Operation not supported") echo 95 ;;
	# busybox insmod's own texts for what finit_module refused
	*"invalid parameters") echo 22 ;;
	*"unknown symbol in module"*|*"invalid module format") echo 8 ;;
	*"module already loaded") echo 17 ;;
	*) echo "'$1'" | tr ' ' _ ;;
	esac
}

# fail_nth_sh N write FILE VALUE | N load MODULE.ko PARAMS: fail-nth's
# write and load in busybox's shell, printing what fail-nth prints. A
# write is the shell's own echo, in the task that armed itself (the
# caller's $(...) is a child of its own: fail-nth does not follow a
# fork); a load is insmod exec'd by a child that armed itself (it does
# follow an exec). Whether the Nth call came is read off the injection
# counters, the task that knew being gone for a load.
fail_nth_sh() {
	local n=$1 mode=$2 f=$3 v=$4 before err=/tmp/msikit-fault-err rc=0
	before=$(injected)
	case $mode in
	write)
		exec 8> "$f" || return 1
		echo "$n" > /proc/thread-self/fail-nth || return 1
		echo -n "$v" >&8 2> $err || rc=$(errno_of "$(cat $err)")
		echo 0 > /proc/thread-self/fail-nth
		exec 8>&- ;;
	load)
		# shellcheck disable=SC2086 # PARAMS are words
		(echo "$n" > /proc/thread-self/fail-nth || exit 99; exec insmod "$f" $v) 2> $err
		case $? in
		0) ;;
		99) echo "fail_nth_sh: cannot arm fail-nth" >&2; return 1 ;;
		*) rc=$(errno_of "$(cat $err)") ;;
		esac ;;
	*)
		echo "fail_nth_sh: no $mode in the shell" >&2
		return 1 ;;
	esac
	if [ "$(injected)" = "$before" ]; then
		echo "missed $rc"
	else
		echo "injected $rc"
	fi
}

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
