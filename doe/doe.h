/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit_doe internals: one struct msikit_doe_mb per DOE capability.
 */
#ifndef _MSIKIT_DOE_INTERNAL_H
#define _MSIKIT_DOE_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/wait.h>
#include <msikit/doe.h>
#include <uapi/msikit/doe.h>

#include "compat.h"

/* PCIe r6.x sec 6.30.2: the mailbox answers within 1 s or is aborted. */
#define DOE_TIMEOUT_MS		1000
/* A data object is at most 2^18 dwords; the length field encodes it as 0. */
#define DOE_MAX_DW		BIT(18)
#define DOE_HDR_DW		2
#define DOE_MAX_FEATURES	256

enum doe_mode {
	DOE_MODE_POLL,		/* engine, polled */
	DOE_MODE_IRQ,		/* engine, DOE interrupt */
	DOE_MODE_ROUTED,	/* the PCI core's pci_doe() */
};

enum doe_flag {
	DOE_GONE,		/* being torn down: refuse and fail new tasks */
	DOE_CANCEL,		/* the exchange on the registers must give up */
	DOE_DEAD,		/* abort failed: the mailbox is unusable */
	DOE_DISCOVERED,		/* feature list valid */
};

enum doe_stat {
	DOE_STAT_EXCHANGES,
	DOE_STAT_ERRORS,
	DOE_STAT_TIMEOUTS,
	DOE_STAT_ABORTS,
	DOE_STAT_IRQS,
	DOE_STAT_POLLS,
	DOE_STAT_CFG_READS,
	DOE_STAT_CFG_WRITES,
	DOE_STAT_BUSY_WAITS,
	DOE_STAT_OVERFLOWS,
	DOE_STAT_BUSY_IRQS,	/* interrupts showing neither Ready nor Error */
	DOE_STAT_QUEUE_FULL,	/* user exchanges refused: max_queued reached */
	DOE_STAT_NR,
};

struct msikit_doe_mb {
	struct device dev;
	struct cdev cdev;
	struct list_head node;

	struct pci_dev *pdev;		/* NULL for a software mailbox */
	u16 cap;			/* config offset of the capability */
	u8 cap_ver;
	enum doe_mode mode;
	const struct msikit_doe_backend_ops *ops;
	void *ctx;
	struct pci_doe_mb *core_mb;	/* DOE_MODE_ROUTED */
	int irq;			/* Linux irq, 0 when polled */
	u32 ctrl;			/* DOE Control bits kept on every write */

	struct workqueue_struct *wq;
	wait_queue_head_t waitq;
	atomic_t irq_events;
	/* held for read around queueing, for write to stop queueing */
	struct rw_semaphore gate;
	unsigned long flags;
	/*
	 * User-space exchanges submitted and not yet completed, those of
	 * callers killed while waiting included: each holds up to 2 MiB.
	 */
	atomic_t user_queued;

	struct mutex feat_lock;		/* discovery of routed mailboxes */
	struct msikit_doe_feature *feats;
	unsigned int nr_feats;

	atomic64_t stats[DOE_STAT_NR];
	int id;
};

#define to_doe_mb(d) container_of(d, struct msikit_doe_mb, dev)
#define doe_stat_inc(mb, s) atomic64_inc(&(mb)->stats[DOE_STAT_##s])

/* module parameters */
extern bool doe_param_poll;
extern unsigned int doe_param_poll_max_us;
extern bool doe_param_allow_reserved;
extern unsigned int doe_param_max_queued;

/* engine.c: the DOE protocol on the registers */
int doe_engine_exchange(struct msikit_doe_mb *mb, struct msikit_doe_task *task);
int doe_engine_abort(struct msikit_doe_mb *mb);
int doe_engine_start(struct msikit_doe_mb *mb);
void doe_engine_stop(struct msikit_doe_mb *mb);
irqreturn_t doe_irq_handler(int irq, void *data);

/* mailbox.c: objects, queue, discovery */
extern const struct class doe_class;
struct msikit_doe_mb *doe_mb_alloc(struct device *parent, struct pci_dev *pdev,
				   u16 cap, enum doe_mode mode);
int doe_mb_register(struct msikit_doe_mb *mb);
int doe_mb_register_locked(struct msikit_doe_mb *mb);
void doe_mb_unregister(struct msikit_doe_mb *mb);
int doe_mb_discover(struct msikit_doe_mb *mb);
int doe_submit(struct msikit_doe_mb *mb, struct msikit_doe_task *task, bool user);
bool doe_feature_reserved(u16 vid, u8 type);
int doe_alloc_minor(struct msikit_doe_mb *mb);
void doe_free_minor(struct msikit_doe_mb *mb);
extern struct mutex doe_list_lock;
extern struct list_head doe_list;

/* pci.c: ownership, routing, the PCI driver */
int doe_routed_exchange(struct msikit_doe_mb *mb, struct msikit_doe_task *task);
int doe_pci_init(void);
void doe_pci_exit(void);

/* cdev.c */
int doe_cdev_init(void);
void doe_cdev_exit(void);
extern const struct file_operations doe_fops;
const char *doe_mode_str(struct msikit_doe_mb *mb);
extern dev_t doe_devt;

/* sysfs.c */
extern const struct attribute_group *doe_groups[];

#endif /* _MSIKIT_DOE_INTERNAL_H */
