// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe on PCI: who drives a DOE capability.
 *
 * Since 6.4 the PCI core creates its own mailbox for every DOE capability
 * at enumeration (Abort, then Discovery) and exports pci_doe() to run
 * exchanges on it, polled once per jiffy. Two agents on one set of DOE
 * registers corrupt each other's objects, so msikit drives the registers
 * itself only where it owns the function:
 *
 *  - bound as the function's driver (driver_override, then bind), or
 *  - handed the pci_dev by the driver bound to it (msikit_doe_attach()).
 *
 * While it owns the function, nothing else touches the registers:
 *  - the core touches them at enumeration only, before any driver binds,
 *    and again at removal only to cancel its own (idle) queue;
 *  - doe_features in sysfs (7.x) prints the list cached at enumeration;
 *  - the in-tree users of pci_doe() are drivers of the function or of its
 *    children: CXL reads CDAT for the cxl_port that cxl_pci creates, which
 *    cannot exist while msikit is bound instead of cxl_pci; the PCI TSM
 *    (7.x, SEV-TSM, TDX Connect) uses the CMA mailbox only when the admin
 *    connects the function to a TSM, which requires the function's own
 *    driver to cooperate: a driver handing the function to msikit owns
 *    that decision;
 *  - user space can still write config space through sysfs or setpci:
 *    the DOE capability is claimed as an exclusive config region, so such
 *    a write warns and taints the kernel (lockdown refuses it outright).
 *
 * Everywhere else, every mailbox is still offered through the same API and
 * character device, but each exchange is routed through pci_doe() on the
 * core's mailbox for that capability, so it queues behind the kernel's own
 * users instead of racing them.
 */

#include <linux/bitfield.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "doe.h"

static bool doe_param_route = true;
module_param_named(route, doe_param_route, bool, 0444);
MODULE_PARM_DESC(route, "Offer mailboxes msikit does not own, routed through the kernel's pci_doe() (default: on)");

static struct pci_driver doe_pci_driver;

static struct msikit_doe_mb *doe_mb_lookup(struct pci_dev *pdev, u16 cap)
{
	struct msikit_doe_mb *mb;

	lockdep_assert_held(&doe_list_lock);
	list_for_each_entry(mb, &doe_list, node)
		if (mb->pdev == pdev && mb->cap == cap)
			return mb;
	return NULL;
}

/*
 * Unregister the mailboxes of @pdev (of every PCI function if NULL), only
 * the engine ones if @engines_only. Unregistering waits for exchanges, so
 * collect under the lock, tear down outside it.
 */
static void doe_pci_remove_mbs(struct pci_dev *pdev, bool engines_only)
{
	struct msikit_doe_mb *mb, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&doe_list_lock);
	list_for_each_entry_safe(mb, tmp, &doe_list, node) {
		if (!mb->pdev || (pdev && mb->pdev != pdev))
			continue;
		if (!engines_only || mb->mode != DOE_MODE_ROUTED)
			list_move_tail(&mb->node, &gone);
	}
	mutex_unlock(&doe_list_lock);

	list_for_each_entry_safe(mb, tmp, &gone, node) {
		if (mb->mode != DOE_MODE_ROUTED)
			pci_release_config_region(pdev, mb->cap, PCI_DOE_CAP_SIZEOF);
		doe_mb_unregister(mb);
	}
}

static u8 doe_cap_version(struct pci_dev *pdev, u16 cap)
{
	u32 hdr = 0;

	pci_read_config_dword(pdev, cap, &hdr);
	return PCI_EXT_CAP_VER(hdr);
}

/*
 * Routed mailboxes are created without touching the device (this runs in
 * bus notifiers); their Discovery runs through pci_doe() on first use.
 */
static void doe_pci_add_routed(struct pci_dev *pdev)
{
	struct msikit_doe_mb *mb;
	struct pci_doe_mb *core;
	u16 cap = 0;

	if (!doe_param_route || !pci_is_pcie(pdev))
		return;
	while ((cap = pci_find_next_ext_capability(pdev, cap, PCI_EXT_CAP_ID_DOE))) {
		/*
		 * The core keeps its mailboxes in pdev->doe_mbs keyed by
		 * capability offset; a capability it failed to set up has
		 * none and is left alone.
		 */
		core = xa_load(&pdev->doe_mbs, cap);
		if (!core)
			continue;
		mutex_lock(&doe_list_lock);
		mb = doe_mb_lookup(pdev, cap);
		mutex_unlock(&doe_list_lock);
		if (mb)
			continue;
		mb = doe_mb_alloc(&pdev->dev, pdev, cap, DOE_MODE_ROUTED);
		if (IS_ERR(mb))
			return;
		mb->core_mb = core;
		mb->cap_ver = doe_cap_version(pdev, cap);
		if (doe_mb_register(mb))
			put_device(&mb->dev);
	}
}

