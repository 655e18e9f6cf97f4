#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Usage: kconfig-probe.sh KDIR CONFIG_NAME
# Print y, m or n for a Kconfig symbol of the target kernel. dkms.conf and
# the Makefile both ask this, so a module the kernel cannot carry is skipped
# with a reason instead of failing the build half-way.
cfg=$1/.config
[ -r "$cfg" ] || cfg=$1/include/config/auto.conf
v=$(sed -n "s/^$2=\(.*\)/\1/p" "$cfg" 2>/dev/null)
echo "${v:-n}"
