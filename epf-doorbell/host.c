// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_epf_db_host: the host side of msikit endpoint doorbells. It binds
 * the PCI function an msikit_epf_db endpoint function shows, takes the
 * doorbell table from its register BAR (include/msikit/epf_db.h) and rings
 * doorbells on request through sysfs.
 *
 * A table is valid or absent: it is taken whole while the function is
 * READY with the same GENERATION before and after, and dropped whole when
 * anything in it fails to validate. Every ring reads STATUS and GENERATION
 * first, with preemption off up to the store: the function clears READY
 * before it changes anything and gives a ring already past that check a
 * grace period to land, which only holds if the check and the store are
 * not separated by a reschedule.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include <msikit/epf_db.h>

#include "compat.h"

static unsigned int vendor = 0x1234;
module_param(vendor, uint, 0444);
MODULE_PARM_DESC(vendor, "PCI vendor ID to bind as well as 1234:4d4b, as msikit_epf_db's vendor (default 0x1234)");

static unsigned int device = 0x4d4b;
module_param(device, uint, 0444);
MODULE_PARM_DESC(device, "PCI device ID to bind, as msikit_epf_db's device (default 0x4d4b)");

static unsigned int reg_bar;
module_param(reg_bar, uint, 0444);
MODULE_PARM_DESC(reg_bar, "BAR holding the function's registers, 0..5 (default 0)");

#define EPF_DB_HOST_TRIES	4	/* one sync and three retries */
#define EPF_DB_HOST_RING_MAX	1000000
#define EPF_DB_HOST_LOOP_MS_MAX	60000
/* how long a ring may take to be handled before it counts as unseen */
#define EPF_DB_HOST_SEEN_US	1000000

struct epf_db_host_bell {
	u32 kind;
	u32 bar;
	u32 offset;
	u32 data;
};

struct epf_db_host_stats {
	u64 rung;
	u64 notready;	/* rings refused because the function was not READY */
	u64 resyncs;
	u64 unseen;	/* rings the function did not count within a second */
};

/* what a table entry failed on, said only once the table proved stable */
struct epf_db_host_bad {
	unsigned int entry;
	const char *field;
	u32 value;
};

struct epf_db_host {
	struct pci_dev *pdev;
	struct mutex lock;		/* everything below but @removing */
	void __iomem *bar[PCI_STD_NUM_BARS];	/* mapped MEM BARs only */
	resource_size_t len[PCI_STD_NUM_BARS];
	void __iomem *reg;
	bool removing;			/* unbind started: long rings stop */
	bool gone;			/* ->remove() started: BARs untouched */
	bool valid;			/* @bells is the table of @gen */
	bool taken;			/* some table was taken since probe */
	u32 gen;
	unsigned int count;
	struct epf_db_host_bell bells[MSIKIT_EPF_DB_MAX];
	u64 resyncs;
	struct epf_db_host_stats loop;	/* of the last ring_loop */
	u32 told_gen;			/* the invalid table last reported */
	bool told;
	struct delayed_work watch;	/* READY, while a table is held */
};

/*
 * How often a host that holds a table looks at READY when it is not
 * ringing: a function going away waits for the host's word (HOST_GEN
 * STOPPED), and an idle host gives it within this, for one read of the
 * register BAR each time. 0: never (the function then waits its bound).
 */
static unsigned int watch_ms = 10;
module_param(watch_ms, uint, 0644);
MODULE_PARM_DESC(watch_ms, "how often an idle host looks for READY to clear, ms, 0 (never)..1000 (default 10)");

static void epf_db_host_watch_arm(struct epf_db_host *h)
{
	unsigned int ms = READ_ONCE(watch_ms);

	if (ms && !READ_ONCE(h->removing))
		mod_delayed_work(system_percpu_wq, &h->watch, msecs_to_jiffies(min(ms, 1000U)));
}