/**
 * doe_routed_exchange() - run a task through the core's pci_doe()
 * @mb: routed mailbox
 * @task: the exchange
 *
 * pci_doe() silently drops what does not fit, so give it one dword more
 * than the caller's buffer: a response that fills it did not fit.
 */
int doe_routed_exchange(struct msikit_doe_mb *mb, struct msikit_doe_task *task)
{
	size_t cap = round_up(task->rsp_sz, 4) + 4;
	void *buf;
	int rc;

	buf = kvmalloc(cap, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	doe_stat_inc(mb, EXCHANGES);
	rc = pci_doe(mb->core_mb, task->vid, task->type, task->req, task->req_sz,
		     buf, cap);
	if (rc >= 0) {
		task->rsp_len = rc;
		if (rc > task->rsp_sz) {
			doe_stat_inc(mb, OVERFLOWS);
			rc = -EOVERFLOW;
		} else {
			memcpy(task->rsp, buf, rc);
		}
	} else {
		doe_stat_inc(mb, ERRORS);
		/* the core refuses features its Discovery did not list */
		if (rc == -EINVAL)
			rc = -EOPNOTSUPP;
	}
	kvfree(buf);
	return rc;
}

/*
 * Engine mailboxes for every DOE capability of an owned function. Vectors
 * are the owner's business: msikit_doe_attach() uses what the owner
 * allocated, our own probe allocates them first.
 */
static int doe_pci_add_engines(struct pci_dev *pdev, bool poll)
{
	struct msikit_doe_mb *mb;
	u16 cap = 0;
	u32 val;
	int rc, n = 0;

	while ((cap = pci_find_next_ext_capability(pdev, cap, PCI_EXT_CAP_ID_DOE))) {
		enum doe_mode mode = DOE_MODE_POLL;
		int irq = 0;

		pci_read_config_dword(pdev, cap + PCI_DOE_CAP, &val);
		if (!poll && !doe_param_poll && (val & PCI_DOE_CAP_INT_SUP) &&
		    (pdev->msi_enabled || pdev->msix_enabled)) {
			irq = pci_irq_vector(pdev, FIELD_GET(PCI_DOE_CAP_INT_MSG_NUM, val));
			if (irq > 0)
				mode = DOE_MODE_IRQ;
			else
				irq = 0;
		}
		if (!pci_request_config_region_exclusive(pdev, cap, PCI_DOE_CAP_SIZEOF,
							 "msikit_doe")) {
			pci_err(pdev, "DOE capability at %#x is claimed by someone else\n", cap);
			rc = -EBUSY;
			goto err;
		}
		mb = doe_mb_alloc(&pdev->dev, pdev, cap, mode);
		if (IS_ERR(mb)) {
			pci_release_config_region(pdev, cap, PCI_DOE_CAP_SIZEOF);
			rc = PTR_ERR(mb);
			goto err;
		}
		mb->irq = irq;
		mb->cap_ver = doe_cap_version(pdev, cap);
		rc = doe_mb_register(mb);
		if (rc) {
			pci_release_config_region(pdev, cap, PCI_DOE_CAP_SIZEOF);
			put_device(&mb->dev);
			goto err;
		}
		rc = doe_engine_start(mb) ?: doe_mb_discover(mb);
		if (rc) {
			/* A broken mailbox stays visible (and dead), the rest work. */
			pci_warn(pdev, "DOE mailbox at %#x failed to start: %d\n", cap, rc);
		}
		n++;
	}
	return n;
err:
	doe_pci_remove_mbs(pdev, false);
	return rc;
}

/**
 * msikit_doe_attach() - the driver owning @pdev hands its DOE mailboxes over
 * @pdev: a function whose driver is the caller
 * @flags: MSIKIT_DOE_ATTACH_*
 *
 * From here to msikit_doe_detach() msikit's engine drives every DOE
 * capability of @pdev. Interrupt mode uses the vector named by each
 * capability's Interrupt Message Number if the caller has MSI or MSI-X
 * enabled (and bus mastering on); otherwise the mailbox is polled.
 *
 * Return: number of mailboxes, or -errno.
 */
int msikit_doe_attach(struct pci_dev *pdev, unsigned int flags)
{
	if (!pdev || !pdev->dev.driver || flags & ~MSIKIT_DOE_ATTACH_POLL)
		return -EINVAL;
	doe_pci_remove_mbs(pdev, false);
	return doe_pci_add_engines(pdev, flags & MSIKIT_DOE_ATTACH_POLL);
}
EXPORT_SYMBOL_GPL(msikit_doe_attach);

/**
 * msikit_doe_detach() - give @pdev's mailboxes back
 * @pdev: as passed to msikit_doe_attach()
 *
 * Waits for exchanges in flight. Call before freeing the vectors.
 */
void msikit_doe_detach(struct pci_dev *pdev)
{
	doe_pci_remove_mbs(pdev, false);
	doe_pci_add_routed(pdev);
}
EXPORT_SYMBOL_GPL(msikit_doe_detach);

/*
 * Our own driver: bind a function to msikit_doe to give it the DOE
 * mailboxes. One vector per Interrupt Message Number in use (the highest
 * one decides the count); bus mastering is switched on only when that
 * worked, because the only memory writes this driver makes the function
 * issue are its DOE interrupts.
 */
static int doe_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int nvec = 0, ncaps = 0, rc;
	u16 cap = 0;
	u32 val;

	while ((cap = pci_find_next_ext_capability(pdev, cap, PCI_EXT_CAP_ID_DOE))) {
		ncaps++;
		pci_read_config_dword(pdev, cap + PCI_DOE_CAP, &val);
		if (val & PCI_DOE_CAP_INT_SUP)
			nvec = max_t(int, nvec, FIELD_GET(PCI_DOE_CAP_INT_MSG_NUM, val) + 1);
	}
	if (!ncaps) {
		pci_info(pdev, "no DOE capability: nothing for msikit_doe to drive\n");
		return -ENODEV;
	}

	rc = pci_enable_device_mem(pdev);
	if (rc)
		return rc;
	if (nvec && !doe_param_poll) {
		rc = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX | PCI_IRQ_MSI);
		if (rc < 0)
			pci_info(pdev, "no %d MSI/MSI-X vectors (%d): DOE polled\n", nvec, rc);
		else
			pci_set_master(pdev);
	}

	doe_pci_remove_mbs(pdev, false);
	rc = doe_pci_add_engines(pdev, false);
	if (rc < 0) {
		pci_free_irq_vectors(pdev);
		pci_clear_master(pdev);
		pci_disable_device(pdev);
		return rc;
	}
	pci_info(pdev, "msikit_doe drives %d DOE mailbox%s\n", rc, rc == 1 ? "" : "es");
	return 0;
}

