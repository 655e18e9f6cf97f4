/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A module of msikit that the target kernel cannot carry is still built,
 * as this stub: dkms.conf can then list every module statically (dh_dkms
 * and "dkms add" read it with no kernel at hand), and the missing part is
 * never silent. The module's Kbuild says why at build time and passes the
 * reason as MSIKIT_STUB_REASON; the stub refuses to load with one log line
 * saying the same. Include it from the module's only source file.
 */
#ifndef _MSIKIT_STUB_H
#define _MSIKIT_STUB_H

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init msikit_stub_init(void)
{
	pr_err("%s: not built for this kernel: %s\n", KBUILD_MODNAME, MSIKIT_STUB_REASON);
	return -EOPNOTSUPP;
}
module_init(msikit_stub_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msikit " KBUILD_MODNAME " (not built for this kernel: " MSIKIT_STUB_REASON ")");

#endif /* _MSIKIT_STUB_H */