static u32 epf_db_host_rd(struct epf_db_host *h, u32 off)
{
	return ioread32(h->reg + off);
}

static int epf_db_host_check(struct epf_db_host *h, struct epf_db_host_bell *b,
			     struct epf_db_host_bad *bad)
{
	bad->field = "KIND";
	bad->value = b->kind;
	if (b->kind != MSIKIT_EPF_DB_KIND_MSI && b->kind != MSIKIT_EPF_DB_KIND_POLLED)
		return -EINVAL;
	bad->field = "BAR";
	bad->value = b->bar;
	if (b->bar >= PCI_STD_NUM_BARS || !h->bar[b->bar])
		return -EINVAL;
	/*
	 * Polled doorbells live in the register BAR, MSI ones never: a ring
	 * there would write the function's own registers (HOST_GEN, say).
	 */
	if (b->kind == MSIKIT_EPF_DB_KIND_POLLED ? b->bar != reg_bar : b->bar == reg_bar)
		return -EINVAL;
	bad->field = "OFFSET";
	bad->value = b->offset;
	if (!IS_ALIGNED(b->offset, 4) || (u64)b->offset + 4 > h->len[b->bar])
		return -ERANGE;
	/* anywhere else in the register BAR a store would corrupt the header */
	if (b->kind == MSIKIT_EPF_DB_KIND_POLLED &&
	    (b->offset < MSIKIT_EPF_DB_REG_POLLED ||
	     b->offset >= MSIKIT_EPF_DB_REG_POLLED + 4 * MSIKIT_EPF_DB_MAX))
		return -EINVAL;
	return 0;
}

