// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_ntb_msi: NTB peer interrupts in a per-device domain.
 *
 * Upstream's drivers/ntb/msi.c borrows PCI MSI-X descriptors of the NTB
 * function (PCI_IRQ_VIRTUAL) and takes the first one without a handler,
 * which may be one of the function's real vectors. The irq maintainers'
 * answer (seeds/003) is a domain of its own for the memory-window
 * interrupts: that is what msikit_msi gives us, stacked on the function's
 * MSI parent so the peer's forwarded write, tagged with the function's
 * requester ID, passes the remapping unit's source check or names the
 * function's ITS DeviceID. The function's own vectors are never touched.
 *
 * A descriptor (window offset, data) is computed once the interrupt is
 * requested and lies in the inbound window planned from msikit_msi's
 * message range (window.c). On a mutable parent msikit_msi reports a new
 * message at an affinity change, possibly in hard interrupt context; we
 * note it and a work item rewrites the client's descriptor and calls
 * desc_changed. msikit_msi keeps the old message working until the first
 * write with the new one, so a client that republishes loses nothing.
 */
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include "internal.h"

/*
 * Contexts between init and exit, module-wide. A client that never calls
 * msikit_ntb_msi_exit() holds no reference on this module (its symbols
 * do, and rmmod of the client drops them), so without a count nothing
 * would show the leak: debugfs msikit_ntb_msi/contexts.
 */
static atomic_t nm_contexts = ATOMIC_INIT(0);

static int nm_contexts_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", atomic_read(&nm_contexts));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nm_contexts);
DEFINE_SHOW_ATTRIBUTE(nm_refused);

static struct dentry *nm_debugfs;

/*
 * A peer running upstream's drivers/ntb/msi.c writes the data at its
 * mapping of the window plus the offset word taken whole, with no bound,
 * and publishes its own offsets bare. For such a peer a sealed word's top
 * byte is an address up to 4 GiB past its mapping: upstream_peer gives
 * up the seal (descriptors plain, whose format bits its word index drops)
 * and keeps descriptors from changing instead, by pinning the interrupts
 * where they would (IRQF_NOBALANCING; a CPU going offline still moves
 * them). Read when a context is made, so that one context never mixes
 * the two.
 */
static bool upstream_peer;
module_param(upstream_peer, bool, 0644);
MODULE_PARM_DESC(upstream_peer,
		 "the peers run upstream's drivers/ntb/msi.c: plain descriptors, interrupts pinned where they would change, bare offsets accepted (not 0 with data 0: a zeroed channel); read when a context is made (default N)");

/*
 * msikit_msi reports here, with interrupts off: note which interrupt, and
 * let the work item read its current message from msikit_msi's cache.
 */
static void nm_write_msg(struct msikit_msi_domain *dom, unsigned int index,
			 const struct msi_msg *msg, void *data)
{
	struct msikit_ntb_msi *nm = data;

	set_bit(index, nm->dirty);
	schedule_work(&nm->work);
}

static const struct msikit_msi_ops nm_ops = {
	.write_msg = nm_write_msg,
};

/*
 * One 64-bit store: a reader never sees the new offset with the old data
 * (on the x86 vector that pair would name the old vector on the new CPU).
 */
static void nm_publish(struct msikit_ntb_msi_desc *to, const struct msikit_ntb_msi_desc *d)
{
	u64 v;

	memcpy(&v, d, sizeof(v));
	WRITE_ONCE(*(u64 *)to, v);
}

/*
 * Rewrite the descriptors of requested interrupts whose message was
 * reported since, then tell the client once. A report for an interrupt
 * being freed finds no descriptor: the client's copy is never written
 * after msikit_ntb_msi_free_irq() returns.
 */
