// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_epf_db endpoint function: a register BAR that describes the
 * function's doorbells (include/msikit/epf_db.h) and a doorbell BAR that
 * maps the MSI controller's doorbell frame, so that a host's write of a
 * doorbell's data lands on the controller as that doorbell's interrupt.
 *
 * Order, up: handlers requested, table and BARs published, READY set.
 * Down, the reverse: READY cleared, BARs cleared, handlers freed. A host
 * that reads READY before each ring never rings a doorbell without its
 * handler.
 */
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/error-injection.h>
#include <linux/iopoll.h>
#include <linux/module.h>
#include <linux/pci_regs.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <msikit/msi.h>

#include "internal.h"

static void epf_db_entry(struct epf_db *db, struct epf_db_bell *bell)
{
	u32 ent = MSIKIT_EPF_DB_REG_TABLE + bell->index * MSIKIT_EPF_DB_ENTRY_SIZE;

	epf_db_reg_write(db, ent + MSIKIT_EPF_DB_ENT_KIND, bell->kind);
	epf_db_reg_write(db, ent + MSIKIT_EPF_DB_ENT_BAR, bell->bar);
	epf_db_reg_write(db, ent + MSIKIT_EPF_DB_ENT_OFFSET, bell->offset);
	epf_db_reg_write(db, ent + MSIKIT_EPF_DB_ENT_DATA, bell->data);
}

/* the table first, READY last: a host that sees READY sees the table */
static void epf_db_publish(struct epf_db *db)
{
	unsigned int i;

	for (i = 0; i < db->nr; i++)
		epf_db_entry(db, &db->cur->bells[i]);
	epf_db_reg_write(db, MSIKIT_EPF_DB_REG_COUNT, db->nr);
	epf_db_reg_write(db, MSIKIT_EPF_DB_REG_POLL_US, db->polled ? epf_db_poll_us : 0);
	db->generation = db->cur->generation;
	epf_db_reg_write(db, MSIKIT_EPF_DB_REG_GENERATION, db->generation);
	wmb();	/* the host may read READY the moment it is set */
	epf_db_reg_write(db, MSIKIT_EPF_DB_REG_STATUS, MSIKIT_EPF_DB_READY);
}

static void epf_db_unpublish(struct epf_db *db)
{
	epf_db_reg_write(db, MSIKIT_EPF_DB_REG_STATUS, 0);
	wmb();	/* not-ready before anything the host could still read changes */
	epf_db_reg_write(db, MSIKIT_EPF_DB_REG_COUNT, 0);
}

/*
 * noinline and open to the kernel's function error injection (debug
 * kernels: fail_function): a controller that refuses the doorbell BAR,
 * which the polled fallback in epf_db_up() must absorb, is otherwise
 * reachable only with a controller that does.
 */
static noinline int epf_db_set_db_bar(struct epf_db *db)
{
	struct pci_epf *epf = db->epf;
	struct pci_epf_bar *bar;

	if (db->db_bar == NO_BAR)
		return 0;
	bar = &epf->bar[db->db_bar];
	memset(bar, 0, sizeof(*bar));
	bar->phys_addr = db->win_base;
	bar->size = db->win_size;
	bar->barno = db->db_bar;
	bar->flags = PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32;
	if (db->features->bar[db->db_bar].only_64bit)
		bar->flags |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	return pci_epc_set_bar(epf->epc, epf->func_no, epf->vfunc_no, bar);
}
ALLOW_ERROR_INJECTION(epf_db_set_db_bar, ERRNO);

static void epf_db_clear_db_bar(struct epf_db *db)
{
	struct pci_epf *epf = db->epf;

	if (db->db_bar == NO_BAR || !epf->bar[db->db_bar].size)
		return;
	pci_epc_clear_bar(epf->epc, epf->func_no, epf->vfunc_no, &epf->bar[db->db_bar]);
	memset(&epf->bar[db->db_bar], 0, sizeof(epf->bar[db->db_bar]));
}

