// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe sysfs: /sys/class/msikit-doe/<mailbox>/, also reachable as
 * msikit-doe/<mailbox>/ under the PCI function on every kernel (the core's
 * own doe_features directory exists only from 6.15 on).
 *
 * The mailbox layer does not know these groups: init hands them to it for
 * every mailbox registered from then on.
 */
#include <linux/pci.h>
#include <linux/sysfs.h>

#include "doe.h"

static ssize_t features_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct msikit_doe_mb *mb = to_doe_mb(dev);
	unsigned int i;
	int len = 0, rc;

	/* Routed mailboxes run Discovery through pci_doe() on first use. */
	rc = doe_mb_discover(mb);
	if (rc)
		return rc;
	for (i = 0; i < mb->nr_feats; i++)
		len += sysfs_emit_at(buf, len, "%04x:%02x\n", mb->feats[i].vid,
				     mb->feats[i].type);
	return len;
}
static DEVICE_ATTR_RO(features);

static ssize_t mode_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct msikit_doe_mb *mb = to_doe_mb(dev);

	if (test_bit(DOE_DEAD, &mb->flags))
		return sysfs_emit(buf, "dead\n");
	return sysfs_emit(buf, "%s\n", mb->transport->name);
}
static DEVICE_ATTR_RO(mode);

static ssize_t cap_offset_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%#x\n", to_doe_mb(dev)->cap);
}
static DEVICE_ATTR_RO(cap_offset);

static ssize_t irq_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_doe_mb(dev)->irq);
}
static DEVICE_ATTR_RO(irq);

/* user-space exchanges held now, against max_queued */
static ssize_t queued_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_doe_mb(dev)->user_queued));
}
static DEVICE_ATTR_RO(queued);

/* who holds the mailbox's CMA/SPDM for a sequence: "none" or "pid N ..." */
static ssize_t spdm_claim_show(struct device *dev, struct device_attribute *attr,
			       char *buf)
{
	return doe_spdm_claim_show(to_doe_mb(dev), buf);
}
static DEVICE_ATTR_RO(spdm_claim);

/*
 * The engine's learned response latencies, "VID:TYPE EST_NS DEV_NS" a
 * protocol, or "none". Read without a lock while an exchange may be
 * updating them: each number is whole, the pair may be a step apart.
 */
static ssize_t latency_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct msikit_doe_mb *mb = to_doe_mb(dev);
	const struct doe_latency *l;
	int n = 0;

	for (l = mb->lat; l < mb->lat + DOE_LAT_KEYS; l++)
		if (READ_ONCE(l->valid))
			n += sysfs_emit_at(buf, n, "%04x:%02x %u %u\n", l->vid, l->type,
					   READ_ONCE(l->est_ns), READ_ONCE(l->dev_ns));
	return n ?: sysfs_emit(buf, "none\n");
}
static DEVICE_ATTR_RO(latency);

/* how late this mailbox's learned sleeps have woken: what they end early by */
static ssize_t oversleep_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct msikit_doe_mb *mb = to_doe_mb(dev);

	return sysfs_emit(buf, "%u %u\n", READ_ONCE(mb->oversleep_ns),
			  READ_ONCE(mb->oversleep_dev_ns));
}
static DEVICE_ATTR_RO(oversleep);

static struct attribute *doe_attrs[] = {
	&dev_attr_features.attr,
	&dev_attr_mode.attr,
	&dev_attr_cap_offset.attr,
	&dev_attr_irq.attr,
	&dev_attr_queued.attr,
	&dev_attr_spdm_claim.attr,
	&dev_attr_latency.attr,
	&dev_attr_oversleep.attr,
	NULL
};

static const struct attribute_group doe_group = {
	.attrs = doe_attrs,
};

struct doe_stat_attr {
	struct device_attribute attr;
	enum doe_stat index;
};

static ssize_t doe_stat_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct doe_stat_attr *sa = container_of(attr, struct doe_stat_attr, attr);

	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_doe_mb(dev)->stats[sa->index]));
}