static int epf_db_host_read_entries(struct epf_db_host *h, struct epf_db_host_bad *bad)
{
	struct epf_db_host_bell *b;
	unsigned int i;
	u32 ent;
	int rc;

	for (i = 0; i < h->count; i++) {
		b = &h->bells[i];
		ent = MSIKIT_EPF_DB_REG_TABLE + i * MSIKIT_EPF_DB_ENTRY_SIZE;
		b->kind = epf_db_host_rd(h, ent + MSIKIT_EPF_DB_ENT_KIND);
		b->bar = epf_db_host_rd(h, ent + MSIKIT_EPF_DB_ENT_BAR);
		b->offset = epf_db_host_rd(h, ent + MSIKIT_EPF_DB_ENT_OFFSET);
		b->data = epf_db_host_rd(h, ent + MSIKIT_EPF_DB_ENT_DATA);
		bad->entry = i;
		rc = epf_db_host_check(h, b, bad);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * One attempt at the table, read straight into h->bells (h->valid is
 * false meanwhile). Returns 1 when the function changed it under us: what
 * looked invalid may only have been half written, so that is no error.
 */
static int epf_db_host_take(struct epf_db_host *h)
{
	struct epf_db_host_bad bad = { .entry = 0 };
	u32 status, gen;
	int rc = 0;

	status = epf_db_host_rd(h, MSIKIT_EPF_DB_REG_STATUS);
	if (status == ~0U)
		return -ENODEV;
	if (!(status & MSIKIT_EPF_DB_READY))
		return -EAGAIN;
	gen = epf_db_host_rd(h, MSIKIT_EPF_DB_REG_GENERATION);
	h->count = epf_db_host_rd(h, MSIKIT_EPF_DB_REG_COUNT);
	if (!h->count || h->count > MSIKIT_EPF_DB_MAX) {
		bad.field = "COUNT";
		bad.value = h->count;
		h->count = 0;
		rc = -ERANGE;
	} else {
		rc = epf_db_host_read_entries(h, &bad);
	}
	status = epf_db_host_rd(h, MSIKIT_EPF_DB_REG_STATUS);
	if (status == ~0U)
		return -ENODEV;
	if (!(status & MSIKIT_EPF_DB_READY) ||
	    epf_db_host_rd(h, MSIKIT_EPF_DB_REG_GENERATION) != gen)
		return 1;
	if (rc) {
		/* one line per invalid table, however often it is read */
		if (!h->told || h->told_gen != gen)
			dev_warn(&h->pdev->dev, "msikit: generation %u: entry %u: %s %#x is invalid, no table\n",
				 gen, bad.entry, bad.field, bad.value);
		h->told = true;
		h->told_gen = gen;
		return rc;
	}
	h->told = false;
	h->gen = gen;
	return 0;
}

/**
 * epf_db_host_sync() - take the function's current table
 * @h: the device, with h->lock held
 *
 * On success, acknowledge the generation in HOST_GEN: from then on this
 * host rings only with the new table, which is what lets the function free
 * the doorbells it retired.
 *
 * Return: 0; -EAGAIN if the function is not ready or kept changing the
 * table; -ENODEV if it is gone; -EINVAL or -ERANGE for an invalid table.
 * On error no table is held.
 */
static int epf_db_host_sync(struct epf_db_host *h)
{
	u32 old = h->gen;
	int rc, i;

	lockdep_assert_held(&h->lock);
	if (h->gone)
		return -ENODEV;
	h->valid = false;
	for (i = 0; i < EPF_DB_HOST_TRIES; i++) {
		rc = epf_db_host_take(h);
		if (rc <= 0)
			break;
	}
	if (rc) {
		h->count = 0;
		return rc < 0 ? rc : -EAGAIN;
	}
	if (h->taken && h->gen != old)
		h->resyncs++;
	h->taken = true;
	h->valid = true;
	iowrite32(h->gen, h->reg + MSIKIT_EPF_DB_REG_HOST_GEN);
	epf_db_host_watch_arm(h);
	return 0;
}

/*
 * The function cleared READY: drop the table and say so (HOST_GEN 0), so
 * a function tearing down knows this host has stopped ringing it.
 */
static void epf_db_host_release(struct epf_db_host *h)
{
	lockdep_assert_held(&h->lock);
	if (!h->valid)
		return;
	h->valid = false;
	iowrite32(MSIKIT_EPF_DB_HOST_STOPPED, h->reg + MSIKIT_EPF_DB_REG_HOST_GEN);
}

/*
 * Whether the function is ready, without taking a table: taking one
 * acknowledges it (HOST_GEN), which only a ring or "sync" may do, never a
 * read. 0: ready; -EAGAIN: not ready; -ENODEV: gone.
 */
static int epf_db_host_peek(struct epf_db_host *h, u32 *gen)
{
	u32 status;

	if (h->gone)
		return -ENODEV;
	status = epf_db_host_rd(h, MSIKIT_EPF_DB_REG_STATUS);
	if (status == ~0U)
		return -ENODEV;
	if (!(status & MSIKIT_EPF_DB_READY))
		return -EAGAIN;
	*gen = epf_db_host_rd(h, MSIKIT_EPF_DB_REG_GENERATION);
	return 0;
}

/* the table is current, taken again if the function published a new one */
static int epf_db_host_refresh(struct epf_db_host *h)
{
	u32 gen;
	int rc;

	rc = epf_db_host_peek(h, &gen);
	if (rc == -EAGAIN)
		epf_db_host_release(h);
	if (rc)
		return rc;
	if (h->valid && gen == h->gen)
		return 0;
	return epf_db_host_sync(h);
}

/* one check-and-store; 1: the table is stale */
static int epf_db_host_ring_once(struct epf_db_host *h, unsigned int idx,
				 struct epf_db_host_stats *st, u32 *handled)
{
	struct epf_db_host_bell *b;
	u32 status;
	int rc = 1;

	preempt_disable();
	status = epf_db_host_rd(h, MSIKIT_EPF_DB_REG_STATUS);
	if (status == ~0U) {
		rc = -ENODEV;
	} else if (!(status & MSIKIT_EPF_DB_READY)) {
		st->notready++;
		rc = -EAGAIN;
	} else if (h->valid && epf_db_host_rd(h, MSIKIT_EPF_DB_REG_GENERATION) == h->gen) {
		rc = -EINVAL;
		if (idx < h->count) {
			b = &h->bells[idx];
			*handled = epf_db_host_rd(h, MSIKIT_EPF_DB_REG_HANDLED + 4 * idx);
			iowrite32(b->data, h->bar[b->bar] + b->offset);
			st->rung++;
			rc = 0;
		}
	}
	preempt_enable();
	return rc;
}

/*
 * A ring made while the doorbell is still pending merges into it, so ring
 * again only once the function has counted this one (epf_db.h: HANDLED).
 */
/* 1: HANDLED of @idx moved past @before; -EAGAIN: READY cleared; 0: neither */
static int epf_db_host_progress(struct epf_db_host *h, unsigned int idx, u32 before)
{
	if (epf_db_host_rd(h, MSIKIT_EPF_DB_REG_HANDLED + 4 * idx) != before)
		return 1;
	if (!(epf_db_host_rd(h, MSIKIT_EPF_DB_REG_STATUS) & MSIKIT_EPF_DB_READY))
		return -EAGAIN;
	return 0;
}

/*
 * A function that clears READY may have cleared its doorbell BAR too, and
 * a ring it dropped is never counted: stop waiting then, so as to say at
 * once that this host stopped (the caller releases the table).
 */
static int epf_db_host_seen(struct epf_db_host *h, unsigned int idx, u32 before,
			    struct epf_db_host_stats *st)
{
	int rc, r;

	rc = read_poll_timeout(epf_db_host_progress, r, r, 2, EPF_DB_HOST_SEEN_US, false,
			       h, idx, before);
	if (!rc && r < 0) {
		st->notready++;
		return r;
	}
	if (rc) {
		st->unseen++;
		dev_warn_ratelimited(&h->pdev->dev, "msikit: doorbell %u: ring not handled within %u ms\n",
				     idx, EPF_DB_HOST_SEEN_US / 1000);
	}
	return rc;
}

static int epf_db_host_ring_locked(struct epf_db_host *h, unsigned int idx,
				   struct epf_db_host_stats *st)
{
	u32 handled;
	u64 before;
	int rc, i;

	lockdep_assert_held(&h->lock);
	for (i = 0; i < 2; i++) {
		if (h->gone)
			return -ENODEV;
		rc = epf_db_host_ring_once(h, idx, st, &handled);
		if (!rc)
			rc = epf_db_host_seen(h, idx, handled, st);
		if (rc == -EAGAIN)
			epf_db_host_release(h);
		if (rc <= 0)
			return rc;
		before = h->resyncs;
		rc = epf_db_host_sync(h);
		st->resyncs += h->resyncs - before;
		if (rc)
			return rc;
	}
	/* a new generation again right after the one just taken */
	return -EAGAIN;
}

/* long rings give way to an unbind and to a kill */
static int epf_db_host_stop(struct epf_db_host *h)
{
	if (READ_ONCE(h->removing))
		return -ENODEV;
	if (fatal_signal_pending(current))
		return -EINTR;
	return 0;
}

static int epf_db_host_ring_n(struct epf_db_host *h, unsigned int idx, unsigned int n,
			      struct epf_db_host_stats *st)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = epf_db_host_stop(h);
		if (rc)
			return rc;
		mutex_lock(&h->lock);
		rc = epf_db_host_ring_locked(h, idx, st);
		mutex_unlock(&h->lock);
		if (rc)
			return rc;
		cond_resched();
	}
	return 0;
}

