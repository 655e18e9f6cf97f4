#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The host half of the runner's self-test for make check's own
# bookkeeping (scripts/tap.sh): planted input that the summary must turn
# red, and input it must leave alone. One "pass|fail NAME [DETAIL]" line
# each.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
. "$SRC/scripts/tap.sh"

# check NAME EXPECTED-GLOB OUTPUT: the summary's lines must match
check() {
	# shellcheck disable=SC2254
	case "$3" in
	$2) echo "pass runner/check/$1" ;;
	*) echo "fail runner/check/$1 expected $2, got: $(echo "$3" | tr '\n' '|')" ;;
	esac
}

# A static-check script that dies after one good line fails the run.
out=$(tap_lines "K " "$OUT/dies" sh -c 'echo "pass lint/W=1"; exit 3')
check lint-dies "ok 1 K lint/W=1*not ok 2 K sh # exited 3*" "$out"
out=$(tap_lines "K " "$OUT/lives" sh -c 'echo "pass lint/W=1"')
check lint-lives "ok 1 K lint/W=1*" "$out"
[ "$(echo "$out" | grep -c '^not ok')" = 0 ] || echo "fail runner/check/lint-lives a clean lint failed"

# Inner skips: any case, a reason or none, a program's "ok N - ..."; not
# the plan line of a test that skipped as a whole, not a failed check.
printf '%s\n' "ok 1 ran" "ok 2 b # SKIP why not" "ok 3 - c # skip" "ok 4 d # SKIP" \
	"not ok 5 e # SKIP x" "1..0 # SKIP all of it" > "$OUT/inner.log"
check inner-skips "b: why not
c: no reason given
d: no reason given" "$(inner_skips "$OUT/inner.log")"

# A skip is forgiven only with the reason tests/expected-skips gives.
out=$(tap skip "6.12.117+deb13-amd64 doe/lockdown [q35]" "some check: a reason nobody listed")
check unlisted-skip "not ok 1 * # unexpected skip: some check: a reason nobody listed*" "$out"
for why in "no 6.12.117+deb13-arm64 headers in the root (foreign.sh has not run)" \
	   "no 6.12.117+deb13-arm64 headers in the root although foreign.sh ran" \
	   "foreign kernel setup failed"; do
	expected_skip "6.12.117+deb13-amd64 lint/arm64" "$why" &&
		echo "fail runner/check/lint-arm64-reason forgave '$why'"
done
expected_skip "6.12.117+deb13-amd64 lint/arm64" \
	"no 6.12.117+deb13-arm64 headers in the root: make lint on its own does not fetch the foreign kernels" &&
	echo "pass runner/check/lint-arm64-reason" ||
	echo "fail runner/check/lint-arm64-reason the one expected reason is not forgiven"

# Verdicts: a planted failure reported as planted passes, anything else
# fails, and a planted line never reported fails.
printf '%s\n' "t/planted	fail	exit 99: kernel log: *WARNING:*" "t/clean	pass	*" \
	"t/never	fail	*" > "$OUT/verdicts"
# (n counts the summary's lines: start again for these)
VERDICTS=$OUT/verdicts
out=$(n=0; tap fail "K t/planted [m]" "exit 99: kernel log: [ 1.0] WARNING: x"
      tap pass "K t/planted [m]"
      tap fail "K t/clean [m]" "exit 1"
      tap pass "K t/clean [m]"
      verdicts_missed "K " " [m]")
VERDICTS=""
check verdicts "ok 1 K t/planted ?m?*
not ok 2 K t/planted ?m? # the self-test did not plant this: pass*
not ok 3 K t/clean ?m? # the self-test did not plant this: fail: exit 1*
ok 4 K t/clean ?m?*
not ok 5 K t/never ?m? # the self-test planted ?fail ?? and the test bed never reported it" "$out"

# A boot is held to the verdicts of the tests it ran (a test with a boot
# of its own is missed in that boot only), and to all of them.
VERDICTS=$OUT/verdicts
printf '%s\n' t/planted.sh t/clean.sh > "$OUT/ran"
out=$(n=0; tap fail "K t/planted [m]" "exit 99: kernel log: [ 1.0] WARNING: x"
      verdicts_missed "K " " [m]" "$OUT/ran")
check verdicts-boot "ok 1 K t/planted ?m?*
not ok 2 K t/clean ?m? # the self-test planted ?pass *? and the test bed never reported it" "$out"
printf '%s\n' t/never > "$OUT/ran"
out=$(n=0; verdicts_missed "K " " [m]" "$OUT/ran")
check verdicts-own-boot "not ok 1 K t/never ?m? # the self-test planted ?fail ?? and the test bed never reported it" "$out"
VERDICTS=""
