// SPDX-License-Identifier: GPL-2.0
/*
 * Upstream's ntb_msi API (include/linux/ntb.h, CONFIG_NTB_MSI) over
 * msikit's per-device domain, for an NTB core built without
 * drivers/ntb/msi.c: clients built against upstream's header, such as
 * ntb_transport with use_msi or ntb_msi_test, run unmodified and get
 * interrupts that never borrow the NTB function's own MSI-X vectors.
 *
 * Built only where the build asks for it (MSIKIT_NTB_MSI_API=y) and the
 * target's NTB core has no ntb_msi of its own; the build then defines
 * CONFIG_NTB_MSI for every module of it, because struct ntb_dev has a
 * field (msi) only then. The context hangs there, as upstream's does, and
 * lives as long as upstream's: devres of the NTB device, released when the
 * client unbinds. The windows are upstream's too, through the adapter.
 *
 * Descriptors are msikit's (include/msikit/ntb_msi.h) in upstream's two
 * host-order words: clients pass them through without looking inside,
 * except to tell a published one from none (an offset of 0 is none to
 * ntb_transport, and msikit's never is).
 */
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ntb.h>
#include <linux/slab.h>
#include "compat.h"
#include "internal.h"

/*
 * Upstream's API takes no count. ntb_transport wants one interrupt per
 * queue pair, ntb_msi_test a handful; a domain of this size leaves room on
 * AMD-Vi, whose remapping table the function's domains share (msi-lib's
 * README).
 */
#define NTB_MSI_API_IRQS	256

struct ntb_msi {
	struct ntb_dev *ntb;
	struct msikit_ntb_port *port;
	struct msikit_ntb_msi *nm;
	void (*desc_changed)(void *ctx);
	unsigned long flags;		/* for each request */
	struct mutex lock;		/* irqs, the clients' descriptors */
	struct list_head irqs;
};

/* one requested interrupt: a devres of the NTB device */
struct ntb_msi_irq {
	struct list_head node;
	struct ntb_msi *msi;
	int virq;
	void *dev_id;
	struct msikit_ntb_msi_desc kdesc;	/* msikit rewrites this one */
	struct ntb_msi_desc *desc;		/* the client's copy */
};

/* Two 32-bit stores, as upstream's: the client reads them in desc_changed. */
static void ntb_msi_copy_desc(struct ntb_msi_irq *mi)
{
	struct msikit_ntb_msi_desc d;
	u64 v = READ_ONCE(*(u64 *)&mi->kdesc);

	memcpy(&d, &v, sizeof(d));
	WRITE_ONCE(mi->desc->data, le32_to_cpu(d.data));
	WRITE_ONCE(mi->desc->addr_offset, le32_to_cpu(d.addr_offset));
}

/*
 * A client going away clears its context (ntb_clear_ctx()) in its remove()
 * and may free the memory its descriptors are in before devres frees the
 * interrupts: from then on nothing is copied or called. A change that
 * races that remove() is the client's, as with upstream's ntb_msi, whose
 * callback ran at the affinity change itself.
 */
static void ntb_msi_changed(void *ctx)
{
	struct ntb_msi *msi = ctx;
	struct ntb_msi_irq *mi;
	bool live;

	mutex_lock(&msi->lock);
	live = !!READ_ONCE(msi->ntb->ctx_ops);
	if (live)
		list_for_each_entry(mi, &msi->irqs, node)
			ntb_msi_copy_desc(mi);
	mutex_unlock(&msi->lock);
	if (live && msi->desc_changed)
		msi->desc_changed(msi->ntb->ctx);
}

static void ntb_msi_release(struct device *dev, void *res)
{
	struct ntb_msi *msi = *(struct ntb_msi **)res;

	msikit_ntb_msi_exit(msi->nm);
	msikit_ntb_port_free(msi->port);
	if (msi->ntb->msi == msi)
		msi->ntb->msi = NULL;
	kfree(msi);
}

/**
 * ntb_msi_init() - upstream's ntb_msi_init() over msikit
 * @ntb: the NTB device, bound to the calling client
 * @desc_changed: called with the client's context (ntb->ctx) after
 *	descriptors changed; as upstream, it may be NULL: where descriptors
 *	would change with affinity (x86 vector), the interrupts are then
 *	requested IRQF_NOBALANCING, so that they do not
 *
 * Return: 0, or -EBUSY (already done for @ntb), -ENOMEM, or msikit's error
 * (msikit_ntb_msi_init()).
 */