struct epf_db_host_req {
	bool all;
	unsigned int idx;
	unsigned int n;
};

/* "I" or "all", then N in 1..@max: required if @need_n, else 1 by default */
static int epf_db_host_parse(const char *buf, size_t count, bool need_n, unsigned int max,
			     struct epf_db_host_req *req)
{
	char tmp[32], *s = tmp, *argv[2], *tok;
	int argc = 0;

	if (count >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, count);
	tmp[count] = '\0';
	while ((tok = strsep(&s, " \t\n"))) {
		if (!*tok)
			continue;
		if (argc == ARRAY_SIZE(argv))
			return -EINVAL;
		argv[argc++] = tok;
	}
	if (!argc || (need_n && argc < 2))
		return -EINVAL;
	req->all = !strcmp(argv[0], "all");
	if (!req->all && kstrtouint(argv[0], 10, &req->idx))
		return -EINVAL;
	req->n = 1;
	if (argc == 2 && kstrtouint(argv[1], 10, &req->n))
		return -EINVAL;
	if (!req->n || req->n > max)
		return -EINVAL;
	return 0;
}

static ssize_t ring_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct epf_db_host *h = dev_get_drvdata(dev);
	struct epf_db_host_stats st = { };
	struct epf_db_host_req req;
	unsigned int i, nr;
	int rc;

	if (epf_db_host_parse(buf, count, false, EPF_DB_HOST_RING_MAX, &req)) {
		dev_warn_ratelimited(dev, "msikit: ring: want \"I [N]\" or \"all [N]\", N 1..%u\n",
				     EPF_DB_HOST_RING_MAX);
		return -EINVAL;
	}
	if (!req.all) {
		rc = epf_db_host_ring_n(h, req.idx, req.n, &st);
		if (rc == -EINVAL)
			dev_warn_ratelimited(dev, "msikit: ring: no doorbell %u in the table\n",
					     req.idx);
		return rc ?: count;
	}
	mutex_lock(&h->lock);
	rc = epf_db_host_refresh(h);
	nr = h->count;
	mutex_unlock(&h->lock);
	for (i = 0; !rc && i < nr; i++)
		rc = epf_db_host_ring_n(h, i, req.n, &st);
	return rc ?: count;
}
static DEVICE_ATTR_WO(ring);

