// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_ntb_msi over ntb.ko: a struct ntb_dev as an msikit port. Built
 * only where the target kernel has an NTB core (ntb-msi/Kbuild probes its
 * config and header). The windows are the ones upstream's ntb_msi uses,
 * the highest memory window index of each peer, so a client can move from
 * ntb_msi to msikit without renumbering its windows.
 */
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ntb.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include "internal.h"

struct ntb_port_adapter {
	struct msikit_ntb_port port;
	struct msikit_ntb_port_ops ops;
	struct ntb_dev *ntb;
	msikit_ntb_mw_write_t write;
};

static struct ntb_port_adapter *to_adapter(struct msikit_ntb_port *port)
{
	return container_of(port, struct ntb_port_adapter, port);
}

static int adapter_mw_get_align(struct msikit_ntb_port *port, int peer,
				resource_size_t *addr_align, resource_size_t *size_align,
				resource_size_t *size_max)
{
	struct ntb_dev *ntb = to_adapter(port)->ntb;
	int widx = ntb_peer_highest_mw_idx(ntb, peer);

	if (widx < 0)
		return widx;
	return ntb_mw_get_align(ntb, peer, widx, addr_align, size_align, size_max);
}

static int adapter_mw_set_trans(struct msikit_ntb_port *port, int peer,
				dma_addr_t addr, resource_size_t size)
{
	struct ntb_dev *ntb = to_adapter(port)->ntb;
	int widx = ntb_peer_highest_mw_idx(ntb, peer);

	if (widx < 0)
		return widx;
	return ntb_mw_set_trans(ntb, peer, widx, addr, size);
}

static void adapter_mw_clear_trans(struct msikit_ntb_port *port, int peer)
{
	struct ntb_dev *ntb = to_adapter(port)->ntb;
	int widx = ntb_peer_highest_mw_idx(ntb, peer);

	if (widx >= 0)
		ntb_mw_clear_trans(ntb, peer, widx);
}

static int adapter_peer_mw_get_addr(struct msikit_ntb_port *port, int peer,
				    phys_addr_t *base, resource_size_t *size)
{
	struct ntb_port_adapter *ad = to_adapter(port);

	/* upstream ntb_msi's choice: the last windows, one per peer */
	int widx = ntb_peer_mw_count(ad->ntb) - 1 - peer;

	if (ad->write)
		return -EOPNOTSUPP;
	if (widx < 0)
		return -EINVAL;
	return ntb_peer_mw_get_addr(ad->ntb, widx, base, size);
}

static int adapter_peer_mw_write(struct msikit_ntb_port *port, int peer, u32 offset, u32 data)
{
	struct ntb_port_adapter *ad = to_adapter(port);

	return ad->write(ad->ntb, peer, offset, data);
}

/**
 * msikit_ntb_port_from_ntb() - an msikit port for an ntb.ko device
 * @ntb: the NTB device, bound to the caller
 * @peer_mw_write: NULL for hardware, whose outbound windows are mapped;
 *	a device without mapped windows (a software loopback) writes here
 *
 * Return: the port, to pass to msikit_ntb_msi_init() and free with
 * msikit_ntb_port_free() after msikit_ntb_msi_exit(); or an ERR_PTR.
 */
struct msikit_ntb_port *msikit_ntb_port_from_ntb(struct ntb_dev *ntb,
						 msikit_ntb_mw_write_t peer_mw_write)
{
	struct ntb_port_adapter *ad;

	if (!ntb || !ntb->pdev)
		return ERR_PTR(-EINVAL);
	ad = kzalloc(sizeof(*ad), GFP_KERNEL);
	if (!ad)
		return ERR_PTR(-ENOMEM);
	ad->ntb = ntb;
	ad->write = peer_mw_write;
	ad->ops.mw_get_align = adapter_mw_get_align;
	ad->ops.mw_set_trans = adapter_mw_set_trans;
	ad->ops.mw_clear_trans = adapter_mw_clear_trans;
	ad->ops.peer_mw_get_addr = adapter_peer_mw_get_addr;
	if (peer_mw_write)
		ad->ops.peer_mw_write = adapter_peer_mw_write;
	ad->port.dev = &ntb->pdev->dev;
	ad->port.ops = &ad->ops;
	ad->port.peers = ntb_peer_port_count(ntb);
	return &ad->port;
}
EXPORT_SYMBOL_GPL(msikit_ntb_port_from_ntb);

/**
 * msikit_ntb_port_free() - free a port from msikit_ntb_port_from_ntb()
 * @port: the port, or NULL/ERR_PTR
 */
void msikit_ntb_port_free(struct msikit_ntb_port *port)
{
	if (!IS_ERR_OR_NULL(port))
		kfree(to_adapter(port));
}
EXPORT_SYMBOL_GPL(msikit_ntb_port_free);

/*
 * Writers of NTB devices whose outbound windows are not memory-mapped,
 * for the clients that never name one (upstream's ntb_msi API, upstream.c):
 * a software loopback registers its writer here while it is bound.
 */
struct ntb_mw_writer {
	struct list_head node;
	struct ntb_dev *ntb;
	msikit_ntb_mw_write_t write;
};

static LIST_HEAD(ntb_mw_writers);
static DEFINE_MUTEX(ntb_mw_writers_lock);

/* @ntb's entry, or NULL; under ntb_mw_writers_lock */
static struct ntb_mw_writer *ntb_mw_writer_find(struct ntb_dev *ntb)
{
	struct ntb_mw_writer *w;

	list_for_each_entry(w, &ntb_mw_writers, node)
		if (w->ntb == ntb)
			return w;
	return NULL;
}

/**
 * msikit_ntb_set_mw_writer() - name the writer of an NTB device without
 *	memory-mapped outbound windows
 * @ntb: the device, registered with ntb.ko
 * @write: its writer, or NULL to forget it (before the device goes away)
 *
 * Ports that msikit makes for @ntb on a client's behalf, without the
 * client naming a writer (upstream's ntb_msi_init()), use it.
 *
 * Return: 0, -EBUSY if @ntb has a writer already, -ENOMEM.
 */
int msikit_ntb_set_mw_writer(struct ntb_dev *ntb, msikit_ntb_mw_write_t write)
{
	struct ntb_mw_writer *w, *found;
	int rc = 0;

	mutex_lock(&ntb_mw_writers_lock);
	found = ntb_mw_writer_find(ntb);
	if (!write) {
		if (found) {
			list_del(&found->node);
			kfree(found);
		}
	} else if (found) {
		rc = -EBUSY;
	} else {
		w = kzalloc(sizeof(*w), GFP_KERNEL);
		if (w) {
			w->ntb = ntb;
			w->write = write;
			list_add(&w->node, &ntb_mw_writers);
		} else {
			rc = -ENOMEM;
		}
	}
	mutex_unlock(&ntb_mw_writers_lock);
	return rc;
}
EXPORT_SYMBOL_GPL(msikit_ntb_set_mw_writer);

/* The writer registered for @ntb, or NULL: its windows are mapped. */
msikit_ntb_mw_write_t msikit_ntb_mw_writer(struct ntb_dev *ntb)
{
	msikit_ntb_mw_write_t write;
	struct ntb_mw_writer *w;

	mutex_lock(&ntb_mw_writers_lock);
	w = ntb_mw_writer_find(ntb);
	write = w ? w->write : NULL;
	mutex_unlock(&ntb_mw_writers_lock);
	return write;
}

