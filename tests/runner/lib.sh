# SPDX-License-Identifier: GPL-2.0
# Helpers for the runner's self-test. Sourced by each test after ktap.sh.
#
# Each test here plants one thing the test bed must catch; it passes on
# its own, and tests/runner/verdicts says what make check must report for
# it instead. The kernel's reports are made by msikit_report, a test-only
# module.
R=/sys/module/msikit_report/parameters/report

load_report() {
	[ -d /sys/module/msikit_report ] || modprobe msikit_report ||
		ktap_bail "modprobe msikit_report failed"
}

# plant KIND: make the kernel print that report now
plant() {
	load_report
	echo "$1" > $R
}

# plant_after_cut KIND: make it print that report just after the runner
# has cut this test's log, before the next test starts (run-guest.sh's
# after-cut command)
plant_after_cut() {
	load_report
	echo "echo $1 > $R" > /tmp/msikit-after-cut
}

# plant_after_shutdown KIND: make it print that report after the runner's
# shutdown marker, while the guest powers off (only the console sees it)
plant_after_shutdown() {
	load_report
	printf 'echo %s > %s\necho "echo %s > %s" > /tmp/msikit-after-cut\n' \
		"$2" $R "$1" $R > /tmp/msikit-after-cut
}
