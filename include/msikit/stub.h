/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A module of msikit that the target kernel cannot carry is still built,
 * as this stub: dkms.conf can then list every module statically (dh_dkms
 * and "dkms add" read it with no kernel at hand), and the missing part is
 * never silent. Kbuild says why at build time; the stub refuses to load
 * with one log line saying the same.
 */
#ifndef _MSIKIT_STUB_H
#define _MSIKIT_STUB_H

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

#define MSIKIT_STUB_MODULE(name, reason)					\
static int __init msikit_stub_init(void)				\
{									\
	pr_err("%s: not built for this kernel: %s\n", name, reason);	\
	return -EOPNOTSUPP;						\
}									\
module_init(msikit_stub_init);						\
MODULE_LICENSE("GPL");							\
MODULE_DESCRIPTION("msikit " name " (not built for this kernel: " reason ")")

#endif /* _MSIKIT_STUB_H */