/*
 * Not-ready periods (a new generation, the endpoint going down and up)
 * are waited out; a new table is taken as the ring finds it.
 */
static int epf_db_host_loop(struct epf_db_host *h, struct epf_db_host_req *req,
			    struct epf_db_host_stats *st)
{
	unsigned long end = jiffies + msecs_to_jiffies(req->n);
	unsigned int next = 0, idx;
	int rc;

	do {
		rc = epf_db_host_stop(h);
		if (rc)
			return rc;
		mutex_lock(&h->lock);
		if (req->all && next >= h->count)
			next = 0;
		idx = req->all ? next++ : req->idx;
		rc = epf_db_host_ring_locked(h, idx, st);
		/* a new table with fewer doorbells: start over */
		if (rc == -EINVAL && req->all && h->valid && idx >= h->count) {
			next = 0;
			rc = 0;
		}
		mutex_unlock(&h->lock);
		if (rc == -EAGAIN)
			usleep_range(50, 100);
		else if (rc && rc != -ETIMEDOUT)	/* unseen rings are counted */
			return rc;
		cond_resched();
	} while (time_before(jiffies, end));
	return 0;
}

static ssize_t ring_loop_store(struct device *dev, struct device_attribute *attr,
			       const char *buf, size_t count)
{
	struct epf_db_host *h = dev_get_drvdata(dev);
	struct epf_db_host_stats st = { };
	struct epf_db_host_req req;
	int rc;

	if (epf_db_host_parse(buf, count, true, EPF_DB_HOST_LOOP_MS_MAX, &req)) {
		dev_warn_ratelimited(dev, "msikit: ring_loop: want \"I MS\" or \"all MS\", MS 1..%u\n",
				     EPF_DB_HOST_LOOP_MS_MAX);
		return -EINVAL;
	}
	rc = epf_db_host_loop(h, &req, &st);
	mutex_lock(&h->lock);
	h->loop = st;
	mutex_unlock(&h->lock);
	/* the device may be on its way out: the log keeps what the loop saw */
	dev_info(dev, "msikit: ring_loop: rung %llu notready %llu resyncs %llu unseen %llu: %pe\n",
		 st.rung, st.notready, st.resyncs, st.unseen, ERR_PTR(rc));
	return rc ?: count;
}
static DEVICE_ATTR_WO(ring_loop);

