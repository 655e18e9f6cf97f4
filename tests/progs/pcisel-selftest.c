// SPDX-License-Identifier: GPL-2.0
/*
 * pcisel-selftest: msikit-doe's -s selector (tools/pcisel.c), lspci's
 * [[[[domain]:]bus]:][dev][.[fn]], against tables of selectors and the
 * kernel's PCI device names they must or must not match.
 *
 *   pcisel-selftest
 *
 * Each failed check is explained on stderr; the last line on stdout counts
 * the checks passed or failed. Exit status: 0 all passed, 1 a check
 * failed, 2 usage error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pcisel.h"

#define PROG		"pcisel-selftest"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define ANY_D		PCI_SEL_ANY_DOMAIN
#define ANY_B		PCI_SEL_ANY_BUS
#define ANY_V		PCI_SEL_ANY_DEV
#define ANY_F		PCI_SEL_ANY_FN
#define ANY_ALL		(ANY_D | ANY_B | ANY_V | ANY_F)

static unsigned int checks, fails;

static void check(bool ok, const char *sel, const char *what)
{
	checks++;
	if (ok)
		return;
	fails++;
	fprintf(stderr, PROG ": FAILED: '%s': %s\n", sel, what);
}

/* selectors that parse, and the numbers they hold */
static const struct {
	const char *s;
	unsigned int domain, bus, dev, fn, any;
} valid[] = {
	{ "", 0, 0, 0, 0, ANY_ALL },
	{ "*", 0, 0, 0, 0, ANY_ALL },
	{ ":", 0, 0, 0, 0, ANY_ALL },
	{ "::", 0, 0, 0, 0, ANY_ALL },
	{ ".", 0, 0, 0, 0, ANY_ALL },
	{ "*:*:*.*", 0, 0, 0, 0, ANY_ALL },
	{ "0000:0d:00.0", 0, 0x0d, 0, 0, 0 },
	{ "0d:00.0", 0, 0x0d, 0, 0, ANY_D },
	{ "0D:1F.7", 0, 0x0d, 0x1f, 7, ANY_D },
	{ "1f", 0, 0, 0x1f, 0, ANY_D | ANY_B | ANY_F },		/* no colon: the device */
	{ "3.1", 0, 0, 3, 1, ANY_D | ANY_B },
	{ ".3", 0, 0, 0, 3, ANY_D | ANY_B | ANY_V },
	{ "0d:", 0, 0x0d, 0, 0, ANY_D | ANY_V | ANY_F },
	{ ":2", 0, 0, 2, 0, ANY_D | ANY_B | ANY_F },
	{ "1::", 1, 0, 0, 0, ANY_B | ANY_V | ANY_F },
	{ "*:0d:*.*", 0, 0x0d, 0, 0, ANY_D | ANY_V | ANY_F },
	{ "0d:00.", 0, 0x0d, 0, 0, ANY_D | ANY_F },
	{ "ffff:ff:1f.7", 0xffff, 0xff, 0x1f, 7, 0 },
	{ "10000:00:00.0", 0x10000, 0, 0, 0, 0 },
	{ "ffffffff::", 0xffffffff, 0, 0, 0, ANY_B | ANY_V | ANY_F },
	{ "00000000000000000001:0000ff:001f.0007", 1, 0xff, 0x1f, 7, 0 },
};

/* selectors that do not, and the error each must give */
static const struct {
	const char *s;
	int err;
} invalid[] = {
	{ ":::", -PCI_SEL_E_COLONS },
	{ "0:0:0:0.0", -PCI_SEL_E_COLONS },
	{ "100000000::", -PCI_SEL_E_DOMAIN },
	{ "-1::", -PCI_SEL_E_DOMAIN },
	{ "100:00.0", -PCI_SEL_E_BUS },
	{ "0x0d:00.0", -PCI_SEL_E_BUS },
	{ "g0:00.0", -PCI_SEL_E_BUS },
	{ " 0d:00.0", -PCI_SEL_E_BUS },
	{ "**:00.0", -PCI_SEL_E_BUS },
	{ "20", -PCI_SEL_E_DEV },
	{ "0d:20.0", -PCI_SEL_E_DEV },
	{ "0d:00 ", -PCI_SEL_E_DEV },
	{ "0d:00.8", -PCI_SEL_E_FN },
	{ "0d:00.0.0", -PCI_SEL_E_FN },
	{ "0d:00.0:", -PCI_SEL_E_FN },
	{ "0d:00.-1", -PCI_SEL_E_FN },
	{ "0d:00.0 ", -PCI_SEL_E_FN },
	{ "0.0:00", -PCI_SEL_E_FN },
};

