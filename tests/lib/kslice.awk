# SPDX-License-Identifier: GPL-2.0
# Prints, as dmesg would, the records of a /dev/kmsg stream that come after
# sequence number "from" up to the first whose text contains "marker", and
# writes that record's sequence number to "seqfile". Runs under mawk, gawk
# and busybox awk (the foreign guests have nothing else).
#
#   awk -v from=SEQ -v marker=TEXT -v seqfile=FILE -f kslice.awk KMSG
#
# The stream is a reader that restarts after the kernel overwrote records
# it had not read yet (read() fails with EPIPE): a restarted reader begins
# again at the oldest record, so records already seen are dropped here and a
# jump in the sequence is reported as records lost, in a line the report
# scanner (kscan.awk) fails.
BEGIN { last = from + 0 }

# a record is "PRIO,SEQ,USEC,FLAGS[,...];TEXT"; its dictionary lines
# (" KEY=VALUE") start with a space and are not part of the text
/^[0-9]+,[0-9]+,[0-9]+,/ {
	i = index($0, ";")
	if (!i)
		next
	split(substr($0, 1, i - 1), f, ",")
	seq = f[2] + 0
	if (seq <= last)
		next
	us = f[3] + 0
	if (seq > last + 1)
		printf "[%5d.%06d] msikit-run: %d kernel log records lost: overwritten before they were read\n",
			int(us / 1000000), us % 1000000, seq - last - 1
	last = seq
	text = substr($0, i + 1)
	ts = sprintf("[%5d.%06d] ", int(us / 1000000), us % 1000000)
	# one printk of several lines is one record, its newlines escaped:
	# a line of its own each, as dmesg shows them (and a backslash is
	# escaped too)
	gsub(/\\x0a/, "\n" ts, text)
	gsub(/\\x5c/, "\\", text)
	printf "%s%s\n", ts, text
	if (marker != "" && index(text, marker)) {
		found = 1
		exit
	}
}

END {
	if (seqfile != "")
		print (found ? last : -1) > seqfile
}
