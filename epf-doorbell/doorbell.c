// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_epf_db doorbells: interrupts of a per-function msikit domain on
 * the endpoint controller's MSI parent, whose messages the host writes
 * through a BAR mapped onto the MSI controller; or, where that cannot
 * work, registers of the register BAR that a thread polls.
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/kthread.h>
#include <linux/msi.h>
#include <linux/sizes.h>
#include <msikit/msi.h>

#include "internal.h"

static irqreturn_t epf_db_irq(int irq, void *data)
{
	struct epf_db_bell *bell = data;

	atomic64_inc(&bell->rings);
	return IRQ_HANDLED;
}

/* msikit reports messages here; on an immutable parent only (de)activation */
static void epf_db_write_msg(struct msikit_msi_domain *dom, unsigned int index,
			     const struct msi_msg *msg, void *data)
{
}

static const struct msikit_msi_ops epf_db_msi_ops = {
	.write_msg = epf_db_write_msg,
};

/*
 * The doorbell BAR maps the MSI controller's doorbell frame, so the frame
 * must be something a BAR can be: a power of two, aligned to its size.
 */
static const char *epf_db_window(struct epf_db *db)
{
	if (!msikit_msi_immutable(db->dom))
		return "its messages change with affinity, and a published doorbell cannot";
	if (msikit_msi_msg_window(db->dom, &db->win_base, &db->win_size))
		return "the MSI parent does not say where its messages point";
	if (!is_power_of_2(db->win_size) || db->win_size < SZ_4K ||
	    !IS_ALIGNED(db->win_base, db->win_size))
		return "the MSI doorbell frame cannot be a BAR";
	return NULL;
}

static int epf_db_msi_domain(struct epf_db *db)
{
	struct pci_epf *epf = db->epf;
	struct device *ctrl = epf->epc->dev.parent;
	struct msikit_msi_domain_info info = {
		.name = dev_name(&epf->dev),
		.size = db->nr,
		.dev_size = db->nr * epf_db_functions_max,
	};
	const char *why;

	db->dom = msikit_msi_domain_create_info(ctrl, &info, &epf_db_msi_ops, db);
	if (IS_ERR(db->dom)) {
		/* msikit said why in one line */
		dev_info(&epf->dev, "msikit: doorbells are polled: no MSI doorbell on %s (%pe)\n",
			 dev_name(ctrl), db->dom);
		db->dom = NULL;
		return -EOPNOTSUPP;
	}
	why = epf_db_window(db);
	if (why) {
		dev_info(&epf->dev, "msikit: doorbells are polled: %s parent refused: %s\n",
			 msikit_msi_parent_name(db->dom), why);
		msikit_msi_domain_destroy(db->dom);
		db->dom = NULL;
		return -EOPNOTSUPP;
	}
	return 0;
}

/* request first: a doorbell is never published before it can be handled */
static int epf_db_msi_bell(struct epf_db *db, struct epf_db_bell *bell)
{
	struct msi_msg msg;
	u64 addr;
	int rc;

	rc = msikit_msi_alloc(db->dom, bell->index);
	if (rc < 0)
		return rc;
	bell->virq = msikit_msi_virq(db->dom, bell->index);
	rc = request_irq(bell->virq, epf_db_irq, 0, dev_name(&db->epf->dev), bell);
	if (rc)
		goto err_free;
	rc = msikit_msi_get_msg(db->dom, bell->index, &msg);
	if (rc)
		goto err_irq;
	addr = (u64)msg.address_hi << 32 | msg.address_lo;
	if (addr < db->win_base || addr + 4 > db->win_base + db->win_size) {
		dev_warn(&db->epf->dev, "msikit: doorbell %u: message at %#llx outside the doorbell frame\n",
			 bell->index, addr);
		rc = -ERANGE;
		goto err_irq;
	}
	bell->kind = MSIKIT_EPF_DB_KIND_MSI;
	bell->bar = db->db_bar;
	bell->offset = addr - db->win_base;
	bell->data = msg.data;
	return 0;
err_irq:
	free_irq(bell->virq, bell);
err_free:
	msikit_msi_free(db->dom, bell->index);
	bell->virq = 0;
	return rc;
}