static struct doe_stat_attr doe_stats[] = {
	{ __ATTR(exchanges, 0444, doe_stat_show, NULL), DOE_STAT_EXCHANGES },
	{ __ATTR(errors, 0444, doe_stat_show, NULL), DOE_STAT_ERRORS },
	{ __ATTR(timeouts, 0444, doe_stat_show, NULL), DOE_STAT_TIMEOUTS },
	{ __ATTR(aborts, 0444, doe_stat_show, NULL), DOE_STAT_ABORTS },
	{ __ATTR(irqs, 0444, doe_stat_show, NULL), DOE_STAT_IRQS },
	{ __ATTR(polls, 0444, doe_stat_show, NULL), DOE_STAT_POLLS },
	{ __ATTR(cfg_reads, 0444, doe_stat_show, NULL), DOE_STAT_CFG_READS },
	{ __ATTR(cfg_writes, 0444, doe_stat_show, NULL), DOE_STAT_CFG_WRITES },
	{ __ATTR(busy_waits, 0444, doe_stat_show, NULL), DOE_STAT_BUSY_WAITS },
	{ __ATTR(overflows, 0444, doe_stat_show, NULL), DOE_STAT_OVERFLOWS },
	{ __ATTR(busy_irqs, 0444, doe_stat_show, NULL), DOE_STAT_BUSY_IRQS },
	{ __ATTR(queue_full, 0444, doe_stat_show, NULL), DOE_STAT_QUEUE_FULL },
	{ __ATTR(wait_reads, 0444, doe_stat_show, NULL), DOE_STAT_WAIT_READS },
	{ __ATTR(first_look_hits, 0444, doe_stat_show, NULL), DOE_STAT_FIRST_LOOK_HITS },
	{ __ATTR(target_hits, 0444, doe_stat_show, NULL), DOE_STAT_TARGET_HITS },
	{ __ATTR(probes, 0444, doe_stat_show, NULL), DOE_STAT_PROBES },
	{ __ATTR(fallbacks, 0444, doe_stat_show, NULL), DOE_STAT_FALLBACKS },
	{ __ATTR(est_resets, 0444, doe_stat_show, NULL), DOE_STAT_EST_RESETS },
	{ __ATTR(est_outliers, 0444, doe_stat_show, NULL), DOE_STAT_EST_OUTLIERS },
	{ __ATTR(irq_status_hits, 0444, doe_stat_show, NULL), DOE_STAT_IRQ_STATUS },
	{ __ATTR(quiet_goes, 0444, doe_stat_show, NULL), DOE_STAT_QUIET },
	{ __ATTR(quiet_misses, 0444, doe_stat_show, NULL), DOE_STAT_QUIET_MISSES },
	{ __ATTR(irq_slices, 0444, doe_stat_show, NULL), DOE_STAT_IRQ_SLICES },
	{ __ATTR(irq_lost, 0444, doe_stat_show, NULL), DOE_STAT_IRQ_LOST },
	/* not __ATTR(): it would name the file after what the kernel defines inline as */
	{ .attr = { .attr = { .name = "inline", .mode = 0444 }, .show = doe_stat_show },
	  .index = DOE_STAT_INLINE },
	{ __ATTR(irq_spun, 0444, doe_stat_show, NULL), DOE_STAT_IRQ_SPUN },
	{ __ATTR(idle_reused, 0444, doe_stat_show, NULL), DOE_STAT_IDLE_REUSED },
};

/* filled from doe_stats[] at init: one list, no count to keep in step */
static struct attribute *doe_stat_attrs[ARRAY_SIZE(doe_stats) + 1];

static const struct attribute_group doe_stat_group = {
	.name = "stats",
	.attrs = doe_stat_attrs,
};

static const struct attribute_group *doe_groups[] = {
	&doe_group,
	&doe_stat_group,
	NULL
};

/* before the first mailbox is registered, so that each has its groups */
void doe_sysfs_init(void)
{
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(doe_stats) != DOE_STAT_NR);
	for (i = 0; i < ARRAY_SIZE(doe_stats); i++)
		doe_stat_attrs[i] = &doe_stats[i].attr.attr;
	doe_mb_set_groups(doe_groups);
}

void doe_sysfs_exit(void)
{
	doe_mb_set_groups(NULL);
}