static void nm_work(struct work_struct *work)
{
	struct msikit_ntb_msi *nm = container_of(work, struct msikit_ntb_msi, work);
	struct msikit_ntb_msi_desc desc;
	bool changed = false;
	struct msi_msg msg;
	unsigned int i;

	mutex_lock(&nm->lock);
	for_each_set_bit(i, nm->dirty, nm->max_irqs) {
		struct nm_irq *ni = &nm->irqs[i];

		/* cleared first: a report after the read below runs us again */
		if (!test_and_clear_bit(i, nm->dirty) || !ni->desc ||
		    msikit_msi_get_msg(nm->dom, i, &msg))
			continue;
		if (nm_make_desc(nm, &msg, &desc)) {
			/* never published: the peer keeps the old one, which still works */
			dev_err_ratelimited(nm->port->dev, "msikit: irq %d: new message %#x%08x outside the window: not published (-ERANGE)\n",
					    ni->virq, msg.address_hi, msg.address_lo);
			continue;
		}
		nm_publish(ni->desc, &desc);
		changed = true;
	}
	mutex_unlock(&nm->lock);
	if (changed && nm->desc_changed)
		nm->desc_changed(nm->ctx);
}

static int nm_check_port(struct msikit_ntb_port *port)
{
	const struct msikit_ntb_port_ops *ops = port ? port->ops : NULL;

	if (!port || !port->dev || !ops)
		return -EINVAL;
	if (!ops->mw_get_align || !ops->mw_set_trans || !ops->mw_clear_trans ||
	    !ops->peer_mw_get_addr) {
		dev_warn(port->dev, "msikit: NTB port without the window callbacks refused\n");
		return -EINVAL;
	}
	if (port->peers < 1 || port->peers > MSIKIT_NTB_MAX_PEERS) {
		dev_warn(port->dev, "msikit: NTB port with %d peers refused: 1..%d\n",
			 port->peers, MSIKIT_NTB_MAX_PEERS);
		return -EINVAL;
	}
	return 0;
}

/**
 * msikit_ntb_msi_init() - peer interrupts for an NTB port
 * @port: the port; it must outlive the context
 * @max_irqs: the most interrupts requested at once, 1..2048
 * @desc_changed: called in process context after descriptors changed;
 *	required (-EINVAL) on a parent whose messages change with affinity
 *	(x86 vector). It may still run once after the interrupt it was for is
 *	freed, never after msikit_ntb_msi_exit() returns.
 * @ctx: passed to @desc_changed
 *
 * Creates the port's interrupt domain on its function's MSI parent and
 * maps the outbound windows. Nothing is visible to a peer until
 * msikit_ntb_msi_setup_mws().
 *
 * Return: the context, or an ERR_PTR: -EINVAL for a bad port or count,
 * -EOPNOTSUPP when the function's MSI parent cannot serve (one log line).
 */
struct msikit_ntb_msi *msikit_ntb_msi_init(struct msikit_ntb_port *port,
					   unsigned int max_irqs,
					   void (*desc_changed)(void *ctx), void *ctx)
{
	struct msikit_ntb_msi *nm;
	int rc;

	rc = nm_check_port(port);
	if (rc)
		return ERR_PTR(rc);
	if (!max_irqs || max_irqs > NM_MAX_IRQS) {
		dev_warn(port->dev, "msikit: %u peer interrupts refused: 1..%u\n",
			 max_irqs, NM_MAX_IRQS);
		return ERR_PTR(-EINVAL);
	}
	nm = kzalloc(struct_size(nm, irqs, max_irqs), GFP_KERNEL);
	if (!nm)
		return ERR_PTR(-ENOMEM);
	nm->max_irqs = max_irqs;
	nm->port = port;
	nm->desc_changed = desc_changed;
	nm->ctx = ctx;
	nm->upstream = READ_ONCE(upstream_peer);
	mutex_init(&nm->lock);
	INIT_WORK(&nm->work, nm_work);

	nm->dom = msikit_msi_domain_create(port->dev, max_irqs, &nm_ops, nm);
	if (IS_ERR(nm->dom)) {
		rc = PTR_ERR(nm->dom);
		goto free;
	}
	if (!desc_changed && !msikit_msi_immutable(nm->dom)) {
		dev_warn(port->dev, "msikit: %s: descriptors change with affinity here: a desc_changed callback is required\n",
			 msikit_msi_parent_name(nm->dom));
		rc = -EINVAL;
		goto destroy;
	}
	nm->nobalance = nm->upstream && !msikit_msi_immutable(nm->dom);
	if (nm->nobalance)
		dev_info(port->dev, "msikit: %s: upstream_peer: descriptors plain, interrupts pinned (IRQF_NOBALANCING); a CPU going offline still moves one, and such a peer can read that change torn\n",
			 msikit_msi_parent_name(nm->dom));
	rc = msikit_msi_msg_window(nm->dom, &nm->msg_base, &nm->msg_size);
	if (rc) {
		dev_warn(port->dev, "msikit: %s: no known message range to open a window on (%d)\n",
			 msikit_msi_parent_name(nm->dom), rc);
		goto destroy;
	}
	rc = nm_map_peers(nm);
	if (rc)
		goto destroy;
	atomic_inc(&nm_contexts);
	return nm;
destroy:
	msikit_msi_domain_destroy(nm->dom);
free:
	kfree(nm);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_init);

