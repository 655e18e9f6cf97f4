/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit_doe internals: one struct msikit_doe_mb per DOE capability.
 *
 * The mailbox (mailbox.c) is the core everything else depends on, and it
 * depends on none of them, so that a new way of moving bytes or of
 * offering mailboxes to user space needs no change there. Calls between
 * files go one way, down this list, never back:
 *
 *   main.c ----> cdev.c, sysfs.c, pci.c, mailbox.c (module init and exit)
 *   cdev.c ----> spdm.c, mailbox.c    (installs its doe_mb_listener)
 *   sysfs.c ---> spdm.c, mailbox.c    (installs its attribute groups)
 *   spdm.c ----> mailbox.c            (mediates user-space CMA/SPDM)
 *   pci.c -----> mailbox.c, engine.c  (creates engine and routed mailboxes)
 *   backend.c -> mailbox.c, engine.c  (creates software mailboxes)
 *   engine.c                          (doe_engine_{irq,poll}_ops)
 *   mailbox.c                         (objects, registry, queue, Discovery)
 *
 * mailbox.c reaches a transport only through mb->transport, chosen by
 * whoever creates the mailbox, and user space only through the listener
 * and the attribute groups installed at init. A creator keeps no list of
 * its mailboxes and never walks the registry: it looks one up with
 * msikit_doe_get() and tears its own down with doe_mb_unregister_matching().
 * The creators pick an engine flavour by naming its ops table (poll=1
 * makes them pick the polled one): that, and backend.c raising a software
 * interrupt, is all they take from engine.c. Each module parameter lives
 * in a file that reads it.
 */
#ifndef _MSIKIT_DOE_INTERNAL_H
#define _MSIKIT_DOE_INTERNAL_H

#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
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
	/* engine.c's learned schedule (poll mode), per response waited for */
	DOE_STAT_WAIT_READS,	/* Status reads from Go to Ready or Error */
	DOE_STAT_FIRST_LOOK_HITS,	/* Ready at the read right after Go */
	DOE_STAT_TARGET_HITS,	/* Ready at the learned read, or a probe's */
	DOE_STAT_PROBES,	/* reads aimed early, to follow a latency drop */
	DOE_STAT_FALLBACKS,	/* learned reads missed: back to doe_poll() */
	DOE_STAT_EST_RESETS,	/* estimates forgotten: timeout, error, abort */
	DOE_STAT_EST_OUTLIERS,	/* jumps undone by the next sample, nearer the level before */
	/* interrupt mode */
	DOE_STAT_IRQ_STATUS,	/* responses seen in the handler's Status read */
	DOE_STAT_QUIET,		/* Go with Interrupt Enable off: answers at once */
	DOE_STAT_QUIET_MISSES,	/* quiet Gos not answered at the look */
	DOE_STAT_IRQ_SLICES,	/* waits (100 ms at most) ended with no interrupt */
	DOE_STAT_IRQ_LOST,	/* Interrupt Status found set after a slice: cleared */
	DOE_STAT_INLINE,	/* in-kernel exchanges run by their caller */
	DOE_STAT_IRQ_SPUN,	/* interrupts a waiter saw on the CPU, not woken */
	DOE_STAT_IDLE_REUSED,	/* idle checks done by the last exchange's final read */
	DOE_STAT_NR,
};

/*
 * engine.c's learned response latency of one protocol on a mailbox: the
 * time from Go to Data Object Ready, smoothed (est) with its mean
 * deviation (dev), as TCP's retransmission timer learns a round trip.
 * Only the exchange path writes it, and that runs on one thread at a time.
 */
