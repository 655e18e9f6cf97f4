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

#include "compat.h"
#include "internal.h"

/*
 * Count a handled ring where the host can see it move (epf_db.h: HANDLED).
 * A retired doorbell and its successor share the index and may run on two
 * CPUs at once: the count and its store go together, or HANDLED could
 * step back under a host that waits for it to pass a value.
 */
static void epf_db_handled(struct epf_db *db, unsigned int index)
{
	unsigned long flags;
	u64 n;

	raw_spin_lock_irqsave(&db->handled_lock, flags);
	n = atomic64_inc_return(&db->handled[index]);
	epf_db_reg_write(db, MSIKIT_EPF_DB_REG_HANDLED + 4 * index, (u32)n);
	raw_spin_unlock_irqrestore(&db->handled_lock, flags);
}

/* a ring that reaches a retired doorbell is a stale one, not a ring */
static irqreturn_t epf_db_irq(int irq, void *data)
{
	struct epf_db_bell *bell = data;

	if (READ_ONCE(bell->db->cur) == bell->set)
		atomic64_inc(&bell->rings);
	else
		atomic64_inc(&bell->db->stale);
	epf_db_handled(bell->db, bell->index);
	return IRQ_HANDLED;
}

/*
 * msikit reports messages here; on an immutable parent only activation
 * and deactivation (all zero). A published doorbell whose message changes
 * would be rung where its interrupt no longer is: count it and say so.
 */
static void epf_db_write_msg(struct msikit_msi_domain *dom, unsigned int slot,
			     const struct msi_msg *msg, void *data)
{
	struct epf_db *db = data;
	struct epf_db_bell *bell;
	u64 addr = (u64)msg->address_hi << 32 | msg->address_lo;

	if (slot >= 2 * db->nr || (!addr && !msg->data))
		return;
	bell = &db->sets[slot / db->nr].bells[slot % db->nr];
	if (READ_ONCE(bell->kind) != MSIKIT_EPF_DB_KIND_MSI)
		return;
	if (addr == db->win_base + bell->offset && msg->data == bell->data)
		return;
	atomic64_inc(&db->moved);
	dev_warn_ratelimited(&db->epf->dev, "msikit: doorbell %u: its message moved to %#llx/%#x: rings of the published one are lost\n",
			     bell->index, addr, msg->data);
}

static const struct msikit_msi_ops epf_db_msi_ops = {
	.write_msg = epf_db_write_msg,
};

/*
 * The doorbell BAR is as small as the controller allows: 4 KiB, or more
 * where its BARs are fixed-size or more coarsely aligned. Where it sits
 * is known only from the first message (epf_db_window_fix()).
 */
static const char *epf_db_bar_size(struct epf_db *db)
{
	const struct pci_epc_features *f = db->features;
	u64 min = epf_db_bar_min(f, db->db_bar);

	if (!msikit_msi_immutable(db->dom))
		return "its messages change with affinity, and a published doorbell cannot";
	if (min) {
		db->win_size = min;
		if (!is_power_of_2(db->win_size) || db->win_size < SZ_4K)
			return "the controller's free BAR has a size no doorbell frame can have";
	} else {
		db->win_size = roundup_pow_of_two(max_t(size_t, SZ_4K, f->align));
	}
	return NULL;
}

/*
 * Fix the doorbell BAR on the first message the parent composed: the
 * BAR-sized block that holds its address. That address is what an
 * inbound write must target: physical, or behind an IOMMU that remaps MSI
 * writes the I/O virtual page mapping the doorbell for the controller (as
 * upstream's endpoint MSI code does), which msikit_msi announces as the
 * range of its messages. The block must not reach past that range, or the
 * host could write whatever lies beyond: the MSI controller's other
 * registers, or the controller's other DMA mappings.
 */
#define EPF_DB_PAST_RANGE \
	"a doorbell BAR of that size would reach past the MSI doorbell frame (or the IOMMU page mapping it)"

/* Return: 0, or the errno, with db->why saying what it means here. */
static int epf_db_window_fix(struct epf_db *db, u64 addr)
{
	u64 base = ALIGN_DOWN(addr, db->win_size), fb, fs;
	int rc;

	rc = msikit_msi_msg_window(db->dom, &fb, &fs);
	if (rc) {
		db->why = "the MSI parent does not say where its messages point";
		return rc;
	}
	if (addr < fb || addr >= fb + fs) {
		db->why = "its message lies outside the range the MSI parent announced";
		return -ERANGE;
	}
	if (base < fb || base + db->win_size > fb + fs) {
		db->why = EPF_DB_PAST_RANGE;
		return -ERANGE;
	}
	db->win_base = base;
	return 0;
}

