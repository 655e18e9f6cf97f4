// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_msi parents: which MSI parent a device has, what its allocator
 * needs to see, whether its messages are immutable, and whether a moved
 * interrupt's old target survives long enough for a remote writer.
 */
#include <linux/device.h>
#include <linux/irqdomain.h>
#include <linux/log2.h>
#include <linux/msi.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/sizes.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <linux/cpu.h>
#include <linux/completion.h>
#include <linux/timer.h>
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

/*
 * The IMSIC's parent ops carry no prefix (6.12, 7.x), but it is the only
 * MSI parent RISC-V has; on device-tree systems its node says so too.
 */
static bool msikit_is_imsic(struct irq_domain *d)
{
	if (!IS_ENABLED(CONFIG_RISCV_IMSIC) || !(d->flags & IRQ_DOMAIN_FLAG_MSI_PARENT))
		return false;
	if (is_of_node(d->fwnode))
		return of_device_is_compatible(to_of_node(d->fwnode), "riscv,imsics");
	return true;
}

static enum msikit_parent_kind msikit_parent_kind(struct irq_domain *parent)
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
	if (msikit_is_imsic(parent))
		return MSIKIT_PARENT_IMSIC;
	return MSIKIT_PARENT_UNKNOWN;
}

/*
 * Immutable: an affinity change leaves address and data alone. 7.x lets a
 * parent say so (only the ITS does); remapping parents are immutable too,
 * the IRTE is what changes. Any level of the chain that translates makes
 * the message immutable.
 */
static bool msikit_parent_immutable(struct irq_domain *parent)
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

#ifndef CONFIG_X86
/*
 * The ITS knows a device only by its DeviceID, which for a PCI function
 * is the requester ID translated by the host bridge's "msi-map". The
 * kernel's own lookup (pci_msi_domain_get_msi_rid) and its alias walk are
 * not exported, so msikit resolves the plain case itself and refuses the
 * rest: a function whose writes may carry another requester ID (behind a
 * PCIe-to-PCI or conventional bridge, or with quirk aliases), and ACPI
 * systems, whose IORT lookup has no exported entry point.
 */
static int msikit_its_dev_id(struct pci_dev *pdev, struct irq_domain *its, u32 *dev_id)
{
	struct device_node *its_np = to_of_node(its->fwnode);
	struct pci_dev *br;
	struct device *d;
	u32 rid = pci_dev_id(pdev);

	if (!its_np) {
		pci_warn(pdev, "msikit: gic-its parent without a device tree: the IORT DeviceID lookup is not exported\n");
		return -EOPNOTSUPP;
	}
	for (br = pci_upstream_bridge(pdev); br; br = pci_upstream_bridge(br)) {
		if (!pci_is_pcie(br) || (pci_pcie_type(br) != PCI_EXP_TYPE_ROOT_PORT &&
					 pci_pcie_type(br) != PCI_EXP_TYPE_UPSTREAM &&
					 pci_pcie_type(br) != PCI_EXP_TYPE_DOWNSTREAM)) {
			pci_warn(pdev, "msikit: gic-its parent: %s aliases this function's requester ID\n",
				 pci_name(br));
			return -EOPNOTSUPP;
		}
	}
	if (pdev->dma_alias_mask) {
		pci_warn(pdev, "msikit: gic-its parent: this function has DMA aliases\n");
		return -EOPNOTSUPP;
	}
	/* the first ancestor with an msi-map translates, as in the core */
	for (d = &pdev->dev; d; d = d->parent) {
		if (d->of_node && !msikit_of_msi_map(d->of_node, rid, its_np, dev_id))
			return 0;
	}
	pci_warn(pdev, "msikit: gic-its parent: no msi-map translates requester ID %#x\n", rid);
	return -EOPNOTSUPP;
}

/*
 * Have the ITS create (or find) its device for the DeviceID, with room for
 * our interrupts and the function's own MSI/MSI-X, which share its event
 * space: whichever of the two prepares first sizes the table, and the
 * other one finds it and marks it shared.
 */
static int msikit_its_prepare(struct msikit_parent *p)
{
	struct msi_domain_info *info = p->domain->host_data;
	struct pci_dev *pdev = to_pci_dev(p->desc->dev);
	int own, nvec;

	own = max3(pci_msi_vec_count(pdev), pci_msix_vec_count(pdev), 0);
	nvec = roundup_pow_of_two(p->size + own);
	/* the ITS's own rule: DeviceID 0 is where unwired requesters land */
	if (!p->dev_id)
		nvec = max(nvec, 32);
	memset(&p->info, 0, sizeof(p->info));
	p->info.desc = p->desc;
	p->info.scratchpad[0].ul = p->dev_id;
	return info->ops->msi_prepare(p->domain, p->desc->dev, nvec, &p->info);
}
#endif

