# SPDX-License-Identifier: GPL-2.0
# make check's bookkeeping: one TAP line per result, the expected-skip
# list, the runner's self-test verdicts. Sourced by check.sh, and by the
# self-test (tests/runner/check-self.sh) that feeds it planted input.
# Needs SRC (the tree) and OUT (the logs).

n=0 pass=0 fail=0 skip=0
# expected_skip NAME REASON: is this skip on tests/expected-skips? Lines
# there are "KERNEL-GLOB TEST-GLOB REASON-GLOB" (# comments).
expected_skip() {
	local kg tg rg
	while read -r kg tg rg; do
		case "$kg" in ''|'#'*) continue ;; esac
		# shellcheck disable=SC2254
		case "${1%% *}" in $kg) ;; *) continue ;; esac
		case "${1#* }" in $tg) ;; *) continue ;; esac
		case "$2" in $rg) return 0 ;; esac
	done < "$SRC/tests/expected-skips"
	return 1
}
# The runner's self-test (tests/runner) plants failures: its results are
# held against tests/runner/verdicts ("TEST STATUS DETAIL-GLOB" lines, the
# status and detail this line must have), and a line is a pass only if the
# test bed turned it the colour the self-test planted. VERDICTS is set
# while that suite runs; vseen counts which verdicts each boot matched.
VERDICTS=""
declare -A vseen
verdict() {	# verdict STATUS NAME DETAIL: sets vst and vdt to report
	local vt vs vd i=0 t=${2#* }
	t=${t% \[*}
	while read -r vt vs vd; do
		i=$((i + 1))
		case "$vt" in ''|'#'*) continue ;; esac
		[ "$vt" = "$t" ] && [ "$vs" = "$1" ] || continue
		# shellcheck disable=SC2254
		case "$3" in $vd) ;; *) continue ;; esac
		vseen[$i]=1
		vst=pass vdt="turned $1 as planted${3:+: $3}"
		return
	done < "$VERDICTS"
	vst=fail vdt="the self-test did not plant this: $1${3:+: $3}"
}
# verdicts_missed PREFIX TAG [NAMES]: a failure for each verdict no line
# matched since the last call (one boot's worth); with NAMES (a file, a
# test a line, ".sh" or not), only the verdicts of the tests it names:
# those the boot ran
verdicts_missed() {
	[ -n "$VERDICTS" ] || return 0
	local i=0 vt vs vd save=$VERDICTS ran=""
	VERDICTS=""
	[ -n "${3:-}" ] && ran=" $(sed 's/\.sh$//' "$3" | tr '\n' ' ')"
	while read -r vt vs vd; do
		i=$((i + 1))
		case "$vt" in ''|'#'*) continue ;; esac
		[ -z "$ran" ] || case "$ran" in *" $vt "*) ;; *) continue ;; esac
		[ -n "${vseen[$i]:-}" ] ||
			tap fail "$1$vt$2" "the self-test planted \"$vs $vd\" and the test bed never reported it"
	done < "$save"
	VERDICTS=$save
	vseen=()
}
tap() {	# tap STATUS NAME [DETAIL [SECONDS]]
	local secs=${4:+ ($4 s)}
	n=$((n + 1))
	if [ "$1" = skip ] && ! expected_skip "$2" "${3:-}"; then
		set -- fail "$2" "unexpected skip: ${3:-no reason} (not in tests/expected-skips)" "${4:-}"
	fi
	if [ -n "$VERDICTS" ]; then
		verdict "$1" "$2" "${3:-}"
		set -- "$vst" "$2" "$vdt" "${4:-}"
	fi
	case "$1" in
	pass) pass=$((pass + 1)); echo "ok $n $2$secs" ;;
	skip) skip=$((skip + 1)); echo "ok $n $2$secs # SKIP ${3:-}" ;;
	*) fail=$((fail + 1)); echo "not ok $n $2$secs${3:+ # $3}" ;;
	esac
}

# inner_skips LOG: "DESCRIPTION: REASON" of each "ok N DESCRIPTION # SKIP
# REASON" line of a test's KTAP output (TAP's directive is any case, its
# reason optional; a test program's "ok N - DESCRIPTION" too)
inner_skips() {
	tr -d '\r' < "$1" |
	sed -E -n 's/^ok [0-9]+ (- )?(.*[^ ]) *# *[Ss][Kk][Ii][Pp]( +(.*))?$/\2: \4/p' |
	sed 's/: $/: no reason given/'
}

# tap_lines PREFIX LOG COMMAND...: COMMAND prints "pass|fail|skip NAME
# [DETAIL]" lines (lint.sh, the self-test's host halves); each becomes a
# TAP line named PREFIX NAME with the seconds since the line before it
# (read as they come), and a COMMAND that exits non-zero fails too: one
# that dies early adds no lines, and must not add no failure. Its lines go
# to LOG.tap, its stderr to LOG.txt.
tap_lines() {
	local prefix=$1 log=$2 rc="" t1 st name detail
	shift 2
	t1=$(date +%s)
	: > "$log.tap"
	while read -r st name detail; do
		[ "$st" = MSIKIT-RC ] && { rc=$name; continue; }
		echo "$st $name $detail" >> "$log.tap"
		tap "$st" "$prefix$name" "$detail" "$(( $(date +%s) - t1 ))"
		t1=$(date +%s)
	done < <("$@" 2> "$log.txt"; echo "MSIKIT-RC $?")
	[ "$rc" = 0 ] || tap fail "$prefix$(basename "$1")" "exited ${rc:-without a status}, see ${log#"$SRC/"}.txt"
}
