// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_msi parents: which MSI parent a device has, what its allocator
 * needs to see, whether its messages are immutable, and whether a moved
 * interrupt's old target survives long enough for a remote writer.
 */
#include <linux/device.h>
#include <linux/error-injection.h>
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

/*
 * Translate @id through @np's "msi-map" (entries "ID-BASE &CONTROLLER
 * OUT-BASE LENGTH", "msi-map-mask" applied first): the controller of the
 * first entry that covers it, if @want is NULL or that controller, and
 * the ID there. Walked here rather than through the kernel's of_map_id(),
 * whose signature changed after 6.12 and which reports an ID no entry
 * covers as success, untranslated, after a log line of its own: here that
 * is -ENODEV, for the caller to say once what it means.
 */
static int msikit_of_msi_map_node(struct device_node *np, u32 id, struct device_node *want,
				  struct device_node **msi_np, u32 *id_out)
{
	const __be32 *map;
	u32 mask = ~0U, masked;
	int len;

	map = of_get_property(np, "msi-map", &len);
	if (!map || !len || len % (4 * sizeof(*map)))
		return -ENODEV;
	of_property_read_u32(np, "msi-map-mask", &mask);
	masked = id & mask;
	for (; len > 0; len -= 4 * sizeof(*map), map += 4) {
		u32 base = be32_to_cpup(map), out = be32_to_cpup(map + 2);
		u32 n = be32_to_cpup(map + 3);
		struct device_node *node;

		if (masked < base || masked - base >= n)
			continue;
		node = of_find_node_by_phandle(be32_to_cpup(map + 1));
		if (!node)
			continue;
		if (want && node != want) {
			of_node_put(node);
			continue;
		}
		*msi_np = node;
		*id_out = masked - base + out;
		return 0;
	}
	return -ENODEV;
}

#ifndef CONFIG_X86
/* Translate @rid through @np's "msi-map" to a DeviceID of @target. */
static int msikit_of_msi_map(struct device_node *np, u32 rid, struct device_node *target,
			     u32 *id)
{
	struct device_node *msi_np;
	int rc;

	rc = msikit_of_msi_map_node(np, rid, target, &msi_np, id);
	if (!rc)
		of_node_put(msi_np);
	return rc;
}

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
 * A device the device tree describes (an endpoint controller) names its
 * DeviceID itself: an "msi-parent" entry pointing at the ITS, whose one
 * cell is the ID, or failing that an "msi-map" on its node, which
 * translates @map_id.
 */
static int msikit_its_of_dev_id(struct device *dev, struct irq_domain *its, u32 map_id,
				u32 *dev_id)
{
	struct device_node *its_np = to_of_node(its->fwnode);
	struct of_phandle_args args;
	int i;

	if (!dev->of_node || !its_np) {
		dev_warn(dev, "msikit: gic-its parent: no device-tree node names this device's DeviceID\n");
		return -EOPNOTSUPP;
	}
	for (i = 0; ; i++) {
		bool found;

		if (of_parse_phandle_with_args(dev->of_node, "msi-parent", "#msi-cells", i, &args))
			break;
		found = args.np == its_np && args.args_count == 1;

		of_node_put(args.np);
		if (found) {
			*dev_id = args.args[0];
			return 0;
		}
	}
	if (!msikit_of_msi_map(dev->of_node, map_id, its_np, dev_id))
		return 0;
	dev_warn(dev, "msikit: gic-its parent: %pOF has no msi-parent with a DeviceID for %pOF, nor an msi-map for %#x\n",
		 dev->of_node, its_np, map_id);
	return -EOPNOTSUPP;
}

/*
 * The ITS keeps one device, with one event table sized once, per
 * DeviceID. Every msikit domain of that DeviceID (one per function of an
 * endpoint controller, say) uses the same one: the first to allocate
 * prepares it, sized for what the device's domains hold together, and
 * allocations and frees of all of them are serialised by its lock. So no
 * domain can see the device that 6.12's ITS frees with another domain's
 * last event, and 7.x's teardown waits for the last domain.
 */
struct msikit_its_share {
	struct list_head node;
	struct irq_domain *its;
	u32 dev_id;
	unsigned int users;		/* domains */
	unsigned int active;		/* their allocated interrupts */
	unsigned int nvec;
	bool prepared;
	struct mutex lock;		/* allocations and frees of all users */
	msi_alloc_info_t info;		/* the ITS device, once prepared */
};

static LIST_HEAD(msikit_its_shares);
static DEFINE_MUTEX(msikit_its_shares_lock);

