// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe sysfs: /sys/class/msikit-doe/<mailbox>/, also reachable as
 * msikit-doe/<mailbox>/ under the PCI function on every kernel (the core's
 * own doe_features directory exists only from 6.15 on).
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
	return sysfs_emit(buf, "%s\n", doe_mode_str(mb));
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

static struct attribute *doe_attrs[] = {
	&dev_attr_features.attr,
	&dev_attr_mode.attr,
	&dev_attr_cap_offset.attr,
	&dev_attr_irq.attr,
	NULL
};

static const struct attribute_group doe_group = {
	.attrs = doe_attrs,
};

#define DOE_STAT_ATTR(name)						\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n",				\
			  atomic64_read(&to_doe_mb(dev)->stats.name));	\
}									\
static DEVICE_ATTR_RO(name)

DOE_STAT_ATTR(exchanges);
DOE_STAT_ATTR(errors);
DOE_STAT_ATTR(timeouts);
DOE_STAT_ATTR(aborts);
DOE_STAT_ATTR(irqs);
DOE_STAT_ATTR(polls);
DOE_STAT_ATTR(cfg_reads);
DOE_STAT_ATTR(cfg_writes);
DOE_STAT_ATTR(busy_waits);
DOE_STAT_ATTR(overflows);

static struct attribute *doe_stat_attrs[] = {
	&dev_attr_exchanges.attr,
	&dev_attr_errors.attr,
	&dev_attr_timeouts.attr,
	&dev_attr_aborts.attr,
	&dev_attr_irqs.attr,
	&dev_attr_polls.attr,
	&dev_attr_cfg_reads.attr,
	&dev_attr_cfg_writes.attr,
	&dev_attr_busy_waits.attr,
	&dev_attr_overflows.attr,
	NULL
};

static const struct attribute_group doe_stat_group = {
	.name = "stats",
	.attrs = doe_stat_attrs,
};

const struct attribute_group *doe_groups[] = {
	&doe_group,
	&doe_stat_group,
	NULL
};
