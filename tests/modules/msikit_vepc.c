// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_vepc: a virtual PCI endpoint controller. TEST ONLY: not shipped,
 * see README.vepc.
 *
 * It binds a device-tree node "msikit,virtual-epc" (which names the MSI
 * parent a real controller's inbound writes would reach, and the memory
 * its BARs live in), records what endpoint functions program through the
 * EPC operations, and when the link starts, exposes those functions on a
 * virtual PCI bus of the same kernel: one pci_dev per function whose
 * config space is the header the function wrote and whose BARs sit at the
 * physical addresses the function mapped them to. A host driver bound to
 * that pci_dev therefore reads the function's memory and writes whatever
 * the function mapped behind its BARs (the MSI controller, say) with real
 * CPU loads and stores. Nothing translates: bus address == CPU address.
 */
#include <linux/ioport.h>
#include <linux/log2.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/pci.h>
#include <linux/pci-epc.h>
#include <linux/pci-epf.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>

#define VEPC_FUNCS	8
/* a BAR's size bits; the low nibble of a memory BAR is its flags */
#define VEPC_BAR_FLAGS	(PCI_BASE_ADDRESS_MEM_TYPE_MASK | PCI_BASE_ADDRESS_MEM_PREFETCH)

static unsigned int max_functions = 4;
module_param(max_functions, uint, 0444);
MODULE_PARM_DESC(max_functions, "functions per controller, 1..8 (default 4)");

static bool keep_link;
module_param(keep_link, bool, 0644);
MODULE_PARM_DESC(keep_link, "stopping the controller keeps the host's PCI devices, as a link that stays up does (default N)");

struct vepc_bar {
	u64 phys;		/* 0: not set */
	u64 size;
	u32 flags;		/* PCI_BASE_ADDRESS_MEM_* */
};

/* one function as the virtual bus shows it */
struct vepc_func {
	bool present;		/* a header was written */
	struct pci_epf_header hdr;
	struct vepc_bar bar[PCI_STD_NUM_BARS];
	u32 cfg_bar[PCI_STD_NUM_BARS];	/* what the host wrote, for sizing */
	u16 command;
};

/* a bus window: one per distinct BAR range, so that two BARs mapping one target share it */
struct vepc_win {
	struct resource res;
	char name[48];
};

struct vepc {
	struct device *dev;
	struct pci_epc *epc;
	/* the config state; PCI config accessors run under the raw pci_lock */
	raw_spinlock_t lock;
	struct vepc_func func[VEPC_FUNCS];
	/* the virtual bus, under epc->lock (start and stop) */
	struct pci_bus *bus;
	struct vepc_win win[VEPC_FUNCS * PCI_STD_NUM_BARS];
	unsigned int nr_win;
	/* BARs claimed inside another BAR of the same range, in claim order */
	struct resource *nested[VEPC_FUNCS * PCI_STD_NUM_BARS];
	unsigned int nr_nested;
	struct resource busn;
	/* its BARs, as the node describes them (vepc_bars_of()) */
	struct pci_epc_features features;
	u8 refuse;		/* BARs whose set_bar it refuses, a mask */
	bool started;		/* the link was started and not stopped */
	bool perst;		/* PERST# asserted: the controller is reset */
	/* behind an IOMMU: a page its inbound writes can read (see scratch) */
	__le32 *scratch;
	dma_addr_t scratch_iova;
};

static struct vepc_func *vepc_func(struct vepc *v, u8 func_no, u8 vfunc_no)
{
	if (vfunc_no || func_no >= v->epc->max_functions) {
		dev_warn(v->dev, "msikit_vepc: no function %u.%u here\n", func_no, vfunc_no);
		return NULL;
	}
	return &v->func[func_no];
}

static int vepc_write_header(struct pci_epc *epc, u8 func_no, u8 vfunc_no,
			     struct pci_epf_header *hdr)
{
	struct vepc *v = epc_get_drvdata(epc);
	struct vepc_func *f = vepc_func(v, func_no, vfunc_no);
	unsigned long flags;

	if (!f)
		return -EINVAL;
	raw_spin_lock_irqsave(&v->lock, flags);
	f->hdr = *hdr;
	f->present = true;
	raw_spin_unlock_irqrestore(&v->lock, flags);
	return 0;
}

