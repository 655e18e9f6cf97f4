// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe: PCIe Data Object Exchange mailboxes, one per DOE capability,
 * with an in-kernel API, interrupt or polled operation and a guarded
 * character device. See include/msikit/doe.h and include/uapi/msikit/doe.h.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/security.h>

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

/*
 * Load time only: flipped at runtime, root could inject CMA/SPDM objects
 * into a session that the kernel or a TSM already runs on the mailbox.
 */
bool doe_param_allow_reserved;
module_param_named(allow_reserved, doe_param_allow_reserved, bool, 0444);
MODULE_PARM_DESC(allow_reserved, "Let user space exchange CMA/SPDM and Secured CMA/SPDM objects; taints the kernel, refused under lockdown (load time only, default: off)");

unsigned int doe_param_max_queued = 64;

static int doe_set_max_queued(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int rc;

	rc = kstrtouint(val, 0, &v);
	if (rc || v < 1 || v > 4096) {
		pr_warn("msikit_doe: max_queued=%.*s refused: must be 1..4096\n",
			(int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	WRITE_ONCE(doe_param_max_queued, v);
	return 0;
}

static const struct kernel_param_ops doe_max_queued_ops = {
	.set = doe_set_max_queued,
	.get = param_get_uint,
};
module_param_cb(max_queued, &doe_max_queued_ops, &doe_param_max_queued, 0644);
MODULE_PARM_DESC(max_queued, "User-space exchanges a mailbox holds at most, queued or running; more get EBUSY (1..4096, default 64)");

/*
 * allow_reserved hands user space the protocols that authenticate devices
 * and set up link encryption: a locked-down kernel must not offer that,
 * and a kernel that does is marked, so that its bug reports say so. The
 * mark comes before any node exists that could use it, and stays if the
 * load fails later: the administrator asked for it either way.
 */
static int __init doe_check_allow_reserved(void)
{
	if (!doe_param_allow_reserved)
		return 0;
	if (security_locked_down(LOCKDOWN_PCI_ACCESS)) {
		pr_err("msikit_doe: allow_reserved=1 refused: the kernel is locked down\n");
		return -EPERM;
	}
	add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	pr_warn("msikit_doe: allow_reserved=1: user space may exchange CMA/SPDM and Secured CMA/SPDM objects, which can disturb device authentication and IDE key exchange run by the kernel or a TSM; kernel tainted\n");
	return 0;
}

static int __init doe_init(void)
{
	int rc;

	rc = doe_check_allow_reserved();
	if (rc)
		return rc;
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
