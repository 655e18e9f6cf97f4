# SPDX-License-Identifier: GPL-2.0
# Helpers for the runner's self-test. Sourced by each test after ktap.sh.
#
# Each test here plants one thing the test bed must catch; it passes on
# its own, and tests/runner/verdicts says what make check must report for
# it instead. The planting is done by msikit_report, a test-only module.
R=/sys/module/msikit_report/parameters

load_report() {
	[ -d /sys/module/msikit_report ] || modprobe msikit_report ||
		ktap_bail "modprobe msikit_report failed"
}

# plant KIND [DELAY-MS]: make the kernel print that report, now or later
plant() {
	load_report
	echo "${2:-0}" > $R/delay_ms
	echo "$1" > $R/report
}
