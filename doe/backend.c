// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe software mailboxes: DOE registers that another module
 * emulates, for tests that need a mailbox to misbehave in ways no device
 * will. What differs from a DOE capability is only where the registers
 * are, which the engine takes from the backend's ops: the transport is the
 * engine's own, in either flavour, so what is tested is what runs on
 * hardware.
 */

#include <linux/pci.h>

#include "doe.h"

/**
 * msikit_doe_backend_add() - register a software mailbox
 * @parent: device of the backend
 * @ops: register access, callable in any context
 * @ctx: passed to @ops
 * @irq: the backend will call msikit_doe_backend_irq() for DOE interrupts
 *
 * The engine treats it exactly like a DOE capability: Abort, Discovery,
 * then exchanges. Meant for tests that need a mailbox to misbehave.
 *
 * Return: the mailbox, or an ERR_PTR.
 */
struct msikit_doe_mb *msikit_doe_backend_add(struct device *parent,
					     const struct msikit_doe_backend_ops *ops,
					     void *ctx, bool irq)
{
	struct msikit_doe_mb *mb;
	u32 hdr = 0;
	int rc;

	if (!parent || !ops || !ops->read || !ops->write)
		return ERR_PTR(-EINVAL);
	mb = doe_mb_alloc(parent, NULL, 0, irq && !doe_param_poll ?
			  &doe_engine_irq_ops : &doe_engine_poll_ops);
	if (IS_ERR(mb))
		return mb;
	mb->backend = ops;
	mb->backend_ctx = ctx;
	if (!ops->read(ctx, 0, &hdr))
		mb->cap_ver = PCI_EXT_CAP_VER(hdr);
	rc = doe_mb_register(mb);
	if (rc)
		goto err;
	rc = doe_mb_start(mb);
	if (rc) {
		dev_err(parent, "software mailbox failed to start: %d\n", rc);
		doe_mb_unregister(mb);
		return ERR_PTR(rc);
	}
	return mb;
err:
	put_device(&mb->dev);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_GPL(msikit_doe_backend_add);

/**
 * msikit_doe_backend_remove() - unregister a software mailbox
 * @mb: from msikit_doe_backend_add()
 *
 * Returns once no exchange can reach @mb's ops any more.
 */
void msikit_doe_backend_remove(struct msikit_doe_mb *mb)
{
	if (!IS_ERR_OR_NULL(mb))
		doe_mb_unregister(mb);
}
EXPORT_SYMBOL_GPL(msikit_doe_backend_remove);

/**
 * msikit_doe_backend_irq() - the software mailbox raises its DOE interrupt
 * @mb: mailbox
 *
 * Runs the same handler a real vector runs; callable from hard irq context.
 * A polled mailbox has no interrupt to take, as with a vector never
 * requested.
 */
void msikit_doe_backend_irq(struct msikit_doe_mb *mb)
{
	if (!IS_ERR_OR_NULL(mb) && mb->transport == &doe_engine_irq_ops)
		doe_irq_handler(0, mb);
}
EXPORT_SYMBOL_GPL(msikit_doe_backend_irq);
