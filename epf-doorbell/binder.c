// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_epf_db: endpoint doorbells, and a way to use them without
 * configfs.
 *
 * Debian's arm64 kernels carry endpoint controller drivers but not
 * PCI_ENDPOINT_CONFIGFS, so nothing can create an endpoint function
 * there. This module does what configfs would, with the same exported
 * calls: "modprobe msikit_epf_db epc=NAME functions=N" creates N
 * functions on controller NAME, binds them and starts the link; writing
 * the controller's name to /sys/module/msikit_epf_db/parameters/epc later
 * does the same, and writing an empty line undoes it. Unloading undoes it
 * too. On a kernel with configfs the function ("msikit_epf_db") can be
 * created there instead.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

unsigned int epf_db_doorbells = 8;
module_param_named(doorbells, epf_db_doorbells, uint, 0444);
MODULE_PARM_DESC(doorbells, "doorbells per function, 1..64 (default 8)");

unsigned int epf_db_poll_us = 1000;
module_param_named(poll_us, epf_db_poll_us, uint, 0444);
MODULE_PARM_DESC(poll_us, "polled doorbells: poll interval in microseconds, 10..100000 (default 1000)");

unsigned int epf_db_functions_max = 1;
module_param_named(functions, epf_db_functions_max, uint, 0444);
MODULE_PARM_DESC(functions, "functions to create on the controller named by epc, 1..8 (default 1)");

unsigned int epf_db_grace_ms = 100;
module_param_named(stale_grace_ms, epf_db_grace_ms, uint, 0444);
MODULE_PARM_DESC(stale_grace_ms, "how long retired doorbells stay allocated after the host took the new table or READY cleared, ms, 10..60000 (default 100)");

ushort epf_db_vendor = 0x1234;
module_param_named(vendor, epf_db_vendor, ushort, 0444);
MODULE_PARM_DESC(vendor, "PCI vendor ID the functions show (default 0x1234, a test ID: use your own)");

ushort epf_db_device = 0x4d4b;
module_param_named(device, epf_db_device, ushort, 0444);
MODULE_PARM_DESC(device, "PCI device ID the functions show (default 0x4d4b)");

#define EPF_DB_FUNCTIONS_MAX	8

/* The functions this module created, on one controller. */
static struct {
	struct mutex lock;		/* everything below */
	bool ready;			/* the EPF driver is registered */
	char name[64];			/* the controller, or "" */
	struct pci_epc *epc;
	unsigned int nr;
	bool started;
	struct pci_epf *epf[EPF_DB_FUNCTIONS_MAX];
} binder = {
	.lock = __MUTEX_INITIALIZER(binder.lock),
};

static atomic_t epf_db_ids = ATOMIC_INIT(0);

/*
 * pci_epf_bind() pins the driver's module for as long as the function is
 * bound, which is right for a function configfs made: the module cannot
 * go while configfs holds it. A function made here is this module's own,
 * and unbound by its exit: pinned, the module could never be unloaded.
 * So the binder hands back the reference bind took, and takes one again
 * for the unbind that drops it.
 */
static void epf_db_unbind_own(struct pci_epf *epf)
{
	__module_get(THIS_MODULE);
	pci_epf_unbind(epf);
}

static void epf_db_drop_one(struct pci_epf *epf, bool bound)
{
	if (bound)
		epf_db_unbind_own(epf);
	pci_epc_remove_epf(binder.epc, epf, PRIMARY_INTERFACE);
	pci_epf_destroy(epf);
}

/*
 * Stop the functions and wait once for their hosts, unbind them, stop
 * the link, then destroy the functions in the reverse order of creation:
 * a host still ringing sees not-ready while the link is up, as it would
 * if the functions went away one by one.
 */
static void epf_db_unbind_all(void)
{
	unsigned int i;

	if (!binder.epc)
		return;
	epf_db_stop_all(binder.epf, binder.nr);
	for (i = binder.nr; i--; )
		epf_db_unbind_own(binder.epf[i]);
	if (binder.started)
		pci_epc_stop(binder.epc);
	binder.started = false;
	while (binder.nr)
		epf_db_drop_one(binder.epf[--binder.nr], false);
	pci_epc_put(binder.epc);
	binder.epc = NULL;
	pr_info("msikit_epf_db: functions on %s removed\n", binder.name);
	binder.name[0] = 0;
}

static int epf_db_add_one(void)
{
	struct pci_epf *epf;
	char *name;
	int rc;

	/* configfs names its functions "<driver>.<number>": never the same */
	name = kasprintf(GFP_KERNEL, "msikit_epf_db.bind%d", atomic_inc_return(&epf_db_ids));
	if (!name)
		return -ENOMEM;
	epf = pci_epf_create(name);
	kfree(name);
	if (IS_ERR(epf))
		return PTR_ERR(epf);
	if (!epf->driver) {
		pci_epf_destroy(epf);
		return -ENODEV;
	}
	rc = pci_epc_add_epf(binder.epc, epf, PRIMARY_INTERFACE);
	if (rc) {
		pci_epf_destroy(epf);
		return rc;
	}
	rc = pci_epf_bind(epf);
	if (rc) {
		epf_db_drop_one(epf, false);
		return rc;
	}
	module_put(THIS_MODULE);	/* see epf_db_unbind_own() */
	/* the controller may have come up before this function existed */
	pci_epc_notify_pending_init(binder.epc, epf);
	binder.epf[binder.nr++] = epf;
	/* that notice cannot fail, so ask (epf_db_up() said why) */
	if (binder.epc->init_complete && !epf_db_function_up(epf))
		return -EIO;
	return 0;
}