/* the last ring_loop's own rings, not-ready refusals and new tables */
static ssize_t loop_stats_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct epf_db_host *h = dev_get_drvdata(dev);
	ssize_t n;

	mutex_lock(&h->lock);
	n = sysfs_emit(buf, "rung %llu notready %llu resyncs %llu unseen %llu\n",
		       h->loop.rung, h->loop.notready, h->loop.resyncs, h->loop.unseen);
	mutex_unlock(&h->lock);
	return n;
}
static DEVICE_ATTR_RO(loop_stats);

/* An idle host's look at READY: gone, it releases the table (STOPPED). */
static void epf_db_host_watch(struct work_struct *work)
{
	struct epf_db_host *h = container_of(to_delayed_work(work), struct epf_db_host, watch);
	u32 gen;
	int rc;

	mutex_lock(&h->lock);
	if (h->valid && !READ_ONCE(h->removing)) {
		rc = epf_db_host_peek(h, &gen);
		if (rc == -EAGAIN)
			epf_db_host_release(h);
		else if (!rc)
			epf_db_host_watch_arm(h);
	}
	mutex_unlock(&h->lock);
}

/* the table held; nothing while none is, or the function is not ready */
static ssize_t doorbells_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct epf_db_host *h = dev_get_drvdata(dev);
	struct epf_db_host_bell *b;
	unsigned int i;
	int n = 0, rc;
	u32 gen;

	mutex_lock(&h->lock);
	rc = epf_db_host_peek(h, &gen);
	for (i = 0; !rc && h->valid && i < h->count; i++) {
		b = &h->bells[i];
		n += sysfs_emit_at(buf, n, "%u %s %u 0x%x 0x%x\n", i,
				   b->kind == MSIKIT_EPF_DB_KIND_MSI ? "msi" : "polled",
				   b->bar, b->offset, b->data);
	}
	mutex_unlock(&h->lock);
	if (rc == -EAGAIN || rc == -ENODEV)
		return 0;
	return rc ?: n;
}
static DEVICE_ATTR_RO(doorbells);

/* the generation of the table held, 0 for none (a read takes none) */
static ssize_t generation_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct epf_db_host *h = dev_get_drvdata(dev);
	ssize_t n;

	mutex_lock(&h->lock);
	n = sysfs_emit(buf, "%u\n", h->valid ? h->gen : 0);
	mutex_unlock(&h->lock);
	return n;
}
static DEVICE_ATTR_RO(generation);

static ssize_t status_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct epf_db_host *h = dev_get_drvdata(dev);
	ssize_t n;
	u32 gen;

	mutex_lock(&h->lock);
	if (epf_db_host_peek(h, &gen))
		n = sysfs_emit(buf, "notready\n");
	else if (!h->valid)
		n = sysfs_emit(buf, "ready generation 0 doorbells 0 function %u\n", gen);
	else
		n = sysfs_emit(buf, "ready generation %u doorbells %u function %u\n",
			       h->gen, h->count, gen);
	mutex_unlock(&h->lock);
	return n;
}
static DEVICE_ATTR_RO(status);

static ssize_t sync_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct epf_db_host *h = dev_get_drvdata(dev);
	int rc;

	mutex_lock(&h->lock);
	rc = epf_db_host_sync(h);
	mutex_unlock(&h->lock);
	return rc ?: count;
}
static DEVICE_ATTR_WO(sync);

