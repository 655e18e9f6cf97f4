// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_msi: per-device secondary MSI domains stacked on the device's MSI
 * parent, from exported symbols only.
 *
 * Stock kernels offer no way to create a device MSI domain that a third
 * party triggers: msi_create_device_irq_domain() is not exported, and every
 * x86 parent refuses DOMAIN_BUS_DEVICE_MSI children. So msikit builds the
 * hierarchy itself: a domain whose parent is dev->msi.domain (the x86
 * vector domain or the Intel/AMD remapping domain that replaced it for
 * this function, the GICv3 ITS, the RISC-V IMSIC), one virq per
 * allocation, and a top-level chip that forwards to the parent and reports
 * every composed message.
 *
 * What the parent needs from us is what it needs from PCI/MSI: one private
 * msi_desc naming the function (remapping parents take the requester ID
 * from it), and on the ITS a device prepared for the function's DeviceID
 * (parent.c).
 */
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/msi.h>
#include <linux/of.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <msikit/msi.h>

#include "compat.h"

#define MSIKIT_MSI_MAX	2048

/*
 * Domains between create and the destroy that freed them, module-wide
 * (a domain kept for its late free_irq() calls still counts). A consumer
 * that forgets a domain holds no reference on this module once it is
 * unloaded itself, so only the count shows the leak:
 * /sys/module/msikit_msi/parameters/domains.
 */
static atomic_t msi_domains = ATOMIC_INIT(0);

static int msi_domains_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&msi_domains));
}

/* a count, not a setting: never written, not even at load */
static int msi_domains_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops msi_domains_ops = {
	.set = msi_domains_set,
	.get = msi_domains_get,
};
module_param_cb(domains, &msi_domains_ops, NULL, 0444);
MODULE_PARM_DESC(domains, "live MSI domains (read-only)");

struct msikit_msi_irq {
	struct msikit_msi_domain *dom;
	unsigned int index;
	int virq;
	bool active;
	struct msi_msg msg;		/* under dom->msg_lock */
	/* pinned parents: the CPU a move left its old target on, or -1 */
	int moved_from;
};

struct msikit_msi_domain {
	struct device *dev;
	struct irq_domain *parent;
	struct irq_domain *domain;
	struct fwnode_handle *fwnode;
	struct irq_chip chip;
	struct msikit_parent p;
	const struct msikit_msi_ops *ops;
	void *data;
	struct mutex lock;		/* allocation state */
	bool kept;			/* destroyed with handlers: see destroy */
	raw_spinlock_t msg_lock;	/* cached messages, taken in irq context */
	u64 win_base, win_size;		/* msg_window behind an IOMMU, once learned */
	bool warned;			/* said its iommu-map is not in effect */
	unsigned int size;
	struct msikit_msi_irq irqs[] __counted_by(size);
};

/*
 * irq_chip_compose_msi_msg() is not exported; all it does is ask the
 * first parent level that can compose. The top level never can.
 */
static void msi_compose(struct irq_data *irqd, struct msi_msg *msg)
{
	struct irq_data *pd;

	memset(msg, 0, sizeof(*msg));
	for (pd = irqd->parent_data; pd; pd = pd->parent_data) {
		if (pd->chip && pd->chip->irq_compose_msi_msg) {
			pd->chip->irq_compose_msi_msg(pd, msg);
			return;
		}
	}
}

/*
 * Cache @msg and tell the consumer: always on (de)activation, else when it
 * changed. State, cache and report move together under msg_lock, so
 * msikit_msi_get_msg() never sees an active interrupt without its message,
 * and the consumer hears messages in the order they took effect: the last
 * report, from a move or from msikit_msi_restore(), is the current one.
 */
