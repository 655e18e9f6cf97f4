/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only: QEMU's edu device (1234:11e8) as the bridge of a loopback
 * NTB. A write that arrives through an inbound window is sent by the
 * receiving side's edu: its own MSI capability, programmed with the
 * target address and data behind the PCI core (which never enables MSI on
 * edu), then raised. QEMU sends it with edu's requester ID, the one a real
 * bridge would stamp on a forwarded write.
 */
#ifndef _NTB_LOOP_EDU_H
#define _NTB_LOOP_EDU_H

#include <linux/io.h>
#include <linux/pci.h>

#define LOOP_EDU_RAISE_IRQ	0x60

struct loop_edu {
	struct pci_dev *pdev;
	void __iomem *bar;
	u8 msi_cap;
};

static inline int loop_edu_init(struct loop_edu *e, struct pci_dev *pdev)
{
	int rc;

	e->pdev = pdev;
	e->msi_cap = pci_find_capability(pdev, PCI_CAP_ID_MSI);
	if (!e->msi_cap)
		return -ENODEV;
	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	e->bar = pcim_iomap(pdev, 0, 0);
	if (!e->bar)
		return -ENOMEM;
	/* the forwarded write is a memory write edu masters */
	pci_set_master(pdev);
	return 0;
}

/*
 * Send @data to @addr as edu. Any context: config writes take a raw lock.
 * edu's MSI data register is 16 bits wide: larger data cannot be carried.
 */
static inline int loop_edu_write(struct loop_edu *e, u64 addr, u32 data)
{
	u16 flags;

	if (data > 0xffff)
		return -ERANGE;
	pci_write_config_dword(e->pdev, e->msi_cap + PCI_MSI_ADDRESS_LO, lower_32_bits(addr));
	pci_write_config_dword(e->pdev, e->msi_cap + PCI_MSI_ADDRESS_HI, upper_32_bits(addr));
	pci_write_config_word(e->pdev, e->msi_cap + PCI_MSI_DATA_64, data);
	pci_read_config_word(e->pdev, e->msi_cap + PCI_MSI_FLAGS, &flags);
	if (!(flags & PCI_MSI_FLAGS_ENABLE))
		pci_write_config_word(e->pdev, e->msi_cap + PCI_MSI_FLAGS,
				      flags | PCI_MSI_FLAGS_ENABLE);
	iowrite32(1, e->bar + LOOP_EDU_RAISE_IRQ);
	return 0;
}

static inline void loop_edu_quiesce(struct loop_edu *e)
{
	u16 flags;

	pci_read_config_word(e->pdev, e->msi_cap + PCI_MSI_FLAGS, &flags);
	pci_write_config_word(e->pdev, e->msi_cap + PCI_MSI_FLAGS, flags & ~PCI_MSI_FLAGS_ENABLE);
}

#endif /* _NTB_LOOP_EDU_H */
