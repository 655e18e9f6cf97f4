// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe_client: TEST ONLY. A stand-in for the driver of a function
 * with DOE mailboxes (a CXL memory device's, say) that hands them to
 * msikit with msikit_doe_attach() and takes them back with
 * msikit_doe_detach(), so that the doe suite exercises that API the way
 * such a driver would. It binds only on request (driver_override), owns
 * nothing else of the function, and does nothing with it.
 *
 * Parameters, read at each probe:
 *   vectors  allocate MSI/MSI-X vectors (and bus mastering) before the
 *            attach, as a driver with interrupts of its own does
 *   flags    passed to msikit_doe_attach() as they are (bad ones too:
 *            the API's refusal is under test)
 */
#include <linux/bitfield.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <msikit/doe.h>

static bool client_vectors = true;
module_param_named(vectors, client_vectors, bool, 0644);
MODULE_PARM_DESC(vectors, "allocate MSI/MSI-X vectors before msikit_doe_attach() (default: on)");

static uint client_flags;
module_param_named(flags, client_flags, uint, 0644);
MODULE_PARM_DESC(flags, "msikit_doe_attach() flags, passed as they are (default: 0)");

/* as many vectors as the highest Interrupt Message Number asks for */
static int client_nvec(struct pci_dev *pdev)
{
	int nvec = 0;
	u16 cap = 0;
	u32 val;

	while ((cap = pci_find_next_ext_capability(pdev, cap, PCI_EXT_CAP_ID_DOE))) {
		pci_read_config_dword(pdev, cap + PCI_DOE_CAP, &val);
		if (val & PCI_DOE_CAP_INT_SUP)
			nvec = max_t(int, nvec, FIELD_GET(PCI_DOE_CAP_INT_MSG_NUM, val) + 1);
	}
	return nvec;
}

static int client_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int nvec, rc;

	rc = pci_enable_device_mem(pdev);
	if (rc)
		return rc;
	nvec = client_vectors ? client_nvec(pdev) : 0;
	if (nvec) {
		rc = pci_alloc_irq_vectors(pdev, nvec, nvec, PCI_IRQ_MSIX | PCI_IRQ_MSI);
		if (rc < 0)
			goto out_disable;
		pci_set_master(pdev);
	}
	rc = msikit_doe_attach(pdev, READ_ONCE(client_flags));
	if (rc < 0)
		goto out_vectors;
	pci_info(pdev, "msikit_doe_client: msikit drives %d mailbox%s (%d vectors)\n",
		 rc, rc == 1 ? "" : "es", nvec);
	return 0;

out_vectors:
	pci_info(pdev, "msikit_doe_client: msikit_doe_attach(): %pe\n", ERR_PTR(rc));
	pci_clear_master(pdev);
	pci_free_irq_vectors(pdev);
out_disable:
	pci_disable_device(pdev);
	return rc;
}

static void client_remove(struct pci_dev *pdev)
{
	/* the mailboxes go back before the vectors they may use */
	msikit_doe_detach(pdev);
	pci_clear_master(pdev);
	pci_free_irq_vectors(pdev);
	pci_disable_device(pdev);
}

static const struct pci_device_id client_ids[] = {
	{ }
};

static struct pci_driver client_driver = {
	.name = "msikit_doe_client",
	.id_table = client_ids,
	.probe = client_probe,
	.remove = client_remove,
};
module_pci_driver(client_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msikit test only: a function's driver handing its DOE mailboxes to msikit");
MODULE_AUTHOR("msikit developers");