static struct msikit_its_share *msikit_its_share_get(struct irq_domain *its, u32 dev_id,
						     unsigned int nvec)
{
	struct msikit_its_share *s;

	mutex_lock(&msikit_its_shares_lock);
	list_for_each_entry(s, &msikit_its_shares, node) {
		if (s->its == its && s->dev_id == dev_id) {
			s->users++;
			goto out;
		}
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (s) {
		s->its = its;
		s->dev_id = dev_id;
		s->users = 1;
		s->nvec = nvec;
		mutex_init(&s->lock);
		list_add(&s->node, &msikit_its_shares);
	}
out:
	mutex_unlock(&msikit_its_shares_lock);
	return s;
}

static void msikit_its_share_put(struct msikit_its_share *s)
{
#ifdef MSIKIT_HAVE_MSI_TEARDOWN
	struct msi_domain_info *info = s->its->host_data;
#endif

	mutex_lock(&msikit_its_shares_lock);
	if (--s->users) {
		mutex_unlock(&msikit_its_shares_lock);
		return;
	}
	list_del(&s->node);
	mutex_unlock(&msikit_its_shares_lock);
#ifdef MSIKIT_HAVE_MSI_TEARDOWN
	/* 7.x keeps the ITS device until its owner tears it down */
	if (s->prepared && info->ops->msi_teardown)
		info->ops->msi_teardown(s->its, &s->info);
#endif
	mutex_destroy(&s->lock);
	kfree(s);
}

/*
 * The event table is shared with the function's own MSI/MSI-X when @dev
 * is a PCI function: whichever prepares first sizes it, and the other one
 * finds it and marks it shared. DeviceID 0 is where the ITS puts
 * requesters nothing describes, and it wants room for 32 there.
 */
static unsigned int msikit_its_nvec(struct msikit_parent *p, struct device *dev, u32 dev_id)
{
	int own = 0;

	if (dev_is_pci(dev))
		own = max3(pci_msi_vec_count(to_pci_dev(dev)),
			   pci_msix_vec_count(to_pci_dev(dev)), 0);
	return max_t(unsigned int, roundup_pow_of_two(p->size + own), dev_id ? 1 : 32);
}

/* Have the ITS create (or find) its device for the DeviceID. */
static int msikit_its_prepare(struct msikit_parent *p)
{
	struct msikit_its_share *s = p->share;
	struct msi_domain_info *info = s->its->host_data;
	int rc;

	lockdep_assert_held(&s->lock);
	if (s->prepared)
		return 0;
	memset(&s->info, 0, sizeof(s->info));
	s->info.desc = p->desc;
	s->info.scratchpad[0].ul = s->dev_id;
	rc = info->ops->msi_prepare(s->its, p->desc->dev, s->nvec, &s->info);
	if (!rc)
		s->prepared = true;
	return rc;
}
#endif

#ifdef CONFIG_X86
/*
 * AMD-Vi gives each requester ID one interrupt remapping table, 512
 * entries on every kernel of the matrix (7.x may size it 2048), and
 * msikit's interrupts take theirs from the function's own table: left
 * alone, msikit could leave the function's MSI-X without entries. The
 * table is the function's, not a domain's, so the cap is on what all of
 * the function's msikit domains hold together: they share one count, and
 * its lock serialises their allocations and frees. Not covered: functions
 * behind a PCI bridge, whose table the IOMMU keys by the bridge's alias
 * and so shares between them, are counted apart (the kernel's alias walk,
 * pci_for_each_dma_alias(), is not exported).
 */
#define MSIKIT_AMD_IRTE_MIN	512

struct msikit_amd_share {
	struct list_head node;
	struct irq_domain *ir;		/* the IOMMU's remapping domain */
	u32 rid;			/* segment << 16 | the function's requester ID */
	unsigned int users;		/* domains */
	unsigned int active;		/* their allocated interrupts */
	struct mutex lock;		/* allocations and frees of all users */
};

static LIST_HEAD(msikit_amd_shares);
static DEFINE_MUTEX(msikit_amd_shares_lock);

static int msikit_amd_cap(struct msikit_parent *p, struct pci_dev *pdev)
{
	int own = max3(pci_msi_vec_count(pdev), pci_msix_vec_count(pdev), 0);
	struct msikit_amd_share *s;
	u32 rid = (u32)pci_domain_nr(pdev->bus) << 16 | pci_dev_id(pdev);

	mutex_lock(&msikit_amd_shares_lock);
	list_for_each_entry(s, &msikit_amd_shares, node) {
		if (s->ir == p->domain && s->rid == rid) {
			s->users++;
			goto out;
		}
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (s) {
		s->ir = p->domain;
		s->rid = rid;
		s->users = 1;
		mutex_init(&s->lock);
		list_add(&s->node, &msikit_amd_shares);
	}
out:
	mutex_unlock(&msikit_amd_shares_lock);
	if (!s)
		return -ENOMEM;
	p->amd = s;
	p->lock = &s->lock;
	p->max_alloc = MSIKIT_AMD_IRTE_MIN - min(own, MSIKIT_AMD_IRTE_MIN / 2);
	return 0;
}

static void msikit_amd_put(struct msikit_amd_share *s)
{
	mutex_lock(&msikit_amd_shares_lock);
	if (--s->users) {
		mutex_unlock(&msikit_amd_shares_lock);
		return;
	}
	list_del(&s->node);
	mutex_unlock(&msikit_amd_shares_lock);
	mutex_destroy(&s->lock);
	kfree(s);
}
#endif

/*
 * The ITS is recognised by its parent ops' "ITS-" prefix, which is a
 * name, not an interface: msikit also wants the device-tree node to say
 * so, and the two kernel internals it uses there (below) to exist.
 */
#ifndef CONFIG_X86
static int msikit_its_check(struct msikit_parent *p, struct device *dev, u32 map_id)
{
#if defined(MSIKIT_HAVE_IRQ_COMMON_MSI_DESC) && defined(MSIKIT_HAVE_MSI_PREPARE)
	struct msi_domain_info *info = p->domain->host_data;
	struct device_node *np = to_of_node(p->domain->fwnode);
	int rc;

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
	if (dev_is_pci(dev))
		rc = msikit_its_dev_id(to_pci_dev(dev), p->domain, &p->dev_id);
	else
		rc = msikit_its_of_dev_id(dev, p->domain, map_id, &p->dev_id);
	if (rc)
		return rc;
	p->share = msikit_its_share_get(p->domain, p->dev_id,
					msikit_its_nvec(p, dev, p->dev_id));
	if (!p->share)
		return -ENOMEM;
	p->lock = &p->share->lock;
	return 0;
#else
	dev_warn(dev, "msikit: gic-its parent: this kernel lacks irq_common_data.msi_desc or msi_prepare, which msikit needs there\n");
	return -EOPNOTSUPP;
#endif
}
#endif

static int msikit_parent_check(struct msikit_parent *p, struct device *dev, u32 map_id)
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
		break;
	case MSIKIT_PARENT_IMSIC:
		return 0;
	case MSIKIT_PARENT_GIC_ITS:
#ifndef CONFIG_X86
		return msikit_its_check(p, dev, map_id);
#endif
		break;
	default:
		dev_warn(dev, "msikit: MSI parent %s (%s) is not one msikit serves\n",
			 p->domain->name,
			 p->domain->msi_parent_ops && p->domain->msi_parent_ops->prefix ?
			 p->domain->msi_parent_ops->prefix : "no prefix");
		return -EOPNOTSUPP;
	}
	/* x86 parents take the requester ID from a PCI function */
	if (!dev_is_pci(dev)) {
		dev_warn(dev, "msikit: %s parent needs a PCI function for the requester ID\n",
			 name);
		return -EOPNOTSUPP;
	}
#ifdef CONFIG_X86
	if (p->kind == MSIKIT_PARENT_AMD_IR)
		return msikit_amd_cap(p, to_pci_dev(dev));
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
 * @info: the domain's size, and how @dev's domains share the parent
 *
 * Return: 0, or -EOPNOTSUPP after one log line, or -ENOMEM.
 */
int msikit_parent_init(struct msikit_parent *p, struct device *dev, struct irq_domain *parent,
		       const struct msikit_msi_domain_info *info)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->domain = parent;
	p->size = max(info->size, info->dev_size);
	p->kind = msikit_parent_kind(parent);
	mutex_init(&p->own_lock);
	p->lock = &p->own_lock;
	/*
	 * Remapping parents take the requester ID from desc->dev, the ITS's
	 * allocator and compose (through the IOMMU MSI cookie) read it too.
	 */
	p->desc = kzalloc(sizeof(*p->desc), GFP_KERNEL);
	if (!p->desc)
		return -ENOMEM;
	p->desc->dev = dev;
	rc = msikit_parent_check(p, dev, info->map_id);
	if (rc) {
		kfree(p->desc);
		p->desc = NULL;
		return rc;
	}
	p->immutable = msikit_parent_immutable(parent);
	/*
	 * The IMSIC retires a moved interrupt's old vector as soon as the old
	 * hart syncs, whatever the writer still uses: pin instead.
	 */
	p->pinned = p->kind == MSIKIT_PARENT_IMSIC;
	/* The GIC acknowledges on EOI; the others ack on entry (edge). */
	p->fasteoi = p->kind == MSIKIT_PARENT_GIC_ITS;
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
 * msikit_parent_from_map() - the MSI parent an "msi-map" names for @dev
 * @dev: a device the device tree describes, with no "msi-parent"
 * @map_id: the ID its writes carry, before translation
 *
 * The kernel sets a platform device's MSI domain from "msi-parent" only,
 * and the lookup that follows "msi-map" for it is not exported: find the
 * controller the map names for @map_id and its MSI parent domain here.
 * Nothing is set on @dev, which msikit does not own.
 *
 * Return: the parent domain, or NULL after one log line.
 */
struct irq_domain *msikit_parent_from_map(struct device *dev, u32 map_id)
{
	struct device_node *msi_np;
	struct irq_domain *d;
	u32 id;

	if (!dev->of_node || msikit_of_msi_map_node(dev->of_node, map_id, NULL, &msi_np, &id)) {
		dev_warn(dev, "msikit: no MSI parent domain: no msi-parent, and no msi-map entry for %#x\n",
			 map_id);
		return NULL;
	}
	d = irq_find_matching_host(msi_np, DOMAIN_BUS_PLATFORM_MSI);
	if (!d || !(d->flags & IRQ_DOMAIN_FLAG_MSI_PARENT)) {
		dev_warn(dev, "msikit: no MSI parent domain: msi-map names %pOF for %#x, which has none\n",
			 msi_np, map_id);
		d = NULL;
	}
	of_node_put(msi_np);
	return d;
}

/**
 * msikit_parent_dev_id() - the ID the parent knows @p's device by
 * @p: parent state
 * @dev_id: the ITS DeviceID
 *
 * Return: how many msikit domains share the ID (a write any of them can
 * be made to take, any of them can receive), or -EOPNOTSUPP for parents
 * that know no such ID.
 */
int msikit_parent_dev_id(struct msikit_parent *p, u32 *dev_id)
{
#ifndef CONFIG_X86
	int users;

	if (!p->share)
		return -EOPNOTSUPP;
	mutex_lock(&msikit_its_shares_lock);
	users = p->share->users;
	mutex_unlock(&msikit_its_shares_lock);
	*dev_id = p->dev_id;
	return users;
#else
	return -EOPNOTSUPP;
#endif
}

/**
 * msikit_parent_fini() - undo msikit_parent_init(), all interrupts freed
 * @p: parent state
 */
void msikit_parent_fini(struct msikit_parent *p)
{
#ifndef CONFIG_X86
	if (p->share)
		msikit_its_share_put(p->share);
	p->share = NULL;
#else
	if (p->amd)
		msikit_amd_put(p->amd);
	p->amd = NULL;
#endif
	kfree(p->desc);
	p->desc = NULL;
}

/**
 * msikit_parent_prepare() - get the parent ready for an allocation
 * @p: parent state, its lock held
 *
 * Only the ITS needs it: its device for our DeviceID must exist.
 */
int msikit_parent_prepare(struct msikit_parent *p)
{
	lockdep_assert_held(p->lock);
#ifndef CONFIG_X86
	if (p->share)
		return msikit_its_prepare(p);
#endif
	return 0;
}

/**
 * msikit_parent_full() - may the device's domains take no more interrupts?
 * @p: parent state, its lock held (the count it reads is the device's)
 *
 * Return: true when a cap of the parent's (AMD-Vi's, on the function's
 * remapping table) is reached by all of the device's domains together.
 */
bool msikit_parent_full(struct msikit_parent *p)
{
	lockdep_assert_held(p->lock);
#ifdef CONFIG_X86
	if (p->amd)
		return p->amd->active >= p->max_alloc;
#endif
	return false;
}

/**
 * msikit_parent_account() - @delta interrupts were allocated (or freed)
 * @p: parent state, its lock held
 * @delta: +1 or -1
 *
 * 6.12's ITS frees an unshared ITS device with its last event, so the
 * prepared state dies with the last interrupt of all the domains that
 * share it; 7.x keeps it until the last of them is gone.
 */
void msikit_parent_account(struct msikit_parent *p, int delta)
{
	lockdep_assert_held(p->lock);
#ifdef CONFIG_X86
	if (p->amd)
		p->amd->active += delta;
#else
	if (!p->share)
		return;
	p->share->active += delta;
#ifndef MSIKIT_HAVE_MSI_TEARDOWN
	if (!p->share->active)
		p->share->prepared = false;
#endif
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
 *
 * Open to the kernel's function error injection (debug kernels:
 * fail_function): a parent with no room left (vectors, ITS events, IMSIC
 * identities, remapping entries) is hard to reach on purpose otherwise.
 */
noinline int msikit_parent_alloc(struct msikit_parent *p, struct irq_domain *d, unsigned int virq)
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

	if (p->share) {
		info = p->share->info;
		info.desc = p->desc;
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
ALLOW_ERROR_INJECTION(msikit_parent_alloc, ERRNO);

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