/* The controller is up: header, doorbells, BARs, then READY. */
static int epf_db_up(struct epf_db *db)
{
	struct pci_epf *epf = db->epf;
	struct pci_epc *epc = epf->epc;
	int rc;

	if (db->up)
		return 0;
	/* a controller may announce itself to a function it has not bound yet */
	if (!db->reg)
		return -ENODEV;
	rc = pci_epc_write_header(epc, epf->func_no, epf->vfunc_no, &db->header);
	if (rc)
		goto err;
	db->db_bar = pci_epc_get_next_free_bar(db->features, db->reg_bar + 1);
	rc = epf_db_bells_setup(db, true);
	if (rc)
		goto err;
	rc = epf_db_set_db_bar(db);
	if (rc && !db->polled) {
		/* a controller may refuse what its features did not rule out */
		dev_info(&epf->dev, "msikit: doorbells are polled: %s refused the doorbell BAR (%pe)\n",
			 dev_name(&epc->dev), ERR_PTR(rc));
		epf_db_bells_teardown(db);
		memset(&epf->bar[db->db_bar], 0, sizeof(epf->bar[db->db_bar]));
		db->db_bar = NO_BAR;
		rc = epf_db_bells_setup(db, false);
	}
	if (rc)
		goto err_bells;
	/* what a host said before the controller was reset is not news */
	epf_db_reg_write(db, MSIKIT_EPF_DB_REG_HOST_GEN, MSIKIT_EPF_DB_HOST_STOPPED);
	rc = pci_epc_set_bar(epc, epf->func_no, epf->vfunc_no, &epf->bar[db->reg_bar]);
	if (rc)
		goto err_db_bar;
	epf_db_publish(db);
	db->up = true;
	dev_info(&epf->dev, "msikit: %u %s doorbells on %s, generation %u\n", db->nr,
		 db->polled ? "polled" : "MSI", dev_name(&epc->dev), db->generation);
	return 0;
err_db_bar:
	epf_db_clear_db_bar(db);
err_bells:
	epf_db_bells_teardown(db);
err:
	dev_warn(&epf->dev, "msikit: function not brought up: %pe\n", ERR_PTR(rc));
	return rc;
}

/*
 * What a ring that passed the controller before its doorbell BAR was
 * cleared needs to reach the MSI controller: the interconnect's latency,
 * microseconds, with room to spare.
 */
#define EPF_DB_DRAIN_MS		10
/* the longest a function going away waits for its host */
#define EPF_DB_STOP_WAIT_MS	1000

static unsigned int epf_db_stop_wait_ms(void)
{
	return min(epf_db_grace_ms, EPF_DB_STOP_WAIT_MS);
}

/* the host says it holds no table: it took none, or saw READY clear */
static bool epf_db_host_stopped(struct epf_db *db)
{
	return epf_db_reg_read(db, MSIKIT_EPF_DB_REG_HOST_GEN) == MSIKIT_EPF_DB_HOST_STOPPED;
}

/* READY cleared, then the doorbell BAR: nothing more can pass the controller */
static void epf_db_stop(struct epf_db *db)
{
	epf_db_unpublish(db);
	epf_db_clear_db_bar(db);
	db->stopped = true;
}

/*
 * Wait, bounded, until the host says it stopped ringing. A host that is
 * idle, or gone, costs the bound and one line.
 */
static void epf_db_wait_host(struct epf_db *db)
{
	unsigned int ms = epf_db_stop_wait_ms();
	bool done;

	if (!read_poll_timeout(epf_db_host_stopped, done, done, USEC_PER_MSEC,
			       ms * USEC_PER_MSEC, false, db))
		return;
	dev_info(&db->epf->dev, "msikit: the host did not say it stopped ringing within %u ms: freeing the doorbells it may hold\n",
		 ms);
}