static struct attribute *epf_db_host_attrs[] = {
	&dev_attr_ring.attr,
	&dev_attr_ring_loop.attr,
	&dev_attr_loop_stats.attr,
	&dev_attr_doorbells.attr,
	&dev_attr_generation.attr,
	&dev_attr_status.attr,
	&dev_attr_sync.attr,
	NULL
};
ATTRIBUTE_GROUPS(epf_db_host);

static int epf_db_host_map(struct epf_db_host *h)
{
	struct pci_dev *pdev = h->pdev;
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) ||
		    !pci_resource_len(pdev, bar))
			continue;
		h->bar[bar] = pcim_iomap(pdev, bar, 0);
		if (!h->bar[bar])
			return -ENOMEM;
		h->len[bar] = pci_resource_len(pdev, bar);
	}
	return 0;
}

/* is this an msikit doorbell function this driver understands? */
static int epf_db_host_identify(struct epf_db_host *h)
{
	struct device *dev = &h->pdev->dev;
	u32 v;

	if (!h->reg || h->len[reg_bar] < MSIKIT_EPF_DB_REG_BAR_BYTES) {
		dev_warn(dev, "msikit: BAR %u is no memory BAR of at least %#x bytes\n",
			 reg_bar, MSIKIT_EPF_DB_REG_BAR_BYTES);
		return -ENODEV;
	}
	v = epf_db_host_rd(h, MSIKIT_EPF_DB_REG_MAGIC);
	if (v != MSIKIT_EPF_DB_MAGIC) {
		dev_warn(dev, "msikit: BAR %u: magic %#x, want %#x\n", reg_bar, v,
			 MSIKIT_EPF_DB_MAGIC);
		return -ENODEV;
	}
	v = epf_db_host_rd(h, MSIKIT_EPF_DB_REG_VERSION);
	if (v != MSIKIT_EPF_DB_VERSION) {
		dev_warn(dev, "msikit: BAR %u: version %u, want %u\n", reg_bar, v,
			 MSIKIT_EPF_DB_VERSION);
		return -ENODEV;
	}
	v = epf_db_host_rd(h, MSIKIT_EPF_DB_REG_BAR_SIZE);
	if (v < MSIKIT_EPF_DB_REG_BAR_BYTES || v > h->len[reg_bar]) {
		dev_warn(dev, "msikit: BAR %u: BAR_SIZE %#x, want %#x..%#llx\n", reg_bar, v,
			 MSIKIT_EPF_DB_REG_BAR_BYTES, (u64)h->len[reg_bar]);
		return -ENODEV;
	}
	return 0;
}

static int epf_db_host_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct epf_db_host *h;
	int rc;

	h = devm_kzalloc(&pdev->dev, sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->pdev = pdev;
	mutex_init(&h->lock);
	INIT_DELAYED_WORK(&h->watch, epf_db_host_watch);
	/* memory space only: the host rings, the function never masters */
	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	rc = epf_db_host_map(h);
	if (rc)
		return rc;
	h->reg = h->bar[reg_bar];
	rc = epf_db_host_identify(h);
	if (rc)
		return rc;
	/*
	 * Only the register BAR is this driver's alone. A doorbell BAR is a
	 * window onto the endpoint's MSI controller that it only stores
	 * doorbell data into, and functions of one controller may show the
	 * same window (on the test double, one physical range).
	 */
	rc = pcim_request_region(pdev, reg_bar, KBUILD_MODNAME);
	if (rc)
		return rc;
	pci_set_drvdata(pdev, h);

	/* a function not ready yet is no error: rings and reads sync later */
	mutex_lock(&h->lock);
	rc = epf_db_host_refresh(h);
	if (!rc)
		dev_info(&pdev->dev, "msikit: %u doorbells, generation %u\n", h->count, h->gen);
	else if (rc == -EAGAIN)
		dev_info(&pdev->dev, "msikit: function not ready yet\n");
	mutex_unlock(&h->lock);
	return 0;
}