int ntb_msi_init(struct ntb_dev *ntb, void (*desc_changed)(void *ctx))
{
	struct msikit_ntb_msi_info info;
	struct ntb_msi **res;
	struct ntb_msi *msi;
	int rc;

	if (!ntb || !ntb->pdev)
		return -EINVAL;
	if (ntb->msi)
		return -EBUSY;
	res = devres_alloc(ntb_msi_release, sizeof(*res), GFP_KERNEL);
	msi = kzalloc(sizeof(*msi), GFP_KERNEL);
	if (!res || !msi) {
		rc = -ENOMEM;
		goto free;
	}
	msi->ntb = ntb;
	msi->desc_changed = desc_changed;
	mutex_init(&msi->lock);
	INIT_LIST_HEAD(&msi->irqs);
	msi->port = msikit_ntb_port_from_ntb(ntb, msikit_ntb_mw_writer(ntb));
	if (IS_ERR(msi->port)) {
		rc = PTR_ERR(msi->port);
		goto free;
	}
	msi->nm = msikit_ntb_msi_init(msi->port, NTB_MSI_API_IRQS, ntb_msi_changed, msi);
	if (IS_ERR(msi->nm)) {
		rc = PTR_ERR(msi->nm);
		msikit_ntb_port_free(msi->port);
		goto free;
	}
	/* no one to republish: keep the descriptors from changing */
	if (!desc_changed && !msikit_ntb_msi_info(msi->nm, &info) && !info.immutable)
		msi->flags = IRQF_NOBALANCING;
	*res = msi;
	devres_add(&ntb->dev, res);
	ntb->msi = msi;
	return 0;
free:
	kfree(msi);
	devres_free(res);
	return rc;
}
EXPORT_SYMBOL(ntb_msi_init);

/**
 * ntb_msi_setup_mws() - open the peers' inbound windows
 * @ntb: the NTB device, after ntb_msi_init()
 *
 * Return: as msikit_ntb_msi_setup_mws(), or -EINVAL before ntb_msi_init().
 */
int ntb_msi_setup_mws(struct ntb_dev *ntb)
{
	return ntb && ntb->msi ? msikit_ntb_msi_setup_mws(ntb->msi->nm) : -EINVAL;
}
EXPORT_SYMBOL(ntb_msi_setup_mws);

/**
 * ntb_msi_clear_mws() - close the peers' inbound windows
 * @ntb: the NTB device
 */
void ntb_msi_clear_mws(struct ntb_dev *ntb)
{
	if (ntb && ntb->msi)
		msikit_ntb_msi_clear_mws(ntb->msi->nm);
}
EXPORT_SYMBOL(ntb_msi_clear_mws);

static void ntb_msi_irq_release(struct device *dev, void *res)
{
	struct ntb_msi_irq *mi = res;
	struct ntb_msi *msi = mi->msi;

	mutex_lock(&msi->lock);
	list_del(&mi->node);
	mutex_unlock(&msi->lock);
	msikit_ntb_msi_free_irq(msi->nm, mi->virq, mi->dev_id);
}

/**
 * ntbm_msi_request_threaded_irq() - upstream's managed request over msikit
 * @ntb: the NTB device, after ntb_msi_setup_mws()
 * @handler: hard interrupt handler
 * @thread_fn: threaded handler
 * @name: interrupt name
 * @dev_id: passed to the handlers
 * @msi_desc: filled with the descriptor to send to the peer, and kept up
 *	to date until the interrupt is freed
 *
 * The interrupt is freed when the client unbinds, or by ntbm_msi_free_irq()
 * where the kernel's header has it.
 *
 * Return: the Linux interrupt number, or -EINVAL before ntb_msi_init(),
 * -ENOMEM, or msikit's error (msikit_ntb_msi_request_threaded_irq()).
 */