/*
 * Down: stopped, then, with the link up, the host's word that it stopped
 * (bounded; epf_db_stop_all() may have waited already) and a drain for
 * what was already past the BAR; then the handlers. With the link down
 * (@link_down: the controller's deinit, PERST#) no host can write: no
 * wait at all.
 */
static void epf_db_down(struct epf_db *db, bool link_down)
{
	struct pci_epf *epf = db->epf;

	if (!db->up)
		return;
	epf_db_stop(db);
	if (!link_down) {
		if (!db->waited)
			epf_db_wait_host(db);
		msleep(EPF_DB_DRAIN_MS);
	}
	pci_epc_clear_bar(epf->epc, epf->func_no, epf->vfunc_no, &epf->bar[db->reg_bar]);
	epf_db_bells_teardown(db);
	db->up = false;
	db->stopped = false;
	db->waited = false;
}

/* during epf_db_stop_all(): stopped, and its host has not said so yet */
static bool epf_db_host_pending(struct epf_db *db)
{
	bool pending;

	mutex_lock(&db->lock);
	pending = db->up && db->stopped && !epf_db_host_stopped(db);
	mutex_unlock(&db->lock);
	return pending;
}

/*
 * binder.c, before it unbinds its functions: stop them all, then wait for
 * all their hosts at once, so that N functions whose hosts do not answer
 * cost one bound, not N, under the binder's and the parameters' locks.
 * Each unbind then only drains. A function the controller brings up again
 * meanwhile (its init event) is published afresh and waits on its own.
 */
void epf_db_stop_all(struct pci_epf **epf, unsigned int nr)
{
	unsigned int ms = epf_db_stop_wait_ms();
	unsigned int i, pending;
	struct epf_db *db;
	unsigned long end;

	for (i = 0; i < nr; i++) {
		db = epf_get_drvdata(epf[i]);
		mutex_lock(&db->lock);
		if (db->up)
			epf_db_stop(db);
		mutex_unlock(&db->lock);
	}
	/* the hosts' time starts once every function has stopped */
	end = jiffies + msecs_to_jiffies(ms);
	for (;;) {
		pending = 0;
		for (i = 0; i < nr; i++)
			pending += epf_db_host_pending(epf_get_drvdata(epf[i]));
		if (!pending || time_after(jiffies, end))
			break;
		usleep_range(USEC_PER_MSEC, 2 * USEC_PER_MSEC);
	}
	for (i = 0; i < nr; i++) {
		db = epf_get_drvdata(epf[i]);
		mutex_lock(&db->lock);
		db->waited = db->stopped;
		mutex_unlock(&db->lock);
	}
	if (pending)
		pr_info("msikit_epf_db: %s: %u of %u hosts did not say they stopped ringing within %u ms: freeing the doorbells they may hold\n",
			dev_name(&epf[0]->epc->dev), pending, nr, ms);
}

/*
 * A new generation: new doorbells, then a new table. The host sees
 * not-ready in between, and a host still ringing with the old table
 * reaches the retired doorbells until the reaper frees them.
 */
static int epf_db_republish(struct epf_db *db)
{
	int rc;

	if (!db->up) {
		dev_warn(&db->epf->dev, "msikit: republish: the function is not up\n");
		return -ENODEV;
	}
	if (db->stopped) {
		dev_warn(&db->epf->dev, "msikit: republish: the function is going away\n");
		return -ESHUTDOWN;
	}
	if (db->old) {
		dev_warn(&db->epf->dev, "msikit: generation %u is still retiring: the host has not taken generation %u yet\n",
			 db->old->generation, db->generation);
		return -EBUSY;
	}
	/*
	 * Not-ready first: polled doorbells change their data in place, and
	 * a host still shown READY with the old table would ring with data
	 * the poller no longer takes for a ring. On failure the old table
	 * is published again.
	 */
	epf_db_unpublish(db);
	rc = epf_db_bells_renew(db);
	epf_db_publish(db);
	if (rc) {
		if (db->why)
			dev_warn(&db->epf->dev, "msikit: republish refused: doorbell %u: %s (%pe)\n",
				 db->why_index, db->why, ERR_PTR(rc));
		else
			dev_warn(&db->epf->dev, "msikit: republish refused: doorbell %u: %pe\n",
				 db->why_index, ERR_PTR(rc));
		return rc;
	}
	if (db->old) {
		db->renewed = jiffies;
		db->late = false;
		schedule_delayed_work(&db->reaper, msecs_to_jiffies(10));
	}
	return 0;
}