struct doe_latency {
	u16 vid;
	u8 type;
	bool hit;		/* the last learned read found Ready at the target */
	bool valid;
	bool jumped;		/* the last sample was a new level, not confirmed */
	u32 est_ns;
	u32 dev_ns;
	u32 prev_est_ns;	/* the level before a jump, while it is unconfirmed */
	u32 prev_dev_ns;
	u32 probe_ns;		/* the next probe's aim from Go; 0: half the level */
	bool probe_go;		/* the next probe is a look right after Go */
	u8 probe_gap;		/* target hits from one half probe to the next */
	u8 probe_skip;		/* target hits left before the next half probe */
	u64 used;		/* exchange count when last used, for eviction */
};

#define DOE_LAT_KEYS		4

struct msikit_doe_mb {
	struct device dev;
	struct cdev cdev;		/* cdev.c's, set up by its listener */
	struct list_head node;

	struct pci_dev *pdev;		/* NULL for a software mailbox */
	u16 cap;			/* config offset of the capability */
	u8 cap_ver;
	const struct doe_transport_ops *transport;
	/* a software mailbox's registers, NULL on PCI */
	const struct msikit_doe_backend_ops *backend;
	void *backend_ctx;
	struct pci_doe_mb *core_mb;	/* routed */
	int irq;			/* Linux irq, 0 when polled */
	u32 ctrl;			/* DOE Control bits for every write but a quiet Go */
	bool ctrl_int_en;		/* Interrupt Enable known to be on */
	ktime_t idle_at;		/* when the last Status read showed it idle, or 0 */
	/*
	 * The exchange's generation, moved on before each request, and the
	 * handler's last DOE Status with the generation it read first
	 * (engine.c's doe_irq_status()).
	 */
	u32 xgen;
	atomic64_t irq_snap;
	atomic64_t irq_at;		/* when the handler that left it ran, ns */

	struct workqueue_struct *wq;
	/*
	 * Held by whoever is on the registers: the queue's worker, or an
	 * in-kernel caller running its exchange itself (mailbox.c) when no
	 * task is queued or running; @pending counts the queued and running.
	 */
	struct mutex xlock;
	atomic_t pending;
	wait_queue_head_t waitq;
	atomic_t irq_events;
	/* held for read around queueing, for write to stop queueing */
	struct rw_semaphore gate;
	unsigned long flags;
	/*
	 * The node exists before a transport with a start (the engine's
	 * takeover Abort) has run it: exchanges wait for this first, or they
	 * would meet the Abort on the registers.
	 */
	struct completion started;
	/*
	 * User-space exchanges submitted and not yet completed, those of
	 * callers killed while waiting included: each holds up to 2 MiB.
	 */
	atomic_t user_queued;
	/*
	 * spdm.c's (the lock set up with the mailbox): the open file whose SPDM
	 * sequence holds the mailbox's CMA/SPDM, its requests in flight,
	 * when the last one completed, and a generation that tells a
	 * completion of an ended claim from one of the current claim.
	 */
	spinlock_t spdm_lock;
	const struct file *spdm_owner;
	pid_t spdm_tgid;
	u32 spdm_gen;
	unsigned int spdm_inflight;
	unsigned long spdm_idle;
	/* the response the device held back (ResponseNotReady), by code and token */
	bool spdm_rnr;
	u8 spdm_rnr_code, spdm_rnr_token;

	struct mutex feat_lock;		/* discovery of routed mailboxes */
	struct msikit_doe_feature *feats;
	unsigned int nr_feats;

	atomic64_t stats[DOE_STAT_NR];
	struct doe_latency lat[DOE_LAT_KEYS];
	/* how late the learned sleeps woke, smoothed: engine.c spins that much */
	u32 oversleep_ns;
	u32 oversleep_dev_ns;
	/* this exchange's learned wait so far: doe_wait_response() */
	bool oversleep_sampled;	/* a sleep sampled its lateness */
	bool spun_whole;	/* a wait the early end covered: no sample */
	int id;
};

