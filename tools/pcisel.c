// SPDX-License-Identifier: GPL-2.0
/*
 * PCI device selectors, see pcisel.h.
 */
#include <string.h>

#include "pcisel.h"

/*
 * The hex number in @s[0..@len) into *@v, at most @max. A part that is
 * empty or "*" is a wildcard when @wild allows one: returns 1 then, 0 for
 * a number, -1 for anything else. Digits are checked one at a time, so no
 * length of leading zeros overflows.
 */
static int hex_part(const char *s, size_t len, uint32_t max, bool wild, uint32_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!len || (len == 1 && s[0] == '*'))
		return wild ? 1 : -1;
	for (i = 0; i < len; i++) {
		char c = s[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		x = x * 16 + d;
		if (x > max)
			return -1;
	}
	*v = x;
	return 0;
}

int pci_sel_parse(const char *s, struct pci_sel *out)
{
	/* the colon-separated parts, last first: dev, bus, domain */
	static const struct {
		uint32_t max;
		unsigned int any;
		int err;
	} part[] = {
		{ 0x1f, PCI_SEL_ANY_DEV, -PCI_SEL_E_DEV },
		{ 0xff, PCI_SEL_ANY_BUS, -PCI_SEL_E_BUS },
		{ 0xffffffff, PCI_SEL_ANY_DOMAIN, -PCI_SEL_E_DOMAIN },
	};
	const char *dot = strchr(s, '.');
	const char *end = dot ? dot : s + strlen(s);
	uint32_t v[3] = { 0 }, fn = 0;
	unsigned int i, n = 0;
	const char *p;
	int r;

	memset(out, 0, sizeof(*out));
	out->any = PCI_SEL_ANY_DOMAIN | PCI_SEL_ANY_BUS | PCI_SEL_ANY_DEV | PCI_SEL_ANY_FN;
	for (p = s; p < end; p++)
		n += *p == ':';
	if (n > 2)
		return -PCI_SEL_E_COLONS;

	/* walk the parts from the right: the part after the last colon is dev */
	for (i = 0; i <= n; i++) {
		const char *start = end;

		while (start > s && start[-1] != ':')
			start--;
		r = hex_part(start, end - start, part[i].max, true, &v[i]);
		if (r < 0)
			return part[i].err;
		if (!r)
			out->any &= ~part[i].any;
		end = start > s ? start - 1 : start;
	}
	out->dev = v[0];
	out->bus = v[1];
	out->domain = v[2];

	if (dot) {
		r = hex_part(dot + 1, strlen(dot + 1), 7, true, &fn);
		if (r < 0)
			return -PCI_SEL_E_FN;
		if (!r)
			out->any &= ~PCI_SEL_ANY_FN;
		out->fn = fn;
	}
	return 0;
}

const char *pci_sel_strerror(int err)
{
	switch (-err) {
	case PCI_SEL_E_COLONS:
		return "more than two ':' (the form is [[[[domain]:]bus]:][dev][.[fn]])";
	case PCI_SEL_E_DOMAIN:
		return "bad domain: hex, at most ffffffff, or '*'";
	case PCI_SEL_E_BUS:
		return "bad bus: hex, at most ff, or '*'";
	case PCI_SEL_E_DEV:
		return "bad device: hex, at most 1f, or '*'";
	case PCI_SEL_E_FN:
		return "bad function: hex, at most 7, or '*'";
	default:
		return "bad selector";
	}
}

/* "dddd:bb:dd.f", the kernel's PCI device name, into its four numbers */
static bool parse_bdf(const char *name, uint32_t *domain, uint32_t *bus, uint32_t *dev,
		      uint32_t *fn)
{
	const char *c1 = strchr(name, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *dot = c2 ? strchr(c2 + 1, '.') : NULL;

	if (!dot || c1 - name > 8 || c2 - c1 - 1 > 2 || dot - c2 - 1 > 2 ||
	    strlen(dot + 1) != 1)
		return false;
	return !hex_part(name, c1 - name, 0xffffffff, false, domain) &&
	       !hex_part(c1 + 1, c2 - c1 - 1, 0xff, false, bus) &&
	       !hex_part(c2 + 1, dot - c2 - 1, 0x1f, false, dev) &&
	       !hex_part(dot + 1, 1, 7, false, fn);
}

bool pci_sel_match(const struct pci_sel *sel, const char *bdf)
{
	uint32_t domain, bus, dev, fn;

	if (!parse_bdf(bdf, &domain, &bus, &dev, &fn))
		return false;
	return ((sel->any & PCI_SEL_ANY_DOMAIN) || sel->domain == domain) &&
	       ((sel->any & PCI_SEL_ANY_BUS) || sel->bus == bus) &&
	       ((sel->any & PCI_SEL_ANY_DEV) || sel->dev == dev) &&
	       ((sel->any & PCI_SEL_ANY_FN) || sel->fn == fn);
}