static void epf_db_polled_bell(struct epf_db *db, struct epf_db_bell *bell)
{
	bell->kind = MSIKIT_EPF_DB_KIND_POLLED;
	bell->bar = db->reg_bar;
	bell->offset = MSIKIT_EPF_DB_REG_POLLED + 4 * bell->index;
	/* any nonzero value rings: the index + 1 tells misdirected rings apart */
	bell->data = bell->index + 1;
	epf_db_reg_write(db, bell->offset, 0);
}

/*
 * A host ring sets the register; the poller takes it back to zero and
 * counts one ring. The exchange makes a ring that lands between the read
 * and the clear count at the next poll instead of vanishing.
 */
static int epf_db_poll(void *data)
{
	struct epf_db *db = data;
	unsigned int i;
	u32 v;

	while (!kthread_should_stop()) {
		for (i = 0; i < db->nr; i++) {
			struct epf_db_bell *bell = &db->bells[i];

			if (bell->kind != MSIKIT_EPF_DB_KIND_POLLED)
				continue;
			v = xchg((u32 *)&db->reg[bell->offset / 4], 0);
			if (v)
				atomic64_inc(&bell->rings);
		}
		usleep_range(epf_db_poll_us, epf_db_poll_us + epf_db_poll_us / 4 + 1);
	}
	return 0;
}

/**
 * epf_db_bells_setup() - allocate and arm every doorbell of @db
 * @db: the function, not yet published
 *
 * MSI doorbells where the controller's MSI parent serves them, polled
 * ones otherwise. Every MSI doorbell has its handler when this returns.
 *
 * Return: 0, or -errno with nothing left allocated.
 */
int epf_db_bells_setup(struct epf_db *db)
{
	unsigned int i;
	int rc = 0;

	if (db->db_bar == NO_BAR)
		dev_info(&db->epf->dev, "msikit: doorbells are polled: no BAR left to map an MSI doorbell frame\n");
	if (db->db_bar != NO_BAR && !epf_db_msi_domain(db)) {
		for (i = 0; i < db->nr && !rc; i++) {
			db->bells[i].db = db;
			db->bells[i].index = i;
			rc = epf_db_msi_bell(db, &db->bells[i]);
		}
		if (rc) {
			dev_warn(&db->epf->dev, "msikit: doorbell %u: %pe\n", i - 1, ERR_PTR(rc));
			epf_db_bells_teardown(db);
			return rc;
		}
		return 0;
	}
	db->db_bar = NO_BAR;
	for (i = 0; i < db->nr; i++) {
		db->bells[i].db = db;
		db->bells[i].index = i;
		epf_db_polled_bell(db, &db->bells[i]);
	}
	db->nr_polled = db->nr;
	db->poller = kthread_run(epf_db_poll, db, "msikit-epf-db/%s", dev_name(&db->epf->dev));
	if (IS_ERR(db->poller)) {
		rc = PTR_ERR(db->poller);
		db->poller = NULL;
		db->nr_polled = 0;
		return rc;
	}
	return 0;
}

/**
 * epf_db_bells_teardown() - free every doorbell of @db
 * @db: the function, no longer published (the host sees not-ready)
 */
void epf_db_bells_teardown(struct epf_db *db)
{
	struct epf_db_bell *bell;
	unsigned int i;

	if (db->poller) {
		kthread_stop(db->poller);
		db->poller = NULL;
	}
	db->nr_polled = 0;
	for (i = 0; i < db->nr; i++) {
		bell = &db->bells[i];
		if (bell->virq) {
			free_irq(bell->virq, bell);
			msikit_msi_free(db->dom, bell->index);
			bell->virq = 0;
		}
		bell->kind = 0;
	}
	msikit_msi_domain_destroy(db->dom);
	db->dom = NULL;
}