/**
 * struct doe_transport_ops - what moves a mailbox's bytes
 * @name: the mailbox's mode in sysfs
 * @info_flag: its MSIKIT_DOE_INFO_* for the character device
 * @start: take the mailbox over once registered, before Discovery; NULL
 *	when there is nothing to take over
 * @exchange: run one exchange; called under the mailbox's xlock (by its
 *	ordered workqueue, or by an in-kernel caller on an idle mailbox), so
 *	never twice at once on one mailbox
 * @stop: let go of the mailbox once the queue is drained; NULL when @start is
 *
 * Chosen by whoever creates the mailbox. Only the engine changes it later,
 * from irq to poll when its vector cannot be had, and says so in sysfs.
 */
struct doe_transport_ops {
	const char *name;
	u32 info_flag;
	int (*start)(struct msikit_doe_mb *mb);
	int (*exchange)(struct msikit_doe_mb *mb, struct msikit_doe_task *task);
	void (*stop)(struct msikit_doe_mb *mb);
};

/**
 * struct doe_mb_listener - a user interface offering every mailbox
 * @add: the mailbox is about to become visible (its device not added yet,
 *	the registry's lock held); an error fails the registration
 * @remove: the mailbox's device is gone; called once for each @add that
 *	succeeded, before the queue is drained
 */
struct doe_mb_listener {
	int (*add)(struct msikit_doe_mb *mb);
	void (*remove)(struct msikit_doe_mb *mb);
};

#define to_doe_mb(d) container_of(d, struct msikit_doe_mb, dev)
#define doe_stat_inc(mb, s) atomic64_inc(&(mb)->stats[DOE_STAT_##s])

/* engine.c: the DOE protocol on the registers */
extern bool doe_param_poll;
extern const struct doe_transport_ops doe_engine_irq_ops;
extern const struct doe_transport_ops doe_engine_poll_ops;
irqreturn_t doe_irq_handler(int irq, void *data);

/* mailbox.c: objects, registry, queue, Discovery */
typedef bool (*doe_mb_match_fn)(const struct msikit_doe_mb *mb, const void *data);

extern const struct class doe_class;
struct msikit_doe_mb *doe_mb_alloc(struct device *parent, struct pci_dev *pdev,
				   u16 cap, const struct doe_transport_ops *transport);
int doe_mb_register(struct msikit_doe_mb *mb);
int doe_mb_start(struct msikit_doe_mb *mb);
void doe_mb_unregister(struct msikit_doe_mb *mb);
void doe_mb_unregister_matching(doe_mb_match_fn match, const void *data,
				void (*gone)(struct msikit_doe_mb *mb));
int doe_mb_discover(struct msikit_doe_mb *mb);
int doe_submit(struct msikit_doe_mb *mb, struct msikit_doe_task *task, bool user);
bool doe_feature_reserved(u16 vid, u8 type);
bool doe_spdm_tsm_bound(const struct msikit_doe_mb *mb);
__printf(3, 4) void doe_refuse(struct msikit_doe_mb *mb, const char *what,
			       const char *fmt, ...);
void doe_mb_set_listener(const struct doe_mb_listener *listener);
void doe_mb_set_groups(const struct attribute_group **groups);

/* pci.c: ownership, routing, the PCI driver */
int doe_pci_init(void);
void doe_pci_exit(void);

/* cdev.c: the character devices and the parameters guarding them */
int doe_cdev_init(void);
void doe_cdev_exit(void);

/* spdm.c: CMA/SPDM for user space, read-only requests and a claim */
int doe_spdm_admit(struct msikit_doe_mb *mb, const struct file *file,
		   const u8 *req, u32 len, u32 *gen);
void doe_spdm_done(struct msikit_doe_mb *mb, u32 gen, const u8 *rsp, size_t len);
void doe_spdm_check_kernel(void);
void doe_spdm_release(struct msikit_doe_mb *mb, const struct file *file);
ssize_t doe_spdm_claim_show(struct msikit_doe_mb *mb, char *buf);

/* sysfs.c */
void doe_sysfs_init(void);
void doe_sysfs_exit(void);

#endif /* _MSIKIT_DOE_INTERNAL_H */