/*
 * AMD-Vi gives each requester ID one interrupt remapping table, 512
 * entries on every kernel of the matrix (7.x may size it 2048), and
 * msikit's interrupts take theirs from the function's own table: left
 * alone, a large domain could leave the function's MSI-X without entries.
 * So a domain keeps its total below what the function's own vectors need.
 */
#define MSIKIT_AMD_IRTE_MIN	512

static void msikit_amd_cap(struct msikit_parent *p, struct pci_dev *pdev)
{
	int own = max3(pci_msi_vec_count(pdev), pci_msix_vec_count(pdev), 0);

	p->max_alloc = MSIKIT_AMD_IRTE_MIN - min(own, MSIKIT_AMD_IRTE_MIN / 2);
}

/*
 * The ITS is recognised by its parent ops' "ITS-" prefix, which is a
 * name, not an interface: msikit also wants the device-tree node to say
 * so, and the two kernel internals it uses there (below) to exist.
 */
#ifndef CONFIG_X86
static int msikit_its_check(struct msikit_parent *p, struct device *dev)
{
#if defined(MSIKIT_HAVE_IRQ_COMMON_MSI_DESC) && defined(MSIKIT_HAVE_MSI_PREPARE)
	struct msi_domain_info *info = p->domain->host_data;
	struct device_node *np = to_of_node(p->domain->fwnode);

	if (np && !of_device_is_compatible(np, "arm,gic-v3-its")) {
		dev_warn(dev, "msikit: parent %s is named like an ITS but its node is %pOF\n",
			 p->domain->name, np);
		return -EOPNOTSUPP;
	}
	/* the ITS parent's host data is its msi_domain_info (6.12, 7.x) */
	if (!(p->domain->flags & IRQ_DOMAIN_FLAG_MSI_PARENT) || !info || !info->ops ||
	    !info->ops->msi_prepare) {
		dev_warn(dev, "msikit: gic-its parent offers no msi_prepare\n");
		return -EOPNOTSUPP;
	}
	return msikit_its_dev_id(to_pci_dev(dev), p->domain, &p->dev_id);
#else
	dev_warn(dev, "msikit: gic-its parent: this kernel lacks irq_common_data.msi_desc or msi_prepare, which msikit needs there\n");
	return -EOPNOTSUPP;
#endif
}
#endif

static int msikit_parent_check(struct msikit_parent *p, struct device *dev)
{
	const char *name = msikit_parent_names[p->kind];

	switch (p->kind) {
	case MSIKIT_PARENT_X86_VECTOR:
	case MSIKIT_PARENT_INTEL_IR:
	case MSIKIT_PARENT_AMD_IR:
#ifndef MSIKIT_HAVE_X86_ALLOC_PCI_MSI
		dev_warn(dev, "msikit: %s parent: this kernel has no PCI/MSI allocation type msikit can name a function with\n",
			 name);
		return -EOPNOTSUPP;
#endif
		if (p->kind == MSIKIT_PARENT_X86_VECTOR)
			return 0;
		break;
	case MSIKIT_PARENT_IMSIC:
		return 0;
	case MSIKIT_PARENT_GIC_ITS:
		break;
	default:
		dev_warn(dev, "msikit: MSI parent %s is not supported by this msikit\n", name);
		return -EOPNOTSUPP;
	}
	if (!dev_is_pci(dev)) {
		dev_warn(dev, "msikit: %s parent needs a PCI function for the requester ID\n",
			 name);
		return -EOPNOTSUPP;
	}
	if (p->kind == MSIKIT_PARENT_AMD_IR)
		msikit_amd_cap(p, to_pci_dev(dev));
#ifndef CONFIG_X86
	if (p->kind == MSIKIT_PARENT_GIC_ITS)
		return msikit_its_check(p, dev);
#endif
	return 0;
}

static void msikit_settle_fn(struct timer_list *t)
{
	struct msikit_parent *p = container_of(t, struct msikit_parent, settle_timer);

	complete(&p->settled);
}

/**
 * msikit_parent_init() - classify @parent and check it can serve @dev
 * @p: parent state to fill
 * @dev: the device whose requester ID the writes carry
 * @parent: @dev's MSI parent domain
 * @size: interrupts the domain may hold
 *
 * Return: 0, or -EOPNOTSUPP after one log line, or -ENOMEM.
 */
