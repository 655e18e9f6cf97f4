# SPDX-License-Identifier: GPL-2.0
# Finds the first kernel report in a kernel log (dmesg's format) and prints
# that line; prints nothing for a clean log. Runs under mawk, gawk and
# busybox awk, in the guest and in the host's self-test of the runner
# (tests/runner/scan-fixtures.sh), so that what is tested is what runs.
#
#   awk -v want=FUNCTION -v known=FILE -v note=FILE -f kscan.awk LOG
#
# A report is forgiven only when it is whole (from its WARNING:, BUG: or
# INFO: line to its end-of-trace line) and either is the WARNING a test
# expects by design ("# expect-warn: FUNCTION" in the test, passed as
# want) or is a known report of the kernel's own with no msikit function or
# module in it: every |-separated string of one line of the file "known"
# (tests/known-kernel-reports) is in it; its name is written to "note".
#
# The report formats are those of the three architectures of the matrix:
# x86 spells its stack dump "Call Trace:", arm64 "Call trace:"; an arm64
# or riscv64 fault says "Unable to handle kernel" before its Oops line and
# arm64's die() says "Internal error:". The MSI parents' own complaints
# are reports too: the x86 vector's spurious interrupt, the IMSIC's
# unknown local ID, a VT-d or AMD-Vi interrupt-remapping fault, the ITS's
# command queue, an irq_chip that set no effective affinity, a failed
# affinity move, an uncorrectable AER error, an SMMU's fault event (a
# device's DMA or MSI write it refused). A line the runner itself
# writes when records were lost is a report too, and so is the console's
# "messages dropped": what was lost was not scanned. So is a line that
# names one of msikit's functions with its module, "[msikit_...]", outside
# a stack frame (a frame has an offset, "+0x"): that is the kernel
# complaining about how msikit uses it, as 7.3 does for work queued on a
# deprecated workqueue, in words no pattern above knows.
function is_report(l) {
	if (l ~ /\[msikit[_a-z0-9]*\]/ && l !~ /\+0x/)
		return 1
	return l ~ /WARNING:|BUG:|Oops|general protection fault|Unable to handle kernel|Internal error:|kernel BUG at|Kernel panic|[Cc]all [Tt]race:|refcount_t:|UBSAN:|KASAN:|ODEBUG:|kmemleak: [0-9]+ new suspected|unreferenced object|INFO: task .* blocked|blocked for more than [0-9]+ seconds|hung_task|INFO: rcu|rcu: INFO:|detected stalls? on CPU|self-detected stall|soft lockup|hard LOCKUP|circular locking|possible recursive locking|inconsistent lock state|sleeping function called|scheduling while atomic|nobody cared|Disabling IRQ #|No irq handler for|[Ss]purious APIC interrupt|Spurious interrupt \(vector|spurious 8259A|unexpected IRQ trap|vector not found for local ID|INTR-REMAP|DRHD: handling fault|AMD-Vi: Event logged|Unexpected interrupt|list_(add|del) corruption|stack-protector|Bad page (state|map)|SError|Bad mode in|msikit-run: [0-9]+ kernel log records lost|did not update eff\. affinity mask|ITS queue timeout|ITS cmd .* failed|set affinity failed|printk messages dropped|Uncorrected \(Fatal\)|arm-smmu-v3 .*: (event 0x[0-9a-f]+ received|EVTQ overflow|CMDQ error|unexpected global error)|Unhandled context fault/
}

function is_known(   i, j, n, f) {
	if (ours)
		return 0
	for (i = 1; i <= nk; i++) {
		n = split(kn[i], f, "|")
		for (j = 2; j <= n && index(blk, f[j]); j++)
			;
		if (j > n) {
			if (note != "")
				print f[1] > note
			return 1
		}
	}
	return 0
}

function forgiven() {
	if (!ended)
		return 0
	if (want != "" && index(first, "WARNING:") && index(first, want))
		return 1
	return is_known()
}

# What a forgiven block may hold of its own: its first line, its stack,
# lockdep's words. Any other report inside it was printed by something
# else meanwhile (another CPU, the runner's lost-records line) and is
# scanned like the rest.
function its_own(l) {
	return l ~ /WARNING:|BUG:|INFO: |[Cc]all [Tt]race:|circular locking|possible recursive locking|inconsistent lock state/
}

# a block that is not forgiven is scanned line by line like the rest
function flush(   i, n, l, f) {
	if (inb) {
		f = forgiven()
		n = split(blk, l, "\n")
		for (i = 1; i <= n; i++)
			if (!f || !its_own(l[i]))
				check(l[i])
	}
	inb = ours = ended = 0
	blk = ""
}

function check(l) {
	if (!found && is_report(l)) {
		found = 1
		print l
	}
}

BEGIN {
	if (known != "")
		while ((getline l < known) > 0)
			if (l != "" && l !~ /^#/ && l !~ /^leftover /)
				kn[++nk] = l
}

/WARNING:|BUG:|INFO: / {
	flush()
	inb = 1
	first = $0
}
inb && /msikit_|\[msikit/ && !/Modules linked in:/ {
	ours = 1
}
inb {
	blk = blk $0 "\n"
	if (/---\[ end trace|<\/TASK>/) {
		ended = 1
		flush()
	}
	next
}
{
	check($0)
}
END {
	flush()
}
