# SPDX-License-Identifier: GPL-2.0
# KTAP helpers for msikit's kselftest-style scripts. Sourced.
# Exit codes as kselftest: 0 pass, 1 fail, 4 skip.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

ktap_n=0
ktap_fails=0
ktap_passes=0
ktap_skips=0

# The plan is printed at the end (TAP allows a trailing plan): scripts
# need not count their checks up front.
ktap_header() {
	echo "TAP version 13"
}

ktap_pass() {
	ktap_n=$((ktap_n + 1)); ktap_passes=$((ktap_passes + 1))
	echo "ok $ktap_n $*"
}

ktap_fail() {
	ktap_n=$((ktap_n + 1)); ktap_fails=$((ktap_fails + 1))
	echo "not ok $ktap_n $*"
}

ktap_skip() {
	ktap_n=$((ktap_n + 1)); ktap_skips=$((ktap_skips + 1))
	echo "ok $ktap_n $1 # SKIP ${2:-}"
}

# ktap_result "description" command...: pass if the command succeeds
ktap_result() {
	local desc=$1
	shift
	if "$@"; then ktap_pass "$desc"; else ktap_fail "$desc"; fi
}

# ktap_expect "description" expected actual
ktap_expect() {
	if [ "$2" = "$3" ]; then
		ktap_pass "$1"
	else
		ktap_fail "$1"
		echo "# expected '$2', got '$3'"
	fi
}

ktap_skip_all() {
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}

ktap_bail() {
	echo "Bail out! $*"
	exit $KSFT_FAIL
}

ktap_finished() {
	echo "1..$ktap_n"
	echo "# Totals: pass:$ktap_passes fail:$ktap_fails skip:$ktap_skips"
	[ "$ktap_fails" = 0 ] || exit $KSFT_FAIL
	# a test that checked nothing did not pass, nor skip anything it named
	[ "$ktap_n" -gt 0 ] || exit $KSFT_FAIL
	[ "$ktap_passes" -gt 0 ] || exit $KSFT_SKIP
	exit $KSFT_PASS
}

log() { echo "# $*"; }

# log_mark: where the kernel log ends now; log_since MARK: what was logged
# after it. A test never clears the log (the runner scans all of it, and
# starts each test on an empty one of 4 MiB: vm.sh's log_buf_len), so the
# mark is a line count.
log_mark() { dmesg | wc -l; }
log_since() { dmesg | tail -n +$(($1 + 1)); }
# logged_since MARK [grep options] PATTERN: a line after MARK matches
logged_since() {
	local m=$1
	shift
	log_since "$m" | grep -q "$@"
}

# bench_goal NAME VALUE OP LIMIT UNIT: the line of a goal an issue names,
# "bench: goal NAME VALUE OP LIMIT UNIT met|missed", OP being <= or >=
bench_goal() {
	echo "bench: goal $1 $2 $3 $4 $5 $(awk -v v="$2" -v op="$3" -v l="$4" \
		'BEGIN { print ((op == "<=" ? v <= l : v >= l) ? "met" : "missed") }')"
}