static void msi_update(struct msikit_msi_irq *mi, const struct msi_msg *msg,
		       bool active, bool always)
{
	struct msikit_msi_domain *dom = mi->dom;
	unsigned long flags;

	raw_spin_lock_irqsave(&dom->msg_lock, flags);
	if (always || memcmp(&mi->msg, msg, sizeof(*msg))) {
		mi->msg = *msg;
		mi->active = active;
		dom->ops->write_msg(dom, mi->index, msg, dom->data);
	}
	raw_spin_unlock_irqrestore(&dom->msg_lock, flags);
}

/*
 * The writer is remote, so there is nothing to mask at the source: flow
 * callbacks go to the first parent level that has them (the ITS enables
 * the LPI on unmask, the IMSIC its vector; x86 parents only ack), and are
 * no-ops where none does.
 */
#define MSI_FORWARD(op)							\
static void msi_##op(struct irq_data *irqd)				\
{									\
	struct irq_data *pd;						\
									\
	for (pd = irqd->parent_data; pd; pd = pd->parent_data) {	\
		if (pd->chip && pd->chip->irq_##op) {			\
			pd->chip->irq_##op(pd);				\
			return;						\
		}							\
	}								\
}

MSI_FORWARD(ack)

MSI_FORWARD(eoi)

MSI_FORWARD(mask)

MSI_FORWARD(unmask)

/* A parent that rewrites the message during a move tells us here (IMSIC). */
static void msi_write_msg(struct irq_data *irqd, struct msi_msg *msg)
{
	struct msikit_msi_irq *mi = irq_data_get_irq_chip_data(irqd);

	msi_update(mi, msg, mi->active, false);
}

/*
 * Translation-table parents (remapping) retarget in their table and report
 * IRQ_SET_MASK_OK_DONE: the message stands. The bare vector domain moves
 * the interrupt to a new vector and CPU, so the message changes; the old
 * vector stays assigned until the first interrupt arrives on the new one,
 * which is what gives a remote writer time to switch (msi-lib/README).
 */
static int msi_set_affinity(struct irq_data *irqd, const struct cpumask *mask, bool force)
{
	struct msikit_msi_irq *mi = irq_data_get_irq_chip_data(irqd);
	const struct cpumask *eff = irq_data_get_effective_affinity_mask(irqd);
	unsigned int old = cpumask_first(eff);
	struct msi_msg msg;
	int ret;

	/*
	 * Pinned parents: once the message is out, only a CPU going away
	 * may move the interrupt (its old target is lost anyway).
	 */
	if (mi->dom->p.pinned && mi->active && !cpumask_intersects(mask, eff) &&
	    cpumask_intersects(eff, cpu_online_mask)) {
		dev_warn_ratelimited(mi->dom->dev,
				     "msikit: irq %u: affinity is fixed on %s once its message is published (-EPERM)\n",
				     irqd->irq, msikit_parent_names[mi->dom->p.kind]);
		return -EPERM;
	}
	ret = irq_chip_set_affinity_parent(irqd, mask, force);
	/* the old CPU retires the old target later: see msi_free_one() */
	if (ret >= 0 && mi->dom->p.pinned && old < nr_cpu_ids && cpumask_first(eff) != old)
		WRITE_ONCE(mi->moved_from, old);
	if (ret >= 0 && ret != IRQ_SET_MASK_OK_DONE) {
		msi_compose(irqd, &msg);
		msi_update(mi, &msg, mi->active, false);
	}
	return ret;
}

static int msi_domain_alloc(struct irq_domain *d, unsigned int virq,
			    unsigned int nr_irqs, void *arg)
{
	struct msikit_msi_domain *dom = d->host_data;
	struct msikit_msi_irq *mi = arg;
	int rc;

	if (nr_irqs != 1)
		return -EINVAL;
	rc = msikit_parent_alloc(&dom->p, d, virq);
	if (rc)
		return rc;
	if (dom->p.fasteoi)
		irq_domain_set_info(d, virq, mi->index, &dom->chip, mi,
				    handle_fasteoi_irq, NULL, "fasteoi");
	else
		irq_domain_set_info(d, virq, mi->index, &dom->chip, mi,
				    handle_edge_irq, NULL, "edge");
	return 0;
}

