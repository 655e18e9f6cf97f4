#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Unbind, rebind and unload with exchanges in flight: callers get a clean
# error (never wrong data), the next owner finds the mailbox working, and
# a module whose character device is open refuses to unload.
. "$(dirname "$0")/../lib/ktap.sh"
. "$(dirname "$0")/lib.sh"

ktap_header
need_cxl
load_doe
bind_msikit "$BDF" || ktap_bail "cannot bind msikit_doe"
MB=$(mb_of "$BDF")

# unbind from msikit while 8 clients run: the engine stops, routing resumes.
# The clients run until told to stop, 2 s after the rebind (60 s at most),
# and count their successes apart from the rebind on: each of them must
# get through before the unbind and after the rebind.
rm -f /tmp/s1.after /tmp/s1.stop
doe-stress -k -d 60 -s /tmp/s1.stop -p /tmp/s1.after -m cdat "/dev/msikit/$MB" > /tmp/s1.log 2>&1 &
pid=$!
sleep 2
unbind_msikit "$BDF"
ktap_expect "unbind mid-run: routed again" routed "$(mb_attr "$MB" mode)"
bind_msikit "$BDF"
ktap_expect "rebind mid-run: engine again" irq "$(mb_attr "$MB" mode)"
touch /tmp/s1.after
sleep 2
touch /tmp/s1.stop
wait $pid
rc=$?
grep '^#' /tmp/s1.log | tail -12
# an unbind fails the exchanges in flight with ENODEV; the client then
# reopens, which fails with ENOENT until the node is back
ktap_result "unbind/rebind mid-run: no wrong data, only ENODEV, or ENOENT or ENXIO reopening a node that is going" \
	stress_verdict /tmp/s1.log $rc ENODEV open:ENOENT open:ENXIO
ktap_result "each of the 8 clients had exchanges succeed before the unbind and after the rebind" \
	stress_each /tmp/s1.log both
ktap_result "mailbox works after rebind" sh -c "msikit-doe cdat $BDF | grep -q '(valid)'"

# unbind/rebind in a loop under load
doe-stress -k -d 6 -m cdat "/dev/msikit/$MB" > /tmp/s2.log 2>&1 &
pid=$!
i=0
while [ $i -lt 10 ]; do
	unbind_msikit "$BDF"; sleep 0.2; bind_msikit "$BDF"; sleep 0.2
	i=$((i + 1))
done
wait $pid
rc=$?
grep '^#' /tmp/s2.log | tail -2
ktap_result "10 unbind/rebind cycles under load: exchanges succeed, no wrong data, only ENODEV, or ENOENT or ENXIO reopening a node that is going" \
	stress_verdict /tmp/s2.log $rc ENODEV open:ENOENT open:ENXIO
ktap_expect "still driven by the engine" irq "$(mb_attr "$MB" mode)"

# module unload: refused while a file is open, clean once closed
exec 5<"/dev/msikit/$MB"
ktap_result "rmmod refused while the device is open" sh -c "! rmmod msikit_doe 2>/dev/null"
exec 5<&-
unbind_msikit "$BDF"

# software mailbox removed with exchanges in flight
modprobe msikit_doe_swmb
SW=$(swmb_mb)
echo 2000 > "$(swmb_dev)/delay_us"
rm -f /tmp/s3.gone
doe-stress -k -d 4 -p /tmp/s3.gone -m echo "/dev/msikit/$SW" > /tmp/s3.log 2>&1 &
pid=$!
sleep 1
touch /tmp/s3.gone
ktap_result "software mailbox module unloads mid-run" rmmod msikit_doe_swmb
wait $pid
rc=$?
grep '^#' /tmp/s3.log | tail -12
ktap_result "its clients: then only ENODEV (and ENOENT reopening a node that is gone), no wrong data" \
	stress_verdict /tmp/s3.log $rc ENODEV open:ENOENT open:ENXIO
ktap_result "each of the 8 clients had exchanges succeed before the unload" \
	stress_each /tmp/s3.log before
ktap_result "its clients saw ENODEV" grep -q '^# errno ENODEV' /tmp/s3.log

# load/unload cycles leak nothing we can see: the class goes away
i=0
while [ $i -lt 20 ]; do
	modprobe msikit_doe_swmb count=4 && rmmod msikit_doe_swmb || break
	i=$((i + 1))
done
ktap_expect "20 software load/unload cycles" 20 "$i"
ktap_result "msikit_doe unloads" rmmod msikit_doe
ktap_result "class gone after unload" sh -c "! test -d $CLASS"
ktap_finished