static void doe_pci_remove(struct pci_dev *pdev)
{
	doe_pci_remove_mbs(pdev, false);
	pci_free_irq_vectors(pdev);
	pci_clear_master(pdev);
	pci_disable_device(pdev);
}

/* Bound only on request: driver_override or new_id. */
static const struct pci_device_id doe_pci_ids[] = {
	{ }
};
MODULE_DEVICE_TABLE(pci, doe_pci_ids);

static struct pci_driver doe_pci_driver = {
	.name = "msikit_doe",
	.id_table = doe_pci_ids,
	.probe = doe_pci_probe,
	.remove = doe_pci_remove,
};

/*
 * Follow the functions: a new one gets routed mailboxes; one leaving its
 * driver (ours or another) gets them back; one being deleted loses them
 * before the core frees its own mailboxes, which happens after device_del.
 */
static int doe_pci_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	switch (action) {
	case BUS_NOTIFY_UNBOUND_DRIVER:
		/* an owner that forgot msikit_doe_detach() */
		doe_pci_remove_mbs(pdev, true);
		fallthrough;
	case BUS_NOTIFY_ADD_DEVICE:
		doe_pci_add_routed(pdev);
		break;
	case BUS_NOTIFY_DEL_DEVICE:
		doe_pci_remove_mbs(pdev, false);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block doe_pci_nb = {
	.notifier_call = doe_pci_notify,
};

int doe_pci_init(void)
{
	struct pci_dev *pdev = NULL;
	int rc;

	rc = bus_register_notifier(&pci_bus_type, &doe_pci_nb);
	if (rc)
		return rc;
	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev)))
		doe_pci_add_routed(pdev);
	rc = pci_register_driver(&doe_pci_driver);
	if (rc) {
		bus_unregister_notifier(&pci_bus_type, &doe_pci_nb);
		doe_pci_remove_mbs(NULL, false);
	}
	return rc;
}

void doe_pci_exit(void)
{
	pci_unregister_driver(&doe_pci_driver);
	bus_unregister_notifier(&pci_bus_type, &doe_pci_nb);
	doe_pci_remove_mbs(NULL, false);
}