/* selector, device name, must match */
static const struct {
	const char *s, *bdf;
	bool match;
} matches[] = {
	{ "", "0000:0d:00.0", true },
	{ "0d:00.0", "0000:0d:00.0", true },
	{ "0d:00.0", "0001:0d:00.0", true },
	{ "0000:0d:00.0", "0001:0d:00.0", false },
	{ "1:0d:00.0", "0001:0d:00.0", true },
	{ "0d:00.0", "0000:0d:00.1", false },
	{ "0d:00", "0000:0d:00.1", true },
	{ "0d:", "0000:0d:1f.7", true },
	{ "0d:", "0000:0e:00.0", false },
	{ "00.0", "0000:0d:00.0", true },
	{ "00.0", "0000:0d:01.0", false },
	{ ".1", "0000:0d:03.1", true },
	{ ".1", "0000:0d:03.2", false },
	{ "ff:1f.7", "0000:0d:00.0", false },
	{ "ff:1f.7", "0000:ff:1f.7", true },
	{ "10000::", "10000:00:00.0", true },
	{ "10000::", "0000:00:00.0", false },
	/* names that are no PCI device match nothing, not even "everything" */
	{ "", "msikit-swmb.0", false },
	{ "", "swmb.0", false },
	{ "", "0000:0d:00", false },
	{ "", "0000:0d:00.0.1", false },
	{ "", "0000:0d:20.0", false },
	{ "", "0000:0d:00.8", false },
	{ "", "0000:100:00.0", false },
	{ "", "000000000:00:00.0", false },
	{ "", ":0d:00.0", false },
	{ "", "", false },
};

int main(int argc, char **argv)
{
	struct pci_sel sel;
	char what[160];
	size_t i;
	int r;

	(void)argv;
	if (argc != 1) {
		fputs("usage: " PROG "\n", stderr);
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(valid); i++) {
		r = pci_sel_parse(valid[i].s, &sel);
		snprintf(what, sizeof(what), "parses (got %d: %s)", r, pci_sel_strerror(r));
		check(r == 0, valid[i].s, what);
		if (r)
			continue;
		snprintf(what, sizeof(what),
			 "holds %x:%x:%x.%x any %#x (got %x:%x:%x.%x any %#x)",
			 valid[i].domain, valid[i].bus, valid[i].dev, valid[i].fn,
			 valid[i].any, sel.domain, sel.bus, sel.dev, sel.fn, sel.any);
		check(sel.any == valid[i].any &&
		      ((sel.any & ANY_D) || sel.domain == valid[i].domain) &&
		      ((sel.any & ANY_B) || sel.bus == valid[i].bus) &&
		      ((sel.any & ANY_V) || sel.dev == valid[i].dev) &&
		      ((sel.any & ANY_F) || sel.fn == valid[i].fn), valid[i].s, what);
	}
	for (i = 0; i < ARRAY_SIZE(invalid); i++) {
		r = pci_sel_parse(invalid[i].s, &sel);
		snprintf(what, sizeof(what), "refused with '%s' (got %d: %s)",
			 pci_sel_strerror(invalid[i].err), r, r ? pci_sel_strerror(r) : "parsed");
		check(r == invalid[i].err, invalid[i].s, what);
	}
	for (i = 0; i < ARRAY_SIZE(matches); i++) {
		r = pci_sel_parse(matches[i].s, &sel);
		if (r) {
			check(false, matches[i].s, "does not parse");
			continue;
		}
		snprintf(what, sizeof(what), "%s %s", matches[i].match ?
			 "matches" : "does not match", matches[i].bdf);
		check(pci_sel_match(&sel, matches[i].bdf) == matches[i].match,
		      matches[i].s, what);
	}
	if (fails) {
		printf(PROG ": %u of %u checks failed\n", fails, checks);
		return 1;
	}
	printf(PROG ": %u checks passed\n", checks);
	return 0;
}