/*
 * The hierarchy activates parents first, so the parent's message is final
 * when we get here: this is where the consumer first learns it.
 */
static int msi_domain_activate(struct irq_domain *d, struct irq_data *irqd, bool reserve)
{
	struct msikit_msi_irq *mi = irq_data_get_irq_chip_data(irqd);
	struct msi_msg msg;

	msi_compose(irqd, &msg);
	msi_update(mi, &msg, true, true);
	return 0;
}

static void msi_domain_deactivate(struct irq_domain *d, struct irq_data *irqd)
{
	struct msikit_msi_irq *mi = irq_data_get_irq_chip_data(irqd);
	struct msi_msg zero = { };

	msi_update(mi, &zero, false, true);
}

static const struct irq_domain_ops msi_domain_ops = {
	.alloc = msi_domain_alloc,
	.free = irq_domain_free_irqs_common,
	.activate = msi_domain_activate,
	.deactivate = msi_domain_deactivate,
};

/**
 * msikit_msi_domain_create_info() - a secondary MSI domain for @dev
 * @dev: the device whose requester ID the writes carry: a PCI function,
 *	or a device whose device-tree node names its MSI parent and ID
 * @info: name, size and sharing (struct msikit_msi_domain_info)
 * @ops: consumer callbacks; @ops->write_msg is required
 * @data: passed to @ops
 *
 * Return: the domain, or an ERR_PTR: -EOPNOTSUPP with one log line when
 * the device's MSI parent cannot serve such a domain, -EINVAL.
 */
