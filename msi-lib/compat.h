/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit_msi: what tells MSI parents apart, and what differs between the
 * kernels of the matrix. Kbuild probes the headers for the features
 * (MSIKIT_HAVE_*) instead of comparing version numbers.
 */
#ifndef _MSIKIT_MSI_COMPAT_H
#define _MSIKIT_MSI_COMPAT_H

#include <linux/irqdomain.h>

struct device;
struct msi_desc;

enum msikit_parent_kind {
	MSIKIT_PARENT_UNKNOWN,
	MSIKIT_PARENT_X86_VECTOR,
	MSIKIT_PARENT_INTEL_IR,
	MSIKIT_PARENT_AMD_IR,
	MSIKIT_PARENT_GIC_ITS,
	MSIKIT_PARENT_IMSIC,
};

extern const char * const msikit_parent_names[];

enum msikit_parent_kind msikit_parent_kind(struct irq_domain *parent);
int msikit_parent_check(enum msikit_parent_kind kind, struct device *dev);
bool msikit_parent_immutable(struct irq_domain *parent);
int msikit_parent_alloc(struct irq_domain *d, unsigned int virq, struct msi_desc *desc);

#endif /* _MSIKIT_MSI_COMPAT_H */
