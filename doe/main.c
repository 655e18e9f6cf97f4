// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe: PCIe Data Object Exchange mailboxes, one per DOE capability,
 * with an in-kernel API, interrupt or polled operation and a guarded
 * character device. See include/msikit/doe.h and include/uapi/msikit/doe.h.
 *
 * Only the order things come up in is decided here. The module parameters
 * live in the files that read them, so that nothing calls up into this
 * file (see the diagram in doe.h).
 */
#include <linux/module.h>

#include "doe.h"

static int __init doe_init(void)
{
	int rc;

	rc = doe_cdev_init();
	if (rc)
		return rc;
	doe_sysfs_init();
	rc = class_register(&doe_class);
	if (rc)
		goto err_sysfs;
	rc = doe_pci_init();
	if (rc)
		goto err_class;
	return 0;
err_class:
	class_unregister(&doe_class);
err_sysfs:
	doe_sysfs_exit();
	doe_cdev_exit();
	return rc;
}

static void __exit doe_exit(void)
{
	doe_pci_exit();
	class_unregister(&doe_class);
	doe_sysfs_exit();
	doe_cdev_exit();
}

module_init(doe_init);
module_exit(doe_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msikit PCIe DOE mailboxes: engine, queue, Discovery, user interface");
MODULE_AUTHOR("msikit developers");
MODULE_VERSION("0.1.0");