static void epf_db_reaper(struct work_struct *work)
{
	struct epf_db *db = container_of(to_delayed_work(work), struct epf_db, reaper);
	unsigned long next = msecs_to_jiffies(10);

	mutex_lock(&db->lock);
	if (db->up && epf_db_bells_reap(db)) {
		/* a host that does not take the table is looked at less often */
		if (time_after(jiffies, db->renewed + HZ)) {
			if (!db->late)
				dev_info(&db->epf->dev, "msikit: the host has not taken generation %u within 1 s: generation %u stays allocated until it does\n",
					 db->generation, db->old->generation);
			db->late = true;
			next = HZ;
		}
		schedule_delayed_work(&db->reaper, next);
	}
	mutex_unlock(&db->lock);
}

static int epf_db_epc_init(struct pci_epf *epf)
{
	struct epf_db *db = epf_get_drvdata(epf);
	int rc;

	mutex_lock(&db->lock);
	rc = epf_db_up(db);
	mutex_unlock(&db->lock);
	return rc;
}

static void epf_db_epc_deinit(struct pci_epf *epf)
{
	struct epf_db *db = epf_get_drvdata(epf);

	mutex_lock(&db->lock);
	epf_db_down(db, true);
	mutex_unlock(&db->lock);
	cancel_delayed_work_sync(&db->reaper);
}

static const struct pci_epc_event_ops epf_db_event_ops = {
	.epc_init = epf_db_epc_init,
	.epc_deinit = epf_db_epc_deinit,
};

/* Bound to a controller: take the register BAR; the rest waits for epc_init. */
static int epf_db_bind(struct pci_epf *epf)
{
	struct epf_db *db = epf_get_drvdata(epf);
	struct pci_epc *epc = epf->epc;
	int bar;

	if (!epc)
		return -EINVAL;
	db->features = pci_epc_get_features(epc, epf->func_no, epf->vfunc_no);
	if (!db->features) {
		dev_warn(&epf->dev, "msikit: %s does not describe its BARs\n", dev_name(&epc->dev));
		return -EOPNOTSUPP;
	}
	bar = pci_epc_get_first_free_bar(db->features);
	if (bar < 0) {
		dev_warn(&epf->dev, "msikit: %s has no free BAR\n", dev_name(&epc->dev));
		return -EOPNOTSUPP;
	}
	db->reg_bar = bar;
	db->reg = pci_epf_alloc_space(epf, MSIKIT_EPF_DB_REG_BAR_BYTES, bar, db->features,
				      PRIMARY_INTERFACE);
	if (!db->reg)
		return -ENOMEM;
	memset(db->reg, 0, MSIKIT_EPF_DB_REG_BAR_BYTES);
	epf_db_reg_write(db, MSIKIT_EPF_DB_REG_MAGIC, MSIKIT_EPF_DB_MAGIC);
	epf_db_reg_write(db, MSIKIT_EPF_DB_REG_VERSION, MSIKIT_EPF_DB_VERSION);
	epf_db_reg_write(db, MSIKIT_EPF_DB_REG_BAR_SIZE, epf->bar[bar].size);
	return 0;
}