static int vepc_check_bar(struct vepc *v, struct pci_epf_bar *b)
{
	if (b->flags & PCI_BASE_ADDRESS_SPACE_IO)
		return -EOPNOTSUPP;
	if (b->size < 16 || !is_power_of_2(b->size) || (b->phys_addr & (b->size - 1)) ||
	    !b->phys_addr)
		return -EINVAL;
	if ((b->flags & PCI_BASE_ADDRESS_MEM_TYPE_64) && b->barno == BAR_5)
		return -EINVAL;
	if (!(b->flags & PCI_BASE_ADDRESS_MEM_TYPE_64) && upper_32_bits(b->phys_addr + b->size - 1))
		return -ERANGE;
	return 0;
}

static int vepc_set_bar(struct pci_epc *epc, u8 func_no, u8 vfunc_no,
			struct pci_epf_bar *b)
{
	struct vepc *v = epc_get_drvdata(epc);
	struct vepc_func *f = vepc_func(v, func_no, vfunc_no);
	unsigned long flags;
	int rc;

	if (!f)
		return -EINVAL;
	rc = vepc_check_bar(v, b);
	if (!rc && b->barno < PCI_STD_NUM_BARS && (v->refuse & BIT(b->barno)))
		rc = -EIO;	/* a controller that says more than it can do */
	if (!rc && v->features.bar[b->barno].type == BAR_FIXED &&
	    b->size != v->features.bar[b->barno].fixed_size)
		rc = -EINVAL;
	if (!rc && v->features.bar[b->barno].only_64bit &&
	    !(b->flags & PCI_BASE_ADDRESS_MEM_TYPE_64))
		rc = -EINVAL;
	if (rc) {
		dev_warn(v->dev, "msikit_vepc: function %u BAR %d refused: %pa size %#zx flags %#x: %pe\n",
			 func_no, b->barno, &b->phys_addr, b->size, b->flags, ERR_PTR(rc));
		return rc;
	}
	raw_spin_lock_irqsave(&v->lock, flags);
	f->bar[b->barno].phys = b->phys_addr;
	f->bar[b->barno].size = b->size;
	f->bar[b->barno].flags = b->flags & VEPC_BAR_FLAGS;
	f->cfg_bar[b->barno] = lower_32_bits(b->phys_addr);
	if (b->flags & PCI_BASE_ADDRESS_MEM_TYPE_64)
		f->cfg_bar[b->barno + 1] = upper_32_bits(b->phys_addr);
	raw_spin_unlock_irqrestore(&v->lock, flags);
	return 0;
}

static void vepc_clear_bar(struct pci_epc *epc, u8 func_no, u8 vfunc_no,
			   struct pci_epf_bar *b)
{
	struct vepc *v = epc_get_drvdata(epc);
	struct vepc_func *f = vepc_func(v, func_no, vfunc_no);
	unsigned long flags;

	if (!f || b->barno >= PCI_STD_NUM_BARS)
		return;
	raw_spin_lock_irqsave(&v->lock, flags);
	memset(&f->bar[b->barno], 0, sizeof(f->bar[b->barno]));
	f->cfg_bar[b->barno] = 0;
	raw_spin_unlock_irqrestore(&v->lock, flags);
}

static const struct pci_epc_features *
vepc_get_features(struct pci_epc *epc, u8 func_no, u8 vfunc_no)
{
	struct vepc *v = epc_get_drvdata(epc);

	return &v->features;
}

/*
 * Programmable 32- and 64-bit BARs at 4 KiB alignment, unless the node
 * says otherwise, as real controllers' drivers do in their features:
 *   msikit,bar-fixed-size = <BAR SIZE>, ...;	fixed-size BARs
 *   msikit,bar-only-64bit = <BAR>, ...;		64-bit only (takes BAR + 1)
 *   msikit,bar-refuse = <BAR>, ...;		set_bar fails anyway
 */
