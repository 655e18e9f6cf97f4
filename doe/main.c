// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe: PCIe Data Object Exchange mailboxes, one per DOE capability,
 * with an in-kernel API, interrupt or polled operation and a guarded
 * character device. See include/msikit/doe.h and include/uapi/msikit/doe.h.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "doe.h"

bool doe_param_poll;
module_param_named(poll, doe_param_poll, bool, 0444);
MODULE_PARM_DESC(poll, "Never use DOE interrupts, poll instead (default: off)");

unsigned int doe_param_poll_max_us = 20;

static int doe_set_poll_max_us(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int rc;

	rc = kstrtouint(val, 0, &v);
	if (rc || v < 1 || v > 10000) {
		pr_warn("msikit_doe: poll_max_us=%.*s refused: must be 1..10000\n",
			(int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	WRITE_ONCE(doe_param_poll_max_us, v);
	return 0;
}

static const struct kernel_param_ops doe_poll_max_us_ops = {
	.set = doe_set_poll_max_us,
	.get = param_get_uint,
};
module_param_cb(poll_max_us, &doe_poll_max_us_ops, &doe_param_poll_max_us, 0644);
MODULE_PARM_DESC(poll_max_us, "Longest sleep between two polls of DOE Status, in us (1..10000, default 20)");

bool doe_param_allow_reserved;
module_param_named(allow_reserved, doe_param_allow_reserved, bool, 0644);
MODULE_PARM_DESC(allow_reserved, "Let user space exchange CMA/SPDM and Secured CMA/SPDM objects (default: off)");

const char *doe_mode_str(struct msikit_doe_mb *mb)
{
	switch (mb->mode) {
	case DOE_MODE_IRQ:
		return "irq";
	case DOE_MODE_POLL:
		return "poll";
	default:
		return "routed";
	}
}

static int __init doe_init(void)
{
	int rc;

	rc = doe_cdev_init();
	if (rc)
		return rc;
	rc = class_register(&doe_class);
	if (rc)
		goto err_cdev;
	rc = doe_pci_init();
	if (rc)
		goto err_class;
	return 0;
err_class:
	class_unregister(&doe_class);
err_cdev:
	doe_cdev_exit();
	return rc;
}

static void __exit doe_exit(void)
{
	doe_pci_exit();
	class_unregister(&doe_class);
	doe_cdev_exit();
}

module_init(doe_init);
module_exit(doe_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msikit PCIe DOE mailboxes: engine, queue, Discovery, user interface");
MODULE_AUTHOR("msikit developers");
MODULE_VERSION("0.1.0");