/*
 * The driver core removes our attributes, waiting for readers and writers
 * in them, before it calls ->remove() (device_remove()), so no sysfs call
 * is left to race with this. A long ring would hold that up: the unbind
 * notifier below tells it to stop first. @gone keeps anything that might
 * still hold the lock off the BARs, which devres unmaps after this.
 */
static void epf_db_host_remove(struct pci_dev *pdev)
{
	struct epf_db_host *h = pci_get_drvdata(pdev);

	/* @removing keeps it from being armed again */
	cancel_delayed_work_sync(&h->watch);
	mutex_lock(&h->lock);
	/* a function still there learns that this host rings no more */
	if (h->valid && epf_db_host_rd(h, MSIKIT_EPF_DB_REG_STATUS) != ~0U)
		iowrite32(MSIKIT_EPF_DB_HOST_STOPPED, h->reg + MSIKIT_EPF_DB_REG_HOST_GEN);
	h->gone = true;
	h->valid = false;
	mutex_unlock(&h->lock);
}

/*
 * The IDs msikit_epf_db shows by default, so the module loads when such a
 * function appears; the parameters add one more pair at init, as new_id
 * does at run time.
 */
static const struct pci_device_id epf_db_host_ids[] = {
	{ PCI_DEVICE(0x1234, 0x4d4b) },
	{ }
};
MODULE_DEVICE_TABLE(pci, epf_db_host_ids);

static struct pci_driver epf_db_host_driver = {
	.name = "msikit_epf_db_host",
	.id_table = epf_db_host_ids,
	.probe = epf_db_host_probe,
	.remove = epf_db_host_remove,
	.dev_groups = epf_db_host_groups,
};

/* sent before the driver core drains our attributes on unbind */
static int epf_db_host_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct device *dev = data;
	struct epf_db_host *h;

	if (action != BUS_NOTIFY_UNBIND_DRIVER || dev->driver != &epf_db_host_driver.driver)
		return NOTIFY_DONE;
	h = dev_get_drvdata(dev);
	if (h)
		WRITE_ONCE(h->removing, true);
	return NOTIFY_OK;
}

static struct notifier_block epf_db_host_nb = {
	.notifier_call = epf_db_host_notify,
};

static int __init epf_db_host_init(void)
{
	int rc;

	if (vendor > 0xfffe || device > 0xffff || reg_bar >= PCI_STD_NUM_BARS) {
		pr_err("vendor %#x, device %#x or reg_bar %u out of range (0..0xfffe, 0..0xffff, 0..5)\n",
		       vendor, device, reg_bar);
		return -EINVAL;
	}
	rc = bus_register_notifier(&pci_bus_type, &epf_db_host_nb);
	if (rc)
		return rc;
	rc = pci_register_driver(&epf_db_host_driver);
	if (rc)
		goto err;
	if (vendor != epf_db_host_ids[0].vendor || device != epf_db_host_ids[0].device) {
		rc = pci_add_dynid(&epf_db_host_driver, vendor, device, PCI_ANY_ID, PCI_ANY_ID,
				   0, 0, 0);
		if (rc) {
			pr_err("cannot add %04x:%04x: %pe\n", vendor, device, ERR_PTR(rc));
			pci_unregister_driver(&epf_db_host_driver);
			goto err;
		}
	}
	return 0;
err:
	bus_unregister_notifier(&pci_bus_type, &epf_db_host_nb);
	return rc;
}
module_init(epf_db_host_init);

static void __exit epf_db_host_exit(void)
{
	pci_unregister_driver(&epf_db_host_driver);
	bus_unregister_notifier(&pci_bus_type, &epf_db_host_nb);
}
module_exit(epf_db_host_exit);

MODULE_DESCRIPTION("msikit endpoint doorbells: host driver that rings an msikit_epf_db function");
MODULE_AUTHOR("msikit developers");
MODULE_LICENSE("GPL");