static int vepc_bars_of(struct vepc *v)
{
	struct device_node *np = v->dev->of_node;
	u32 cells[2 * PCI_STD_NUM_BARS];
	int n, i;

	v->features.align = SZ_4K;
	n = of_property_read_variable_u32_array(np, "msikit,bar-fixed-size", cells, 1,
						ARRAY_SIZE(cells));
	for (i = 0; n > 0 && i + 1 < n; i += 2) {
		if (cells[i] >= PCI_STD_NUM_BARS || !is_power_of_2(cells[i + 1]))
			return -EINVAL;
		v->features.bar[cells[i]].type = BAR_FIXED;
		v->features.bar[cells[i]].fixed_size = cells[i + 1];
	}
	n = of_property_read_variable_u32_array(np, "msikit,bar-only-64bit", cells, 1,
						ARRAY_SIZE(cells));
	for (i = 0; i < n; i++) {
		if (cells[i] >= PCI_STD_NUM_BARS - 1)
			return -EINVAL;
		v->features.bar[cells[i]].only_64bit = true;
		v->features.bar[cells[i] + 1].type = BAR_RESERVED;
	}
	n = of_property_read_variable_u32_array(np, "msikit,bar-refuse", cells, 1,
						ARRAY_SIZE(cells));
	for (i = 0; i < n; i++) {
		if (cells[i] >= PCI_STD_NUM_BARS)
			return -EINVAL;
		v->refuse |= BIT(cells[i]);
	}
	return 0;
}

/*
 * Config space. A BAR reads back what the host wrote, masked by its size:
 * that is all sizing needs. Everything else but the command register is
 * read-only.
 */
static u32 vepc_cfg_bar(struct vepc_func *f, int i)
{
	struct vepc_bar *b = &f->bar[i];

	if (b->size)
		return (f->cfg_bar[i] & ~(u32)(b->size - 1) & PCI_BASE_ADDRESS_MEM_MASK) | b->flags;
	/* the upper half of a 64-bit BAR */
	if (i && (f->bar[i - 1].flags & PCI_BASE_ADDRESS_MEM_TYPE_64))
		return f->cfg_bar[i] & ~upper_32_bits(f->bar[i - 1].size - 1);
	return 0;
}

static u32 vepc_cfg_dword(struct vepc *v, unsigned int fn, int where)
{
	struct vepc_func *f = &v->func[fn];
	struct pci_epf_header *h = &f->hdr;
	bool multi = false;
	unsigned int i;

	for (i = 1; i < VEPC_FUNCS; i++)
		multi |= v->func[i].present;
	switch (where) {
	case PCI_VENDOR_ID:
		return h->vendorid | (u32)h->deviceid << 16;
	case PCI_COMMAND:
		return f->command;
	case PCI_CLASS_REVISION:
		return h->revid | h->progif_code << 8 | h->subclass_code << 16 |
		       (u32)h->baseclass_code << 24;
	case PCI_CACHE_LINE_SIZE:
		return h->cache_line_size | (multi ? 0x80 : 0) << 16;
	case PCI_BASE_ADDRESS_0 ... PCI_BASE_ADDRESS_5:
		return vepc_cfg_bar(f, (where - PCI_BASE_ADDRESS_0) / 4);
	case PCI_SUBSYSTEM_VENDOR_ID:
		return h->subsys_vendor_id | (u32)h->subsys_id << 16;
	case PCI_INTERRUPT_LINE:
		return h->interrupt_pin << 8;
	}
	return 0;
}

static struct vepc_func *vepc_cfg_func(struct pci_bus *bus, unsigned int devfn)
{
	struct vepc *v = bus->sysdata;

	if (PCI_SLOT(devfn) || PCI_FUNC(devfn) >= VEPC_FUNCS || !v->func[PCI_FUNC(devfn)].present)
		return NULL;
	return &v->func[PCI_FUNC(devfn)];
}

static int vepc_cfg_read(struct pci_bus *bus, unsigned int devfn, int where, int size, u32 *val)
{
	struct vepc *v = bus->sysdata;
	unsigned long flags;
	u32 dw;

	raw_spin_lock_irqsave(&v->lock, flags);
	if (!vepc_cfg_func(bus, devfn)) {
		raw_spin_unlock_irqrestore(&v->lock, flags);
		PCI_SET_ERROR_RESPONSE(val);
		return PCIBIOS_DEVICE_NOT_FOUND;
	}
	dw = vepc_cfg_dword(v, PCI_FUNC(devfn), where & ~3);
	raw_spin_unlock_irqrestore(&v->lock, flags);
	dw >>= 8 * (where & 3);
	*val = size == 4 ? dw : dw & ((1U << (8 * size)) - 1);
	return PCIBIOS_SUCCESSFUL;
}

