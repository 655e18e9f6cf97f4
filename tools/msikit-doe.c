// SPDX-License-Identifier: GPL-2.0
/*
 * msikit-doe: command-line front end of the msikit_doe character devices
 * (/dev/msikit/doe-<device>-<cap>), see include/uapi/msikit/doe.h.
 *
 *   msikit-doe list [-s SEL] [--json]
 *   msikit-doe features DEV|-s SEL [--json]
 *   msikit-doe cdat DEV|-s SEL [--dump-bin FILE] [--json]
 *   msikit-doe cdat --from-dump FILE [--json]
 *   msikit-doe exchange DEV|-s SEL VID:TYPE [DWORD...] [--rsp-len N]
 *   msikit-doe spdm DEV|-s SEL [...], spdm --from-dump FILE [...]
 *
 * SEL is lspci's device selector (pcisel.h). Exit status: 0 success, 1
 * runtime error, 2 usage error; spdm has its own (spdm.h).
 *
 * DOE payloads travel as little-endian dwords: the request and response
 * buffers handed to the kernel hold the wire bytes, so every dword is
 * converted explicitly and the tool works on any host byte order.
 *
 * The CDAT reader and decoder live in cdat.c, free of the ioctl, so that
 * tests/progs/cdat-selftest runs them against a simulated mailbox.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <msikit/doe.h>

#include "cdat.h"
#include "json.h"
#include "pcisel.h"
#include "spdm-io.h"

#define PROG			"msikit-doe"

#define EXIT_OK			0
#define EXIT_RUNTIME		1
#define EXIT_USAGE		2

#define DEFAULT_SYSFS_DIR	"/sys/class/msikit-doe"
#define DEFAULT_DEV_DIR		"/dev/msikit"

#define PCI_VENDOR_ID_PCI_SIG	0x0001

/* getopt_long() values of options that have no short form */
#define OPT_SLOT		256

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
/* the kernel's <linux/compiler_attributes.h> spelling, which user space lacks */
#define __printf(a, b)		__attribute__((format(printf, a, b)))

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void __printf(2, 3) msg_to(FILE *f, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

#define pr_err(...)	msg_to(stderr, __VA_ARGS__)

static const char *sysfs_dir(void)
{
	const char *s = getenv("MSIKIT_DOE_SYSFS");

	return s && *s ? s : DEFAULT_SYSFS_DIR;
}

static const char *dev_dir(void)
{
	const char *s = getenv("MSIKIT_DOE_DEVDIR");

	return s && *s ? s : DEFAULT_DEV_DIR;
}

static bool module_loaded(void)
{
	struct stat st;

	return stat(sysfs_dir(), &st) == 0 && S_ISDIR(st.st_mode);
}

/* strlcpy-alike: copies what fits, returns false when @src was truncated */
static bool copy_str(char *dst, const char *src, size_t sz)
{
	size_t n = strlen(src);

	if (!sz)
		return false;
	if (n >= sz) {
		memcpy(dst, src, sz - 1);
		dst[sz - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

/*
 * Strict unsigned parse: whole string, no sign, no leading space.
 * @base 16 accepts an optional 0x prefix; 0 means C rules.
 */
static bool parse_ulong(const char *s, int base, unsigned long max,
			unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ' || *s == '\t')
		return false;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || end == s || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* Human hint appended to an errno message; @exchange: from EXCHANGE */
static const char *errno_hint(int e, bool exchange)
{
	switch (e) {
	case EPERM:
		if (geteuid())
			return " (needs root)";
		return exchange ? " (SPDM policy, lockdown or no CAP_SYS_ADMIN: see the log)" :
				  " (needs CAP_SYS_ADMIN)";
	case EACCES:
		if (exchange)
			return " (protocol reserved to the kernel, msikit_doe allow_reserved=0)";
		return geteuid() ? " (needs root)" : "";
	case EOPNOTSUPP:
		return exchange ? " (not a feature of this mailbox)" : "";
	case EINVAL:
		return " (rejected by msikit_doe, see the kernel log)";
	case E2BIG:
		return " (this msikit_doe predates a field set here, see the kernel log)";
	case EBUSY:
		return exchange ? " (queue full, SPDM claimed or a TSM holds it: see the log)" : "";
	case EPROTO:
		return exchange ? " (an SPDM requester starts its sequence with GET_VERSION)" : "";
	case ENOTTY:
		return " (not an msikit DOE node?)";
	case ENODEV:
	case ENXIO:
		return " (device gone or mailbox dead)";
	case ETIMEDOUT:
		return " (the device did not respond)";
	default:
		return "";
	}
}

/* ------------------------------------------------------------------ */
/* Usage                                                               */
/* ------------------------------------------------------------------ */

static const char usage_text[] =
	"Usage: " PROG " COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  list [-s SEL] [--json]        list the DOE mailboxes (from sysfs)\n"
	"  features DEV [--json]         show the mailbox and its DOE features\n"
	"  cdat DEV [--dump-bin FILE] [--json]\n"
	"                                read, verify and decode the CXL CDAT table\n"
	"                                (--dump-bin also saves the table bytes)\n"
	"  cdat --from-dump FILE [--json]\n"
	"                                decode a saved CDAT table, no device\n"
	"  exchange DEV VID:TYPE [DWORD...] [--rsp-len N]\n"
	"                                one raw DOE exchange; VID, TYPE and the\n"
	"                                request payload dwords in hex; prints the\n"
	"                                response payload dwords; N is the response\n"
	"                                buffer in bytes (default 4096, multiple of 4)\n"
	"  spdm DEV [--slot N] [--ca FILE] [--out DIR] [--json] [--no-check-time]\n"
	"           [--nonce HEX] [--meas-nonce HEX] [--dump-bin FILE]\n"
	"                                authenticate a device over CMA/SPDM: its\n"
	"                                certificate chain (anchored in the roots of\n"
	"                                --ca), a signed CHALLENGE and signed\n"
	"                                measurements; --out writes slotN.der,\n"
	"                                slotN.pem and evidence.json\n"
	"  spdm --from-dump FILE [...]   judge a recorded sequence, no device\n"
	"  help                          show this text\n"
	"\n"
	"DEV is a node path (/dev/msikit/doe-0000:0d:00.0-190), a node name\n"
	"(doe-0000:0d:00.0-190) or a device name (0000:0d:00.0, swmb.0). A device\n"
	"name selects its first mailbox; 'cdat' prefers one offering 1e98:02,\n"
	"'spdm' one offering 0001:01.\n"
	"\n"
	"-s SEL selects PCI devices as lspci -s does: [[[[domain]:]bus]:][dev][.[fn]],\n"
	"in hex, an empty or '*' part matching any. 'list' shows the mailboxes of\n"
	"the devices it matches; every other command takes -s SEL in place of DEV,\n"
	"and SEL must match exactly one PCI device with a mailbox.\n"
	"--json prints one JSON document with snake_case keys instead of text.\n"
	"(cdat's --raw and --file are older names of --dump-bin and --from-dump.)\n"
	"\n"
	"The ioctls need root (CAP_SYS_ADMIN).\n"
	"Exit status: 0 success, 1 runtime error, 2 usage error; an -s that\n"
	"matches no device is a runtime error, one that matches several a usage\n"
	"error. spdm also exits 3 not verified, 4 refused by policy, 5 busy,\n"
	"6 device error, 7 no such device (an -s that matches none too).\n"
	"Environment (testing): MSIKIT_DOE_SYSFS replaces " DEFAULT_SYSFS_DIR ",\n"
	"MSIKIT_DOE_DEVDIR replaces " DEFAULT_DEV_DIR ".\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static int __printf(1, 2) usage_error(const char *fmt, ...);

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	usage(stderr);
	return EXIT_USAGE;
}

/* getopt_long() returned '?' or ':' (opterr is off, optstrings start with ':') */
static int bad_option(const char *cmd, int opt, char **argv)
{
	const char *arg = argv[optind - 1];

	if (opt == ':')
		return usage_error("%s: option '%s' needs an argument", cmd, arg);
	if (optopt && strncmp(arg, "--", 2))
		return usage_error("%s: unknown option '-%c'", cmd, optopt);
	return usage_error("%s: unknown option '%s'", cmd, arg);
}

/* ------------------------------------------------------------------ */
/* sysfs                                                               */
/* ------------------------------------------------------------------ */

/* Read a small sysfs attribute, trailing newlines stripped. 0 or -errno. */
static int read_attr(const char *node, const char *attr, char *out, size_t sz)
{
	char path[PATH_MAX];
	size_t n = 0;
	int fd, e;

	if (snprintf(path, sizeof(path), "%s/%s/%s", sysfs_dir(), node, attr) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n + 1 < sz) {
		ssize_t r = read(fd, out + n, sz - 1 - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	return 0;
}

/* basename of the node's "device" link, or "" */
static void read_device_link(const char *node, char *out, size_t sz)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/%s/device", sysfs_dir(), node) >=
	    (int)sizeof(path))
		return;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!copy_str(out, base, sz))
		out[0] = '\0';
}

/* Does a "features" attribute text list @want ("1e98:02")? */
static bool features_have(const char *text, const char *want)
{
	size_t wl = strlen(want);
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		while (len && (p[len - 1] == ' ' || p[len - 1] == '\r'))
			len--;
		if (len == wl && !strncasecmp(p, want, wl))
			return true;
		if (!eol)
			break;
		p = eol + 1;
	}
	return false;
}

static int filter_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Scan the class directory; sorted by name, so by cap offset per device. */
static int scan_nodes(struct dirent ***list)
{
	int n = scandir(sysfs_dir(), list, filter_dots, alphasort);

	if (n < 0) {
		if (errno == ENOENT)
			pr_err("msikit_doe module not loaded (%s does not exist)",
			       sysfs_dir());
		else
			pr_err("%s: %s", sysfs_dir(), strerror(errno));
	}
	return n;
}

static void free_nodes(struct dirent **list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/*
 * scan_nodes() and a zeroed array of @size bytes per node (one at least):
 * the array, or NULL having said why (the list then freed).
 */
static void *scan_nodes_rows(const char *cmd, struct dirent ***list, int *n, size_t size)
{
	void *rows;

	*n = scan_nodes(list);
	if (*n < 0)
		return NULL;
	rows = calloc(*n ? *n : 1, size);
	if (!rows) {
		pr_err("%s: %s", cmd, strerror(ENOMEM));
		free_nodes(*list, *n);
	}
	return rows;
}

/* Is node @name ("doe-<dev>-<cap>") a mailbox of device @dev? */
static bool node_of_device(const char *name, const char *dev)
{
	size_t dl = strlen(dev);
	char link[256];

	if (!strncmp(name, "doe-", 4) && !strncmp(name + 4, dev, dl) &&
	    name[4 + dl] == '-') {
		const char *cap = name + 5 + dl;

		if (strlen(cap) == 3 && strspn(cap, "0123456789abcdefABCDEF") == 3)
			return true;
	}
	read_device_link(name, link, sizeof(link));
	return link[0] && !strcmp(link, dev);
}

/* "0d:00.0" without a PCI domain? */
static bool looks_like_bus_dev_fn(const char *s)
{
	static const char pat[] = "xx:xx.x";
	size_t i;

	if (strlen(s) != sizeof(pat) - 1)
		return false;
	for (i = 0; i < sizeof(pat) - 1; i++) {
		if (pat[i] == 'x' ? !strchr("0123456789abcdefABCDEF", s[i]) || !s[i] :
				    s[i] != pat[i])
			return false;
	}
	return true;
}

/*
 * The device node @name belongs to: its "device" link, else what the name
 * "doe-<device>-<cap>" says (@out is "" if neither).
 */
static void node_device(const char *name, char *out, size_t sz)
{
	size_t len;

	read_device_link(name, out, sz);
	if (out[0] || strncmp(name, "doe-", 4))
		return;
	len = strlen(name + 4);
	if (len > 4 && name[4 + len - 4] == '-' && len - 4 < sz) {
		memcpy(out, name + 4, len - 4);
		out[len - 4] = '\0';
	}
}

/* Parse -s @arg into @sel; EXIT_OK or EXIT_USAGE, having said why. */
static int parse_sel(const char *cmd, const char *arg, struct pci_sel *sel)
{
	int r = pci_sel_parse(arg, sel);

	if (r)
		return usage_error("%s: -s '%s': %s", cmd, arg, pci_sel_strerror(r));
	return EXIT_OK;
}

/*
 * The one device with a DOE mailbox that -s @arg selects, its name into
 * @dev. EXIT_OK; EXIT_RUNTIME when none matches; EXIT_USAGE for a bad
 * selector or one that matches several devices. Having printed why.
 */
static int select_dev(const char *cmd, const char *arg, char *dev, size_t sz)
{
	struct dirent **list;
	struct pci_sel sel;
	char (*names)[256];
	int n, i, k, matched = 0, rc;

	rc = parse_sel(cmd, arg, &sel);
	if (rc)
		return rc;
	/* the distinct devices matched; a device may have several mailboxes */
	names = scan_nodes_rows(cmd, &list, &n, sizeof(*names));
	if (!names)
		return EXIT_RUNTIME;
	for (i = 0; i < n; i++) {
		node_device(list[i]->d_name, names[matched], sizeof(names[matched]));
		if (!pci_sel_match(&sel, names[matched]))
			continue;
		for (k = 0; k < matched && strcmp(names[k], names[matched]); k++)
			;
		if (k == matched)
			matched++;
	}
	free_nodes(list, n);
	if (matched == 1 && !copy_str(dev, names[0], sz))
		matched = 0;
	if (!matched) {
		pr_err("%s: -s '%s': no PCI device with a DOE mailbox matches (see '" PROG
		       " list')", cmd, arg);
		rc = EXIT_RUNTIME;
	} else if (matched > 1) {
		/* a usage error, but one line says all of it */
		pr_err("%s: -s '%s' matches %d devices (%s, %s%s): be more precise",
		       cmd, arg, matched, names[0], names[1], matched > 2 ? ", ..." : "");
		rc = EXIT_USAGE;
	}
	free(names);
	return rc;
}

/*
 * Turn DEV into a node path; a device name picks its first mailbox that
 * offers @want ("VID:TYPE"), else its first. Returns EXIT_OK, EXIT_RUNTIME
 * or EXIT_USAGE, having printed the error.
 */
static int resolve_dev(const char *arg, const char *want, char *path, size_t sz)
{
	char dev[256], feats[4096];
	struct dirent **list;
	const char *pick = NULL;
	int n, i, attempt;

	if (!*arg)
		return usage_error("empty DEV");
	if (strchr(arg, '/')) {
		if (!copy_str(path, arg, sz))
			return usage_error("DEV path too long");
		return EXIT_OK;
	}
	if (!strncmp(arg, "doe-", 4)) {
		if (snprintf(path, sz, "%s/%s", dev_dir(), arg) >= (int)sz)
			return usage_error("DEV name too long");
		return EXIT_OK;
	}
	if (strlen(arg) >= sizeof(dev) - 5)
		return usage_error("DEV name too long");

	n = scan_nodes(&list);
	if (n < 0)
		return EXIT_RUNTIME;
	for (attempt = 0; attempt < 2 && !pick; attempt++) {
		const char *first = NULL;

		if (attempt == 0)
			copy_str(dev, arg, sizeof(dev));
		else if (looks_like_bus_dev_fn(arg))
			snprintf(dev, sizeof(dev), "0000:%s", arg);
		else
			break;
		for (i = 0; i < n; i++) {
			const char *name = list[i]->d_name;

			if (!node_of_device(name, dev))
				continue;
			if (!first)
				first = name;
			if (!want)
				break;
			if (!read_attr(name, "features", feats, sizeof(feats)) &&
			    features_have(feats, want)) {
				pick = name;
				break;
			}
		}
		if (!pick)
			pick = first;
	}
	if (!pick) {
		pr_err("%s: no DOE mailbox of that device (see '" PROG " list')", arg);
		free_nodes(list, n);
		return EXIT_RUNTIME;
	}
	i = snprintf(path, sz, "%s/%s", dev_dir(), pick);
	free_nodes(list, n);
	if (i >= (int)sz) {
		pr_err("%s: node path too long", arg);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/*
 * DEV of a command that takes one: @arg, or the device -s @sel selects;
 * then its mailbox as resolve_dev() picks it (preferring @want).
 */
static int pick_dev(const char *cmd, const char *sel, const char *arg, const char *want,
		    char *path, size_t sz)
{
	char dev[256];
	int rc;

	if (sel) {
		rc = select_dev(cmd, sel, dev, sizeof(dev));
		if (rc)
			return rc;
		arg = dev;
	}
	return resolve_dev(arg, want, path, sz);
}

static int open_node(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int e;

	if (fd >= 0)
		return fd;
	e = errno;
	if (e == ENOENT)
		pr_err("%s: open: %s%s", path, strerror(e),
		       module_loaded() ? " (no such mailbox; see '" PROG " list')" :
					 " (msikit_doe module not loaded)");
	else
		pr_err("%s: open: %s%s", path, strerror(e), errno_hint(e, false));
	/* the caller's exit code follows errno, which printing may have changed */
	errno = e;
	return -1;
}

/* ------------------------------------------------------------------ */
/* list                                                                */
/* ------------------------------------------------------------------ */

struct list_row {
	char name[256];
	char device[256];
	char cap[32];
	char mode[32];
	char feats[1024];
	bool cap_ok, mode_ok, feats_ok;
};

static void join_lines(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

static const char *feature_name(uint16_t vid, uint8_t type);

/* a "features" attribute's "vvvv:tt" words as objects; others are skipped */
static void json_feature_words(struct json *j, const char *text)
{
	char copy[1024], *tok, *save, *colon;
	unsigned long vid, type;

	copy_str(copy, text, sizeof(copy));
	json_arr_begin(j, "features");
	for (tok = strtok_r(copy, "\n ", &save); tok; tok = strtok_r(NULL, "\n ", &save)) {
		colon = strchr(tok, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (!parse_ulong(tok, 16, 0xffff, &vid) || !parse_ulong(colon + 1, 16, 0xff, &type))
			continue;
		json_obj_begin(j, NULL);
		json_u64(j, "vid", vid);
		json_u64(j, "type", type);
		json_str(j, "name", feature_name(vid, type));
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void list_json(const struct list_row *rows, int n)
{
	unsigned long cap;
	struct json j;
	int i;

	json_init(&j, stdout);
	json_arr_begin(&j, NULL);
	for (i = 0; i < n; i++) {
		const struct list_row *r = &rows[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "node", r->name);
		json_str(&j, "device", strcmp(r->device, "-") ? r->device : NULL);
		if (r->cap_ok && parse_ulong(r->cap, 0, 0xffff, &cap))
			json_u64(&j, "cap_offset", cap);
		else
			json_null(&j, "cap_offset");
		json_str(&j, "mode", r->mode_ok ? r->mode : NULL);
		if (r->feats_ok)
			json_feature_words(&j, r->feats);
		else
			json_null(&j, "features");
		json_obj_end(&j);
	}
	json_arr_end(&j);
}

static void list_text(const struct list_row *rows, int n)
{
	int w_name = 4, w_dev = 6, w_cap = 3, w_mode = 4;
	char feats[1024];
	int i;

	for (i = 0; i < n; i++) {
		if ((int)strlen(rows[i].name) > w_name)
			w_name = strlen(rows[i].name);
		if ((int)strlen(rows[i].device) > w_dev)
			w_dev = strlen(rows[i].device);
		if ((int)strlen(rows[i].cap) > w_cap)
			w_cap = strlen(rows[i].cap);
		if ((int)strlen(rows[i].mode) > w_mode)
			w_mode = strlen(rows[i].mode);
	}
	for (i = 0; i < n; i++) {
		copy_str(feats, rows[i].feats, sizeof(feats));
		join_lines(feats);
		printf("%-*s  %-*s  %-*s  %-*s  %s\n", w_name, rows[i].name,
		       w_dev, rows[i].device, w_cap, rows[i].cap,
		       w_mode, rows[i].mode, feats[0] ? feats : "-");
	}
}

static int cmd_list(int argc, char **argv)
{
	const char *sel_arg = NULL;
	struct list_row *rows;
	struct dirent **list;
	struct pci_sel sel;
	char dev[256];
	bool json = false;
	int n, i, m = 0, rc = EXIT_OK;
	int opt;

	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((opt = getopt_long(argc, argv, ":hjs:", lopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'j':
			json = true;
			break;
		case 's':
			sel_arg = optarg;
			break;
		default:
			return bad_option("list", opt, argv);
		}
	}
	if (optind != argc)
		return usage_error("list: unexpected argument '%s'", argv[optind]);
	if (sel_arg) {
		rc = parse_sel("list", sel_arg, &sel);
		if (rc)
			return rc;
	}

	rows = scan_nodes_rows("list", &list, &n, sizeof(*rows));
	if (!rows)
		return EXIT_RUNTIME;
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		struct list_row *r = &rows[m];
		int e;

		/* a software mailbox has no PCI address: no selector matches it */
		if (sel_arg) {
			node_device(name, dev, sizeof(dev));
			if (!pci_sel_match(&sel, dev))
				continue;
		}
		m++;
		copy_str(r->name, name, sizeof(r->name));
		read_device_link(name, r->device, sizeof(r->device));
		if (!r->device[0])
			snprintf(r->device, sizeof(r->device), "-");
		e = read_attr(name, "cap_offset", r->cap, sizeof(r->cap));
		r->cap_ok = !e;
		if (e) {
			pr_err("%s: cap_offset: %s", name, strerror(-e));
			snprintf(r->cap, sizeof(r->cap), "?");
			rc = EXIT_RUNTIME;
		}
		e = read_attr(name, "mode", r->mode, sizeof(r->mode));
		r->mode_ok = !e;
		if (e) {
			pr_err("%s: mode: %s", name, strerror(-e));
			snprintf(r->mode, sizeof(r->mode), "?");
			rc = EXIT_RUNTIME;
		}
		e = read_attr(name, "features", r->feats, sizeof(r->feats));
		r->feats_ok = !e;
		if (e) {
			pr_err("%s: features: %s", name, strerror(-e));
			snprintf(r->feats, sizeof(r->feats), "?");
			rc = EXIT_RUNTIME;
		}
	}
	if (json)
		list_json(rows, m);
	else
		list_text(rows, m);
	free(rows);
	free_nodes(list, n);
	return rc;
}

/* ------------------------------------------------------------------ */
/* features                                                            */
/* ------------------------------------------------------------------ */

static const char *feature_name(uint16_t vid, uint8_t type)
{
	if (vid == PCI_VENDOR_ID_PCI_SIG) {
		switch (type) {
		case 0x00: return "DOE Discovery";
		case 0x01: return "CMA/SPDM";
		case 0x02: return "Secured CMA/SPDM";
		}
	} else if (vid == PCI_VENDOR_ID_CXL) {
		switch (type) {
		case 0x00: return "CXL Compliance";
		case 0x02: return "CXL Table Access (CDAT)";
		}
	}
	return "unknown protocol";
}

static int get_info(int fd, const char *path, struct msikit_doe_info *info)
{
	int e;

	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	if (ioctl(fd, MSIKIT_DOE_IOC_INFO, info) == 0)
		return 0;
	e = errno;
	pr_err("%s: MSIKIT_DOE_IOC_INFO: %s%s", path, strerror(e),
	       errno_hint(e, false));
	return -1;
}

static const char *info_mode(const struct msikit_doe_info *info, const char *none)
{
	return info->flags & MSIKIT_DOE_INFO_IRQ ? "irq" :
	       info->flags & MSIKIT_DOE_INFO_POLL ? "poll" :
	       info->flags & MSIKIT_DOE_INFO_ROUTED ? "routed" : none;
}

/*
 * The positional DEV of a command, or -s (@sel): exactly one of them;
 * @nargs positional arguments are left. EXIT_OK or a usage error.
 */
static int dev_args(const char *cmd, const char *sel, int nargs)
{
	if (sel && nargs)
		return usage_error("%s: give DEV or -s SELECTOR, not both", cmd);
	if (!sel && nargs != 1)
		return usage_error("%s: expected one DEV or -s SELECTOR", cmd);
	return EXIT_OK;
}

static void features_json(const char *path, const struct msikit_doe_info *info,
			  const struct msikit_doe_feature *feats, uint32_t n)
{
	struct json j;
	uint32_t i;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "mailbox", path);
	json_strn(&j, "device", info->device, sizeof(info->device));
	json_u64(&j, "cap_offset", info->cap_offset);
	json_u64(&j, "cap_version", info->cap_version);
	json_str(&j, "mode", info_mode(info, "unknown"));
	if (info->flags & MSIKIT_DOE_INFO_IRQ)
		json_u64(&j, "irq", info->irq);
	else
		json_null(&j, "irq");
	json_u64(&j, "flags", info->flags);
	json_bool(&j, "dead", info->flags & MSIKIT_DOE_INFO_DEAD);
	json_u64(&j, "max_payload", info->max_payload);
	json_arr_begin(&j, "features");
	for (i = 0; i < n; i++) {
		json_obj_begin(&j, NULL);
		json_u64(&j, "vid", feats[i].vid);
		json_u64(&j, "type", feats[i].type);
		json_str(&j, "name", feature_name(feats[i].vid, feats[i].type));
		json_bool(&j, "reserved", feats[i].flags & MSIKIT_DOE_FEATURE_RESERVED);
		json_bool(&j, "mediated", feats[i].flags & MSIKIT_DOE_FEATURE_MEDIATED);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
}

#define MAX_FEATURES	65536

static int cmd_features(int argc, char **argv)
{
	struct msikit_doe_feature *feats = NULL;
	struct msikit_doe_features f;
	struct msikit_doe_info info;
	const char *sel = NULL;
	char path[PATH_MAX];
	bool json = false;
	uint32_t n, i;
	int rc, fd, opt, tries;

	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((opt = getopt_long(argc, argv, ":hjs:", lopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'j':
			json = true;
			break;
		case 's':
			sel = optarg;
			break;
		default:
			return bad_option("features", opt, argv);
		}
	}
	rc = dev_args("features", sel, argc - optind);
	if (rc)
		return rc;
	rc = pick_dev("features", sel, argv[optind], NULL, path, sizeof(path));
	if (rc)
		return rc;
	fd = open_node(path);
	if (fd < 0)
		return EXIT_RUNTIME;
	if (get_info(fd, path, &info)) {
		close(fd);
		return EXIT_RUNTIME;
	}

	/* The count may change between INFO and FEATURES; retry a little. */
	n = info.nr_features;
	for (tries = 0;; tries++) {
		if (n > MAX_FEATURES) {
			pr_err("%s: MSIKIT_DOE_IOC_FEATURES: implausible feature count %u",
			       path, n);
			goto fail;
		}
		free(feats);
		feats = calloc(n ? n : 1, sizeof(*feats));
		if (!feats) {
			pr_err("%s: %s", path, strerror(ENOMEM));
			goto fail;
		}
		memset(&f, 0, sizeof(f));
		f.argsz = sizeof(f);
		f.count = n;
		f.ptr = (uintptr_t)feats;
		if (ioctl(fd, MSIKIT_DOE_IOC_FEATURES, &f) < 0) {
			int e = errno;

			if ((e == EOVERFLOW || e == ENOSPC) && f.count > n &&
			    tries < 4) {
				n = f.count;
				continue;
			}
			pr_err("%s: MSIKIT_DOE_IOC_FEATURES: %s%s", path,
			       strerror(e), errno_hint(e, false));
			goto fail;
		}
		if (f.count <= n) {
			n = f.count;
			break;
		}
		if (tries >= 4) {
			pr_err("%s: MSIKIT_DOE_IOC_FEATURES: feature count keeps changing",
			       path);
			goto fail;
		}
		n = f.count;
	}
	close(fd);

	if (json) {
		features_json(path, &info, feats, n);
		free(feats);
		return EXIT_OK;
	}
	printf("mailbox:      %s\n", path);
	printf("device:       %.*s\n", (int)strnlen(info.device, sizeof(info.device)),
	       info.device);
	printf("cap offset:   0x%03x%s\n", info.cap_offset,
	       info.cap_offset ? "" : " (software mailbox)");
	printf("cap version:  %u\n", info.cap_version);
	printf("mode:         %s", info_mode(&info, "unknown"));
	if (info.flags & MSIKIT_DOE_INFO_IRQ)
		printf(" (irq %u)", info.irq);
	printf("\n");
	printf("flags:        0x%08x%s%s%s%s\n", info.flags,
	       info.flags & MSIKIT_DOE_INFO_IRQ ? " irq" : "",
	       info.flags & MSIKIT_DOE_INFO_POLL ? " poll" : "",
	       info.flags & MSIKIT_DOE_INFO_ROUTED ? " routed" : "",
	       info.flags & MSIKIT_DOE_INFO_DEAD ?
			" DEAD (abort failed, mailbox unusable)" : "");
	printf("max payload:  %u bytes\n", info.max_payload);
	printf("features:     %u\n", n);
	for (i = 0; i < n; i++)
		printf("  %04x:%02x  %s%s\n", feats[i].vid, feats[i].type,
		       feature_name(feats[i].vid, feats[i].type),
		       feats[i].flags & MSIKIT_DOE_FEATURE_MEDIATED ?
				" (reserved, mediated: read-only SPDM requests)" :
		       feats[i].flags & MSIKIT_DOE_FEATURE_RESERVED ? " (reserved)" : "");
	free(feats);
	return EXIT_OK;

fail:
	free(feats);
	close(fd);
	return EXIT_RUNTIME;
}

/* ------------------------------------------------------------------ */
/* Exchange transport: the ioctl                                       */
/* ------------------------------------------------------------------ */

static int ioctl_exchange(void *ctx, struct msikit_doe_exchange *x)
{
	const int *fd = ctx;

	return ioctl(*fd, MSIKIT_DOE_IOC_EXCHANGE, x) < 0 ? -errno : 0;
}

static const char *ioctl_exchange_hint(int e)
{
	return errno_hint(e, true);
}

/* ------------------------------------------------------------------ */
/* cdat                                                                */
/* ------------------------------------------------------------------ */

static int read_file(const char *path, struct cdat_buf *b)
{
	uint8_t chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		pr_err("%s: open: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > CDAT_MAX_TABLE) {
			pr_err("%s: larger than %u bytes, not a CDAT table", path,
			       CDAT_MAX_TABLE);
			fclose(f);
			return -1;
		}
		if (cdat_buf_append(b, chunk, n)) {
			pr_err("%s: %s", path, strerror(ENOMEM));
			fclose(f);
			return -1;
		}
	}
	if (ferror(f)) {
		pr_err("%s: read: %s", path, strerror(errno ? errno : EIO));
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int write_file(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		pr_err("%s: open: %s", path, strerror(errno));
		return -1;
	}
	if (len && fwrite(p, 1, len, f) != len) {
		pr_err("%s: write: %s", path, strerror(errno ? errno : EIO));
		fclose(f);
		return -1;
	}
	if (fclose(f)) {
		pr_err("%s: write: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Decode @table as text or, with @json, as one JSON object; @mailbox NULL: from a file */
static unsigned int cdat_print(const struct cdat_buf *table, const char *mailbox, bool json)
{
	unsigned int bad;
	struct json j;

	if (!json) {
		if (mailbox)
			printf("mailbox:      %s\n", mailbox);
		return cdat_decode(table->p, table->len, stdout, stderr);
	}
	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	if (mailbox)
		json_str(&j, "mailbox", mailbox);
	bad = cdat_decode_json(table->p, table->len, &j, stderr);
	json_obj_end(&j);
	return bad;
}

static int cmd_cdat(int argc, char **argv)
{
	const char *dump = NULL, *from = NULL, *sel = NULL;
	struct cdat_buf table = { 0 };
	bool inconsistent = false, json = false;
	struct cdat_xfer xf = {
		.exchange = ioctl_exchange,
		.hint = ioctl_exchange_hint,
	};
	char path[PATH_MAX];
	int rc, fd, opt;

	/* --raw and --file: the names before --dump-bin and --from-dump */
	static const struct option lopts[] = {
		{ "dump-bin", required_argument, NULL, 'r' },
		{ "raw", required_argument, NULL, 'r' },
		{ "from-dump", required_argument, NULL, 'f' },
		{ "file", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((opt = getopt_long(argc, argv, ":hr:f:js:", lopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'r':
			dump = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 's':
			sel = optarg;
			break;
		default:
			return bad_option("cdat", opt, argv);
		}
	}

	if (from) {
		if (optind != argc || sel)
			return usage_error("cdat: --from-dump takes no DEV or -s");
		if (dump)
			return usage_error("cdat: --dump-bin and --from-dump exclude each other");
		if (read_file(from, &table)) {
			cdat_buf_free(&table);
			return EXIT_RUNTIME;
		}
		rc = cdat_print(&table, NULL, json) ? EXIT_RUNTIME : EXIT_OK;
		cdat_buf_free(&table);
		return rc;
	}

	if (sel && argc - optind)
		return usage_error("cdat: give DEV or -s SELECTOR, not both");
	if (!sel && argc - optind != 1)
		return usage_error("cdat: expected one DEV, -s SELECTOR or --from-dump FILE");
	rc = pick_dev("cdat", sel, argv[optind], "1e98:02", path, sizeof(path));
	if (rc)
		return rc;
	fd = open_node(path);
	if (fd < 0)
		return EXIT_RUNTIME;
	xf.ctx = &fd;
	rc = cdat_read(&xf, path, &table, &inconsistent, stderr);
	close(fd);
	if (rc) {
		cdat_buf_free(&table);
		return EXIT_RUNTIME;
	}
	rc = EXIT_OK;
	if (dump && write_file(dump, table.p, table.len))
		rc = EXIT_RUNTIME;
	if (cdat_print(&table, path, json) || inconsistent)
		rc = EXIT_RUNTIME;
	cdat_buf_free(&table);
	return rc;
}

/* ------------------------------------------------------------------ */
/* exchange                                                            */
/* ------------------------------------------------------------------ */

/* "VID:TYPE" in hex, VID <= ffff, TYPE <= ff */
static bool parse_vid_type(const char *s, unsigned long *vid, unsigned long *type)
{
	const char *colon = strchr(s, ':');
	char v[16];

	if (!colon || (size_t)(colon - s) >= sizeof(v))
		return false;
	memcpy(v, s, colon - s);
	v[colon - s] = '\0';
	return parse_ulong(v, 16, 0xffff, vid) && parse_ulong(colon + 1, 16, 0xff, type);
}

static int cmd_exchange(int argc, char **argv)
{
	unsigned long vid, type, v, rsp_size = 4096;
	struct msikit_doe_exchange x;
	uint8_t *req = NULL, *rsp = NULL;
	char path[PATH_MAX], pfx[PATH_MAX + 32];
	const char *sel = NULL, *dev, *vt;
	uint32_t nreq, i;
	int rc, fd, opt, first;

	static const struct option lopts[] = {
		{ "rsp-len", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((opt = getopt_long(argc, argv, ":hr:s:", lopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 's':
			sel = optarg;
			break;
		case 'r':
			if (!parse_ulong(optarg, 0, MSIKIT_DOE_MAX_PAYLOAD, &rsp_size) ||
			    rsp_size % 4)
				return usage_error("exchange: --rsp-len '%s': %s, at most %u",
						   optarg, "not a multiple of 4",
						   MSIKIT_DOE_MAX_PAYLOAD);
			break;
		default:
			return bad_option("exchange", opt, argv);
		}
	}
	/*
	 * DEV VID:TYPE [DWORD...], or with -s VID:TYPE [DWORD...]: a DEV
	 * given as well shows as a first word that is no VID:TYPE before one
	 * that is
	 */
	if (sel && argc - optind >= 2 && !parse_vid_type(argv[optind], &vid, &type) &&
	    parse_vid_type(argv[optind + 1], &vid, &type))
		return usage_error("exchange: give DEV or -s SELECTOR, not both");
	first = optind + (sel ? 0 : 1);
	if (argc - first < 1)
		return usage_error("exchange: expected DEV or -s SELECTOR, VID:TYPE, DWORDs");
	dev = sel ? NULL : argv[optind];
	vt = argv[first];
	if (!strchr(vt, ':'))
		return usage_error("exchange: '%s': expected VID:TYPE in hex, e.g. 1e98:02", vt);
	if (!parse_vid_type(vt, &vid, &type))
		return usage_error("exchange: '%s': expected hex VID:TYPE, VID <= ffff, TYPE <= ff",
				   vt);

	nreq = argc - first - 1;
	if ((uint64_t)nreq * 4 > MSIKIT_DOE_MAX_PAYLOAD)
		return usage_error("exchange: request longer than %u bytes",
				   MSIKIT_DOE_MAX_PAYLOAD);
	req = calloc(nreq ? nreq : 1, 4);
	if (!req) {
		pr_err("exchange: %s", strerror(ENOMEM));
		return EXIT_RUNTIME;
	}
	for (i = 0; i < nreq; i++) {
		const char *s = argv[first + 1 + i];

		if (!parse_ulong(s, 16, 0xffffffffUL, &v)) {
			free(req);
			return usage_error("exchange: '%s': not a hex dword", s);
		}
		put_le32(req + 4 * i, v);
	}

	rc = pick_dev("exchange", sel, dev, NULL, path, sizeof(path));
	if (rc) {
		free(req);
		return rc;
	}
	rsp = calloc(rsp_size ? rsp_size : 4, 1);
	if (!rsp) {
		pr_err("exchange: %s", strerror(ENOMEM));
		free(req);
		return EXIT_RUNTIME;
	}
	fd = open_node(path);
	if (fd < 0) {
		free(req);
		free(rsp);
		return EXIT_RUNTIME;
	}

	/* No automatic retry: a request may have side effects. */
	memset(&x, 0, sizeof(x));
	x.argsz = sizeof(x);
	x.vid = vid;
	x.type = type;
	x.req_len = nreq * 4;
	x.rsp_len = rsp_size;
	x.req_ptr = (uintptr_t)req;
	x.rsp_ptr = (uintptr_t)rsp;
	rc = EXIT_OK;
	snprintf(pfx, sizeof(pfx), "%s: exchange %04lx:%02lx", path, vid, type);
	if (ioctl(fd, MSIKIT_DOE_IOC_EXCHANGE, &x) < 0) {
		int e = errno;

		if (e == EOVERFLOW && x.rsp_len > rsp_size)
			pr_err("%s: response needs %u bytes, the buffer has %lu (use --rsp-len %u)",
			       pfx, x.rsp_len, rsp_size,
			       (x.rsp_len + 3) & ~3U);
		else if (e == EOVERFLOW)
			pr_err("%s: %s (response over %lu bytes; raise --rsp-len)",
			       pfx, strerror(e), rsp_size);
		else
			pr_err("%s: %s%s", pfx, strerror(e), errno_hint(e, true));
		rc = EXIT_RUNTIME;
	} else if (x.rsp_len > rsp_size) {
		pr_err("%s: kernel reported %u bytes for a %lu-byte buffer",
		       pfx, x.rsp_len, rsp_size);
		rc = EXIT_RUNTIME;
	} else {
		for (i = 0; i < x.rsp_len; i += 4) {
			uint8_t dw[4] = { 0 };

			memcpy(dw, rsp + i, x.rsp_len - i < 4 ? x.rsp_len - i : 4);
			printf("%08x%s", get_le32(dw),
			       (i / 4) % 8 == 7 || i + 4 >= x.rsp_len ? "\n" : " ");
		}
	}
	close(fd);
	free(req);
	free(rsp);
	return rc;
}

/* ------------------------------------------------------------------ */
/* spdm                                                                */
/* ------------------------------------------------------------------ */

/* CMA/SPDM through the character device: requests padded to a dword */
static int spdm_ioctl(void *ctx, uint8_t *req, size_t req_len, uint8_t *rsp,
		      size_t *rsp_len)
{
	uint8_t padded[64];
	struct msikit_doe_exchange x = {
		.argsz = sizeof(x), .vid = PCI_VENDOR_ID_PCI_SIG, .type = 0x01,
		.req_len = (req_len + 3) & ~3U, .rsp_len = *rsp_len & ~3U,
		.req_ptr = (uintptr_t)padded, .rsp_ptr = (uintptr_t)rsp,
	};
	const int *fd = ctx;

	if (x.req_len > sizeof(padded))
		return -EINVAL;
	memset(padded, 0, sizeof(padded));
	memcpy(padded, req, req_len);
	if (ioctl(*fd, MSIKIT_DOE_IOC_EXCHANGE, &x) < 0)
		return -errno;
	*rsp_len = x.rsp_len;
	return 0;
}

static bool parse_nonce(const char *arg, uint8_t *out)
{
	unsigned int i;

	if (strlen(arg) != 2 * SPDM_NONCE_LEN)
		return false;
	for (i = 0; i < SPDM_NONCE_LEN; i++)
		if (sscanf(arg + 2 * i, "%2hhx", &out[i]) != 1 ||
		    !strchr("0123456789abcdefABCDEF", arg[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", arg[2 * i + 1]))
			return false;
	return true;
}

/* the mailbox's CMA/SPDM: listed, and what this kernel lets through */
static int spdm_feature(int fd, const char *path, bool *mediated)
{
	struct msikit_doe_feature feats[256];
	struct msikit_doe_features f = {
		.argsz = sizeof(f), .count = ARRAY_SIZE(feats), .ptr = (uintptr_t)feats,
	};
	uint32_t i;

	if (ioctl(fd, MSIKIT_DOE_IOC_FEATURES, &f) < 0) {
		pr_err("%s: MSIKIT_DOE_IOC_FEATURES: %s%s", path, strerror(errno),
		       errno_hint(errno, false));
		return SPDM_RUNTIME;
	}
	for (i = 0; i < f.count && i < ARRAY_SIZE(feats); i++) {
		if (feats[i].vid != PCI_VENDOR_ID_PCI_SIG || feats[i].type != 0x01)
			continue;
		*mediated = feats[i].flags & MSIKIT_DOE_FEATURE_MEDIATED;
		return 0;
	}
	pr_err("%s: the mailbox offers no CMA/SPDM (0001:01)", path);
	return SPDM_NO_DEVICE;
}

/* the first thing that does not hold, for a human */
static const char *spdm_failure(const struct spdm_verdict *v)
{
	if (!v->leaf_ok || !v->chain_ok)
		return v->chain_error;
	if (!v->root_hash_ok)
		return "the chain's RootHash is not its first certificate's";
	if (!v->digest_ok)
		return "the chain is not the one DIGESTS announced";
	if (!v->chain_hash_ok)
		return "CHALLENGE_AUTH's CertChainHash is not the chain's";
	if (!v->challenge_ok)
		return "the CHALLENGE_AUTH signature does not verify";
	return "the MEASUREMENTS signature does not verify";
}

static int cmd_spdm(int argc, char **argv)
{
	const char *ca = NULL, *out = NULL, *dump = NULL, *from = NULL;
	const char *nonce = NULL, *meas_nonce = NULL, *sel = NULL;
	uint8_t want_nonce[SPDM_NONCE_LEN], want_meas_nonce[SPDM_NONCE_LEN];
	uint8_t nonce_v[SPDM_NONCE_LEN], meas_nonce_v[SPDM_NONCE_LEN];
	bool json = false, check_time = true, mediated = false;
	struct spdm_report r = { .device = "-", .mailbox = "-", .mode = "-" };
	struct msikit_doe_info info;
	struct spdm_verdict v;
	struct spdm_dump d = { 0 };
	struct spdm_ctx s;
	unsigned long slot = 0;
	char path[PATH_MAX];
	int rc, fd = -1, opt;

	static const struct option lopts[] = {
		{ "slot", required_argument, NULL, OPT_SLOT },
		{ "ca", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-check-time", no_argument, NULL, 't' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "meas-nonce", required_argument, NULL, 'm' },
		{ "dump-bin", required_argument, NULL, 'd' },
		{ "from-dump", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((opt = getopt_long(argc, argv, ":hs:c:o:jtn:m:d:f:", lopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 's':
			sel = optarg;
			break;
		case OPT_SLOT:
			if (!parse_ulong(optarg, 0, SPDM_MAX_SLOTS - 1, &slot))
				return usage_error("spdm: --slot '%s': 0 to 7", optarg);
			break;
		case 'c':
			ca = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 't':
			check_time = false;
			break;
		case 'n':
			nonce = optarg;
			break;
		case 'm':
			meas_nonce = optarg;
			break;
		case 'd':
			dump = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		default:
			return bad_option("spdm", opt, argv);
		}
	}
	if (from && (optind != argc || sel))
		return usage_error("spdm: --from-dump takes no DEV or -s");
	if (!from && sel && argc - optind)
		return usage_error("spdm: give DEV or -s SELECTOR, not both");
	if (!from && !sel && argc - optind != 1)
		return usage_error("spdm: expected one DEV, -s SELECTOR or --from-dump FILE");
	if (from && dump)
		return usage_error("spdm: --dump-bin and --from-dump exclude each other");
	if ((nonce && !parse_nonce(nonce, nonce_v)) ||
	    (meas_nonce && !parse_nonce(meas_nonce, meas_nonce_v)))
		return usage_error("spdm: a nonce is 64 hex digits");
	/* before the device is asked anything: evidence with nowhere to go is lost */
	if (out && mkdir(out, 0755) && errno != EEXIST) {
		pr_err("%s: %s", out, strerror(errno));
		return SPDM_RUNTIME;
	}

	if (from) {
		rc = spdm_dump_replay(&d, from);
		if (rc) {
			pr_err("%s: %s", from, d.why[0] ? d.why : strerror(-rc));
			return rc == -EINVAL ? SPDM_RUNTIME : SPDM_NO_DEVICE;
		}
		spdm_init(&s, spdm_dump_player, &d, slot);
		r.mailbox = from;
		r.mode = "dump";
	} else {
		rc = pick_dev("spdm", sel, argv[optind], "0001:01", path, sizeof(path));
		if (rc)
			return rc == EXIT_USAGE ? rc : SPDM_NO_DEVICE;
		fd = open_node(path);
		if (fd < 0)
			return errno == EPERM || errno == EACCES ? SPDM_REFUSED : SPDM_NO_DEVICE;
		if (get_info(fd, path, &info)) {
			close(fd);
			return SPDM_RUNTIME;
		}
		rc = spdm_feature(fd, path, &mediated);
		if (rc) {
			close(fd);
			return rc;
		}
		r.device = info.device;
		r.mailbox = path;
		r.mode = info.flags & MSIKIT_DOE_INFO_IRQ ? "irq" :
			 info.flags & MSIKIT_DOE_INFO_POLL ? "poll" :
			 info.flags & MSIKIT_DOE_INFO_ROUTED ? "routed" : "software";
		spdm_init(&s, spdm_ioctl, &fd, slot);
		if (dump) {
			rc = spdm_dump_record(&d, dump, spdm_ioctl, &fd);
			if (rc) {
				pr_err("%s: %s", dump, strerror(-rc));
				close(fd);
				return SPDM_RUNTIME;
			}
			s.exchange = spdm_dump_recorder;
			s.xctx = &d;
		}
	}
	if (nonce)
		memcpy(s.nonce, nonce_v, sizeof(s.nonce));
	if (meas_nonce)
		memcpy(s.meas_nonce, meas_nonce_v, sizeof(s.meas_nonce));
	/* what a recording must have answered to be fresh evidence */
	memcpy(want_nonce, s.nonce, sizeof(want_nonce));
	memcpy(want_meas_nonce, s.meas_nonce, sizeof(want_meas_nonce));

	r.s = &s;
	r.status = spdm_collect(&s);
	if (r.status == SPDM_COLLECTED) {
		r.status = spdm_verify(&s, ca, check_time, &v);
		r.v = &v;
		if (r.status == SPDM_NOT_VERIFIED)
			snprintf(s.why, sizeof(s.why), "%s", spdm_failure(&v));
		/*
		 * A recording proves the device held its key when it was made:
		 * now only if it answered the nonces the verifier chose now
		 */
		if (from && !r.status && (!nonce || !meas_nonce)) {
			r.status = SPDM_NOT_VERIFIED;
			snprintf(s.why, sizeof(s.why), "%s",
				 "a recording is fresh only for the nonces it answered: give --nonce and --meas-nonce");
		} else if (from && !r.status &&
			   (memcmp(want_nonce, s.nonce, sizeof(want_nonce)) ||
			    memcmp(want_meas_nonce, s.meas_nonce, sizeof(want_meas_nonce)))) {
			r.status = SPDM_NOT_VERIFIED;
			snprintf(s.why, sizeof(s.why), "%s",
				 "the recording answered other nonces than --nonce and --meas-nonce");
		}
	} else if (from && d.why[0]) {
		snprintf(s.why, sizeof(s.why), "%s: %s", from, d.why);
	}
	if (r.status == SPDM_REFUSED && !mediated && !from)
		snprintf(s.why + strlen(s.why), sizeof(s.why) - strlen(s.why), "%s",
			 " (this msikit_doe does not mediate CMA/SPDM: too old?)");
	if (json)
		spdm_print_json(stdout, &r);
	else
		spdm_print_text(stdout, &r);
	if (out && spdm_write_out(out, &r)) {
		pr_err("%s: cannot write the evidence: %s", out, strerror(errno));
		if (!r.status)
			r.status = SPDM_RUNTIME;
	}
	rc = r.status;
	if (spdm_dump_close(&d) && !rc)
		rc = SPDM_RUNTIME;
	if (fd >= 0)
		close(fd);
	spdm_free(&s);
	return rc;
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "list", cmd_list },
		{ "features", cmd_features },
		{ "cdat", cmd_cdat },
		{ "exchange", cmd_exchange },
		{ "spdm", cmd_spdm },
	};
	const char *cmd;
	size_t i;
	int rc = -1;

	if (argc < 2)
		return usage_error("missing COMMAND");
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(cmd, cmds[i].name)) {
			optind = 1;
			opterr = 0;
			rc = cmds[i].fn(argc - 1, argv + 1);
			break;
		}
	}
	if (rc < 0)
		return usage_error("unknown command '%s'", cmd);
	if (fflush(stdout) || ferror(stdout)) {
		pr_err("stdout: write error: %s", strerror(errno ? errno : EIO));
		return EXIT_RUNTIME;
	}
	return rc;
}
