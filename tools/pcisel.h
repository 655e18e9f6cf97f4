/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI device selectors as lspci -s spells them:
 *
 *   [[[[domain]:]bus]:][dev][.[fn]]
 *
 * every part in hex; an empty or "*" part matches anything. With no colon
 * the part before the dot is the device, with one it is bus:dev, with two
 * domain:bus:dev. Limits: domain ffffffff (Linux numbers some domains above
 * ffff, VMD's among them), bus ff, device 1f, function 7.
 *
 * Pure functions, no I/O: msikit-doe and tests/progs/pcisel-selftest share
 * them.
 */
#ifndef MSIKIT_TOOLS_PCISEL_H
#define MSIKIT_TOOLS_PCISEL_H

#include <stdbool.h>
#include <stdint.h>

#ifndef BIT
#define BIT(n)			(1U << (n))
#endif

/* pci_sel.any bits: the parts that match anything */
#define PCI_SEL_ANY_DOMAIN	BIT(0)
#define PCI_SEL_ANY_BUS		BIT(1)
#define PCI_SEL_ANY_DEV		BIT(2)
#define PCI_SEL_ANY_FN		BIT(3)

struct pci_sel {
	uint32_t domain;
	uint8_t bus, dev, fn;
	uint8_t any;
};

/* pci_sel_parse() errors, negated */
enum {
	PCI_SEL_E_COLONS = 1,
	PCI_SEL_E_DOMAIN,
	PCI_SEL_E_BUS,
	PCI_SEL_E_DEV,
	PCI_SEL_E_FN,
};

/* 0, or -PCI_SEL_E_* (@out is then undefined) */
int pci_sel_parse(const char *s, struct pci_sel *out);
/* what a pci_sel_parse() error means, for a message */
const char *pci_sel_strerror(int err);
/*
 * Does the device named @bdf match? @bdf is a kernel PCI device name,
 * "dddd:bb:dd.f"; any other name (a platform device's) matches nothing.
 */
bool pci_sel_match(const struct pci_sel *sel, const char *bdf);

#endif /* MSIKIT_TOOLS_PCISEL_H */