int ntbm_msi_request_threaded_irq(struct ntb_dev *ntb, irq_handler_t handler,
				  irq_handler_t thread_fn, const char *name,
				  void *dev_id, struct ntb_msi_desc *msi_desc)
{
	struct ntb_msi_irq *mi;
	struct ntb_msi *msi;
	int virq;

	if (!ntb || !ntb->msi || !msi_desc)
		return -EINVAL;
	msi = ntb->msi;
	mi = devres_alloc(ntb_msi_irq_release, sizeof(*mi), GFP_KERNEL);
	if (!mi)
		return -ENOMEM;
	mi->msi = msi;
	mi->dev_id = dev_id;
	mi->desc = msi_desc;
	/* on the list first: a change reported right after the request is copied */
	mutex_lock(&msi->lock);
	list_add(&mi->node, &msi->irqs);
	virq = msikit_ntb_msi_request_irq_flags(msi->nm, handler, thread_fn, msi->flags, name,
						dev_id, &mi->kdesc);
	if (virq < 0) {
		list_del(&mi->node);
		mutex_unlock(&msi->lock);
		devres_free(mi);
		return virq;
	}
	mi->virq = virq;
	ntb_msi_copy_desc(mi);
	mutex_unlock(&msi->lock);
	devres_add(&ntb->dev, mi);
	return virq;
}
EXPORT_SYMBOL(ntbm_msi_request_threaded_irq);

#ifdef MSIKIT_HAVE_NTBM_MSI_FREE_IRQ
static int ntb_msi_irq_match(struct device *dev, void *res, void *data)
{
	struct ntb_msi_irq *mi = res, *want = data;

	return mi->virq == want->virq && mi->dev_id == want->dev_id;
}

/**
 * ntbm_msi_free_irq() - free an interrupt of ntbm_msi_request_threaded_irq()
 * @ntb: the NTB device
 * @irq: the interrupt
 * @dev_id: as requested
 *
 * Kernels whose header declares it (6.12; 7.x dropped it). One that is not
 * a peer interrupt of @ntb is refused with one log line.
 */
void ntbm_msi_free_irq(struct ntb_dev *ntb, unsigned int irq, void *dev_id)
{
	struct ntb_msi_irq want = { .virq = irq, .dev_id = dev_id };

	if (!ntb || !ntb->msi)
		return;
	if (devres_release(&ntb->dev, ntb_msi_irq_release, ntb_msi_irq_match, &want))
		dev_warn(&ntb->dev, "msikit: %s: irq %u is not a peer interrupt of this device\n",
			 __func__, irq);
}
EXPORT_SYMBOL(ntbm_msi_free_irq);
#endif

static void ntb_msi_desc_in(struct msikit_ntb_msi_desc *d, const struct ntb_msi_desc *desc)
{
	d->addr_offset = cpu_to_le32(READ_ONCE(desc->addr_offset));
	d->data = cpu_to_le32(READ_ONCE(desc->data));
}

/**
 * ntb_msi_peer_trigger() - raise a peer's interrupt
 * @ntb: the NTB device
 * @peer: peer index
 * @desc: the descriptor the peer published
 *
 * Return: as msikit_ntb_msi_peer_trigger(): -ENODATA and -EBADMSG say the
 * descriptor is not (wholly) published: read it again.
 */
int ntb_msi_peer_trigger(struct ntb_dev *ntb, int peer, struct ntb_msi_desc *desc)
{
	struct msikit_ntb_msi_desc d;

	if (!ntb || !ntb->msi || !desc)
		return -EINVAL;
	ntb_msi_desc_in(&d, desc);
	return msikit_ntb_msi_peer_trigger(ntb->msi->nm, peer, &d);
}
EXPORT_SYMBOL(ntb_msi_peer_trigger);

#ifdef MSIKIT_HAVE_NTB_MSI_PEER_ADDR
/**
 * ntb_msi_peer_addr() - where a peer's interrupt is raised
 * @ntb: the NTB device
 * @peer: peer index
 * @desc: the descriptor the peer published
 * @msi_addr: the physical address to write @desc->data to
 *
 * Kernels whose header declares it (6.12; 7.x dropped it).
 *
 * Return: as msikit_ntb_msi_peer_addr().
 */
int ntb_msi_peer_addr(struct ntb_dev *ntb, int peer, struct ntb_msi_desc *desc,
		      phys_addr_t *msi_addr)
{
	struct msikit_ntb_msi_desc d;

	if (!ntb || !ntb->msi || !desc)
		return -EINVAL;
	ntb_msi_desc_in(&d, desc);
	return msikit_ntb_msi_peer_addr(ntb->msi->nm, peer, &d, msi_addr);
}
EXPORT_SYMBOL(ntb_msi_peer_addr);
#endif