static int epf_db_msi_domain(struct epf_db *db)
{
	struct pci_epf *epf = db->epf;
	struct device *ctrl = epf->epc->dev.parent;
	struct msikit_msi_domain_info info = {
		.name = dev_name(&epf->dev),
		/* room for a retired generation next to the current one */
		.size = 2 * db->nr,
		.dev_size = 2 * db->nr * epf_db_functions_max,
		/* what an msi-map on the controller's node translates */
		.map_id = EPF_DB_RID(epf->func_no, epf->vfunc_no),
	};
	const char *why;

	db->win_base = 0;
	db->win_size = 0;
	db->dom = msikit_msi_domain_create_info(ctrl, &info, &epf_db_msi_ops, db);
	if (IS_ERR(db->dom)) {
		/* msikit said why in one line */
		dev_info(&epf->dev, "msikit: doorbells are polled: no MSI doorbell on %s (%pe)\n",
			 dev_name(ctrl), db->dom);
		db->dom = NULL;
		return -EOPNOTSUPP;
	}
	why = epf_db_bar_size(db);
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

	rc = msikit_msi_alloc(db->dom, bell->slot);
	if (rc < 0)
		return rc;
	bell->virq = msikit_msi_virq(db->dom, bell->slot);
	rc = request_irq(bell->virq, epf_db_irq, 0, dev_name(&db->epf->dev), bell);
	if (rc)
		goto err_free;
	rc = msikit_msi_get_msg(db->dom, bell->slot, &msg);
	if (rc)
		goto err_irq;
	addr = (u64)msg.address_hi << 32 | msg.address_lo;
	if (!db->win_base) {
		rc = epf_db_window_fix(db, addr);
		if (rc)
			goto err_irq;
	}
	if (addr < db->win_base || addr + 4 > db->win_base + db->win_size) {
		db->why = "its message lies outside the doorbell BAR";
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
	msikit_msi_free(db->dom, bell->slot);
	bell->virq = 0;
	return rc;
}

/*
 * A polled doorbell's data names its generation too, so a host still
 * ringing with an old table's data is told apart from a ring.
 */
static void epf_db_polled_bell(struct epf_db *db, struct epf_db_bell *bell)
{
	bell->kind = MSIKIT_EPF_DB_KIND_POLLED;
	bell->bar = db->reg_bar;
	bell->offset = MSIKIT_EPF_DB_REG_POLLED + 4 * bell->index;
	bell->data = (bell->set->generation & 0xffffff) << 8 | (bell->index + 1);
}

/*
 * A host ring sets the register; the poller takes it back to zero and
 * counts one ring. A plain read and clear, no atomic exchange: the BAR's
 * memory may be non-cacheable, where atomics are not to be had. A ring
 * that lands between the two is lost only for a host that rings again
 * before HANDLED moved, which the protocol rules out.
 */
static int epf_db_poll(void *data)
{
	struct epf_db *db = data;
	struct epf_db_bell *bell;
	unsigned int i;
	u32 v;

	while (!kthread_should_stop()) {
		spin_lock(&db->poll_lock);
		for (i = 0; i < db->nr; i++) {
			bell = &db->cur->bells[i];
			v = epf_db_reg_read(db, bell->offset);
			if (!v)
				continue;
			epf_db_reg_write(db, bell->offset, 0);
			/*
			 * The clear lands before HANDLED moves: a host that
			 * sees HANDLED move may ring again at once, and a
			 * late clear would erase that ring.
			 */
			wmb();
			if (v == bell->data) {
				atomic64_inc(&bell->rings);
				epf_db_handled(db, i);
			} else {
				/* old data for this index: stale, but seen */
				atomic64_inc(&db->stale);
				if ((v & 0xff) == i + 1)
					epf_db_handled(db, i);
			}
		}
		spin_unlock(&db->poll_lock);
		usleep_range(epf_db_poll_us, epf_db_poll_us + epf_db_poll_us / 4 + 1);
	}
	return 0;
}

static void epf_db_set_free(struct epf_db *db, struct epf_db_set *set)
{
	struct epf_db_bell *bell;
	unsigned int i;

	for (i = 0; i < db->nr; i++) {
		bell = &set->bells[i];
		if (bell->virq) {
			free_irq(bell->virq, bell);
			msikit_msi_free(db->dom, bell->slot);
			bell->virq = 0;
		}
		bell->kind = 0;
	}
}

/*
 * Every doorbell of @set, for generation @gen, or none: then db->why_index
 * is the one that failed, and db->why says why when the errno cannot.
 */
static int epf_db_set_alloc(struct epf_db *db, struct epf_db_set *set, u32 gen)
{
	struct epf_db_bell *bell;
	unsigned int i;
	int rc;

	set->generation = gen;
	db->why = NULL;
	for (i = 0; i < db->nr; i++) {
		bell = &set->bells[i];
		memset(bell, 0, sizeof(*bell));
		bell->db = db;
		bell->set = set;
		bell->index = i;
		bell->slot = set->base + i;
		if (db->polled) {
			epf_db_polled_bell(db, bell);
			continue;
		}
		rc = epf_db_msi_bell(db, bell);
		if (rc) {
			db->why_index = i;
			epf_db_set_free(db, set);
			return rc;
		}
	}
	return 0;
}

/**
 * epf_db_bells_setup() - allocate and arm every doorbell of @db
 * @db: the function, not yet published
 * @msi: try MSI doorbells (false: the controller refused their BAR)
 *
 * MSI doorbells where the controller's MSI parent serves them, polled
 * ones otherwise, with one line saying why. Every MSI doorbell has its handler when this returns.
 *
 * Return: 0, or -errno with nothing left allocated.
 */
int epf_db_bells_setup(struct epf_db *db, bool msi)
{
	int rc;

	db->polled = true;
	if (msi && db->db_bar == NO_BAR)
		dev_info(&db->epf->dev, "msikit: doorbells are polled: no BAR left to map an MSI doorbell frame\n");
	else if (msi && !epf_db_msi_domain(db))
		db->polled = false;
	db->sets[0].base = 0;
	db->sets[1].base = db->nr;
	db->old = NULL;
	rc = db->polled ? 0 : epf_db_set_alloc(db, &db->sets[0], epf_db_next_gen(db->generation));
	if (rc) {
		/* nothing of the set is left: poll instead, saying why once */
		if (db->why)
			dev_info(&db->epf->dev, "msikit: doorbells are polled: MSI doorbell %u: %s (%pe)\n",
				 db->why_index, db->why, ERR_PTR(rc));
		else
			dev_info(&db->epf->dev, "msikit: doorbells are polled: MSI doorbell %u: %pe\n",
				 db->why_index, ERR_PTR(rc));
		msikit_msi_domain_destroy(db->dom);
		db->dom = NULL;
		db->polled = true;
	}
	if (db->polled) {
		db->db_bar = NO_BAR;
		rc = epf_db_set_alloc(db, &db->sets[0], epf_db_next_gen(db->generation));
		if (rc)
			goto err;
	}
	WRITE_ONCE(db->cur, &db->sets[0]);
	if (db->polled) {
		db->poller = kthread_run(epf_db_poll, db, "msikit-epf-db/%s",
					 dev_name(&db->epf->dev));
		if (IS_ERR(db->poller)) {
			rc = PTR_ERR(db->poller);
			db->poller = NULL;
			goto err;
		}
	}
	return 0;
err:
	msikit_msi_domain_destroy(db->dom);
	db->dom = NULL;
	return rc;
}

/**
 * epf_db_bells_renew() - a new generation of doorbells, the old one retired
 * @db: the function, published, with no generation still retired
 *
 * On MSI doorbells the new ones are new interrupts, allocated while the
 * old ones still hold theirs, so the parent hands out messages no host
 * holds (on the ITS the data is the event number, and it hands out the
 * lowest free one). The old ones stay allocated and handled until
 * epf_db_bells_reap() finds the host has taken the new table. Polled
 * doorbells only change their data.
 *
 * Return: 0, with db->cur the new set for the caller to publish; -errno
 * with nothing changed.
 */
int epf_db_bells_renew(struct epf_db *db)
{
	struct epf_db_set *next = db->cur == &db->sets[0] ? &db->sets[1] : &db->sets[0];
	int rc;

	if (db->old)
		return -EBUSY;
	if (db->polled) {
		/* polled bells only change their data; the poller reads them */
		spin_lock(&db->poll_lock);
		epf_db_set_alloc(db, next, epf_db_next_gen(db->generation));
		db->cur = next;
		spin_unlock(&db->poll_lock);
		return 0;
	}
	rc = epf_db_set_alloc(db, next, epf_db_next_gen(db->generation));
	if (rc)
		return rc;
	db->old = db->cur;
	db->old_acked = 0;
	WRITE_ONCE(db->cur, next);
	return 0;
}

/**
 * epf_db_bells_reap() - free the retired generation once nobody rings it
 * @db: the function
 *
 * The host acknowledges a table by writing its generation to HOST_GEN,
 * or says it holds none (STOPPED);
 * rings it made with the old table before that may still be on their
 * way (posted writes from other CPUs of the host), hence the grace period
 * (parameter stale_grace_ms) that starts when the host acknowledges.
 *
 * Return: true while a retired generation is still held.
 */
bool epf_db_bells_reap(struct epf_db *db)
{
	u32 acked;

	if (!db->old)
		return false;
	/*
	 * Taken, or no table held at all: a host without one takes the
	 * current table before it rings, never a retired one.
	 */
	acked = epf_db_reg_read(db, MSIKIT_EPF_DB_REG_HOST_GEN);
	if (acked != db->cur->generation && acked != MSIKIT_EPF_DB_HOST_STOPPED)
		return true;
	if (!db->old_acked)
		db->old_acked = jiffies ?: 1;
	if (time_before(jiffies, db->old_acked + msecs_to_jiffies(epf_db_grace_ms)))
		return true;
	epf_db_set_free(db, db->old);
	db->old = NULL;
	return false;
}

/**
 * epf_db_bells_teardown() - free every doorbell of @db
 * @db: the function, no longer published (the host sees not-ready)
 */
void epf_db_bells_teardown(struct epf_db *db)
{
	if (db->poller) {
		kthread_stop(db->poller);
		db->poller = NULL;
	}
	if (db->old)
		epf_db_set_free(db, db->old);
	db->old = NULL;
	if (db->cur)
		epf_db_set_free(db, db->cur);
	msikit_msi_domain_destroy(db->dom);
	db->dom = NULL;
}
