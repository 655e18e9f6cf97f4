// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_msi parents: which MSI parent a device has, whether its messages
 * are immutable, and what its allocator needs to see.
 */
#include <linux/device.h>
#include <linux/irqdomain.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/string.h>
#ifdef CONFIG_X86
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>
#endif

#include "compat.h"

const char * const msikit_parent_names[] = {
	[MSIKIT_PARENT_UNKNOWN] = "unknown",
	[MSIKIT_PARENT_X86_VECTOR] = "x86-vector",
	[MSIKIT_PARENT_INTEL_IR] = "intel-ir",
	[MSIKIT_PARENT_AMD_IR] = "amd-ir",
	[MSIKIT_PARENT_GIC_ITS] = "gic-its",
	[MSIKIT_PARENT_IMSIC] = "riscv-imsic",
};

static bool msikit_prefix_is(struct irq_domain *d, const char *prefix)
{
	const char *p = d->msi_parent_ops ? d->msi_parent_ops->prefix : NULL;

	return p && !strncmp(p, prefix, strlen(prefix));
}

enum msikit_parent_kind msikit_parent_kind(struct irq_domain *parent)
{
#ifdef CONFIG_X86
	if (parent == x86_vector_domain)
		return MSIKIT_PARENT_X86_VECTOR;
	if (parent->bus_token == DOMAIN_BUS_DMAR)
		return MSIKIT_PARENT_INTEL_IR;
	if (parent->bus_token == DOMAIN_BUS_AMDVI)
		return MSIKIT_PARENT_AMD_IR;
#endif
	if (msikit_prefix_is(parent, "ITS-"))
		return MSIKIT_PARENT_GIC_ITS;
	if (msikit_prefix_is(parent, "IMSIC-"))
		return MSIKIT_PARENT_IMSIC;
	return MSIKIT_PARENT_UNKNOWN;
}

/*
 * Remapping parents derive the requester ID (the IRTE source-ID check)
 * from a PCI function; other parents are not wired up yet. Refuse with a
 * reason rather than let a parent WARN on an allocation it does not know.
 */
int msikit_parent_check(enum msikit_parent_kind kind, struct device *dev)
{
	switch (kind) {
	case MSIKIT_PARENT_X86_VECTOR:
		return 0;
	case MSIKIT_PARENT_INTEL_IR:
	case MSIKIT_PARENT_AMD_IR:
		if (dev_is_pci(dev))
			return 0;
		dev_warn(dev, "msikit: %s parent needs a PCI function for the requester ID\n",
			 msikit_parent_names[kind]);
		return -EOPNOTSUPP;
	default:
		dev_warn(dev, "msikit: MSI parent %s is not supported by this msikit\n",
			 msikit_parent_names[kind]);
		return -EOPNOTSUPP;
	}
}

/*
 * Immutable: an affinity change leaves address and data alone. 7.x lets a
 * parent say so (only the ITS does); remapping parents are immutable too,
 * the IRTE is what changes. Any level of the chain that translates makes
 * the message immutable.
 */
bool msikit_parent_immutable(struct irq_domain *parent)
{
	struct irq_domain *d;
	enum msikit_parent_kind kind;

	for (d = parent; d; d = d->parent) {
#ifdef MSIKIT_HAVE_MSI_IMMUTABLE
		if (irq_domain_is_msi_immutable(d))
			return true;
#endif
		kind = msikit_parent_kind(d);
		if (kind == MSIKIT_PARENT_INTEL_IR || kind == MSIKIT_PARENT_AMD_IR ||
		    kind == MSIKIT_PARENT_GIC_ITS)
			return true;
	}
	return false;
}

/*
 * Allocate at the parent as PCI/MSI of the function in @desc: the only
 * type every x86 parent accepts, and the remapping parents find the
 * requester ID through desc->dev. nr_irqs is always 1, so no contiguous
 * vector block is ever asked for.
 */
int msikit_parent_alloc(struct irq_domain *d, unsigned int virq, struct msi_desc *desc)
{
#ifdef CONFIG_X86
	struct irq_alloc_info info;

	memset(&info, 0, sizeof(info));
	info.type = X86_IRQ_ALLOC_TYPE_PCI_MSI;
	info.desc = desc;
	return irq_domain_alloc_irqs_parent(d, virq, 1, &info);
#else
	return -EOPNOTSUPP;
#endif
}