struct msikit_msi_domain *
msikit_msi_domain_create_info(struct device *dev, const struct msikit_msi_domain_info *info,
			      const struct msikit_msi_ops *ops, void *data)
{
	struct msikit_msi_domain *dom;
	struct irq_domain *parent;
	unsigned int size;
	char *name;
	int rc, i;

	if (!dev || !info || !ops || !ops->write_msg)
		return ERR_PTR(-EINVAL);
	size = info->size;
	if (!size || size > MSIKIT_MSI_MAX || info->dev_size > MSIKIT_MSI_MAX) {
		dev_warn(dev, "msikit: MSI domain of %u (%u for the device) refused: 1..%u\n",
			 size, info->dev_size, MSIKIT_MSI_MAX);
		return ERR_PTR(-EINVAL);
	}
	parent = dev_get_msi_domain(dev);
	if (!parent && !dev_is_pci(dev))
		parent = msikit_parent_from_map(dev, info->map_id);
	else if (!parent)
		dev_warn(dev, "msikit: no MSI parent domain\n");
	if (!parent)
		return ERR_PTR(-EOPNOTSUPP);

	dom = kzalloc(struct_size(dom, irqs, size), GFP_KERNEL);
	if (!dom)
		return ERR_PTR(-ENOMEM);
	dom->size = size;
	dom->dev = get_device(dev);
	dom->parent = parent;
	dom->ops = ops;
	dom->data = data;
	mutex_init(&dom->lock);
	raw_spin_lock_init(&dom->msg_lock);
	for (i = 0; i < size; i++) {
		dom->irqs[i].dom = dom;
		dom->irqs[i].index = i;
	}

	rc = msikit_parent_init(&dom->p, dev, parent, info);
	if (rc)
		goto err_free;

	dom->chip = (struct irq_chip) {
		.name = "msikit-MSI",
		.irq_ack = msi_ack,
		.irq_eoi = msi_eoi,
		.irq_mask = msi_mask,
		.irq_unmask = msi_unmask,
		.irq_retrigger = irq_chip_retrigger_hierarchy,
		.irq_set_affinity = msi_set_affinity,
		.irq_write_msi_msg = msi_write_msg,
		.flags = IRQCHIP_SKIP_SET_WAKE | IRQCHIP_AFFINITY_PRE_STARTUP,
	};

	name = info->name ? kasprintf(GFP_KERNEL, "%s-%s", dev_name(dev), info->name) : NULL;
	/* the fwnode keeps a copy of the name */
	dom->fwnode = irq_domain_alloc_named_fwnode(name ?: dev_name(dev));
	kfree(name);
	if (!dom->fwnode) {
		rc = -ENOMEM;
		goto err;
	}
	dom->domain = irq_domain_create_hierarchy(parent, 0, size, dom->fwnode,
						  &msi_domain_ops, dom);
	if (!dom->domain) {
		rc = -ENOMEM;
		goto err;
	}
	dev_info(dev, "msikit: MSI domain%s%s of %u on %s (%s messages%s)\n",
		 info->name ? " " : "", info->name ?: "", size,
		 msikit_parent_names[dom->p.kind], dom->p.immutable ? "immutable" : "mutable",
		 dom->p.pinned ? ", affinity pinned" : "");
	atomic_inc(&msi_domains);
	return dom;
err:
	if (dom->fwnode)
		irq_domain_free_fwnode(dom->fwnode);
	msikit_parent_fini(&dom->p);
err_free:
	put_device(dom->dev);
	kfree(dom);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_GPL(msikit_msi_domain_create_info);

/**
 * msikit_msi_domain_create() - a secondary MSI domain for @dev
 * @dev: the device whose requester ID the writes carry (a PCI function)
 * @size: number of interrupt indexes, 1..2048
 * @ops: consumer callbacks; @ops->write_msg is required
 * @data: passed to @ops
 *
 * msikit_msi_domain_create_info() with only a size.
 *
 * Return: the domain, or an ERR_PTR: -EOPNOTSUPP with one log line when
 * the device's MSI parent cannot serve such a domain.
 */
struct msikit_msi_domain *msikit_msi_domain_create(struct device *dev, unsigned int size,
						   const struct msikit_msi_ops *ops,
						   void *data)
{
	struct msikit_msi_domain_info info = { .size = size };

	return msikit_msi_domain_create_info(dev, &info, ops, data);
}
EXPORT_SYMBOL_GPL(msikit_msi_domain_create);

static void msi_free_one(struct msikit_msi_irq *mi)
{
	struct msikit_msi_domain *dom = mi->dom;
	int cpu = READ_ONCE(mi->moved_from);

	/* a moved interrupt's old target must be retired before its number goes */
	if (cpu >= 0)
		msikit_parent_settle(&dom->p, cpu);
	mutex_lock(dom->p.lock);
	irq_dispose_mapping(mi->virq);
	msikit_parent_account(&dom->p, -1);
	mutex_unlock(dom->p.lock);
	mi->virq = 0;
	memset(&mi->msg, 0, sizeof(mi->msg));
}

/**
 * msikit_msi_domain_destroy() - free every interrupt and the domain
 * @dom: domain, or an ERR_PTR/NULL (ignored)
 *
 * The consumer must have freed its handlers (free_irq) first. One that did
 * not would be left with handlers on interrupts whose chip lives in @dom:
 * msikit then warns once, frees the interrupts without handlers and keeps
 * the domain and this module in memory, so the late free_irq() finds them;
 * calling this again after those free_irq() calls completes the job.
 */
void msikit_msi_domain_destroy(struct msikit_msi_domain *dom)
{
	unsigned int i, busy = 0;

	if (IS_ERR_OR_NULL(dom))
		return;
	mutex_lock(&dom->lock);
	for (i = 0; i < dom->size; i++) {
		if (!dom->irqs[i].virq)
			continue;
		if (irq_has_action(dom->irqs[i].virq))
			busy++;
		else
			msi_free_one(&dom->irqs[i]);
	}
	mutex_unlock(&dom->lock);
	if (busy) {
		WARN_ONCE(1, "msikit: %s: domain destroyed with %u interrupts still requested\n",
			  dev_name(dom->dev), busy);
		dev_err(dom->dev, "msikit: MSI domain kept: %u interrupts still have handlers\n",
			busy);
		if (!dom->kept)
			__module_get(THIS_MODULE);
		dom->kept = true;
		return;
	}
	if (dom->kept)
		module_put(THIS_MODULE);
	irq_domain_remove(dom->domain);
	irq_domain_free_fwnode(dom->fwnode);
	msikit_parent_fini(&dom->p);
	put_device(dom->dev);
	kfree(dom);
	atomic_dec(&msi_domains);
}
EXPORT_SYMBOL_GPL(msikit_msi_domain_destroy);

static int msi_alloc_one(struct msikit_msi_domain *dom, unsigned int index)
{
	struct msikit_msi_irq *mi = &dom->irqs[index];
	int virq;

	mi->moved_from = -1;
	mutex_lock(dom->p.lock);
	if (msikit_parent_full(&dom->p)) {
		mutex_unlock(dom->p.lock);
		dev_warn_ratelimited(dom->dev, "msikit: %s: %u interrupts, over all of the function's msikit domains, is the most that leaves its own vectors their remapping entries\n",
				     msikit_parent_names[dom->p.kind], dom->p.max_alloc);
		return -ENOSPC;
	}
	virq = msikit_parent_prepare(&dom->p);
	if (!virq)
		virq = __irq_domain_alloc_irqs(dom->domain, -1, 1, dev_to_node(dom->dev),
					       mi, false, NULL);
	if (virq > 0)
		msikit_parent_account(&dom->p, 1);
	mutex_unlock(dom->p.lock);
	if (virq < 0)
		return virq;
	mi->virq = virq;
	return 0;
}

/**
 * msikit_msi_alloc() - allocate the interrupt at @index
 * @dom: domain
 * @index: 0..size-1, or MSIKIT_MSI_ANY for the first free one
 *
 * Return: the index, or -EINVAL (out of range), -EBUSY (taken), -ENOSPC
 * (none free), or the parent's error (-ENOSPC when out of vectors or
 * remapping entries).
 */
int msikit_msi_alloc(struct msikit_msi_domain *dom, unsigned int index)
{
	int rc;

	if (IS_ERR_OR_NULL(dom))
		return -EINVAL;
	if (index != MSIKIT_MSI_ANY && index >= dom->size)
		return -EINVAL;
	mutex_lock(&dom->lock);
	if (index == MSIKIT_MSI_ANY) {
		for (index = 0; index < dom->size; index++)
			if (!dom->irqs[index].virq)
				break;
		rc = index < dom->size ? 0 : -ENOSPC;
	} else {
		rc = dom->irqs[index].virq ? -EBUSY : 0;
	}
	if (!rc)
		rc = msi_alloc_one(dom, index);
	mutex_unlock(&dom->lock);
	return rc ?: index;
}
EXPORT_SYMBOL_GPL(msikit_msi_alloc);

/**
 * msikit_msi_alloc_range() - allocate @nvec consecutive free interrupts
 * @dom: domain
 * @nvec: how many, 1..size
 *
 * All or nothing.
 *
 * Return: the first index, or -errno.
 */
int msikit_msi_alloc_range(struct msikit_msi_domain *dom, unsigned int nvec)
{
	unsigned int first, i;
	int rc = -ENOSPC;

	if (IS_ERR_OR_NULL(dom) || !nvec || nvec > dom->size)
		return -EINVAL;
	mutex_lock(&dom->lock);
	for (first = 0; first + nvec <= dom->size; first++) {
		for (i = 0; i < nvec; i++)
			if (dom->irqs[first + i].virq)
				break;
		if (i == nvec) {
			rc = 0;
			break;
		}
	}
	if (!rc) {
		for (i = 0; i < nvec; i++) {
			rc = msi_alloc_one(dom, first + i);
			if (rc)
				break;
		}
		/* the parent may run out part way, with -ENOSPC too: undo */
		while (rc && i-- > 0)
			msi_free_one(&dom->irqs[first + i]);
	}
	mutex_unlock(&dom->lock);
	return rc ?: first;
}
EXPORT_SYMBOL_GPL(msikit_msi_alloc_range);

/**
 * msikit_msi_free() - free the interrupt at @index
 * @dom: domain
 * @index: an allocated index whose handler was freed
 *
 * Return: 0, or -EINVAL when @index is out of range or not allocated,
 * -EBUSY (one log line, nothing freed) while a handler is still requested.
 */
int msikit_msi_free(struct msikit_msi_domain *dom, unsigned int index)
{
	struct msikit_msi_irq *mi;
	int rc = 0;

	if (IS_ERR_OR_NULL(dom) || index >= dom->size)
		return -EINVAL;
	mi = &dom->irqs[index];
	mutex_lock(&dom->lock);
	if (!mi->virq) {
		rc = -EINVAL;
	} else if (irq_has_action(mi->virq)) {
		dev_warn_ratelimited(dom->dev, "msikit: interrupt %u (irq %d) not freed: free_irq() it first\n",
				     index, mi->virq);
		rc = -EBUSY;
	} else {
		msi_free_one(mi);
	}
	mutex_unlock(&dom->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(msikit_msi_free);

/**
 * msikit_msi_virq() - Linux irq number of @index
 * @dom: domain
 * @index: allocated index
 *
 * Return: the virq, or -EINVAL / -ENOENT.
 */
int msikit_msi_virq(struct msikit_msi_domain *dom, unsigned int index)
{
	int virq;

	if (IS_ERR_OR_NULL(dom) || index >= dom->size)
		return -EINVAL;
	virq = READ_ONCE(dom->irqs[index].virq);
	return virq ?: -ENOENT;
}
EXPORT_SYMBOL_GPL(msikit_msi_virq);

/**
 * msikit_msi_get_msg() - the current message of @index
 * @dom: domain
 * @index: allocated index
 * @msg: result
 *
 * Return: 0; -EAGAIN while the interrupt is not requested (no message
 * yet); -EINVAL / -ENOENT for a bad index.
 */
int msikit_msi_get_msg(struct msikit_msi_domain *dom, unsigned int index,
		       struct msi_msg *msg)
{
	struct msikit_msi_irq *mi;
	unsigned long flags;
	int rc = 0;

	if (IS_ERR_OR_NULL(dom) || !msg || index >= dom->size)
		return -EINVAL;
	mi = &dom->irqs[index];
	if (!READ_ONCE(mi->virq))
		return -ENOENT;
	raw_spin_lock_irqsave(&dom->msg_lock, flags);
	if (mi->active)
		*msg = mi->msg;
	else
		rc = -EAGAIN;
	raw_spin_unlock_irqrestore(&dom->msg_lock, flags);
	return rc;
}
EXPORT_SYMBOL_GPL(msikit_msi_get_msg);

/**
 * msikit_msi_restore() - hand every active message to the consumer again
 * @dom: domain
 *
 * For after a reset of whatever holds the published messages (a peer that
 * rebooted, a BAR that lost its contents): the cached message is the truth,
 * the consumer writes it back (seed 002: vfio's write-back after dynamic
 * allocation and reset).
 *
 * Reports are ordered with those of affinity changes: whatever the
 * consumer heard last for an interrupt is its current message.
 *
 * Return: number of messages handed over.
 */
int msikit_msi_restore(struct msikit_msi_domain *dom)
{
	struct msikit_msi_irq *mi;
	unsigned long flags;
	unsigned int i;
	int n = 0;

	if (IS_ERR_OR_NULL(dom))
		return -EINVAL;
	mutex_lock(&dom->lock);
	for (i = 0; i < dom->size; i++) {
		mi = &dom->irqs[i];
		/* under msg_lock: a move cannot slip its report before ours */
		raw_spin_lock_irqsave(&dom->msg_lock, flags);
		if (mi->virq && mi->active) {
			dom->ops->write_msg(dom, i, &mi->msg, dom->data);
			n++;
		}
		raw_spin_unlock_irqrestore(&dom->msg_lock, flags);
	}
	mutex_unlock(&dom->lock);
	return n;
}
EXPORT_SYMBOL_GPL(msikit_msi_restore);

/**
 * msikit_msi_immutable() - do this domain's messages survive affinity changes?
 * @dom: domain
 *
 * True on translation-table parents (interrupt remapping, GIC ITS), where
 * an affinity change rewrites the table and not the message.
 */
bool msikit_msi_immutable(struct msikit_msi_domain *dom)
{
	return !IS_ERR_OR_NULL(dom) && dom->p.immutable;
}
EXPORT_SYMBOL_GPL(msikit_msi_immutable);

/**
 * msikit_msi_pinned() - is affinity fixed once a message is published?
 * @dom: domain
 *
 * True where the parent retires a moved interrupt's old target before a
 * remote writer could switch (RISC-V IMSIC): irq_set_affinity() to other
 * CPUs then fails with -EPERM while the interrupt is requested. Choose the
 * CPU before request_irq().
 */
bool msikit_msi_pinned(struct msikit_msi_domain *dom)
{
	return !IS_ERR_OR_NULL(dom) && dom->p.pinned;
}
EXPORT_SYMBOL_GPL(msikit_msi_pinned);

/**
 * msikit_msi_device_id() - the ID the MSI parent knows the device by
 * @dom: the domain
 * @dev_id: the GICv3 ITS DeviceID its writes must carry
 *
 * Domains that share a DeviceID share the parent's event table: a writer
 * that can reach one of them can name an event of any other. An endpoint
 * function tells its host whether its doorbells are its own this way.
 *
 * Return: how many msikit domains share the ID now (1: this one alone),
 * or -EOPNOTSUPP where the parent knows devices by no such ID.
 */
int msikit_msi_device_id(struct msikit_msi_domain *dom, u32 *dev_id)
{
	if (!dom || !dev_id)
		return -EINVAL;
	return msikit_parent_dev_id(&dom->p, dev_id);
}
EXPORT_SYMBOL_GPL(msikit_msi_device_id);

/*
 * Behind an IOMMU whose DMA domain remaps MSI writes (the SMMU on arm64),
 * the parent's message does not hold the doorbell's physical address but
 * an I/O virtual page that the IOMMU code mapped over it in this device's
 * IOMMU domain, at the device's first interrupt, for the IOMMU domain's
 * life. Compose one message to learn that page: an interrupt of the domain
 * if there is one, else one allocated for the purpose and freed again.
 * A message inside @phys_base..+@phys_size means the IOMMU leaves MSI
 * writes alone (a hardware MSI region): then the physical range stands.
 */
static int msi_learn_iova(struct msikit_msi_domain *dom, struct iommu_domain *iommu,
			  u64 phys_base, u64 phys_size)
{
	unsigned long granule = BIT(__ffs(iommu->pgsize_bitmap));
	struct msikit_msi_irq *mi = NULL;
	bool temp = false;
	struct msi_msg msg;
	phys_addr_t phys;
	unsigned int i;
	u64 addr;
	int rc;

	for (i = 0; i < dom->size && !mi; i++)
		if (dom->irqs[i].virq)
			mi = &dom->irqs[i];
	if (!mi) {
		rc = msi_alloc_one(dom, 0);
		if (rc)
			return rc;
		mi = &dom->irqs[0];
		temp = true;
	}
	msi_compose(irq_get_irq_data(mi->virq), &msg);
	if (temp)
		msi_free_one(mi);
	addr = (u64)msg.address_hi << 32 | msg.address_lo;
	if (addr >= phys_base && addr < phys_base + phys_size) {
		dom->win_base = phys_base;
		dom->win_size = phys_size;
	} else {
		/* what the IOMMU maps there must be the doorbell, or nothing is promised */
		phys = iommu_iova_to_phys(iommu, addr);
		if (phys < phys_base || phys >= phys_base + phys_size) {
			dev_warn(dom->dev, "msikit: %s message at %#llx, which the IOMMU maps to %pa (0: nothing), outside the doorbell frame: no window\n",
				 msikit_parent_names[dom->p.kind], addr, &phys);
			return -EOPNOTSUPP;
		}
		dom->win_base = ALIGN_DOWN(addr, granule);
		dom->win_size = granule;
		dev_info(dom->dev, "msikit: %s doorbell mapped by the IOMMU at %#llx (%#lx bytes)\n",
			 msikit_parent_names[dom->p.kind], dom->win_base, granule);
	}
	return 0;
}

/**
 * msikit_msi_msg_window() - the address range every message lies in
 * @dom: domain
 * @base: start of the range
 * @size: its length
 *
 * For a consumer that must map the messages before it knows them, such as
 * an NTB inbound window or an endpoint's doorbell BAR: every message the
 * parent can compose for this domain, now or after any affinity change,
 * has its address in the range. Behind an IOMMU that remaps MSI writes
 * (arm64 SMMU) that is the I/O virtual page mapping the ITS doorbell for
 * this device, which a write must then carry this device's stream to
 * reach. The first call there allocates and frees one interrupt when the
 * domain has none, to learn the page; it is kept for the domain's life,
 * which assumes the device's IOMMU domain does not change while it is
 * bound.
 *
 * Context: process; may sleep. Not from &msikit_msi_ops.write_msg, nor
 * with the domain's own interrupts being allocated or freed by the caller.
 *
 * Return: 0, or -EOPNOTSUPP when the parent gives no such range, -EINVAL,
 * or -ENOSPC/the parent's error when no interrupt could be composed.
 */
int msikit_msi_msg_window(struct msikit_msi_domain *dom, u64 *base, u64 *size)
{
	struct iommu_domain *iommu;
	int rc;

	if (IS_ERR_OR_NULL(dom) || !base || !size)
		return -EINVAL;
	rc = msikit_parent_window(&dom->p, base, size);
	if (rc || dom->p.kind != MSIKIT_PARENT_GIC_ITS)
		return rc;
	/* of msikit's parents, only the ITS has the IOMMU's DMA domain map it */
	iommu = iommu_get_domain_for_dev(dom->dev);
	if (!iommu && !dev_is_pci(dom->dev) &&
	    of_property_present(dom->dev->of_node, "iommu-map")) {
		/* an endpoint controller's inbound stream, say (i.MX95's LUT) */
		mutex_lock(&dom->lock);
		if (!dom->warned)
			dev_warn(dom->dev, "msikit: %pOF has an iommu-map but the device is in no IOMMU domain: if its inbound writes are translated, the physical doorbell frame is not what they must target\n",
				 dom->dev->of_node);
		dom->warned = true;
		mutex_unlock(&dom->lock);
	}
	if (!iommu || !iommu_is_dma_domain(iommu) || !iommu->pgsize_bitmap)
		return 0;
	mutex_lock(&dom->lock);
	if (!dom->win_size)
		rc = msi_learn_iova(dom, iommu, *base, *size);
	if (!rc) {
		*base = dom->win_base;
		*size = dom->win_size;
	}
	mutex_unlock(&dom->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(msikit_msi_msg_window);

/**
 * msikit_msi_parent_name() - which parent serves the domain
 * @dom: domain
 */
const char *msikit_msi_parent_name(struct msikit_msi_domain *dom)
{
	return IS_ERR_OR_NULL(dom) ? "none" : msikit_parent_names[dom->p.kind];
}
EXPORT_SYMBOL_GPL(msikit_msi_parent_name);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msikit per-device MSI domains on the platform MSI parent");
MODULE_AUTHOR("msikit developers");
MODULE_VERSION("0.1.0");
