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
 *   MSIKIT_HAVE_OF_MAP_MSI_ID	of_map_msi_id() (7.x), where 6.12 has the
 *				older of_map_id() signature
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

/*
 * Translate @id through @np's "msi-map": the MSI controller node of the
 * entry that covers it (a reference for the caller to put) and the ID
 * there. Both kernels' lookups report an ID no entry covers as success,
 * untranslated and with no node; that must not pass for a DeviceID, so
 * it is -ENODEV here, like a node without the property.
 */
static inline int msikit_of_msi_map_node(struct device_node *np, u32 id,
					 struct device_node **msi_np, u32 *id_out)
{
	struct device_node *any = NULL;
#ifdef MSIKIT_HAVE_OF_MAP_MSI_ID
	struct of_phandle_args args = { };
	int rc;

	if (!of_property_present(np, "msi-map"))
		return -ENODEV;
	rc = of_map_msi_id(np, id, &any, &args);
	if (rc)
		return rc;
	if (!args.np)
		return -ENODEV;
	*msi_np = args.np;
	*id_out = args.args[0];
	return 0;
#else
	int rc;

	if (!of_property_present(np, "msi-map"))
		return -ENODEV;
	rc = of_map_id(np, id, "msi-map", "msi-map-mask", &any, id_out);
	if (rc)
		return rc;
	if (!any)
		return -ENODEV;
	*msi_np = any;
	return 0;
#endif
}

/* Translate @rid through @np's "msi-map" to a DeviceID of @target. */
static inline int msikit_of_msi_map(struct device_node *np, u32 rid,
				    struct device_node *target, u32 *id)
{
	struct device_node *msi_np;
	u32 out;
	int rc;

	rc = msikit_of_msi_map_node(np, rid, &msi_np, &out);
	if (rc)
		return rc;
	of_node_put(msi_np);
	if (msi_np != target)
		return -ENODEV;
	*id = out;
	return 0;
}

#endif /* _MSIKIT_MSI_COMPAT_H */
