/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit MSI: per-device secondary MSI domains on the platform's MSI parent.
 *
 * The interrupts of such a domain are not the device's PCI MSI or MSI-X
 * vectors: a third party (an NTB peer, a PCI host, a DMA engine) triggers
 * one by writing its message, address and data, which msikit composes and
 * hands to the consumer to publish. The domain is stacked on the MSI
 * parent of @dev (x86 vector, Intel or AMD interrupt remapping, GICv3 ITS,
 * RISC-V IMSIC), so the message carries whatever the parent needs to
 * accept a write tagged with @dev's requester ID.
 *
 * @dev is usually a PCI function. It may also be a device that the device
 * tree describes (an endpoint controller, say), whose node names its MSI
 * parent: "msi-parent" with the ID its writes carry, or "msi-map", which
 * translates the ID the domain names (@map_id). Several domains of one
 * such device (one per endpoint function) are created with
 * msikit_msi_domain_create_info() and distinct names; those that end up
 * with one ID share whatever the parent keeps per ID.
 *
 * The message of an interrupt is valid from request_irq() (activation) on:
 * request the interrupt, then publish the message, then tell the writer.
 * On a parent whose messages are mutable (x86 vector without remapping)
 * an affinity change produces a new message, reported to @write_msg; see
 * msi-lib/README for what that means for a writer that cached the old one.
 * Where the parent would retire the old message before such a writer can
 * switch (IMSIC), the affinity is pinned instead: msikit_msi_pinned().
 */
#ifndef _MSIKIT_MSI_H
#define _MSIKIT_MSI_H

#include <linux/types.h>

struct device;
struct msi_msg;
struct msikit_msi_domain;

#define MSIKIT_MSI_ANY	(~0U)

/**
 * struct msikit_msi_ops - consumer callbacks
 * @write_msg: interrupt @index now has message @msg; all zero means the
 *	interrupt is deactivated and its old message must not be used.
 *	Called with interrupts off and the domain's message lock held (and,
 *	except from msikit_msi_restore(), the interrupt's descriptor lock),
 *	possibly in hard interrupt context: record and defer publication,
 *	and call nothing of msikit_msi's from here. Reports of one interrupt
 *	arrive in the order the messages took effect, so the last one is
 *	always the current message.
 */
struct msikit_msi_ops {
	void (*write_msg)(struct msikit_msi_domain *dom, unsigned int index,
			  const struct msi_msg *msg, void *data);
};

/**
 * struct msikit_msi_domain_info - what a domain is, beyond its device
 * @name: tells several domains of one device apart (in the irq domain's
 *	name and in log lines); NULL for the first or only one
 * @size: number of interrupt indexes, 1..2048
 * @dev_size: the most interrupts all domains of the device hold at once;
 *	0 means @size. The GICv3 ITS sizes one event table per device ID
 *	when the first of its domains allocates, and the table never grows.
 * @map_id: the input ID an "msi-map" on the device's node translates,
 *	for a device whose node has no "msi-parent": both the MSI parent
 *	and the DeviceID come from the entry that covers it (ignored for
 *	PCI). An endpoint function passes its own requester ID, so that
 *	functions the map tells apart get DeviceIDs of their own.
 */
struct msikit_msi_domain_info {
	const char *name;
	unsigned int size;
	unsigned int dev_size;
	u32 map_id;
};

struct msikit_msi_domain *msikit_msi_domain_create(struct device *dev, unsigned int size,
						   const struct msikit_msi_ops *ops,
						   void *data);
struct msikit_msi_domain *
msikit_msi_domain_create_info(struct device *dev, const struct msikit_msi_domain_info *info,
			      const struct msikit_msi_ops *ops, void *data);
void msikit_msi_domain_destroy(struct msikit_msi_domain *dom);

int msikit_msi_alloc(struct msikit_msi_domain *dom, unsigned int index);
int msikit_msi_alloc_range(struct msikit_msi_domain *dom, unsigned int nvec);
int msikit_msi_free(struct msikit_msi_domain *dom, unsigned int index);
int msikit_msi_virq(struct msikit_msi_domain *dom, unsigned int index);
int msikit_msi_get_msg(struct msikit_msi_domain *dom, unsigned int index,
		       struct msi_msg *msg);
int msikit_msi_restore(struct msikit_msi_domain *dom);
int msikit_msi_msg_window(struct msikit_msi_domain *dom, u64 *base, u64 *size);
int msikit_msi_device_id(struct msikit_msi_domain *dom, u32 *dev_id);

bool msikit_msi_immutable(struct msikit_msi_domain *dom);
bool msikit_msi_pinned(struct msikit_msi_domain *dom);
const char *msikit_msi_parent_name(struct msikit_msi_domain *dom);

#endif /* _MSIKIT_MSI_H */