static int vepc_cfg_write(struct pci_bus *bus, unsigned int devfn, int where, int size, u32 val)
{
	struct vepc *v = bus->sysdata;
	struct vepc_func *f;
	unsigned long flags;
	int rc = PCIBIOS_SUCCESSFUL;

	raw_spin_lock_irqsave(&v->lock, flags);
	f = vepc_cfg_func(bus, devfn);
	if (!f)
		rc = PCIBIOS_DEVICE_NOT_FOUND;
	else if (where == PCI_COMMAND && size >= 2)
		f->command = val & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	else if (where >= PCI_BASE_ADDRESS_0 && where <= PCI_BASE_ADDRESS_5 && size == 4)
		f->cfg_bar[(where - PCI_BASE_ADDRESS_0) / 4] = val;
	raw_spin_unlock_irqrestore(&v->lock, flags);
	return rc;
}

static struct pci_ops vepc_pci_ops = {
	.read = vepc_cfg_read,
	.write = vepc_cfg_write,
};

static struct vepc_win *vepc_win_find(struct vepc *v, u64 start, u64 size)
{
	unsigned int i;

	for (i = 0; i < v->nr_win; i++)
		if (v->win[i].res.start == start && resource_size(&v->win[i].res) == size)
			return &v->win[i];
	return NULL;
}

static void vepc_wins_release(struct vepc *v)
{
	while (v->nr_win--)
		if (v->win[v->nr_win].res.parent)
			release_resource(&v->win[v->nr_win].res);
	v->nr_win = 0;
}

/* one window per distinct BAR range, in the iomem tree like a host bridge's */
static int vepc_wins_add(struct vepc *v, struct list_head *list)
{
	struct vepc_win *w;
	unsigned int fn, i;
	int rc;

	for (fn = 0; fn < VEPC_FUNCS; fn++) {
		for (i = 0; i < PCI_STD_NUM_BARS; i++) {
			struct vepc_bar *b = &v->func[fn].bar[i];

			if (!b->size || vepc_win_find(v, b->phys, b->size))
				continue;
			w = &v->win[v->nr_win++];
			memset(w, 0, sizeof(*w));
			snprintf(w->name, sizeof(w->name), "%s window", dev_name(v->dev));
			w->res.name = w->name;
			w->res.start = b->phys;
			w->res.end = b->phys + b->size - 1;
			w->res.flags = IORESOURCE_MEM;
			if (b->flags & PCI_BASE_ADDRESS_MEM_PREFETCH)
				w->res.flags |= IORESOURCE_PREFETCH;
			rc = insert_resource(&iomem_resource, &w->res);
			if (rc) {
				dev_warn(v->dev, "msikit_vepc: function %u BAR %u: %pR overlaps a resource it cannot nest in\n",
					 fn, i, &w->res);
				vepc_wins_release(v);
				return rc;
			}
			pci_add_resource(list, &w->res);
		}
	}
	return 0;
}

/*
 * The BAR claimed last on @bus with exactly @r's range, the innermost of
 * those mapping one target (vepc_claim()), or NULL.
 */
static struct resource *vepc_twin(struct pci_bus *bus, const struct resource *r)
{
	struct resource *t, *twin = NULL;
	struct pci_dev *pdev;
	int i;

	list_for_each_entry(pdev, &bus->devices, bus_list) {
		for (i = 0; i < PCI_STD_NUM_BARS; i++) {
			t = pci_resource_n(pdev, i);
			if (t != r && t->parent && t->start == r->start && t->end == r->end)
				twin = t;
		}
	}
	return twin;
}