/*
 * Plan and set every peer's window, with nm->lock held. The base must not
 * move under descriptors already handed out: the peer holds offsets.
 */
static int nm_open_mws(struct msikit_ntb_msi *nm)
{
	resource_size_t sizes[MSIKIT_NTB_MAX_PEERS];
	u64 base, size;
	bool can_change;
	int rc;

	rc = nm_plan_mws(nm, &base, &size, sizes);
	if (rc)
		return rc;
	if (nm->planned && nm->nr_irqs && base != nm->win_base) {
		dev_warn(nm->port->dev, "msikit: the new window rules move the window under %u published descriptors\n",
			 nm->nr_irqs);
		return -EBUSY;
	}
	rc = nm_set_mws(nm, base, sizes);
	if (rc)
		return rc;
	nm->win_base = base;
	nm->win_size = size;
	/*
	 * Seal what can change, where the window leaves a sealed offset room.
	 * It does not where the port's alignment widened it past 16 MiB
	 * (wide_window), or the IMSIC's files span more: say so.
	 */
	can_change = !msikit_msi_immutable(nm->dom);
	nm->sealed = can_change && size <= NM_SEAL_SPAN && !nm->upstream;
	if (can_change && !nm->sealed && !nm->upstream)
		dev_warn(nm->port->dev, "msikit: %s: descriptors are plain, not sealed: the window spans %#llx bytes, more than a sealed offset reaches; a peer that reads halves of two can misroute: pin the interrupts (IRQF_NOBALANCING) or publish in one 64-bit unit\n",
			 msikit_msi_parent_name(nm->dom), size);
	nm->planned = true;
	return 0;
}

/**
 * msikit_ntb_msi_setup_mws() - open every peer's inbound window
 * @nm: context
 *
 * Points each peer's inbound window at the range every message of the
 * domain lies in, fitted to the port's alignment and size rules. Calling
 * it again reprograms open windows in place (after the link came back,
 * say; msikit_ntb_msi_restore() does that and republishes).
 *
 * Return: 0, or -EINVAL (rules the window cannot meet), -ENOSPC (window
 * too small for the range), -EPERM (rules that open the window beyond the
 * range, without wide_window), -EBUSY (the window would move under
 * descriptors already handed out), or the port's error; one log line each.
 * -ESHUTDOWN once msikit_ntb_msi_exit() began.
 */
