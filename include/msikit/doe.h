/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit DOE: in-kernel API of the msikit_doe module.
 *
 * A struct msikit_doe_mb stands for one DOE capability (or one software
 * mailbox). Exchanges queue on the mailbox and run one at a time, in order.
 * Who drives the registers depends on ownership, never on the caller:
 *
 *  - msikit owns the function (bound as its driver, or handed the pci_dev
 *    by the driver that owns it through msikit_doe_attach()): msikit's own
 *    engine runs the DOE protocol, interrupt driven where the capability
 *    supports it and a vector is available, polled otherwise;
 *  - otherwise the exchange is routed through the PCI core's pci_doe() on
 *    the core's mailbox for the same capability, so it serializes with every
 *    in-kernel user of that mailbox.
 */
#ifndef _MSIKIT_DOE_H
#define _MSIKIT_DOE_H

#include <linux/types.h>
#include <linux/workqueue.h>

struct device;
struct pci_dev;
struct msikit_doe_mb;

/**
 * struct msikit_doe_task - one asynchronous exchange
 * @vid: Data Object Header 1 Vendor ID
 * @type: Data Object Header 1 Data Object Type
 * @req: request payload, little-endian dwords as they go on the wire
 * @req_sz: request size in bytes; a partial last dword is zero padded
 * @rsp: response buffer
 * @rsp_sz: response buffer size in bytes
 * @rv: on completion, the response payload length in bytes or a -errno.
 *	-EOVERFLOW: the response did not fit; @rsp_len has the length needed,
 *	or 0 when that is unknown
 * @rsp_len: response payload length as the device sent it. After
 *	-EOVERFLOW, 0 means unknown: a routed mailbox (the PCI core's
 *	pci_doe() drops what does not fit) knows only that it was longer.
 *	The engine always knows it.
 * @done: called once, in process context, when the task completed
 * @private: for the submitter
 *
 * The remaining fields are the queue's.
 */
struct msikit_doe_task {
	u16 vid;
	u8 type;
	const void *req;
	size_t req_sz;
	void *rsp;
	size_t rsp_sz;
	int rv;
	size_t rsp_len;
	void (*done)(struct msikit_doe_task *task);
	void *private;

	/* private to msikit_doe */
	struct work_struct work;
	struct msikit_doe_mb *mb;
	pid_t submitter;	/* tgid, for the exchange tracepoint */
	bool user;		/* from the character device */
	bool refused;		/* the worker refused it and logged why */
};

int msikit_doe_submit(struct msikit_doe_mb *mb, struct msikit_doe_task *task);
int msikit_doe_exchange(struct msikit_doe_mb *mb, u16 vid, u8 type,
			const void *req, size_t req_sz,
			void *rsp, size_t rsp_sz);
bool msikit_doe_supports(struct msikit_doe_mb *mb, u16 vid, u8 type);

struct msikit_doe_mb *msikit_doe_find(struct pci_dev *pdev, u16 vid, u8 type);
struct msikit_doe_mb *msikit_doe_get(struct device *dev, u16 cap);
void msikit_doe_put(struct msikit_doe_mb *mb);

/* msikit_doe_attach() flags */
#define MSIKIT_DOE_ATTACH_POLL	BIT(0)	/* never use interrupts */

int msikit_doe_attach(struct pci_dev *pdev, unsigned int flags);
void msikit_doe_detach(struct pci_dev *pdev);

/**
 * struct msikit_doe_backend_ops - register access of a software mailbox
 * @read: read the DOE register at @reg (PCI_DOE_CAP .. PCI_DOE_READ)
 * @write: write the DOE register at @reg
 *
 * Both are called with interrupts possibly disabled (from the interrupt
 * handler) and must not sleep. A negative return reads as a removed device.
 */
struct msikit_doe_backend_ops {
	int (*read)(void *ctx, unsigned int reg, u32 *val);
	int (*write)(void *ctx, unsigned int reg, u32 val);
};

struct msikit_doe_mb *msikit_doe_backend_add(struct device *parent,
					     const struct msikit_doe_backend_ops *ops,
					     void *ctx, bool irq);
void msikit_doe_backend_remove(struct msikit_doe_mb *mb);
void msikit_doe_backend_irq(struct msikit_doe_mb *mb);

#endif /* _MSIKIT_DOE_H */