/*
 * Claim each BAR in its bus window. Two functions whose BARs map one
 * target (every function's doorbell BAR maps the one ITS frame) would
 * collide in the resource tree, where on a real link each BAR has its own
 * bus address: the second nests in the first, which the PCI core accepts
 * as claimed (nobody requests a doorbell window for itself alone). The
 * windows are found by the PCI core, not by vepc_win_find(): it merges
 * windows that touch (the register BARs of functions bound one after the
 * other are adjacent pages of the pool).
 *
 * Return: 0, or the error of the first BAR not claimed, which a host
 * would map without reaching anything: the link stays down.
 */
static int vepc_claim(struct vepc *v, struct pci_bus *bus)
{
	struct resource *r, *twin;
	struct pci_dev *pdev;
	int i, rc;

	list_for_each_entry(pdev, &bus->devices, bus_list) {
		for (i = 0; i < PCI_STD_NUM_BARS; i++) {
			r = pci_resource_n(pdev, i);
			if (!(r->flags & IORESOURCE_MEM) || r->parent)
				continue;
			twin = vepc_twin(bus, r);
			rc = twin ? request_resource(twin, r) : pci_claim_resource(pdev, i);
			if (rc) {
				pci_warn(pdev, "msikit_vepc: BAR %d %pR not claimed (%pe): the link stays down\n",
					 i, r, ERR_PTR(rc));
				return rc;
			}
			if (twin)
				v->nested[v->nr_nested++] = r;
		}
	}
	return 0;
}

/* Every function whose header was written is on @bus, or -ENODEV. */
static int vepc_enumerated(struct vepc *v, struct pci_bus *bus)
{
	unsigned long seen = 0;
	struct pci_dev *pdev;
	unsigned int fn;

	list_for_each_entry(pdev, &bus->devices, bus_list)
		__set_bit(PCI_FUNC(pdev->devfn), &seen);
	for (fn = 0; fn < VEPC_FUNCS; fn++) {
		if (v->func[fn].present && !test_bit(fn, &seen)) {
			dev_warn(v->dev, "msikit_vepc: function %u was not enumerated (no function 0, IDs that read as an empty slot, or an allocation the PCI core skipped): the link stays down\n",
				 fn);
			return -ENODEV;
		}
	}
	return 0;
}

/*
 * BARs claimed inside other functions' BARs (vepc_claim()) go before the
 * functions do, innermost first: removing the function that owns an
 * outer BAR frees it, and would leave the inner one's parent dangling.
 * Their drivers are gone (the bus is stopped), and with them their
 * regions.
 */
static void vepc_unclaim_nested(struct vepc *v)
{
	while (v->nr_nested)
		release_resource(v->nested[--v->nr_nested]);
}

/*
 * A bus kept across a stop (keep_link) still shows the BARs of the
 * functions bound before. Bus address is CPU address here, so the host's
 * devices remain right only if every BAR came back where it was; where
 * one did not, the host must see the link go down after all.
 */
static bool vepc_bus_still_right(struct vepc *v)
{
	struct pci_dev *pdev;
	struct vepc_bar *b;
	struct resource *r;
	unsigned int fn;
	int i;

	list_for_each_entry(pdev, &v->bus->devices, bus_list) {
		fn = PCI_FUNC(pdev->devfn);
		for (i = 0; i < PCI_STD_NUM_BARS; i++) {
			r = pci_resource_n(pdev, i);
			b = &v->func[fn].bar[i];
			if (!(r->flags & IORESOURCE_MEM) && !b->size)
				continue;
			if (!(r->flags & IORESOURCE_MEM) || r->start != b->phys ||
			    resource_size(r) != b->size) {
				dev_info(v->dev, "msikit_vepc: keep_link: function %u BAR %d moved to %#llx: the link goes down\n",
					 fn, i, b->phys);
				return false;
			}
		}
	}
	return true;
}

/*
 * pci_remove_root_bus() deletes the host bridge but leaves it the
 * reference pci_create_root_bus() gave its caller: drop it here, or the
 * bridge and its windows outlive every bus this controller brought up.
 * Under pci_lock_rescan_remove(), so that no rescan or sysfs remove
 * comes between a bus that failed its claims and its removal.
 */
static void vepc_bus_remove_locked(struct vepc *v)
{
	struct pci_host_bridge *bridge;

	if (!v->bus)
		return;
	bridge = pci_find_host_bridge(v->bus);
	pci_stop_root_bus(v->bus);
	vepc_unclaim_nested(v);
	pci_remove_root_bus(v->bus);
	pci_free_host_bridge(bridge);
	v->bus = NULL;
	vepc_wins_release(v);
}

