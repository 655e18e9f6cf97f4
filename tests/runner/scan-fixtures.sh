#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The host half of the runner's self-test: the guest's kernel-log scanner
# (tests/lib/kscan.awk) and slicer (kslice.awk) against report formats of
# the three architectures and a stream that lost records, under each awk
# the guests run them with: the root's mawk (amd64 guests) and busybox awk
# (the arm64 and riscv64 guests). One "pass|fail NAME [DETAIL]" line each.
#
# A fixture (fixtures/NAME.log) is a header, "---", and a kernel log. The
# header says what the scanner must print: "expect: LINE" (the first
# report's line) or "expect: clean"; "want: FUNCTION" is the test's
# expect-warn; "note: NAME" the known report it must name as forgiven.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../scripts/common.sh"
L=/tmp/msikit-scan-fixtures
rm -rf "$ROOT$L" && mkdir -p "$ROOT$L"
cp -a "$HERE/../lib/kscan.awk" "$HERE/../lib/kslice.awk" "$HERE/../known-kernel-reports" \
	"$HERE/fixtures" "$HERE/slice" "$ROOT$L/"

for awk in mawk "busybox awk"; do
	tag=" [${awk% *}]"
	for f in "$HERE"/fixtures/*.log; do
		name=$(basename "$f" .log)
		expect=$(sed -n 's/^expect: //p;/^---$/q' "$f")
		want=$(sed -n 's/^want: //p;/^---$/q' "$f")
		note=$(sed -n 's/^note: //p;/^---$/q' "$f")
		sed '1,/^---$/d' "$f" > "$ROOT$L/in.log"
		rm -f "$ROOT$L/note"
		got=$(chroot "$ROOT" $awk -v want="$want" -v known=$L/known-kernel-reports \
			-v note=$L/note -f $L/kscan.awk $L/in.log 2>&1)
		[ "$expect" = clean ] && expect=""
		gotnote=$(cat "$ROOT$L/note" 2>/dev/null)
		if [ "$got" != "$expect" ]; then
			echo "fail runner/scan/$name$tag expected '${expect:-nothing}', got '${got:-nothing}'"
		elif [ "$gotnote" != "$note" ]; then
			echo "fail runner/scan/$name$tag forgiven as '${gotnote:-nothing}', not '${note:-nothing}'"
		else
			echo "pass runner/scan/$name$tag"
		fi
	done
	for f in "$HERE"/slice/*.kmsg; do
		name=$(basename "$f" .kmsg)
		# the previous cut ended at the record with sequence number 40
		got=$(chroot "$ROOT" $awk -v from=40 -v marker="msikit-run: 4 end doe/two" \
			-v seqfile=$L/seq -f $L/kslice.awk "$L/slice/$name.kmsg" 2>&1; cat "$ROOT$L/seq")
		if [ "$got" = "$(cat "$HERE/slice/$name.expect")" ]; then
			echo "pass runner/slice/$name$tag"
		else
			echo "fail runner/slice/$name$tag got: $(echo "$got" | tr '\n' '|')"
		fi
	done
done
rm -rf "${ROOT:?}$L"
