/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit_epf_db internals: the endpoint function (function.c), its
 * doorbells (doorbell.c) and the binder that creates functions without
 * configfs (binder.c). binder.c uses function.c, which uses doorbell.c.
 */
#ifndef _MSIKIT_EPF_DB_INTERNAL_H
#define _MSIKIT_EPF_DB_INTERNAL_H

#include <linux/atomic.h>
#include <linux/limits.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/pci-epc.h>
#include <linux/pci-epf.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <msikit/epf_db.h>

struct msikit_msi_domain;
struct task_struct;

/*
 * One doorbell. An MSI doorbell owns interrupt @slot of the function's
 * msikit domain; a polled one owns register @index of the polled block.
 */
struct epf_db_bell {
	struct epf_db *db;
	struct epf_db_set *set;
	unsigned int index;		/* in the table */
	unsigned int slot;		/* in the msikit domain */
	u32 kind;			/* MSIKIT_EPF_DB_KIND_* */
	int virq;			/* MSI doorbells */
	u32 bar;
	u32 offset;
	u32 data;
	atomic64_t rings;		/* handled while this set was current */
};

/* The doorbells of one generation of the table. */
struct epf_db_set {
	u32 generation;
	unsigned int base;		/* first slot in the msikit domain */
	struct epf_db_bell bells[MSIKIT_EPF_DB_MAX];
};

/*
 * One endpoint function and its doorbells, under @lock. A republish
 * allocates a new set while the old one stays allocated and handled, as
 * @old, until the host has acknowledged the new generation and a grace
 * period has passed: a host still ringing with the old data then reaches
 * an old doorbell (counted in @stale), never a new one.
 */
struct epf_db {
	struct pci_epf *epf;
	const struct pci_epc_features *features;
	struct mutex lock;		/* the state below; not the counters */
	struct pci_epf_header header;
	__le32 *reg;			/* the register BAR's memory */
	enum pci_barno reg_bar;
	enum pci_barno db_bar;		/* NO_BAR: every doorbell is polled */
	struct msikit_msi_domain *dom;
	u64 win_base;			/* the MSI target the doorbell BAR maps */
	u64 win_size;
	const char *why;		/* why the last set could not be had */
	unsigned int why_index;		/* and at which doorbell */
	unsigned int nr;
	bool polled;
	bool up;			/* published: BARs set, READY */
	bool stopped;			/* READY and the doorbell BAR gone */
	bool waited;			/* and the wait for the host is over */
	u32 generation;
	struct epf_db_set sets[2];
	struct epf_db_set *cur;
	struct epf_db_set *old;		/* retired, still allocated, or NULL */
	unsigned long old_acked;	/* jiffies the host took the new table */
	unsigned long renewed;		/* jiffies the new table was published */
	bool late;			/* the host was told late, once */
	struct delayed_work reaper;
	atomic64_t stale;		/* rings that reached a retired doorbell */
	atomic64_t moved;		/* published messages that changed */
	/* rings handled per table index, whatever generation they reached */
	atomic64_t handled[MSIKIT_EPF_DB_MAX];
	raw_spinlock_t handled_lock;	/* a count and its HANDLED store */
	struct task_struct *poller;
	spinlock_t poll_lock;		/* the poller's pass against a new set */
};

/*
 * The requester ID a function's writes carry, as the controller's
 * "msi-map" sees it: the encoding upstream proposes for endpoint
 * functions (virtual function above, physical function below).
 */
#define EPF_DB_RID(func, vfunc)	((u32)(vfunc) << 3 | (func))

/*
 * Generations run on from a random start per function, so a host that
 * kept its device across a rebind sees a generation it never took, and
 * takes the new table before it rings. 0 (no table) and all-ones (what a
 * gone device reads as) are never used.
 */
static inline u32 epf_db_next_gen(u32 gen)
{
	gen++;
	return gen && gen != U32_MAX ? gen : 1;
}

/* module parameters, binder.c */
extern unsigned int epf_db_doorbells;
extern unsigned int epf_db_poll_us;
extern unsigned int epf_db_functions_max;
extern unsigned int epf_db_grace_ms;
extern ushort epf_db_vendor;
extern ushort epf_db_device;

/* doorbell.c */
int epf_db_bells_setup(struct epf_db *db, bool msi);
int epf_db_bells_renew(struct epf_db *db);
bool epf_db_bells_reap(struct epf_db *db);
void epf_db_bells_teardown(struct epf_db *db);

/* function.c */
extern struct pci_epf_driver epf_db_driver;
bool epf_db_function_up(struct pci_epf *epf);
void epf_db_stop_all(struct pci_epf **epf, unsigned int nr);

static inline void epf_db_reg_write(struct epf_db *db, u32 off, u32 val)
{
	WRITE_ONCE(db->reg[off / 4], cpu_to_le32(val));
}

static inline u32 epf_db_reg_read(struct epf_db *db, u32 off)
{
	return le32_to_cpu(READ_ONCE(db->reg[off / 4]));
}

#endif /* _MSIKIT_EPF_DB_INTERNAL_H */