static void vepc_bus_remove(struct vepc *v)
{
	pci_lock_rescan_remove();
	vepc_bus_remove_locked(v);
	pci_unlock_rescan_remove();
}

/*
 * The PCI core's side of bringing the link up (the host bridge, the scan
 * of its bus, the functions' sysfs files) runs out of reach of fail-nth,
 * the fault suite's injection armed in this task. The core has no
 * unwinding there that a caller could check, and on 6.12 some of it is
 * wrong: a root bus whose device_register() fails is released with the
 * last reference to its bridge, which pci_create_root_bus() then puts
 * again; a resource file that pci_create_resource_files() failed to make
 * is freed but left in pdev->res_attr[], and freed again at removal (both
 * KASAN use-after-free); a function whose device_add() fails is a WARN in
 * pci_device_add(). Those are the kernel's defects, and injecting them
 * would only show them again. The windows added before (pci_add_resource(),
 * whose failure the core only logs) stay injected.
 */
static unsigned int vepc_fail_nth_pause(void)
{
#if IS_ENABLED(CONFIG_FAULT_INJECTION) && defined(VEPC_HAVE_FAIL_NTH)
	unsigned int nth = READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);
	return nth;
#else
#if IS_ENABLED(CONFIG_FAULT_INJECTION)
#warning "no task fail_nth: fault injection reaches the PCI core enumeration (README.vepc)"
#endif
	return 0;
#endif
}

static void vepc_fail_nth_resume(unsigned int nth)
{
#if IS_ENABLED(CONFIG_FAULT_INJECTION) && defined(VEPC_HAVE_FAIL_NTH)
	WRITE_ONCE(current->fail_nth, nth);
#endif
}

static struct pci_bus *vepc_enumerate(struct vepc *v, struct list_head *list)
{
	unsigned int nth = vepc_fail_nth_pause();
	struct pci_bus *bus;

	bus = pci_create_root_bus(v->dev, 0, &vepc_pci_ops, v, list);
	if (bus)
		pci_scan_child_bus(bus);
	vepc_fail_nth_resume(nth);
	return bus;
}

static void vepc_add_devices(struct pci_bus *bus)
{
	unsigned int nth = vepc_fail_nth_pause();

	pci_bus_add_devices(bus);
	vepc_fail_nth_resume(nth);
}

static int vepc_bus_add(struct vepc *v)
{
	struct pci_bus *bus;
	LIST_HEAD(list);
	int rc;

	rc = vepc_wins_add(v, &list);
	if (rc) {
		pci_free_resource_list(&list);
		return rc;
	}
	v->busn.name = "msikit_vepc bus";
	v->busn.start = 0;
	v->busn.end = 0;
	v->busn.flags = IORESOURCE_BUS;
	pci_add_resource(&list, &v->busn);
	pci_lock_rescan_remove();
	bus = vepc_enumerate(v, &list);
	if (!bus) {
		pci_unlock_rescan_remove();
		pci_free_resource_list(&list);
		vepc_wins_release(v);
		dev_warn(v->dev, "msikit_vepc: no virtual PCI bus\n");
		return -ENOMEM;
	}
	v->bus = bus;
	/*
	 * A host that enumerated a BAR it cannot reach would bind a driver
	 * that rings nothing, and one that lost a function finds nothing to
	 * bind. The PCI core only logs a window it could not add, and skips
	 * a function it could not allocate (vepc_enumerate() keeps fail-nth
	 * from the latter, a real allocation failure does not), so this is
	 * where they show.
	 */
	rc = vepc_enumerated(v, bus) ?: vepc_claim(v, bus);
	if (rc)
		vepc_bus_remove_locked(v);
	else
		vepc_add_devices(bus);
	pci_unlock_rescan_remove();
	if (!rc)
		dev_info(v->dev, "msikit_vepc: link up: functions on PCI domain %d\n",
			 pci_domain_nr(bus));
	return rc;
}

