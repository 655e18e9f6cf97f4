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

static bool doe_param_fail_probe;
module_param_named(fail_probe_after_remove, doe_param_fail_probe, bool, 0644);
MODULE_PARM_DESC(fail_probe_after_remove, "Test only: fail every probe and msikit_doe_attach() once the routed mailboxes were replaced (default: off)");

static struct pci_driver doe_pci_driver;

/*
 * The core's mailbox behind a routed one, and how long it lives.
 *
 * pci_find_doe_mailbox() cannot name a capability: it returns the first
 * mailbox whose features include the one asked for, and every mailbox
 * counts as supporting Discovery. So the core's mailbox is looked up where
 * pci_find_doe_mailbox() looks too, in pdev->doe_mbs, which pci_doe_init()
 * keys by capability offset (6.12 to 7.3). Neither takes a reference: the
 * core's mailboxes have no refcount. The xarray is filled before
 * device_add(), and it is emptied and its mailboxes freed only by
 * pci_doe_destroy(), which pci_destroy_dev() calls as soon as device_del()
 * has returned: not on the last put_device(), so the pci_dev reference a
 * msikit mailbox holds does not keep the core's mailbox.
 *
 * What does: device_del() sends BUS_NOTIFY_DEL_DEVICE first, and there
 * msikit unregisters every mailbox of the function, which waits for the
 * pci_doe() in flight. That holds as long as no mailbox is created for the
 * function after the notification, and two paths could: module init's walk
 * may hold a function whose deletion has begun, and a driver bound between
 * pci_stop_dev() and device_del() is unbound inside device_del(), after the
 * notification (BUS_NOTIFY_UNBOUND_DRIVER). So every function with core
 * mailboxes seen leaving is remembered, with a reference, until its
 * device_del() is over (its kobject has left sysfs), and no mailbox is
 * created for a function that is remembered or no longer in sysfs.
 * Creation checks that and registers, and the notification records it,
 * under doe_pci_lock: a mailbox is either registered before the
 * notification and unregistered by it, or not registered at all.
 *
 * A function the core found disconnected (pci_doe_disconnected()) keeps
 * its mailboxes until removal; exchanges on them just fail.
 */
struct doe_dying {
	struct list_head node;
	struct pci_dev *pdev;		/* referenced */
};

/* orders mailbox creation against deletion; protects doe_dying_list */
static DEFINE_MUTEX(doe_pci_lock);
static LIST_HEAD(doe_dying_list);

static bool doe_pci_dying(struct pci_dev *pdev)
{
	struct doe_dying *d;

	lockdep_assert_held(&doe_pci_lock);
	if (!device_is_registered(&pdev->dev))
		return true;
	list_for_each_entry(d, &doe_dying_list, node)
		if (d->pdev == pdev)
			return true;
	return false;
}

/*
 * Forget the functions whose device_del() is over (all of them if @all),
 * then remember @pdev unless it is NULL. The references go outside the lock.
 */
static void doe_pci_update_dying(struct pci_dev *pdev, bool all)
{
	struct doe_dying *d, *tmp, *add = NULL;
	LIST_HEAD(done);

	/* too small to fail, and nothing safe can be done without it */
	if (pdev) {
		add = kmalloc(sizeof(*add), GFP_KERNEL | __GFP_NOFAIL);
		add->pdev = pci_dev_get(pdev);
	}

	mutex_lock(&doe_pci_lock);
	list_for_each_entry_safe(d, tmp, &doe_dying_list, node)
		if (all || !device_is_registered(&d->pdev->dev))
			list_move(&d->node, &done);
	if (add)
		list_add(&add->node, &doe_dying_list);
	mutex_unlock(&doe_pci_lock);

	list_for_each_entry_safe(d, tmp, &done, node) {
		pci_dev_put(d->pdev);
		kfree(d);
	}
}

/*
 * Register a mailbox of @pdev unless @pdev is being deleted (-ENODEV); a
 * capability that has one already gets -EEXIST.
 */
static int doe_pci_register(struct pci_dev *pdev, struct msikit_doe_mb *mb)
{
	int rc;

	mutex_lock(&doe_pci_lock);
	rc = doe_pci_dying(pdev) ? -ENODEV : doe_mb_register(mb);
	mutex_unlock(&doe_pci_lock);
	return rc;
}

/* a cheap look before allocating: doe_pci_register() decides */
static int doe_pci_may_add(struct pci_dev *pdev, u16 cap)
{
	struct msikit_doe_mb *mb;
	bool dying;

	mutex_lock(&doe_pci_lock);
	dying = doe_pci_dying(pdev);
	mutex_unlock(&doe_pci_lock);
	if (dying)
		return -ENODEV;
	mb = msikit_doe_get(&pdev->dev, cap);
	msikit_doe_put(mb);
	return mb ? -EEXIST : 0;
}