int msikit_parent_init(struct msikit_parent *p, struct device *dev,
		       struct irq_domain *parent, unsigned int size)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->domain = parent;
	p->size = size;
	p->kind = msikit_parent_kind(parent);
	rc = msikit_parent_check(p, dev);
	if (rc)
		return rc;
	p->immutable = msikit_parent_immutable(parent);
	/*
	 * The IMSIC retires a moved interrupt's old vector as soon as the old
	 * hart syncs, whatever the writer still uses: pin instead.
	 */
	p->pinned = p->kind == MSIKIT_PARENT_IMSIC;
	/* The GIC acknowledges on EOI; the others ack on entry (edge). */
	p->fasteoi = p->kind == MSIKIT_PARENT_GIC_ITS;
	/*
	 * Remapping parents take the requester ID from desc->dev, the ITS's
	 * allocator and compose (through the IOMMU MSI cookie) read it too.
	 */
	p->desc = kzalloc(sizeof(*p->desc), GFP_KERNEL);
	if (!p->desc)
		return -ENOMEM;
	p->desc->dev = dev;
	timer_setup(&p->settle_timer, msikit_settle_fn, TIMER_PINNED);
	init_completion(&p->settled);
	return 0;
}

/*
 * The hull of a device-tree node's register ranges from @first on: every
 * interrupt file of an IMSIC node (one range per hart group), or the ITS's
 * translation frame.
 */
static int msikit_of_hull(struct irq_domain *d, int first, int last, u64 *base, u64 *size)
{
	struct device_node *np = is_of_node(d->fwnode) ? to_of_node(d->fwnode) : NULL;
	struct resource res;
	u64 lo = U64_MAX, hi = 0;
	int i;

	for (i = first; np && (last < 0 || i <= last); i++) {
		if (of_address_to_resource(np, i, &res))
			break;
		lo = min_t(u64, lo, res.start);
		hi = max_t(u64, hi, res.end);
	}
	if (lo > hi)
		return -EOPNOTSUPP;
	*base = lo;
	*size = hi - lo + 1;
	return 0;
}

/* GITS_TRANSLATER is the only register of the ITS's second 64 KiB frame. */
#define MSIKIT_ITS_TRANSLATION_FRAME	0x10000
#define MSIKIT_ITS_FRAME_SIZE		0x10000

/**
 * msikit_parent_window() - where the parent's messages can point
 * @p: parent state
 * @base: start of the range
 * @size: its length
 *
 * The range holds every address the parent can put in a message for this
 * device, now and after any affinity change: the x86 interrupt address
 * range (destination or remapping index bits, 1 MiB) for the vector and
 * VT-d parents, its first page for AMD-Vi (the index is in the data), the
 * translation frame of the ITS, and the hull of every hart's interrupt file
 * for the IMSIC (from the controller's device-tree node).
 *
 * Return: 0, or -EOPNOTSUPP where the range cannot be known.
 */
int msikit_parent_window(struct msikit_parent *p, u64 *base, u64 *size)
{
	u64 b, s;
	int rc;

	switch (p->kind) {
	case MSIKIT_PARENT_X86_VECTOR:
	case MSIKIT_PARENT_INTEL_IR:
		*base = 0xfee00000;
		*size = SZ_1M;
		return 0;
	case MSIKIT_PARENT_AMD_IR:
		*base = 0xfee00000;
		*size = SZ_4K;
		return 0;
	case MSIKIT_PARENT_GIC_ITS:
		rc = msikit_of_hull(p->domain, 0, 0, &b, &s);
		if (rc || s < MSIKIT_ITS_TRANSLATION_FRAME + MSIKIT_ITS_FRAME_SIZE)
			return -EOPNOTSUPP;
		*base = b + MSIKIT_ITS_TRANSLATION_FRAME;
		*size = MSIKIT_ITS_FRAME_SIZE;
		return 0;
	case MSIKIT_PARENT_IMSIC:
		return msikit_of_hull(p->domain, 0, -1, base, size);
	default:
		return -EOPNOTSUPP;
	}
}

/**
 * msikit_parent_fini() - undo msikit_parent_init(), all interrupts freed
 * @p: parent state
 */
void msikit_parent_fini(struct msikit_parent *p)
{
#if !defined(CONFIG_X86) && defined(MSIKIT_HAVE_MSI_TEARDOWN)
	struct msi_domain_info *info = p->domain->host_data;

	/* 7.x keeps the ITS device until its owner tears it down */
	if (p->prepared && info->ops->msi_teardown)
		info->ops->msi_teardown(p->domain, &p->info);
#endif
	p->prepared = false;
	kfree(p->desc);
	p->desc = NULL;
}