static int vepc_start(struct pci_epc *epc)
{
	struct vepc *v = epc_get_drvdata(epc);
	int rc;

	v->started = true;
	if (v->perst)
		return 0;	/* the link comes up when PERST# is released */
	if (v->bus && vepc_bus_still_right(v))
		return 0;
	vepc_bus_remove(v);
	rc = vepc_bus_add(v);
	if (rc)
		v->started = false;
	return rc;
}

/*
 * The link is down: the next start shows the functions bound by then.
 * With keep_link the host keeps its devices, as over a link that stays
 * up while the endpoint rebinds its functions.
 */
static void vepc_stop(struct pci_epc *epc)
{
	struct vepc *v = epc_get_drvdata(epc);
	unsigned long flags;

	v->started = false;
	if (!READ_ONCE(keep_link))
		vepc_bus_remove(v);
	raw_spin_lock_irqsave(&v->lock, flags);
	memset(v->func, 0, sizeof(v->func));
	raw_spin_unlock_irqrestore(&v->lock, flags);
}

static const struct pci_epc_ops vepc_ops = {
	.write_header = vepc_write_header,
	.set_bar = vepc_set_bar,
	.clear_bar = vepc_clear_bar,
	.start = vepc_start,
	.stop = vepc_stop,
	.get_features = vepc_get_features,
	.owner = THIS_MODULE,
};

/* "F BAR PHYS SIZE FLAGS" per BAR a function set: what tests compare */
static ssize_t bars_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vepc *v = dev_get_drvdata(dev);
	unsigned long flags;
	unsigned int fn, i;
	int n = 0;

	raw_spin_lock_irqsave(&v->lock, flags);
	for (fn = 0; fn < VEPC_FUNCS; fn++)
		for (i = 0; i < PCI_STD_NUM_BARS; i++)
			if (v->func[fn].bar[i].size)
				n += sysfs_emit_at(buf, n, "%u %u %#llx %#llx %#x\n", fn, i,
						   v->func[fn].bar[i].phys, v->func[fn].bar[i].size,
						   v->func[fn].bar[i].flags);
	raw_spin_unlock_irqrestore(&v->lock, flags);
	return n;
}
static DEVICE_ATTR_RO(bars);

/*
 * PERST# from the host: write 1 to assert it, 0 to release it. Asserted,
 * the link goes down at once (the host's devices go, as on a host whose
 * slot lost its link) and then the controller tells its functions it was
 * reset (pci_epc_deinit_notify: they must let go of everything without
 * waiting for a host). Released, it tells them it is ready again
 * (pci_epc_init_notify) and, if the link had been started, brings it up.
 */
static ssize_t perst_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct vepc *v = dev_get_drvdata(dev);
	bool assert;
	int rc = 0;

	if (kstrtobool(buf, &assert))
		return -EINVAL;
	mutex_lock(&v->epc->lock);
	if (assert == v->perst) {
		mutex_unlock(&v->epc->lock);
		return count;
	}
	v->perst = assert;
	if (assert)
		vepc_bus_remove(v);
	mutex_unlock(&v->epc->lock);
	if (assert) {
		pci_epc_deinit_notify(v->epc);
		return count;
	}
	pci_epc_init_notify(v->epc);
	mutex_lock(&v->epc->lock);
	if (v->started)
		rc = vepc_start(v->epc);
	mutex_unlock(&v->epc->lock);
	return rc ?: count;
}

static ssize_t perst_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vepc *v = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(v->perst));
}
static DEVICE_ATTR_RW(perst);

/*
 * Behind an IOMMU, a bus master that plays the host's inbound writes
 * crosses it with the controller's stream, so what it reads must be
 * mapped there too: "IOVA" of a page of 32-bit words (or "none" without
 * an IOMMU DMA domain); write "INDEX VALUE" to set word INDEX.
 */
static ssize_t scratch_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vepc *v = dev_get_drvdata(dev);

	if (!v->scratch)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%#llx\n", (u64)v->scratch_iova);
}

