/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit_msi: what tells MSI parents apart, and what differs between the
 * kernels of the matrix. Kbuild probes the target's headers for the
 * features and writes what it found into probes.h (MSIKIT_HAVE_*), never
 * comparing version numbers:
 *
 *   MSIKIT_HAVE_MSI_IMMUTABLE	IRQ_DOMAIN_FLAG_MSI_IMMUTABLE (7.x)
 *   MSIKIT_HAVE_MSI_TEARDOWN	msi_domain_ops.msi_teardown (7.x): the ITS
 *				keeps a prepared device until teardown
 */
#ifndef _MSIKIT_MSI_COMPAT_H
#define _MSIKIT_MSI_COMPAT_H

#include <linux/completion.h>
#include <linux/irqdomain.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/timer.h>
#include <msikit/msi.h>

#include "probes.h"

struct device;
struct msikit_its_share;
struct msikit_amd_share;

enum msikit_parent_kind {
	MSIKIT_PARENT_UNKNOWN,
	MSIKIT_PARENT_X86_VECTOR,
	MSIKIT_PARENT_INTEL_IR,
	MSIKIT_PARENT_AMD_IR,
	MSIKIT_PARENT_GIC_ITS,
	MSIKIT_PARENT_IMSIC,
};

/*
 * What a domain knows about its parent. @pinned: the parent frees a moved
 * interrupt's old target before a remote writer can switch, so affinity
 * is fixed once the message is out. @fasteoi: the flow is EOI-driven (GIC).
 * @lock serialises allocations and frees with the parent state they need:
 * the domain's own mutex, or the one of every domain sharing the device
 * at the parent: its DeviceID on the ITS, its remapping table on AMD-Vi.
 */
struct msikit_parent {
	struct irq_domain *domain;
	struct msi_desc *desc;
	enum msikit_parent_kind kind;
	unsigned int size;		/* the device's domains hold at most */
	bool immutable;
	bool pinned;
	bool fasteoi;
	/* 0, or what the parent lets all of the function's domains take */
	unsigned int max_alloc;
	struct mutex own_lock;		/* @lock where nothing is shared */
	struct mutex *lock;
	/* IMSIC: waits for a hart to retire moved targets, see parent.c */
	struct timer_list settle_timer;
	struct completion settled;
#ifndef CONFIG_X86
	u32 dev_id;
	struct msikit_its_share *share;	/* the ITS device of the DeviceID */
#else
	struct msikit_amd_share *amd;	/* AMD-Vi: the requester's remapping table */
#endif
};

extern const char * const msikit_parent_names[];

int msikit_parent_init(struct msikit_parent *p, struct device *dev, struct irq_domain *parent,
		       const struct msikit_msi_domain_info *info);
void msikit_parent_fini(struct msikit_parent *p);
int msikit_parent_prepare(struct msikit_parent *p);
bool msikit_parent_full(struct msikit_parent *p);
void msikit_parent_account(struct msikit_parent *p, int delta);
int msikit_parent_alloc(struct msikit_parent *p, struct irq_domain *d, unsigned int virq);
void msikit_parent_settle(struct msikit_parent *p, unsigned int cpu);
int msikit_parent_window(struct msikit_parent *p, u64 *base, u64 *size);
struct irq_domain *msikit_parent_from_map(struct device *dev, u32 map_id);
int msikit_parent_dev_id(struct msikit_parent *p, u32 *dev_id);

#endif /* _MSIKIT_MSI_COMPAT_H */