/**
 * msikit_parent_prepare() - get the parent ready for an allocation
 * @p: parent state
 *
 * Only the ITS needs it: its device for our DeviceID must exist.
 */
int msikit_parent_prepare(struct msikit_parent *p)
{
#ifndef CONFIG_X86
	int rc;

	if (p->kind != MSIKIT_PARENT_GIC_ITS || p->prepared)
		return 0;
	rc = msikit_its_prepare(p);
	if (rc)
		return rc;
	p->prepared = true;
#endif
	return 0;
}

/**
 * msikit_parent_idle() - the domain's last interrupt was freed
 * @p: parent state
 *
 * 6.12's ITS frees an unshared ITS device with its last event, so the
 * prepared state dies with it; 7.x keeps it until msikit_parent_fini().
 */
void msikit_parent_idle(struct msikit_parent *p)
{
#ifndef MSIKIT_HAVE_MSI_TEARDOWN
	p->prepared = false;
#endif
}

/**
 * msikit_parent_alloc() - allocate @virq at the parent of @d
 * @p: parent state, prepared
 * @d: our domain
 * @virq: the interrupt
 *
 * x86 parents get PCI/MSI of the function in p->desc: the only type every
 * x86 parent accepts, and the remapping parents find the requester ID
 * through desc->dev. nr_irqs is always 1, so no contiguous vector block is
 * ever asked for. The ITS gets its prepared device; the IMSIC ignores the
 * argument.
 */
int msikit_parent_alloc(struct msikit_parent *p, struct irq_domain *d, unsigned int virq)
{
#ifdef CONFIG_X86
	struct irq_alloc_info info;

	memset(&info, 0, sizeof(info));
	info.type = X86_IRQ_ALLOC_TYPE_PCI_MSI;
	info.desc = p->desc;
	return irq_domain_alloc_irqs_parent(d, virq, 1, &info);
#else
	msi_alloc_info_t info;
	int rc;

	if (p->kind == MSIKIT_PARENT_GIC_ITS) {
		info = p->info;
	} else {
		memset(&info, 0, sizeof(info));
		info.desc = p->desc;
	}
	rc = irq_domain_alloc_irqs_parent(d, virq, 1, &info);
	/*
	 * The ITS composes through irq_data_get_msi_desc(), and the setter
	 * (irq_set_msi_desc) is not exported: the field is ours to fill,
	 * the descriptor outlives every virq of the domain.
	 */
#ifdef MSIKIT_HAVE_IRQ_COMMON_MSI_DESC
	if (!rc && p->kind == MSIKIT_PARENT_GIC_ITS) {
		struct irq_common_data *common = irq_get_irq_data(virq)->common;

		/* a fresh virq of ours: anything already there is not ours to replace */
		if (common->msi_desc && common->msi_desc != p->desc) {
			dev_warn(p->desc->dev, "msikit: irq %u already has an msi_desc: refused\n",
				 virq);
			irq_domain_free_irqs_parent(d, virq, 1);
			return -EOPNOTSUPP;
		}
		common->msi_desc = p->desc;
	}
#endif
	return rc;
#endif
}

/**
 * msikit_parent_settle() - wait until @cpu has retired a moved interrupt's
 *	old target, before the interrupt is freed
 * @p: parent state
 * @cpu: the CPU the interrupt was moved away from
 *
 * The IMSIC retires the old target of a move on the old hart, lazily: from
 * a pinned timer it arms there for the next jiffy (or earlier, at the
 * hart's next IMSIC interrupt). Until then the old hart keeps the
 * interrupt's number, and 7.x looks that number up when it retires the
 * target (its check for devices that update messages non-atomically): if
 * the interrupt was freed in between, the lookup finds nothing and the
 * IMSIC's handler oopses. The IMSIC's timer was armed at the move for the
 * jiffy after it; a pinned timer of ours on the same hart that expires two
 * jiffies from now runs after it, so once ours has run the old target is
 * gone and the interrupt can go too. Only a moved interrupt pays
 * this, once, on its free; frees are serialised by the domain's lock, so
 * one timer per domain serves them all.
 */
void msikit_parent_settle(struct msikit_parent *p, unsigned int cpu)
{
	if (p->kind != MSIKIT_PARENT_IMSIC)
		return;
	cpus_read_lock();
	if (!cpu_online(cpu)) {
		/* no timer runs there; going offline forced its moves complete */
		cpus_read_unlock();
		return;
	}
	reinit_completion(&p->settled);
	p->settle_timer.expires = jiffies + 2;
	add_timer_on(&p->settle_timer, cpu);
	cpus_read_unlock();
	wait_for_completion(&p->settled);
	timer_delete_sync(&p->settle_timer);
}