int msikit_ntb_msi_setup_mws(struct msikit_ntb_msi *nm)
{
	int rc;

	if (IS_ERR_OR_NULL(nm))
		return -EINVAL;
	mutex_lock(&nm->lock);
	rc = nm->closing ? -ESHUTDOWN : nm_open_mws(nm);
	mutex_unlock(&nm->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_setup_mws);

/**
 * msikit_ntb_msi_clear_mws() - close every peer's inbound window
 * @nm: context
 *
 * Peer writes reach nothing from now on; interrupts stay requested and
 * their descriptors valid for a later msikit_ntb_msi_setup_mws().
 */
void msikit_ntb_msi_clear_mws(struct msikit_ntb_msi *nm)
{
	if (IS_ERR_OR_NULL(nm))
		return;
	mutex_lock(&nm->lock);
	nm_clear_mws(nm);
	mutex_unlock(&nm->lock);
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_clear_mws);

/*
 * Called with nm->lock held, which it drops around free_irq(): that waits
 * for a running threaded handler, and a handler may call info, restore or
 * free another interrupt of this context. The interrupt leaves the table
 * first (a second free finds nothing, the work item publishes nothing for
 * it); its index stays allocated in the domain until free_irq() returned,
 * so no request can take it meanwhile, and it counts until then.
 */
static void nm_release(struct msikit_ntb_msi *nm, struct nm_irq *ni, unsigned int index)
{
	void *dev_id = ni->dev_id;
	int virq = ni->virq;

	ni->virq = 0;
	ni->desc = NULL;
	ni->dev_id = NULL;
	nm->releasing++;
	mutex_unlock(&nm->lock);
	free_irq(virq, dev_id);
	mutex_lock(&nm->lock);
	msikit_msi_free(nm->dom, index);
	nm->nr_irqs--;
	if (!--nm->releasing)
		wake_up_var(&nm->releasing);
}

/* what a client may add: the rest is msikit's to choose for its own interrupts */
#define NM_IRQF_ALLOWED	(IRQF_NOBALANCING | IRQF_ONESHOT)

/**
 * msikit_ntb_msi_request_irq_flags() - a peer interrupt and its descriptor
 * @nm: context, windows set up
 * @handler: hard interrupt handler, as for request_threaded_irq()
 * @thread_fn: threaded handler, as for request_threaded_irq()
 * @flags: IRQF_NOBALANCING (the interrupt stays where it is: no user or
 *	balancer affinity change, so a mutable parent's descriptor does not
 *	change under a peer that cannot republish; forced in a context
 *	made with upstream_peer where descriptors could change) and
 *	IRQF_ONESHOT (with a hard handler too: the interrupt stays masked
 *	until @thread_fn returns); no other
 * @name: interrupt name
 * @dev_id: passed to the handlers; also identifies the interrupt to free
 * @desc: filled with the descriptor to send to the peer; on a mutable
 *	parent rewritten before @desc_changed runs, until the interrupt is
 *	freed. It must stay allocated until then.
 *
 * The interrupt is live before this returns, so the descriptor can be
 * published at once (request, publish, then tell the peer).
 *
 * Return: the Linux interrupt number, or -EINVAL (bad arguments or flags,
 * windows never set up), -ENOSPC (none left in the domain or the parent),
 * -ERANGE (the parent composed a message outside the window), -ESHUTDOWN
 * (in msikit_ntb_msi_exit()), or the error of request_threaded_irq().
 */
int msikit_ntb_msi_request_irq_flags(struct msikit_ntb_msi *nm, irq_handler_t handler,
				     irq_handler_t thread_fn, unsigned long flags,
				     const char *name, void *dev_id,
				     struct msikit_ntb_msi_desc *desc)
{
	struct msikit_ntb_msi_desc d;
	struct nm_irq *ni;
	struct msi_msg msg;
	int index, virq, rc;

	if (IS_ERR_OR_NULL(nm) || !desc || (!handler && !thread_fn))
		return -EINVAL;
	if (flags & ~NM_IRQF_ALLOWED) {
		dev_warn(nm->port->dev, "msikit: peer interrupt flags %#lx refused: only IRQF_NOBALANCING and IRQF_ONESHOT\n",
			 flags);
		return -EINVAL;
	}
	/* msikit's chip is not oneshot-safe: a threaded-only request needs ONESHOT */
	if (!handler)
		flags |= IRQF_ONESHOT;
	/* an upstream peer reads no seal: the descriptor must not change */
	if (nm->nobalance)
		flags |= IRQF_NOBALANCING;
	mutex_lock(&nm->lock);
	if (nm->closing) {
		rc = -ESHUTDOWN;
		goto unlock;
	}
	if (!nm->planned) {
		dev_warn(nm->port->dev, "msikit: peer interrupt requested before msikit_ntb_msi_setup_mws()\n");
		rc = -EINVAL;
		goto unlock;
	}
	index = msikit_msi_alloc(nm->dom, MSIKIT_MSI_ANY);
	if (index < 0) {
		rc = index;
		goto unlock;
	}
	ni = &nm->irqs[index];
	virq = msikit_msi_virq(nm->dom, index);
	rc = request_threaded_irq(virq, handler, thread_fn, flags, name, dev_id);
	if (rc) {
		msikit_msi_free(nm->dom, index);
		goto unlock;
	}
	ni->virq = virq;
	ni->dev_id = dev_id;
	nm->nr_irqs++;
	/* the activation's report: the descriptor is made right here */
	clear_bit(index, nm->dirty);
	rc = msikit_msi_get_msg(nm->dom, index, &msg);
	if (rc) {
		dev_err(nm->port->dev, "msikit: irq %d: no message after request (%d)\n", virq, rc);
		nm_release(nm, ni, index);
		goto unlock;
	}
	rc = nm_make_desc(nm, &msg, &d);
	if (rc) {
		dev_err(nm->port->dev, "msikit: irq %d: message %#x%08x outside the window %#llx+%#llx (%d)\n",
			virq, msg.address_hi, msg.address_lo, nm->win_base, nm->win_size, rc);
		nm_release(nm, ni, index);
		goto unlock;
	}
	nm_publish(desc, &d);
	ni->desc = desc;
	rc = virq;
unlock:
	mutex_unlock(&nm->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_request_irq_flags);

/**
 * msikit_ntb_msi_request_threaded_irq() - msikit_ntb_msi_request_irq_flags()
 *	without flags, in the shape of upstream's ntbm_msi_request_threaded_irq()
 * @nm: context, windows set up
 * @handler: hard interrupt handler
 * @thread_fn: threaded handler
 * @name: interrupt name
 * @dev_id: passed to the handlers; also identifies the interrupt to free
 * @desc: filled with the descriptor to send to the peer
 *
 * Return: as msikit_ntb_msi_request_irq_flags().
 */
int msikit_ntb_msi_request_threaded_irq(struct msikit_ntb_msi *nm, irq_handler_t handler,
					irq_handler_t thread_fn, const char *name,
					void *dev_id, struct msikit_ntb_msi_desc *desc)
{
	return msikit_ntb_msi_request_irq_flags(nm, handler, thread_fn, 0, name, dev_id, desc);
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_request_threaded_irq);

static struct nm_irq *nm_find(struct msikit_ntb_msi *nm, unsigned int irq,
			      unsigned int *index)
{
	unsigned int i;

	for (i = 0; irq && i < nm->max_irqs; i++) {
		if (nm->irqs[i].virq == irq) {
			*index = i;
			return &nm->irqs[i];
		}
	}
	return NULL;
}

/**
 * msikit_ntb_msi_free_irq() - free a peer interrupt
 * @nm: context
 * @irq: from msikit_ntb_msi_request_threaded_irq()
 * @dev_id: as passed there
 *
 * Tell the peer to stop first: a write arriving after this is not this
 * interrupt's any more (clear the windows to make sure none arrives).
 * Another interrupt's handler may call this (the context's lock is not
 * held across free_irq()); the interrupt's own may not, since free_irq()
 * would wait for it, nor may two threaded handlers free each other's.
 *
 * Return: 0, -ENOENT for an interrupt not of this context (one log line),
 * -EINVAL for a @dev_id that does not match.
 */
int msikit_ntb_msi_free_irq(struct msikit_ntb_msi *nm, unsigned int irq, void *dev_id)
{
	struct nm_irq *ni;
	unsigned int index;
	int rc = 0;

	if (IS_ERR_OR_NULL(nm))
		return -EINVAL;
	mutex_lock(&nm->lock);
	ni = nm_find(nm, irq, &index);
	if (!ni) {
		dev_warn_ratelimited(nm->port->dev, "msikit: irq %u is not a peer interrupt of this port\n",
				     irq);
		rc = -ENOENT;
	} else if (ni->dev_id != dev_id) {
		dev_warn_ratelimited(nm->port->dev, "msikit: irq %u freed with another dev_id\n",
				     irq);
		rc = -EINVAL;
	} else {
		nm_release(nm, ni, index);
	}
	mutex_unlock(&nm->lock);
	return rc;
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_free_irq);

/**
 * msikit_ntb_msi_restore() - republish after the peer lost its copies
 * @nm: context
 *
 * For a peer that rebooted or a link that went down and up: sets the
 * inbound windows again where they were set, refreshes every requested
 * descriptor from the current message and calls @desc_changed, before it
 * returns, once they are all in place. It waits for @desc_changed: do not
 * call it from there, or holding a lock @desc_changed takes.
 *
 * Return: the number of interrupts republished, -errno from the port or
 * the window rules (as msikit_ntb_msi_setup_mws()), or -ESHUTDOWN in exit.
 */
int msikit_ntb_msi_restore(struct msikit_ntb_msi *nm)
{
	int rc;

	if (IS_ERR_OR_NULL(nm))
		return -EINVAL;
	mutex_lock(&nm->lock);
	if (nm->closing)
		rc = -ESHUTDOWN;
	else
		rc = nm->mws_set ? nm_open_mws(nm) : 0;
	mutex_unlock(&nm->lock);
	if (rc)
		return rc;
	/* reports every active message again: the work item publishes them */
	rc = msikit_msi_restore(nm->dom);
	flush_work(&nm->work);
	return rc;
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_restore);

/**
 * msikit_ntb_msi_info() - the parent, window and counts of a context
 * @nm: context
 * @info: result
 *
 * Return: 0 or -EINVAL.
 */
int msikit_ntb_msi_info(struct msikit_ntb_msi *nm, struct msikit_ntb_msi_info *info)
{
	if (IS_ERR_OR_NULL(nm) || !info)
		return -EINVAL;
	mutex_lock(&nm->lock);
	info->parent = msikit_msi_parent_name(nm->dom);
	info->immutable = msikit_msi_immutable(nm->dom);
	info->pinned = msikit_msi_pinned(nm->dom);
	info->upstream_peer = nm->upstream;
	info->win_base = nm->planned ? nm->win_base : nm->msg_base;
	info->win_size = nm->planned ? nm->win_size : nm->msg_size;
	info->max_irqs = nm->max_irqs;
	info->nr_irqs = nm->nr_irqs;
	mutex_unlock(&nm->lock);
	return 0;
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_info);

/**
 * msikit_ntb_msi_exit() - undo msikit_ntb_msi_init()
 * @nm: context, or NULL/ERR_PTR (nothing happens)
 *
 * Closes the windows first, so no peer write arrives while the interrupts
 * the client left requested are freed, then destroys the domain. It waits
 * for a running @desc_changed: the same rule as msikit_ntb_msi_restore().
 * It unmaps the outbound windows: no msikit_ntb_msi_peer_trigger() or
 * msikit_ntb_msi_peer_addr() call may run or follow, which the client
 * ensures (they take no lock). Meanwhile only the interrupts' handlers may
 * call into the context (free_irq() runs without its lock): info, and
 * free_irq of another interrupt, work; request, setup_mws and restore
 * return -ESHUTDOWN.
 */
void msikit_ntb_msi_exit(struct msikit_ntb_msi *nm)
{
	unsigned int i;

	if (IS_ERR_OR_NULL(nm))
		return;
	mutex_lock(&nm->lock);
	nm->closing = true;
	nm_clear_mws(nm);
	for (i = 0; i < nm->max_irqs; i++)
		if (nm->irqs[i].virq)
			nm_release(nm, &nm->irqs[i], i);
	/* a handler's free of another interrupt may still be in free_irq() */
	while (nm->releasing) {
		mutex_unlock(&nm->lock);
		wait_var_event(&nm->releasing, !READ_ONCE(nm->releasing));
		mutex_lock(&nm->lock);
	}
	mutex_unlock(&nm->lock);
	cancel_work_sync(&nm->work);
	msikit_msi_domain_destroy(nm->dom);
	nm_unmap_peers(nm);
	kfree(nm);
	atomic_dec(&nm_contexts);
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msikit NTB peer interrupts in a per-device MSI domain");
MODULE_AUTHOR("msikit developers");
MODULE_VERSION("0.1.0");
MODULE_INFO(ntb_core, MSIKIT_NTB_CORE);

/*
 * The counters are diagnostics: without debugfs, or where creating them
 * failed, the module works the same, so their errors are not checked (as
 * the debugfs API asks).
 */
static int __init nm_module_init(void)
{
	nm_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("contexts", 0444, nm_debugfs, NULL, &nm_contexts_fops);
	debugfs_create_file("refused", 0444, nm_debugfs, NULL, &nm_refused_fops);
	return 0;
}
module_init(nm_module_init);

static void __exit nm_module_exit(void)
{
	debugfs_remove_recursive(nm_debugfs);
}
module_exit(nm_module_exit);