static int epf_db_bind_all(const char *name)
{
	unsigned int i;
	int rc = 0;

	binder.epc = pci_epc_get(name);
	if (IS_ERR(binder.epc)) {
		rc = PTR_ERR(binder.epc);
		binder.epc = NULL;
		pr_warn("msikit_epf_db: no endpoint controller \"%s\" (%pe)\n", name, ERR_PTR(rc));
		return rc;
	}
	strscpy(binder.name, name, sizeof(binder.name));
	for (i = 0; i < epf_db_functions_max && !rc; i++)
		rc = epf_db_add_one();
	if (!rc) {
		rc = pci_epc_start(binder.epc);
		binder.started = !rc;
	}
	if (rc) {
		pr_warn("msikit_epf_db: functions on %s not created: %pe (function %u)\n",
			name, ERR_PTR(rc), binder.nr);
		epf_db_unbind_all();
		return rc;
	}
	pr_info("msikit_epf_db: %u functions of %u doorbells on %s\n", binder.nr,
		epf_db_doorbells, name);
	return 0;
}

/*
 * "epc": the controller to create the functions on. Set at load time it
 * is used once the driver is registered; written later, it binds at once.
 * A controller already in use must be released ("") before another is
 * named, so a bad name never undoes a working binding.
 */
static int epf_db_epc_set(const char *val, const struct kernel_param *kp)
{
	char name[sizeof(binder.name)];
	int rc = 0;

	if (strscpy(name, val, sizeof(name)) < 0) {
		pr_warn("msikit_epf_db: epc: a controller name has fewer than %zu characters\n",
			sizeof(name));
		return -EINVAL;
	}
	strim(name);
	mutex_lock(&binder.lock);
	if (!binder.ready) {
		strscpy(binder.name, name, sizeof(binder.name));
	} else if (!name[0]) {
		epf_db_unbind_all();
	} else if (binder.epc) {
		pr_warn("msikit_epf_db: epc: functions are on %s: write an empty line first\n",
			binder.name);
		rc = -EBUSY;
	} else {
		rc = epf_db_bind_all(name);
	}
	mutex_unlock(&binder.lock);
	return rc;
}

static int epf_db_epc_get(char *buf, const struct kernel_param *kp)
{
	int n;

	mutex_lock(&binder.lock);
	n = sysfs_emit(buf, "%s\n", binder.name);
	mutex_unlock(&binder.lock);
	return n;
}

static const struct kernel_param_ops epf_db_epc_ops = {
	.set = epf_db_epc_set,
	.get = epf_db_epc_get,
};
module_param_cb(epc, &epf_db_epc_ops, NULL, 0644);
MODULE_PARM_DESC(epc, "endpoint controller to create the functions on (default: none)");

static int epf_db_check_params(void)
{
	if (!epf_db_doorbells || epf_db_doorbells > MSIKIT_EPF_DB_MAX) {
		pr_err("msikit_epf_db: doorbells=%u: 1..%u\n", epf_db_doorbells, MSIKIT_EPF_DB_MAX);
		return -EINVAL;
	}
	if (epf_db_poll_us < 10 || epf_db_poll_us > 100000) {
		pr_err("msikit_epf_db: poll_us=%u: 10..100000\n", epf_db_poll_us);
		return -EINVAL;
	}
	/* no less than a ring in flight needs to land: see epf_db_down() */
	if (epf_db_grace_ms < 10 || epf_db_grace_ms > 60000) {
		pr_err("msikit_epf_db: stale_grace_ms=%u: 10..60000\n", epf_db_grace_ms);
		return -EINVAL;
	}
	if (!epf_db_functions_max || epf_db_functions_max > EPF_DB_FUNCTIONS_MAX) {
		pr_err("msikit_epf_db: functions=%u: 1..%u\n", epf_db_functions_max,
		       EPF_DB_FUNCTIONS_MAX);
		return -EINVAL;
	}
	return 0;
}

static int __init epf_db_init(void)
{
	int rc;

	rc = epf_db_check_params();
	if (rc)
		return rc;
	rc = pci_epf_register_driver(&epf_db_driver);
	if (rc)
		return rc;
	mutex_lock(&binder.lock);
	binder.ready = true;
	if (binder.name[0])
		rc = epf_db_bind_all(binder.name);
	mutex_unlock(&binder.lock);
	if (rc)
		pci_epf_unregister_driver(&epf_db_driver);
	return rc;
}

static void __exit epf_db_exit(void)
{
	mutex_lock(&binder.lock);
	epf_db_unbind_all();
	binder.ready = false;
	mutex_unlock(&binder.lock);
	pci_epf_unregister_driver(&epf_db_driver);
}

module_init(epf_db_init);
module_exit(epf_db_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msikit endpoint doorbells from the platform MSI parent, without configfs");
MODULE_AUTHOR("msikit developers");
MODULE_VERSION("0.1.0");
