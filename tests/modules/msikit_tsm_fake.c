// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_tsm_fake: test-only. A PCI TSM (7.x's drivers/pci/tsm.c) that
 * holds nothing and does nothing, so that the doe suite can make the
 * kernel itself mark a function as held by a TSM (pdev->tsm set by the
 * PCI core's connect) and check that msikit_doe then refuses user-space
 * CMA/SPDM on it, as it must while a real TSM (SEV-TIO, TDX Connect) runs
 * its own SPDM session there.
 *
 *   bdf	the function to offer to the TSM core (required)
 *
 * The PCI core shows a function the tsm/ directory (connect, disconnect)
 * only if it is function 0 of a PCIe endpoint with an IDE capability or
 * TEE I/O support in Device Capabilities. QEMU's devices have neither, so
 * the module sets the TEE bit in the core's cached copy of Device
 * Capabilities (pdev->devcap: the register is not written) before it
 * registers, and clears it again after it unregistered. That is the one
 * liberty taken; everything else is the TSM core's own path:
 *
 *   echo tsmN > /sys/bus/pci/devices/BDF/tsm/connect	pdev->tsm set
 *   echo tsmN > /sys/bus/pci/devices/BDF/tsm/disconnect	pdev->tsm clear
 *
 * connect succeeds without touching the device: this TSM opens no SPDM
 * session, so it cannot prove what a session msikit broke would do. It
 * proves the refusal, and that it ends with the TSM's hold.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pci-tsm.h>
#include <linux/slab.h>
#include <linux/tsm.h>

static char *bdf;
module_param(bdf, charp, 0444);
MODULE_PARM_DESC(bdf, "The function offered to this TSM, DDDD:BB:DD.F (required)");

static struct pci_dev *fake_pdev;
static struct tsm_dev *fake_tsm;
static bool fake_set_tee;

struct fake_pf0 {
	struct pci_tsm_pf0 pf0;
};

static struct pci_tsm *fake_probe(struct tsm_dev *tsm_dev, struct pci_dev *pdev)
{
	struct fake_pf0 *f;
	int rc;

	/* only the function we were given: the core asks about others too */
	if (pdev != fake_pdev)
		return NULL;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return NULL;
	rc = pci_tsm_pf0_constructor(pdev, &f->pf0, tsm_dev);
	if (rc) {
		pci_warn(pdev, "msikit_tsm_fake: pf0 context refused: %d\n", rc);
		kfree(f);
		return NULL;
	}
	return &f->pf0.base_tsm;
}

static void fake_remove(struct pci_tsm *tsm)
{
	struct fake_pf0 *f = container_of(tsm, struct fake_pf0, pf0.base_tsm);

	pci_tsm_pf0_destructor(&f->pf0);
	kfree(f);
}

static int fake_connect(struct pci_dev *pdev)
{
	pci_info(pdev, "msikit_tsm_fake: connected (no session: a test double)\n");
	return 0;
}

static void fake_disconnect(struct pci_dev *pdev)
{
	pci_info(pdev, "msikit_tsm_fake: disconnected\n");
}

static struct pci_tsm_ops fake_ops = {
	.probe = fake_probe,
	.remove = fake_remove,
	.connect = fake_connect,
	.disconnect = fake_disconnect,
};

static struct pci_dev *fake_find(const char *s)
{
	unsigned int dom, bus, dev, fn;

	if (!s || sscanf(s, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4 ||
	    bus > 0xff || dev > 0x1f || fn > 7)
		return NULL;
	return pci_get_domain_bus_and_slot(dom, bus, PCI_DEVFN(dev, fn));
}

static int __init fake_init(void)
{
	struct tsm_dev *tsm;
	int rc;

	fake_pdev = fake_find(bdf);
	if (!fake_pdev) {
		pr_warn("bdf=%s: no such PCI function\n", bdf ?: "(unset)");
		return -ENODEV;
	}
	fake_set_tee = !(fake_pdev->devcap & PCI_EXP_DEVCAP_TEE);
	fake_pdev->devcap |= PCI_EXP_DEVCAP_TEE;
	/* what the PCI core offers a TSM at all, asked of the core itself */
	if (!is_pci_tsm_pf0(fake_pdev)) {
		pci_warn(fake_pdev, "msikit_tsm_fake: not function 0 of a PCIe endpoint or upstream port\n");
		rc = -EINVAL;
		goto undo;
	}
	tsm = tsm_register(NULL, &fake_ops);
	if (IS_ERR(tsm)) {
		rc = PTR_ERR(tsm);
		pci_warn(fake_pdev, "msikit_tsm_fake: tsm_register: %d\n", rc);
		goto undo;
	}
	fake_tsm = tsm;
	pci_info(fake_pdev, "msikit_tsm_fake: registered as %s (test double)\n",
		 dev_name(&tsm->dev));
	return 0;
undo:
	if (fake_set_tee)
		fake_pdev->devcap &= ~PCI_EXP_DEVCAP_TEE;
	pci_dev_put(fake_pdev);
	return rc;
}

static void __exit fake_exit(void)
{
	/* disconnects what is still connected, and hides tsm/ */
	tsm_unregister(fake_tsm);
	if (fake_set_tee)
		fake_pdev->devcap &= ~PCI_EXP_DEVCAP_TEE;
	pci_dev_put(fake_pdev);
}

module_init(fake_init);
module_exit(fake_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msikit: test-only PCI TSM that marks one function as held (pdev->tsm)");