/**
 * doe_routed_exchange() - run a task through the core's pci_doe()
 * @mb: routed mailbox
 * @task: the exchange
 *
 * pci_doe() silently drops what does not fit, so give it one dword more
 * than the caller's buffer: a response that fills it did not fit. How long
 * it was is then unknown, and @task->rsp_len says 0; it is exact only for
 * a response that ended short of the bigger buffer.
 */
static int doe_routed_exchange(struct msikit_doe_mb *mb,
			       struct msikit_doe_task *task)
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
		if (rc > task->rsp_sz) {
			task->rsp_len = rc < cap ? rc : 0;
			doe_stat_inc(mb, OVERFLOWS);
			rc = -EOVERFLOW;
		} else {
			task->rsp_len = rc;
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
 * Nothing to start or stop: the registers stay the core's, which aborted
 * the mailbox at enumeration and serializes every pci_doe() on it.
 */
static const struct doe_transport_ops doe_routed_ops = {
	.name = "routed",
	.info_flag = MSIKIT_DOE_INFO_ROUTED,
	.exchange = doe_routed_exchange,
};

static bool doe_pci_is_routed(const struct msikit_doe_mb *mb)
{
	return mb->transport == &doe_routed_ops;
}

struct doe_pci_match {
	struct pci_dev *pdev;		/* NULL: every PCI function */
	bool engines_only;
};

static bool doe_pci_match(const struct msikit_doe_mb *mb, const void *data)
{
	const struct doe_pci_match *m = data;

	if (!mb->pdev || (m->pdev && mb->pdev != m->pdev))
		return false;
	return !m->engines_only || !doe_pci_is_routed(mb);
}

/*
 * The engine has let go of the registers: others may claim them. Through
 * the mailbox's own function, which it still holds: the caller's @pdev is
 * NULL at module exit.
 */
static void doe_pci_mb_gone(struct msikit_doe_mb *mb)
{
	if (!doe_pci_is_routed(mb))
		pci_release_config_region(mb->pdev, mb->cap, PCI_DOE_CAP_SIZEOF);
}

/*
 * Unregister the mailboxes of @pdev (of every PCI function if NULL), only
 * the engine ones if @engines_only.
 */
static void doe_pci_remove_mbs(struct pci_dev *pdev, bool engines_only)
{
	struct doe_pci_match m = { .pdev = pdev, .engines_only = engines_only };

	doe_mb_unregister_matching(doe_pci_match, &m, doe_pci_mb_gone);
}

static u8 doe_cap_version(struct pci_dev *pdev, u16 cap)
{
	u32 hdr = 0;

	pci_read_config_dword(pdev, cap, &hdr);
	return PCI_EXT_CAP_VER(hdr);
}

/*
 * Find or create the routed mailbox of @pdev at @cap. Module init's walk
 * and a hot-add notification may both get here for one function: the
 * second one finds the mailbox, or loses the race to register it, and
 * does nothing (two would collide in sysfs).
 *
 * Return: 0 when the mailbox exists (or the core has none to route to),
 * -ENODEV when @pdev is being deleted, else -errno.
 */
static int doe_pci_add_routed_one(struct pci_dev *pdev, u16 cap)
{
	struct msikit_doe_mb *mb;
	struct pci_doe_mb *core;
	int rc;

	rc = doe_pci_may_add(pdev, cap);
	if (rc)
		return rc == -EEXIST ? 0 : rc;

	/* See struct doe_dying: the entry outlives every routed mailbox. */
	core = xa_load(&pdev->doe_mbs, cap);
	if (!core)
		return 0;	/* the core failed to set this one up */
	mb = doe_mb_alloc(&pdev->dev, pdev, cap, &doe_routed_ops);
	if (IS_ERR(mb))
		return PTR_ERR(mb);
	mb->core_mb = core;
	mb->cap_ver = doe_cap_version(pdev, cap);

	rc = doe_pci_register(pdev, mb);
	if (rc)
		put_device(&mb->dev);
	return rc == -EEXIST ? 0 : rc;
}

/*
 * Routed mailboxes are created without touching the DOE registers (this
 * runs in bus notifiers); their Discovery runs through pci_doe() on first
 * use. Idempotent: capabilities that have a mailbox keep it.
 *
 * Return: 0, or the first error (a function being deleted is none): the
 * module's load fails on it rather than run with a mailbox missing; a
 * notifier can only say so.
 */
static int doe_pci_add_routed(struct pci_dev *pdev)
{
	u16 cap = 0;
	int rc, first = 0;

	if (!doe_param_route || !pci_is_pcie(pdev))
		return 0;
	while ((cap = pci_find_next_ext_capability(pdev, cap, PCI_EXT_CAP_ID_DOE))) {
		rc = doe_pci_add_routed_one(pdev, cap);
		if (rc == -ENODEV)
			return 0;
		if (rc) {
			pci_warn(pdev, "no routed DOE mailbox at %#x: %pe\n", cap, ERR_PTR(rc));
			first = first ?: rc;
		}
	}
	return first;
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
		const struct doe_transport_ops *transport = &doe_engine_poll_ops;
		int irq = 0;

		pci_read_config_dword(pdev, cap + PCI_DOE_CAP, &val);
		if (!poll && !doe_param_poll && (val & PCI_DOE_CAP_INT_SUP) &&
		    (pdev->msi_enabled || pdev->msix_enabled)) {
			irq = pci_irq_vector(pdev, FIELD_GET(PCI_DOE_CAP_INT_MSG_NUM, val));
			if (irq > 0)
				transport = &doe_engine_irq_ops;
			else
				irq = 0;
		}
		if (!pci_request_config_region_exclusive(pdev, cap, PCI_DOE_CAP_SIZEOF,
							 "msikit_doe")) {
			pci_err(pdev, "DOE capability at %#x is claimed by someone else\n", cap);
			rc = -EBUSY;
			goto err;
		}
		mb = doe_mb_alloc(&pdev->dev, pdev, cap, transport);
		if (IS_ERR(mb)) {
			pci_release_config_region(pdev, cap, PCI_DOE_CAP_SIZEOF);
			rc = PTR_ERR(mb);
			goto err;
		}
		mb->irq = irq;
		mb->cap_ver = doe_cap_version(pdev, cap);
		rc = doe_pci_register(pdev, mb);
		if (rc == -EEXIST) {
			pci_err(pdev, "DOE capability at %#x already has a mailbox\n", cap);
			rc = -EBUSY;
		} else if (rc == -ENODEV) {
			pci_err(pdev, "DOE capability at %#x: function being removed\n", cap);
		} else if (rc) {
			pci_err(pdev, "DOE mailbox at %#x not registered: %pe\n",
				cap, ERR_PTR(rc));
		}
		if (rc) {
			pci_release_config_region(pdev, cap, PCI_DOE_CAP_SIZEOF);
			put_device(&mb->dev);
			goto err;
		}
		rc = doe_mb_start(mb);
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

/*
 * Replace @pdev's routed mailboxes by engine ones. Whatever fails once the
 * routed ones are gone puts them back: no unbind notification follows a
 * failed probe (only BUS_NOTIFY_DRIVER_NOT_BOUND), and nothing at all a
 * failed msikit_doe_attach(), so the function would be left without any.
 */
static int doe_pci_take_over(struct pci_dev *pdev, bool poll, const char *what)
{
	int rc;

	doe_pci_remove_mbs(pdev, false);
	rc = doe_pci_add_engines(pdev, poll);
	if (rc >= 0 && READ_ONCE(doe_param_fail_probe)) {
		pci_err(pdev, "%s failed on purpose: fail_probe_after_remove=1 (test only)\n",
			what);
		doe_pci_remove_mbs(pdev, false);
		rc = -EIO;
	}
	if (rc < 0)
		doe_pci_add_routed(pdev);
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
 * On failure the mailboxes stay routed.
 *
 * Return: number of mailboxes, or -errno.
 */
int msikit_doe_attach(struct pci_dev *pdev, unsigned int flags)
{
	unsigned int unknown = flags & ~(unsigned int)MSIKIT_DOE_ATTACH_POLL;

	if (!pdev)
		return -EINVAL;
	if (!pdev->dev.driver) {
		pci_warn(pdev, "%s: no driver bound: only the function's driver hands its mailboxes over\n",
			 __func__);
		return -EINVAL;
	}
	if (unknown) {
		pci_warn(pdev, "%s: unknown flags %#x\n", __func__, unknown);
		return -EINVAL;
	}
	return doe_pci_take_over(pdev, flags & MSIKIT_DOE_ATTACH_POLL, __func__);
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

	rc = doe_pci_take_over(pdev, false, "probe");
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
 * before the core frees its own mailboxes, which happens after device_del,
 * and gets no new ones (see struct doe_dying).
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
		/*
		 * Remembered first: nothing may be created from here on. Only
		 * a function the core has mailboxes for can get a routed one.
		 */
		doe_pci_update_dying(xa_empty(&pdev->doe_mbs) ? NULL : pdev, false);
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

	/*
	 * The notifier first, then the walk: a function added meanwhile may
	 * be seen twice (the second time finds its mailboxes), one deleted
	 * meanwhile is known to be dying when the walk reaches it.
	 */
	rc = bus_register_notifier(&pci_bus_type, &doe_pci_nb);
	if (rc)
		return rc;
	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		rc = doe_pci_add_routed(pdev);
		if (rc) {
			pci_dev_put(pdev);
			break;
		}
	}
	doe_pci_update_dying(NULL, false);
	if (!rc)
		rc = pci_register_driver(&doe_pci_driver);
	if (rc) {
		bus_unregister_notifier(&pci_bus_type, &doe_pci_nb);
		doe_pci_remove_mbs(NULL, false);
		doe_pci_update_dying(NULL, true);
	}
	return rc;
}

void doe_pci_exit(void)
{
	pci_unregister_driver(&doe_pci_driver);
	bus_unregister_notifier(&pci_bus_type, &doe_pci_nb);
	doe_pci_remove_mbs(NULL, false);
	doe_pci_update_dying(NULL, true);
}