static void epf_db_unbind(struct pci_epf *epf)
{
	struct epf_db *db = epf_get_drvdata(epf);

	mutex_lock(&db->lock);
	epf_db_down(db, false);
	if (db->reg)
		pci_epf_free_space(epf, db->reg, db->reg_bar, PRIMARY_INTERFACE);
	db->reg = NULL;
	mutex_unlock(&db->lock);
	cancel_delayed_work_sync(&db->reaper);
}

/*
 * The driver leaves a function (configfs unbinds it, or this module goes
 * while configfs still holds one): undo what bind did, and leave the
 * function nothing that points into this module.
 */
static void epf_db_remove(struct pci_epf *epf)
{
	epf_db_unbind(epf);
	mutex_lock(&epf->lock);
	epf->event_ops = NULL;
	epf->header = NULL;
	mutex_unlock(&epf->lock);
}

/* binder.c: did the controller's init notice bring the function up? */
bool epf_db_function_up(struct pci_epf *epf)
{
	struct epf_db *db = epf_get_drvdata(epf);
	bool up;

	mutex_lock(&db->lock);
	up = db->up;
	mutex_unlock(&db->lock);
	return up;
}

static const struct pci_epf_ops epf_db_ops = {
	.bind = epf_db_bind,
	.unbind = epf_db_unbind,
};

static int epf_db_probe(struct pci_epf *epf, const struct pci_epf_device_id *id)
{
	struct epf_db *db;

	db = devm_kzalloc(&epf->dev, sizeof(*db), GFP_KERNEL);
	if (!db)
		return -ENOMEM;
	db->epf = epf;
	db->generation = get_random_u32();
	db->nr = epf_db_doorbells;
	db->db_bar = NO_BAR;
	mutex_init(&db->lock);
	spin_lock_init(&db->poll_lock);
	raw_spin_lock_init(&db->handled_lock);
	INIT_DELAYED_WORK(&db->reaper, epf_db_reaper);
	db->header.vendorid = epf_db_vendor;
	db->header.deviceid = epf_db_device;
	db->header.baseclass_code = PCI_BASE_CLASS_SYSTEM;
	db->header.subclass_code = 0x80;	/* other system peripheral */
	db->header.interrupt_pin = PCI_INTERRUPT_UNKNOWN;
	epf->header = &db->header;
	epf->event_ops = &epf_db_event_ops;
	epf_set_drvdata(epf, db);
	return 0;
}

static ssize_t doorbells_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct epf_db *db = epf_get_drvdata(to_pci_epf(dev));
	struct epf_db_bell *bell;
	unsigned int i;
	int n = 0;

	mutex_lock(&db->lock);
	for (i = 0; db->up && i < db->nr; i++) {
		bell = &db->cur->bells[i];
		n += sysfs_emit_at(buf, n, "%u %s %u %#x %#x %d\n", i,
				   bell->kind == MSIKIT_EPF_DB_KIND_MSI ? "msi" : "polled",
				   bell->bar, bell->offset, bell->data, bell->virq);
	}
	mutex_unlock(&db->lock);
	return n;
}
static DEVICE_ATTR_RO(doorbells);

/*
 * Handled rings per doorbell, space-separated: of the current generation
 * (rings), or per table index in any generation since the function came
 * up (rings_all). What the tests compare.
 */
static ssize_t epf_db_counts(struct device *dev, char *buf, bool all)
{
	struct epf_db *db = epf_get_drvdata(to_pci_epf(dev));
	unsigned int i;
	int n = 0;
	s64 v;

	mutex_lock(&db->lock);
	for (i = 0; db->up && i < db->nr; i++) {
		v = atomic64_read(all ? &db->handled[i] : &db->cur->bells[i].rings);
		n += sysfs_emit_at(buf, n, "%s%lld", i ? " " : "", (long long)v);
	}
	mutex_unlock(&db->lock);
	n += sysfs_emit_at(buf, n, "\n");
	return n;
}