static ssize_t scratch_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct vepc *v = dev_get_drvdata(dev);
	unsigned int i;
	u32 val;

	if (!v->scratch)
		return -ENODEV;
	if (sscanf(buf, "%u %x", &i, &val) != 2 || i >= PAGE_SIZE / sizeof(u32))
		return -EINVAL;
	WRITE_ONCE(v->scratch[i], cpu_to_le32(val));
	dma_sync_single_for_device(dev, v->scratch_iova, PAGE_SIZE, DMA_TO_DEVICE);
	return count;
}
static DEVICE_ATTR_RW(scratch);

static struct attribute *vepc_attrs[] = {
	&dev_attr_bars.attr,
	&dev_attr_perst.attr,
	&dev_attr_scratch.attr,
	NULL
};
ATTRIBUTE_GROUPS(vepc);

static void vepc_mem_release(void *dev)
{
	of_reserved_mem_device_release(dev);
}

static void vepc_scratch_release(void *data)
{
	struct vepc *v = data;

	dma_unmap_single(v->dev, v->scratch_iova, PAGE_SIZE, DMA_TO_DEVICE);
	free_page((unsigned long)v->scratch);
}

static int vepc_scratch(struct vepc *v)
{
	struct iommu_domain *iommu = iommu_get_domain_for_dev(v->dev);

	if (!iommu || !iommu_is_dma_domain(iommu))
		return 0;
	v->scratch = (__le32 *)get_zeroed_page(GFP_KERNEL);
	if (!v->scratch)
		return -ENOMEM;
	v->scratch_iova = dma_map_single(v->dev, v->scratch, PAGE_SIZE, DMA_TO_DEVICE);
	if (dma_mapping_error(v->dev, v->scratch_iova)) {
		free_page((unsigned long)v->scratch);
		v->scratch = NULL;
		return -ENOMEM;
	}
	dev_info(v->dev, "msikit_vepc: behind an IOMMU: inbound writes reach %s's I/O virtual addresses\n",
		 dev_name(v->dev));
	return devm_add_action_or_reset(v->dev, vepc_scratch_release, v);
}

static int vepc_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct vepc *v;
	int rc;

	if (max_functions < 1 || max_functions > VEPC_FUNCS) {
		dev_err(dev, "msikit_vepc: max_functions=%u: want 1..%d\n", max_functions,
			VEPC_FUNCS);
		return -EINVAL;
	}
	v = devm_kzalloc(dev, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->dev = dev;
	raw_spin_lock_init(&v->lock);
	rc = vepc_bars_of(v);
	if (rc) {
		dev_err(dev, "msikit_vepc: a msikit,bar-* property names no BAR it can describe\n");
		return rc;
	}
	/* the BARs' memory: no-map, so the host side can ioremap() it */
	rc = of_reserved_mem_device_init(dev);
	if (rc) {
		dev_err(dev, "msikit_vepc: no memory-region for the BARs: %pe\n", ERR_PTR(rc));
		return rc;
	}
	rc = devm_add_action_or_reset(dev, vepc_mem_release, dev);
	if (rc)
		return rc;
	rc = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (rc)
		return rc;
	rc = vepc_scratch(v);
	if (rc)
		return rc;
	v->epc = devm_pci_epc_create(dev, &vepc_ops);
	if (IS_ERR(v->epc))
		return PTR_ERR(v->epc);
	v->epc->max_functions = max_functions;
	epc_set_drvdata(v->epc, v);
	platform_set_drvdata(pdev, v);
	/* a real controller says this once its core is up; functions bound later hear it then */
	pci_epc_init_notify(v->epc);
	dev_info(dev, "msikit_vepc: TEST ONLY virtual endpoint controller, %u functions\n",
		 max_functions);
	return 0;
}

static void vepc_remove(struct platform_device *pdev)
{
	vepc_bus_remove(platform_get_drvdata(pdev));
}

static const struct of_device_id vepc_of_ids[] = {
	{ .compatible = "msikit,virtual-epc" },
	{ }
};

static struct platform_driver vepc_driver = {
	.driver = {
		.name = "msikit_vepc",
		.of_match_table = vepc_of_ids,
		.dev_groups = vepc_groups,
		.suppress_bind_attrs = true,
	},
	.probe = vepc_probe,
	.remove = vepc_remove,
};
module_platform_driver(vepc_driver);

MODULE_DESCRIPTION("msikit test double: virtual PCI endpoint controller (test only)");
MODULE_LICENSE("GPL");