static ssize_t rings_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return epf_db_counts(dev, buf, false);
}
static DEVICE_ATTR_RO(rings);

static ssize_t rings_all_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return epf_db_counts(dev, buf, true);
}
static DEVICE_ATTR_RO(rings_all);

/* rings that reached a retired doorbell, or carried retired data */
static ssize_t stale_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct epf_db *db = epf_get_drvdata(to_pci_epf(dev));

	return sysfs_emit(buf, "%llu\n", (unsigned long long)atomic64_read(&db->stale));
}
static DEVICE_ATTR_RO(stale);

static ssize_t status_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct epf_db *db = epf_get_drvdata(to_pci_epf(dev));
	const char *state;
	int n;

	mutex_lock(&db->lock);
	state = !db->up ? "down" : db->stopped ? "stopping" : "ready";
	n = sysfs_emit(buf, "%s generation %u %s %u parent %s retiring %u moved %llu\n",
		       state, db->generation, db->polled ? "polled" : "msi",
		       db->nr, db->dom ? msikit_msi_parent_name(db->dom) : "none",
		       db->old ? db->old->generation : 0,
		       (unsigned long long)atomic64_read(&db->moved));
	mutex_unlock(&db->lock);
	return n;
}
static DEVICE_ATTR_RO(status);

/*
 * "DEVICEID own", or "DEVICEID shared N" when N msikit domains (other
 * functions of the controller, say) have the same DeviceID at the ITS: a
 * host that can write to one of them can then ring any of them, since
 * nothing but the data tells their doorbells apart. "none" where the
 * doorbells are polled or the parent knows no DeviceID. Whether a
 * function gets an ID of its own is the device tree's doing: "msi-parent"
 * gives the controller one ID, an "msi-map" may give each function its
 * own (EPF_DB_RID()).
 */
static ssize_t deviceid_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct epf_db *db = epf_get_drvdata(to_pci_epf(dev));
	u32 id = 0;
	int n;

	mutex_lock(&db->lock);
	n = db->dom ? msikit_msi_device_id(db->dom, &id) : -ENODEV;
	mutex_unlock(&db->lock);
	if (n < 0)
		return sysfs_emit(buf, "none\n");
	if (n == 1)
		return sysfs_emit(buf, "%#x own\n", id);
	return sysfs_emit(buf, "%#x shared %d\n", id, n);
}
static DEVICE_ATTR_RO(deviceid);

/* any write: a new generation of doorbells (see epf_db_republish()) */
static ssize_t republish_store(struct device *dev, struct device_attribute *attr,
			       const char *buf, size_t count)
{
	struct epf_db *db = epf_get_drvdata(to_pci_epf(dev));
	int rc;

	mutex_lock(&db->lock);
	rc = epf_db_republish(db);
	mutex_unlock(&db->lock);
	return rc ?: count;
}
static DEVICE_ATTR_WO(republish);

static struct attribute *epf_db_attrs[] = {
	&dev_attr_doorbells.attr,
	&dev_attr_rings.attr,
	&dev_attr_rings_all.attr,
	&dev_attr_status.attr,
	&dev_attr_stale.attr,
	&dev_attr_republish.attr,
	&dev_attr_deviceid.attr,
	NULL
};
ATTRIBUTE_GROUPS(epf_db);

static const struct pci_epf_device_id epf_db_ids[] = {
	{ .name = "msikit_epf_db" },
	{ },
};

struct pci_epf_driver epf_db_driver = {
	.driver = {
		.name = "msikit_epf_db",
		.dev_groups = epf_db_groups,
		/* functions come and go with bind and unbind, not driver rebinding */
		.suppress_bind_attrs = true,
	},
	.probe = epf_db_probe,
	.remove = epf_db_remove,
	.id_table = epf_db_ids,
	.ops = &epf_db_ops,
	/* what pci_epf_bind() pins: registering sets only driver.owner */
	.owner = THIS_MODULE,
};
