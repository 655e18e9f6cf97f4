// SPDX-License-Identifier: GPL-2.0
/*
 * msikit-doe: command-line front end of the msikit_doe character devices
 * (/dev/msikit/doe-<device>-<cap>), see include/uapi/msikit/doe.h.
 *
 *   msikit-doe list
 *   msikit-doe features DEV
 *   msikit-doe cdat DEV [--raw FILE]
 *   msikit-doe cdat --file FILE
 *   msikit-doe exchange DEV VID:TYPE [DWORD...] [--rsp-len N]
 *
 * Exit status: 0 success, 1 runtime error, 2 usage error.
 *
 * DOE payloads travel as little-endian dwords: the request and response
 * buffers handed to the kernel hold the wire bytes, so every dword is
 * converted explicitly and the tool works on any host byte order.
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

#define PROG			"msikit-doe"

#define EXIT_OK			0
#define EXIT_RUNTIME		1
#define EXIT_USAGE		2

#define DEFAULT_SYSFS_DIR	"/sys/class/msikit-doe"
#define DEFAULT_DEV_DIR		"/dev/msikit"

#define PCI_VENDOR_ID_PCI_SIG	0x0001
#define PCI_VENDOR_ID_CXL	0x1e98
#define CXL_DOE_TABLE_ACCESS	0x02

/* CXL Table Access DOE: Read Entry of the CDAT table */
#define CDAT_REQ_READ_ENTRY	0x00
#define CDAT_TABLE_TYPE_CDAT	0x00
#define CDAT_LAST_HANDLE	0xffff
#define CDAT_MAX_ENTRIES	4096
#define CDAT_MAX_TABLE		(16U << 20)
#define CDAT_RSP_INITIAL	4096U

/* CDAT */
#define CDAT_HDR_LEN		16U
#define CDAT_SUBHDR_LEN		4U

#define CDAT_TYPE_DSMAS		0
#define CDAT_TYPE_DSLBIS	1
#define CDAT_TYPE_DSMSCIS	2
#define CDAT_TYPE_DSIS		3
#define CDAT_TYPE_DSEMTS	4
#define CDAT_TYPE_SSLBIS	5

#define CDAT_DSMAS_LEN		24
#define CDAT_DSLBIS_LEN		24
#define CDAT_DSMSCIS_LEN	20
#define CDAT_DSIS_LEN		8
#define CDAT_DSEMTS_LEN		24
#define CDAT_SSLBIS_LEN		16
#define CDAT_SSLBE_LEN		8

#define CDAT_SSLBIS_US_PORT	0x0100
#define CDAT_SSLBIS_ANY_PORT	0xffff

#define BIT(n)			(1U << (n))

/* cdat_decode() result bits */
#define CDAT_BAD_CSUM		BIT(0)
#define CDAT_BAD_LEN		BIT(1)
#define CDAT_MALFORMED		BIT(2)

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
/* the kernel's __printf(); two steps, or checkpatch asks for __printf() here */
#define __fmt_printf(a, b)	format(printf, a, b)
#define __printf(a, b)		__attribute__((__fmt_printf(a, b)))

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

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* for printf's %ll formats */
static unsigned long long get_ull(const uint8_t *p)
{
	return get_le64(p);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

/* Growable byte buffer; @failed latches an allocation failure. */
struct buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool failed;
};

static int buf_reserve(struct buf *b, size_t cap)
{
	uint8_t *p;

	if (cap <= b->cap)
		return 0;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return -ENOMEM;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static int buf_append(struct buf *b, const void *data, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;

	if (n > SIZE_MAX - b->len) {
		b->failed = true;
		return -ENOMEM;
	}
	while (cap < b->len + n)
		cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
	if (buf_reserve(b, cap))
		return -ENOMEM;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

static void buf_put_le(struct buf *b, uint64_t v, unsigned int bytes)
{
	uint8_t tmp[8];
	unsigned int i;

	for (i = 0; i < bytes; i++)
		tmp[i] = (v >> (8 * i)) & 0xff;
	buf_append(b, tmp, bytes);
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

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
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
		return geteuid() ? " (needs root)" : " (needs CAP_SYS_ADMIN)";
	case EACCES:
		if (exchange)
			return " (protocol reserved to the kernel, msikit_doe allow_reserved=0)";
		return geteuid() ? " (needs root)" : "";
	case EOPNOTSUPP:
		return exchange ? " (not a feature of this mailbox)" : "";
	case EINVAL:
		return " (rejected by msikit_doe, see the kernel log)";
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

static void hexdump(FILE *out, const uint8_t *p, size_t len, const char *indent)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 16 == 0)
			fprintf(out, "%s%04zx:", indent, i);
		fprintf(out, " %02x", p[i]);
		if (i % 16 == 15 || i + 1 == len)
			fputc('\n', out);
	}
}

/* "1 GiB" style suffix when the size is a whole number of units. */
static const char *fmt_size(char *buf, size_t sz, uint64_t v)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	int i;

	for (i = ARRAY_SIZE(unit) - 1; i >= 0; i--) {
		unsigned int shift = 10 * (i + 1);

		if (v && v % (1ULL << shift) == 0) {
			snprintf(buf, sz, " (%llu %s)", (unsigned long long)(v >> shift),
				 unit[i]);
			return buf;
		}
	}
	snprintf(buf, sz, " (%llu bytes)", (unsigned long long)v);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Usage                                                               */
/* ------------------------------------------------------------------ */

static const char usage_text[] =
	"Usage: " PROG " COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  list                          list the DOE mailboxes (from sysfs)\n"
	"  features DEV                  show the mailbox and its DOE features\n"
	"  cdat DEV [--raw FILE]         read, verify and decode the CXL CDAT table\n"
	"                                (--raw also saves the table bytes to FILE)\n"
	"  cdat --file FILE              decode a raw CDAT table from FILE, no device\n"
	"  exchange DEV VID:TYPE [DWORD...] [--rsp-len N]\n"
	"                                one raw DOE exchange; VID, TYPE and the\n"
	"                                request payload dwords in hex; prints the\n"
	"                                response payload dwords; N is the response\n"
	"                                buffer in bytes (default 4096, multiple of 4)\n"
	"  help                          show this text\n"
	"\n"
	"DEV is a node path (/dev/msikit/doe-0000:0d:00.0-190), a node name\n"
	"(doe-0000:0d:00.0-190) or a device name (0000:0d:00.0, swmb.0). A device\n"
	"name selects its first mailbox; 'cdat' prefers one offering 1e98:02.\n"
	"\n"
	"The ioctls need root (CAP_SYS_ADMIN).\n"
	"Exit status: 0 success, 1 runtime error, 2 usage error.\n"
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
 * Turn DEV into a node path. Returns EXIT_OK, EXIT_RUNTIME or EXIT_USAGE,
 * having printed the error.
 */
static int resolve_dev(const char *arg, bool want_cdat, char *path, size_t sz)
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
			if (!want_cdat)
				break;
			if (!read_attr(name, "features", feats, sizeof(feats)) &&
			    features_have(feats, "1e98:02")) {
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
};

static void join_lines(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

static int cmd_list(int argc, char **argv)
{
	struct list_row *rows;
	struct dirent **list;
	int w_name = 4, w_dev = 6, w_cap = 3, w_mode = 4;
	int n, i, rc = EXIT_OK;
	int opt;

	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((opt = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		return bad_option("list", opt, argv);
	}
	if (optind != argc)
		return usage_error("list: unexpected argument '%s'", argv[optind]);

	n = scan_nodes(&list);
	if (n < 0)
		return EXIT_RUNTIME;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		pr_err("list: %s", strerror(ENOMEM));
		free_nodes(list, n);
		return EXIT_RUNTIME;
	}
	for (i = 0; i < n; i++) {
		struct list_row *r = &rows[i];
		const char *name = list[i]->d_name;
		int e;

		copy_str(r->name, name, sizeof(r->name));
		read_device_link(name, r->device, sizeof(r->device));
		if (!r->device[0])
			snprintf(r->device, sizeof(r->device), "-");
		e = read_attr(name, "cap_offset", r->cap, sizeof(r->cap));
		if (e) {
			pr_err("%s: cap_offset: %s", name, strerror(-e));
			snprintf(r->cap, sizeof(r->cap), "?");
			rc = EXIT_RUNTIME;
		}
		e = read_attr(name, "mode", r->mode, sizeof(r->mode));
		if (e) {
			pr_err("%s: mode: %s", name, strerror(-e));
			snprintf(r->mode, sizeof(r->mode), "?");
			rc = EXIT_RUNTIME;
		}
		e = read_attr(name, "features", r->feats, sizeof(r->feats));
		if (e) {
			pr_err("%s: features: %s", name, strerror(-e));
			snprintf(r->feats, sizeof(r->feats), "?");
			rc = EXIT_RUNTIME;
		}
		join_lines(r->feats);
		if (!r->feats[0])
			snprintf(r->feats, sizeof(r->feats), "-");
		if ((int)strlen(r->name) > w_name)
			w_name = strlen(r->name);
		if ((int)strlen(r->device) > w_dev)
			w_dev = strlen(r->device);
		if ((int)strlen(r->cap) > w_cap)
			w_cap = strlen(r->cap);
		if ((int)strlen(r->mode) > w_mode)
			w_mode = strlen(r->mode);
	}
	for (i = 0; i < n; i++)
		printf("%-*s  %-*s  %-*s  %-*s  %s\n", w_name, rows[i].name,
		       w_dev, rows[i].device, w_cap, rows[i].cap,
		       w_mode, rows[i].mode, rows[i].feats);
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

#define MAX_FEATURES	65536

static int cmd_features(int argc, char **argv)
{
	struct msikit_doe_feature *feats = NULL;
	struct msikit_doe_features f;
	struct msikit_doe_info info;
	char path[PATH_MAX];
	uint32_t n, i;
	int rc, fd, opt, tries;

	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((opt = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		return bad_option("features", opt, argv);
	}
	if (argc - optind != 1)
		return usage_error("features: expected exactly one DEV");
	rc = resolve_dev(argv[optind], false, path, sizeof(path));
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

	printf("mailbox:      %s\n", path);
	printf("device:       %.*s\n", (int)strnlen(info.device, sizeof(info.device)),
	       info.device);
	printf("cap offset:   0x%03x%s\n", info.cap_offset,
	       info.flags & MSIKIT_DOE_INFO_SOFTWARE ? " (software mailbox)" : "");
	printf("cap version:  %u\n", info.cap_version);
	printf("mode:         %s",
	       info.flags & MSIKIT_DOE_INFO_IRQ ? "irq" :
	       info.flags & MSIKIT_DOE_INFO_POLL ? "poll" :
	       info.flags & MSIKIT_DOE_INFO_ROUTED ? "routed" : "unknown");
	if (info.flags & MSIKIT_DOE_INFO_IRQ)
		printf(" (irq %u)", info.irq);
	printf("\n");
	printf("flags:        0x%08x%s%s%s%s%s\n", info.flags,
	       info.flags & MSIKIT_DOE_INFO_IRQ ? " irq" : "",
	       info.flags & MSIKIT_DOE_INFO_POLL ? " poll" : "",
	       info.flags & MSIKIT_DOE_INFO_ROUTED ? " routed" : "",
	       info.flags & MSIKIT_DOE_INFO_SOFTWARE ? " software" : "",
	       info.flags & MSIKIT_DOE_INFO_DEAD ?
			" DEAD (abort failed, mailbox unusable)" : "");
	printf("max payload:  %u bytes\n", info.max_payload);
	printf("features:     %u\n", n);
	for (i = 0; i < n; i++)
		printf("  %04x:%02x  %s%s\n", feats[i].vid, feats[i].type,
		       feature_name(feats[i].vid, feats[i].type),
		       feats[i].reserved ? " (reserved)" : "");
	free(feats);
	return EXIT_OK;

fail:
	free(feats);
	close(fd);
	return EXIT_RUNTIME;
}

/* ------------------------------------------------------------------ */
/* Exchange transport (ioctl, or a simulation for the self test)       */
/* ------------------------------------------------------------------ */

struct xfer {
	/* 0 or -errno; @x->rsp_len updated as the kernel does */
	int (*exchange)(void *ctx, struct msikit_doe_exchange *x);
	void *ctx;
};

static int ioctl_exchange(void *ctx, struct msikit_doe_exchange *x)
{
	const int *fd = ctx;

	return ioctl(*fd, MSIKIT_DOE_IOC_EXCHANGE, x) < 0 ? -errno : 0;
}

/*
 * One exchange into @rsp, growing it on -EOVERFLOW up to the DOE maximum.
 * Only for idempotent requests: the request is sent again after a growth.
 * Returns 0 with *rsp_len set, or -errno.
 */
static int exchange_grow(const struct xfer *xf, uint16_t vid, uint8_t type,
			 const uint8_t *req, uint32_t req_len, struct buf *rsp,
			 uint32_t *rsp_len)
{
	struct msikit_doe_exchange x;
	int tries;

	for (tries = 0; tries < 32; tries++) {
		size_t cap;
		int rc;

		memset(&x, 0, sizeof(x));
		x.argsz = sizeof(x);
		x.vid = vid;
		x.type = type;
		x.req_len = req_len;
		x.rsp_len = rsp->cap;
		x.req_ptr = (uintptr_t)req;
		x.rsp_ptr = (uintptr_t)rsp->p;
		rc = xf->exchange(xf->ctx, &x);
		if (!rc) {
			if (x.rsp_len > rsp->cap)
				return -EPROTO;
			*rsp_len = x.rsp_len;
			return 0;
		}
		if (rc != -EOVERFLOW || rsp->cap >= MSIKIT_DOE_MAX_PAYLOAD)
			return rc;
		if (x.rsp_len > rsp->cap && x.rsp_len <= MSIKIT_DOE_MAX_PAYLOAD)
			cap = (x.rsp_len + 3) & ~3U;
		else
			cap = rsp->cap * 2;
		if (cap > MSIKIT_DOE_MAX_PAYLOAD)
			cap = MSIKIT_DOE_MAX_PAYLOAD;
		if (buf_reserve(rsp, cap))
			return -ENOMEM;
	}
	return -EOVERFLOW;
}

/* ------------------------------------------------------------------ */
/* CDAT read                                                           */
/* ------------------------------------------------------------------ */

/* Read Entry request dword: code 7:0, table type 15:8, entry handle 31:16 */
static uint32_t cdat_read_req(uint32_t handle)
{
	uint32_t req = handle << 16;

	req |= (uint32_t)CDAT_TABLE_TYPE_CDAT << 8;
	req |= CDAT_REQ_READ_ENTRY;
	return req;
}

/*
 * Read the whole CDAT table into @table through CXL Table Access
 * exchanges. Returns 0, or 1 after printing why to @errf. *@inconsistent
 * is set when an entry's size disagreed with the response carrying it;
 * the bytes are kept as received so --raw and the decoder can show them.
 */
static int cdat_read(const struct xfer *xf, const char *what, struct buf *table,
		     bool *inconsistent, FILE *errf)
{
	uint8_t seen[(CDAT_LAST_HANDLE + 1) / 8];
	struct buf rsp = { 0 };
	uint32_t handle = 0, rsp_len, hdr, entries;
	uint8_t req[4];
	int rc, ret = 1;

	*inconsistent = false;
	memset(seen, 0, sizeof(seen));
	if (buf_reserve(&rsp, CDAT_RSP_INITIAL)) {
		msg_to(errf, "%s: %s", what, strerror(ENOMEM));
		return 1;
	}

	for (entries = 0; handle != CDAT_LAST_HANDLE; entries++) {
		uint32_t received, expect, take, next;
		const uint8_t *entry;
		char pfx[PATH_MAX + 64];

		if (entries >= CDAT_MAX_ENTRIES) {
			msg_to(errf, "%s: CDAT: more than %u entries, giving up",
			       what, CDAT_MAX_ENTRIES);
			goto out;
		}
		if (seen[handle / 8] & (1U << (handle % 8))) {
			msg_to(errf, "%s: CDAT: entry handle 0x%04x repeated (loop)",
			       what, handle);
			goto out;
		}
		seen[handle / 8] |= 1U << (handle % 8);
		snprintf(pfx, sizeof(pfx), "%s: CDAT entry handle 0x%04x", what,
			 handle);

		put_le32(req, cdat_read_req(handle));
		rc = exchange_grow(xf, PCI_VENDOR_ID_CXL, CXL_DOE_TABLE_ACCESS,
				   req, sizeof(req), &rsp, &rsp_len);
		if (rc) {
			msg_to(errf, "%s: exchange: %s%s", pfx, strerror(-rc),
			       rc == -EPROTO ? " (response longer than the buffer)" :
			       errno_hint(-rc, true));
			goto out;
		}
		if (rsp_len < 4) {
			msg_to(errf, "%s: %u-byte response, no Table Access header",
			       pfx, rsp_len);
			goto out;
		}
		hdr = get_le32(rsp.p);
		if ((hdr & 0xff) != CDAT_REQ_READ_ENTRY ||
		    ((hdr >> 8) & 0xff) != CDAT_TABLE_TYPE_CDAT) {
			msg_to(errf, "%s: response code 0x%02x, table type 0x%02x (expected 0, 0)",
			       pfx, hdr & 0xff, (hdr >> 8) & 0xff);
			goto out;
		}
		next = hdr >> 16;
		entry = rsp.p + 4;
		received = rsp_len - 4;
		if (!received) {
			msg_to(errf, "%s: empty entry", pfx);
			goto out;
		}

		/* Responses are whole dwords: allow up to 3 bytes of padding. */
		if (handle == 0)
			expect = CDAT_HDR_LEN;
		else if (received >= CDAT_SUBHDR_LEN)
			expect = get_le16(entry + 2);
		else
			expect = 0;
		if (expect && expect <= received && received - expect < 4) {
			take = expect;
		} else {
			msg_to(errf, "%s: response carries %u entry bytes, expected %u (%s)",
			       pfx, received, expect,
			       handle ? "structure length field" : "CDAT header size");
			take = received;
			*inconsistent = true;
		}
		if (table->len + take > CDAT_MAX_TABLE) {
			msg_to(errf, "%s: CDAT: table larger than %u bytes, giving up",
			       what, CDAT_MAX_TABLE);
			goto out;
		}
		if (buf_append(table, entry, take)) {
			msg_to(errf, "%s: %s", what, strerror(ENOMEM));
			goto out;
		}
		handle = next;
	}
	ret = 0;
out:
	buf_free(&rsp);
	return ret;
}

/* ------------------------------------------------------------------ */
/* CDAT decode                                                         */
/* ------------------------------------------------------------------ */

static const char *cdat_type_name(uint8_t type)
{
	static const char *const names[] = {
		[CDAT_TYPE_DSMAS] = "DSMAS",
		[CDAT_TYPE_DSLBIS] = "DSLBIS",
		[CDAT_TYPE_DSMSCIS] = "DSMSCIS",
		[CDAT_TYPE_DSIS] = "DSIS",
		[CDAT_TYPE_DSEMTS] = "DSEMTS",
		[CDAT_TYPE_SSLBIS] = "SSLBIS",
	};

	return type < ARRAY_SIZE(names) ? names[type] : "unknown";
}

static unsigned int cdat_fixed_len(uint8_t type)
{
	static const unsigned int len[] = {
		[CDAT_TYPE_DSMAS] = CDAT_DSMAS_LEN,
		[CDAT_TYPE_DSLBIS] = CDAT_DSLBIS_LEN,
		[CDAT_TYPE_DSMSCIS] = CDAT_DSMSCIS_LEN,
		[CDAT_TYPE_DSIS] = CDAT_DSIS_LEN,
		[CDAT_TYPE_DSEMTS] = CDAT_DSEMTS_LEN,
		[CDAT_TYPE_SSLBIS] = CDAT_SSLBIS_LEN,
	};

	return type < ARRAY_SIZE(len) ? len[type] : CDAT_SUBHDR_LEN;
}

static const char *lb_type_name(uint8_t t)
{
	static const char *const names[] = {
		"access latency", "read latency", "write latency",
		"access bandwidth", "read bandwidth", "write bandwidth",
	};

	return t < ARRAY_SIZE(names) ? names[t] : "unknown data type";
}

/* entry x base unit, with its unit: ps for latencies, MB/s for bandwidths */
static const char *fmt_lb(char *buf, size_t sz, uint16_t entry, uint64_t base,
			  uint8_t data_type)
{
	const char *unit = data_type <= 2 ? " ps" : data_type <= 5 ? " MB/s" : "";

	if (entry && base > UINT64_MAX / entry)
		snprintf(buf, sz, "%u x %llu (overflows 64 bits)", entry,
			 (unsigned long long)base);
	else
		snprintf(buf, sz, "%llu%s", (unsigned long long)entry * base, unit);
	return buf;
}

static void fmt_port(char *buf, size_t sz, uint16_t id)
{
	snprintf(buf, sz, "0x%04x%s", id,
		 id == CDAT_SSLBIS_US_PORT ? " (upstream port)" :
		 id == CDAT_SSLBIS_ANY_PORT ? " (any port)" : "");
}

static void decode_dsmas(const uint8_t *s, FILE *out)
{
	uint8_t flags = s[5];
	char sz[48];

	fprintf(out, "  DSMAD handle: %u\n", s[4]);
	fprintf(out, "  flags:        0x%02x%s%s%s%s%s\n", flags,
		flags & BIT(2) ? " non-volatile" : "",
		flags & BIT(3) ? " shareable" : "",
		flags & BIT(4) ? " hw-coherent" : "",
		flags & BIT(5) ? " dynamic-capacity" : "",
		flags & BIT(6) ? " read-only" : "");
	fprintf(out, "  DPA base:     0x%016llx\n", get_ull(s + 8));
	fprintf(out, "  DPA length:   0x%016llx%s\n", get_ull(s + 16),
		fmt_size(sz, sizeof(sz), get_le64(s + 16)));
}

static void decode_dslbis(const uint8_t *s, FILE *out)
{
	uint64_t base = get_le64(s + 8);
	uint8_t dt = s[6];
	char v[64];

	fprintf(out, "  handle:       %u\n", s[4]);
	fprintf(out, "  flags:        0x%02x\n", s[5]);
	fprintf(out, "  data type:    %u (%s)\n", dt, lb_type_name(dt));
	fprintf(out, "  base unit:    %llu\n", (unsigned long long)base);
	fprintf(out, "  entries:      %u %u %u\n", get_le16(s + 16),
		get_le16(s + 18), get_le16(s + 20));
	fprintf(out, "  value:        %s\n",
		fmt_lb(v, sizeof(v), get_le16(s + 16), base, dt));
}

static void decode_dsmscis(const uint8_t *s, FILE *out)
{
	static const char *const assoc[] = { "none", "direct mapped", "complex" };
	static const char *const policy[] = { "none", "write-back", "write-through" };
	uint32_t a = get_le32(s + 16);
	unsigned int as = (a >> 8) & 0xf, wp = (a >> 12) & 0xf;
	char sz[48];

	fprintf(out, "  DSMAS handle: %u\n", s[4]);
	fprintf(out, "  cache size:   0x%016llx%s\n", get_ull(s + 8),
		fmt_size(sz, sizeof(sz), get_le64(s + 8)));
	fprintf(out, "  attributes:   0x%08x (levels %u, level %u, associativity %s,",
		a, a & 0xf, (a >> 4) & 0xf,
		as < ARRAY_SIZE(assoc) ? assoc[as] : "reserved");
	fprintf(out, " write policy %s, line %u bytes)\n",
		wp < ARRAY_SIZE(policy) ? policy[wp] : "reserved", a >> 16);
}

static void decode_dsis(const uint8_t *s, FILE *out)
{
	fprintf(out, "  flags:        0x%02x%s\n", s[4],
		s[4] & 1 ? " memory-attached" : "");
	fprintf(out, "  handle:       %u\n", s[5]);
}

static void decode_dsemts(const uint8_t *s, FILE *out)
{
	static const char *const types[] = {
		"EfiConventionalMemory",
		"EfiConventionalMemory, EFI_MEMORY_SP",
		"EfiReservedMemoryType",
	};
	char sz[48];

	fprintf(out, "  DSMAS handle: %u\n", s[4]);
	fprintf(out, "  memory type:  %u (%s)\n", s[5],
		s[5] < ARRAY_SIZE(types) ? types[s[5]] : "reserved");
	fprintf(out, "  DPA offset:   0x%016llx\n", get_ull(s + 8));
	fprintf(out, "  DPA length:   0x%016llx%s\n", get_ull(s + 16),
		fmt_size(sz, sizeof(sz), get_le64(s + 16)));
}

static void decode_sslbis(const uint8_t *s, unsigned int len, FILE *out)
{
	unsigned int n = (len - CDAT_SSLBIS_LEN) / CDAT_SSLBE_LEN;
	unsigned int rest = (len - CDAT_SSLBIS_LEN) % CDAT_SSLBE_LEN;
	uint64_t base = get_le64(s + 8);
	uint8_t dt = s[4];
	unsigned int i;

	fprintf(out, "  data type:    %u (%s)\n", dt, lb_type_name(dt));
	fprintf(out, "  base unit:    %llu\n", (unsigned long long)base);
	fprintf(out, "  entries:      %u\n", n);
	for (i = 0; i < n; i++) {
		const uint8_t *e = s + CDAT_SSLBIS_LEN + i * CDAT_SSLBE_LEN;
		char x[32], y[32], v[64];

		fmt_port(x, sizeof(x), get_le16(e));
		fmt_port(y, sizeof(y), get_le16(e + 2));
		fprintf(out, "    [%u] port %s <-> port %s: %u -> %s\n", i, x, y,
			get_le16(e + 4),
			fmt_lb(v, sizeof(v), get_le16(e + 4), base, dt));
	}
	if (rest)
		fprintf(out, "  (%u trailing bytes, not a whole entry, ignored)\n",
			rest);
}

static void __printf(4, 5) cdat_malformed(FILE *out, FILE *errf, size_t off,
					  const char *fmt, ...);

static void cdat_malformed(FILE *out, FILE *errf, size_t off, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fprintf(out, "[0x%04zx] malformed: %s\n", off, why);
	msg_to(errf, "CDAT: malformed structure at offset 0x%zx: %s", off, why);
}

/*
 * Print a CDAT table. Returns 0, or CDAT_* bits for what is wrong with it
 * (each also reported on @errf).
 */
static unsigned int cdat_decode(const uint8_t *t, size_t len, FILE *out,
				FILE *errf)
{
	unsigned int bad = 0;
	uint32_t hlen;
	uint8_t sum = 0;
	size_t off;

	if (len < CDAT_HDR_LEN) {
		cdat_malformed(out, errf, 0, "table of %zu bytes, shorter than the %u-byte header",
			       len, CDAT_HDR_LEN);
		return CDAT_MALFORMED;
	}
	for (off = 0; off < len; off++)
		sum += t[off];
	hlen = get_le32(t);

	fprintf(out, "CDAT header:\n");
	fprintf(out, "  length:       %u bytes", hlen);
	if (hlen != len) {
		fprintf(out, " (MISMATCH: the table read has %zu bytes)", len);
		msg_to(errf, "CDAT: header length %u does not match the table size %zu",
		       hlen, len);
		bad |= CDAT_BAD_LEN;
	}
	fprintf(out, "\n  revision:     %u\n", t[4]);
	if (sum == 0) {
		fprintf(out, "  checksum:     0x%02x (valid)\n", t[5]);
	} else {
		fprintf(out, "  checksum:     0x%02x (INVALID: byte sum 0x%02x, must be 0x00)\n",
			t[5], sum);
		msg_to(errf, "CDAT: checksum INVALID (byte sum 0x%02x)", sum);
		bad |= CDAT_BAD_CSUM;
	}
	fprintf(out, "  sequence:     %u\n", get_le32(t + 12));

	off = CDAT_HDR_LEN;
	while (off < len) {
		size_t rest = len - off;
		const uint8_t *s = t + off;
		unsigned int slen, fixed;
		uint8_t type;

		if (rest < CDAT_SUBHDR_LEN) {
			cdat_malformed(out, errf, off,
				       "%zu trailing bytes, too few for a structure header",
				       rest);
			return bad | CDAT_MALFORMED;
		}
		type = s[0];
		slen = get_le16(s + 2);
		fixed = cdat_fixed_len(type);
		if (slen < fixed) {
			cdat_malformed(out, errf, off,
				       "%s (type %u) length %u below its %u-byte fixed part",
				       cdat_type_name(type), type, slen, fixed);
			return bad | CDAT_MALFORMED;
		}
		if (slen > rest) {
			cdat_malformed(out, errf, off,
				       "%s (type %u) length %u overruns the table (%zu bytes left)",
				       cdat_type_name(type), type, slen, rest);
			return bad | CDAT_MALFORMED;
		}

		fprintf(out, "[0x%04zx] %s (type %u, length %u)\n", off,
			cdat_type_name(type), type, slen);
		switch (type) {
		case CDAT_TYPE_DSMAS:
			decode_dsmas(s, out);
			break;
		case CDAT_TYPE_DSLBIS:
			decode_dslbis(s, out);
			break;
		case CDAT_TYPE_DSMSCIS:
			decode_dsmscis(s, out);
			break;
		case CDAT_TYPE_DSIS:
			decode_dsis(s, out);
			break;
		case CDAT_TYPE_DSEMTS:
			decode_dsemts(s, out);
			break;
		case CDAT_TYPE_SSLBIS:
			decode_sslbis(s, slen, out);
			break;
		default:
			hexdump(out, s, slen, "  ");
			break;
		}
		if (type <= CDAT_TYPE_DSEMTS && slen > fixed)
			fprintf(out, "  (%u bytes beyond the %u-byte structure)\n",
				slen - fixed, fixed);
		off += slen;
	}
	return bad;
}

/* ------------------------------------------------------------------ */
/* cdat                                                                */
/* ------------------------------------------------------------------ */

static int read_file(const char *path, struct buf *b)
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
		if (buf_append(b, chunk, n)) {
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

static int cmd_cdat(int argc, char **argv)
{
	const char *raw = NULL, *file = NULL;
	struct buf table = { 0 };
	bool inconsistent = false;
	char path[PATH_MAX];
	int rc, fd, opt;
	struct xfer xf;

	static const struct option lopts[] = {
		{ "raw", required_argument, NULL, 'r' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((opt = getopt_long(argc, argv, ":hr:f:", lopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'r':
			raw = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			return bad_option("cdat", opt, argv);
		}
	}

	if (file) {
		if (optind != argc)
			return usage_error("cdat: --file takes no DEV");
		if (raw)
			return usage_error("cdat: --raw and --file exclude each other");
		if (read_file(file, &table)) {
			buf_free(&table);
			return EXIT_RUNTIME;
		}
		rc = cdat_decode(table.p, table.len, stdout, stderr) ?
			EXIT_RUNTIME : EXIT_OK;
		buf_free(&table);
		return rc;
	}

	if (argc - optind != 1)
		return usage_error("cdat: expected exactly one DEV (or --file FILE)");
	rc = resolve_dev(argv[optind], true, path, sizeof(path));
	if (rc)
		return rc;
	fd = open_node(path);
	if (fd < 0)
		return EXIT_RUNTIME;
	xf.exchange = ioctl_exchange;
	xf.ctx = &fd;
	rc = cdat_read(&xf, path, &table, &inconsistent, stderr);
	close(fd);
	if (rc) {
		buf_free(&table);
		return EXIT_RUNTIME;
	}
	rc = EXIT_OK;
	if (raw && write_file(raw, table.p, table.len))
		rc = EXIT_RUNTIME;
	printf("mailbox:      %s\n", path);
	if (cdat_decode(table.p, table.len, stdout, stderr) || inconsistent)
		rc = EXIT_RUNTIME;
	buf_free(&table);
	return rc;
}

/* ------------------------------------------------------------------ */
/* exchange                                                            */
/* ------------------------------------------------------------------ */

static int cmd_exchange(int argc, char **argv)
{
	unsigned long vid, type, v, rsp_size = 4096;
	struct msikit_doe_exchange x;
	uint8_t *req = NULL, *rsp = NULL;
	char path[PATH_MAX], pfx[PATH_MAX + 32], *colon;
	uint32_t nreq, i;
	int rc, fd, opt;

	static const struct option lopts[] = {
		{ "rsp-len", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((opt = getopt_long(argc, argv, ":hr:", lopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
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
	if (argc - optind < 2)
		return usage_error("exchange: expected DEV VID:TYPE [DWORD...]");

	colon = strchr(argv[optind + 1], ':');
	if (!colon)
		return usage_error("exchange: '%s': expected VID:TYPE in hex, e.g. 1e98:02",
				   argv[optind + 1]);
	*colon = '\0';
	if (!parse_ulong(argv[optind + 1], 16, 0xffff, &vid) ||
	    !parse_ulong(colon + 1, 16, 0xff, &type)) {
		*colon = ':';
		return usage_error("exchange: '%s': expected hex VID:TYPE, VID <= ffff, TYPE <= ff",
				   argv[optind + 1]);
	}
	*colon = ':';

	nreq = argc - optind - 2;
	if ((uint64_t)nreq * 4 > MSIKIT_DOE_MAX_PAYLOAD)
		return usage_error("exchange: request longer than %u bytes",
				   MSIKIT_DOE_MAX_PAYLOAD);
	req = calloc(nreq ? nreq : 1, 4);
	if (!req) {
		pr_err("exchange: %s", strerror(ENOMEM));
		return EXIT_RUNTIME;
	}
	for (i = 0; i < nreq; i++) {
		const char *s = argv[optind + 2 + i];

		if (!parse_ulong(s, 16, 0xffffffffUL, &v)) {
			free(req);
			return usage_error("exchange: '%s': not a hex dword", s);
		}
		put_le32(req + 4 * i, v);
	}

	rc = resolve_dev(argv[optind], false, path, sizeof(path));
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
/* cdat-selftest (hidden): decoder and reader against synthetic tables */
/* ------------------------------------------------------------------ */

static void st_sub(struct buf *b, uint8_t type, uint16_t len)
{
	buf_put_le(b, type, 1);
	buf_put_le(b, 0, 1);
	buf_put_le(b, len, 2);
}

/* Fix up the header length and checksum of a table in @b. */
static void st_seal(struct buf *b)
{
	uint8_t sum = 0;
	size_t i;

	if (b->failed || b->len < CDAT_HDR_LEN)
		return;
	put_le32(b->p, b->len);
	b->p[5] = 0;
	for (i = 0; i < b->len; i++)
		sum += b->p[i];
	b->p[5] = (uint8_t)(0x100 - sum);
}

/*
 * One structure of each type, an SSLBIS with @nsslbe entries and an
 * unknown structure of @unk_len bytes (>= 4).
 */
static void st_build(struct buf *b, unsigned int nsslbe, uint16_t unk_len)
{
	unsigned int i;

	/* header */
	buf_put_le(b, 0, 4);
	buf_put_le(b, 1, 1);		/* revision */
	buf_put_le(b, 0, 1);		/* checksum */
	buf_put_le(b, 0, 6);
	buf_put_le(b, 7, 4);		/* sequence */

	st_sub(b, CDAT_TYPE_DSMAS, CDAT_DSMAS_LEN);
	buf_put_le(b, 0, 1);		/* DSMAD handle */
	buf_put_le(b, BIT(2), 1);	/* non-volatile */
	buf_put_le(b, 0, 2);
	buf_put_le(b, 0, 8);
	buf_put_le(b, 1ULL << 30, 8);

	st_sub(b, CDAT_TYPE_DSLBIS, CDAT_DSLBIS_LEN);
	buf_put_le(b, 0, 1);		/* handle */
	buf_put_le(b, 0, 1);		/* flags */
	buf_put_le(b, 1, 1);		/* read latency */
	buf_put_le(b, 0, 1);
	buf_put_le(b, 1000, 8);
	buf_put_le(b, 150, 2);
	buf_put_le(b, 0, 2);
	buf_put_le(b, 0, 2);
	buf_put_le(b, 0, 2);

	st_sub(b, CDAT_TYPE_DSMSCIS, CDAT_DSMSCIS_LEN);
	buf_put_le(b, 0, 1);
	buf_put_le(b, 0, 3);
	buf_put_le(b, 256ULL << 20, 8);
	buf_put_le(b, 0x00401111, 4);

	st_sub(b, CDAT_TYPE_DSIS, CDAT_DSIS_LEN);
	buf_put_le(b, 1, 1);		/* memory attached */
	buf_put_le(b, 0, 1);
	buf_put_le(b, 0, 2);

	st_sub(b, CDAT_TYPE_DSEMTS, CDAT_DSEMTS_LEN);
	buf_put_le(b, 0, 1);
	buf_put_le(b, 1, 1);		/* EFI_MEMORY_SP */
	buf_put_le(b, 0, 2);
	buf_put_le(b, 0, 8);
	buf_put_le(b, 1ULL << 30, 8);

	st_sub(b, CDAT_TYPE_SSLBIS, CDAT_SSLBIS_LEN + nsslbe * CDAT_SSLBE_LEN);
	buf_put_le(b, 3, 1);		/* access bandwidth */
	buf_put_le(b, 0, 3);
	buf_put_le(b, 1, 8);
	for (i = 0; i < nsslbe; i++) {
		buf_put_le(b, i ? CDAT_SSLBIS_ANY_PORT : CDAT_SSLBIS_US_PORT, 2);
		buf_put_le(b, i, 2);
		buf_put_le(b, 1000 + i, 2);
		buf_put_le(b, 0, 2);
	}

	st_sub(b, 0x42, unk_len);
	for (i = CDAT_SUBHDR_LEN; i < unk_len; i++)
		buf_put_le(b, 0xa0 + i, 1);

	st_seal(b);
}

/* Capture the decoder output of @t in memory. */
static unsigned int st_decode(const uint8_t *t, size_t len, char **text)
{
	size_t sz;
	FILE *f = open_memstream(text, &sz);
	unsigned int r;

	if (!f) {
		*text = NULL;
		return ~0U;
	}
	r = cdat_decode(t, len, f, f);
	fclose(f);
	return r;
}

struct st_mb {
	const uint8_t *t;
	size_t len;
	size_t offs[64];
	unsigned int n;
	bool loop;		/* next handle is always 1 */
	bool hide_len;		/* -EOVERFLOW without the needed size */
	bool extra;		/* handle 1 answers with a dword too many */
	unsigned int calls, overflows;
};

static void st_mb_init(struct st_mb *mb, const struct buf *b)
{
	size_t off = CDAT_HDR_LEN;

	memset(mb, 0, sizeof(*mb));
	mb->t = b->p;
	mb->len = b->len;
	mb->offs[mb->n++] = 0;
	while (off + CDAT_SUBHDR_LEN <= b->len && mb->n < ARRAY_SIZE(mb->offs)) {
		mb->offs[mb->n++] = off;
		off += get_le16(b->p + off + 2);
	}
}

/* A CXL Table Access mailbox serving @ctx's table, one entry per handle. */
static int st_mb_exchange(void *ctx, struct msikit_doe_exchange *x)
{
	struct st_mb *mb = ctx;
	const uint8_t *req = (const uint8_t *)(uintptr_t)x->req_ptr;
	uint8_t *rsp = (uint8_t *)(uintptr_t)x->rsp_ptr;
	uint32_t r, handle, next, need;
	size_t start, end;

	mb->calls++;
	if (x->argsz != sizeof(*x) || x->flags || x->pad || x->pad2 ||
	    x->vid != PCI_VENDOR_ID_CXL || x->type != CXL_DOE_TABLE_ACCESS ||
	    x->req_len != 4 || x->rsp_len % 4)
		return -EINVAL;
	r = get_le32(req);
	handle = r >> 16;
	if ((r & 0xffff) != 0 || handle >= mb->n)
		return -EINVAL;
	start = mb->offs[handle];
	end = handle + 1 < mb->n ? mb->offs[handle + 1] : mb->len;
	need = 4 + ((end - start + 3) & ~(size_t)3);
	if (mb->extra && handle == 1)
		need += 4;
	if (x->rsp_len < need) {
		mb->overflows++;
		x->rsp_len = mb->hide_len ? 0 : need;
		return -EOVERFLOW;
	}
	next = mb->loop ? 1 : handle + 1 < mb->n ? handle + 1 : CDAT_LAST_HANDLE;
	memset(rsp, 0, need);
	put_le32(rsp, next << 16);
	memcpy(rsp + 4, mb->t + start, end - start);
	x->rsp_len = need;
	return 0;
}

static int st_fail(const char *what, const char *text)
{
	pr_err("cdat-selftest: FAILED: %s", what);
	if (text)
		fprintf(stderr, "---- output ----\n%s----------------\n", text);
	return 1;
}

static bool st_has(const char *text, const char *needle)
{
	return text && strstr(text, needle);
}

static int cmd_cdat_selftest(int argc, char **argv)
{
	static const char *const want_valid[] = {
		"checksum:     0x", "(valid)", "DSMAS (type 0, length 24)",
		"non-volatile", "DSLBIS (type 1", "read latency", "150000 ps",
		"DSMSCIS (type 2", "256 MiB", "write-back", "DSIS (type 3",
		"memory-attached", "DSEMTS (type 4", "EFI_MEMORY_SP",
		"SSLBIS (type 5", "access bandwidth", "1001 MB/s",
		"(upstream port)", "unknown (type 66, length 12)", "0000: 42 00 0c 00",
		"sequence:     7",
	};
	struct buf good = { 0 }, bad = { 0 }, big = { 0 }, got = { 0 };
	bool verbose = argc > 1 && !strcmp(argv[1], "-v");
	unsigned int r, fails = 0, checks = 0;
	bool inconsistent;
	struct st_mb mb;
	struct xfer xf;
	char *text = NULL;
	size_t i, off;

	st_build(&good, 2, 12);
	st_build(&big, 600, 10);	/* SSLBIS > 4 KiB, unaligned tail */
	if (good.failed || big.failed) {
		pr_err("cdat-selftest: %s", strerror(ENOMEM));
		fails++;
		goto out;
	}

#define CHECK(cond, what) do {						\
		checks++;						\
		if (!(cond))						\
			fails += st_fail(what, text);			\
	} while (0)
#define RESET_TEXT() do { free(text); text = NULL; } while (0)

	/* 1. valid table */
	r = st_decode(good.p, good.len, &text);
	if (verbose && text)
		fputs(text, stdout);
	CHECK(r == 0, "valid table decodes without problems");
	for (i = 0; i < ARRAY_SIZE(want_valid); i++) {
		char what[128];

		snprintf(what, sizeof(what), "valid table output has '%s'",
			 want_valid[i]);
		CHECK(st_has(text, want_valid[i]), what);
	}
	CHECK(!st_has(text, "INVALID") && !st_has(text, "malformed"),
	      "valid table: no INVALID/malformed");
	RESET_TEXT();

	/* 2. corrupted checksum */
	buf_append(&bad, good.p, good.len);
	bad.p[20] ^= 0x5a;
	r = st_decode(bad.p, bad.len, &text);
	CHECK(r == CDAT_BAD_CSUM, "corrupted byte: checksum problem only");
	CHECK(st_has(text, "INVALID"), "corrupted byte: reported INVALID");
	RESET_TEXT();

	/* 3. truncated last structure (header length and checksum agree) */
	bad.len = good.len - 4;
	memcpy(bad.p, good.p, bad.len);
	st_seal(&bad);
	r = st_decode(bad.p, bad.len, &text);
	CHECK(r == CDAT_MALFORMED, "truncated structure: malformed only");
	CHECK(st_has(text, "malformed") && st_has(text, "overruns"),
	      "truncated structure: reported malformed");
	RESET_TEXT();

	/* 4. DSMAS shorter than its fixed part */
	memcpy(bad.p, good.p, good.len);
	bad.len = good.len;
	bad.p[CDAT_HDR_LEN + 2] = 8;
	st_seal(&bad);
	r = st_decode(bad.p, bad.len, &text);
	CHECK(r == CDAT_MALFORMED, "short DSMAS: malformed only");
	CHECK(st_has(text, "[0x0010] malformed: DSMAS (type 0) length 8"),
	      "short DSMAS: reported with its offset");
	RESET_TEXT();

	/* 5. structure length below the 4-byte header */
	memcpy(bad.p, good.p, good.len);
	off = CDAT_HDR_LEN + CDAT_DSMAS_LEN;
	bad.p[off + 2] = 2;
	bad.p[off + 3] = 0;
	st_seal(&bad);
	r = st_decode(bad.p, bad.len, &text);
	CHECK(r == CDAT_MALFORMED, "length 2 structure: malformed");
	RESET_TEXT();

	/* 6. header length disagrees with the table */
	memcpy(bad.p, good.p, good.len);
	st_seal(&bad);
	put_le32(bad.p, good.len + 4);
	bad.p[5] -= 4;		/* keep the byte sum at 0 */
	r = st_decode(bad.p, bad.len, &text);
	CHECK(r == CDAT_BAD_LEN, "header length mismatch: length problem only");
	CHECK(st_has(text, "MISMATCH"), "header length mismatch: reported");
	RESET_TEXT();

	/* 7. table shorter than its header, and 3 stray trailing bytes */
	r = st_decode(good.p, 10, &text);
	CHECK(r == CDAT_MALFORMED, "10-byte table: malformed");
	RESET_TEXT();
	buf_append(&bad, "\0\0\0", 3);
	st_seal(&bad);
	r = st_decode(bad.p, bad.len, &text);
	CHECK(r == CDAT_MALFORMED && st_has(text, "trailing bytes"),
	      "3 trailing bytes: malformed");
	RESET_TEXT();

	/* 8. reader: simulated mailbox, > 4 KiB entry, padded tail */
	xf.exchange = st_mb_exchange;
	xf.ctx = &mb;
	st_mb_init(&mb, &big);
	r = cdat_read(&xf, "sim", &got, &inconsistent, stderr);
	CHECK(r == 0 && !inconsistent, "reader: whole table read");
	CHECK(got.len == big.len && !memcmp(got.p, big.p, big.len),
	      "reader: table identical to the source");
	CHECK(mb.overflows == 1, "reader: grew its buffer once on -EOVERFLOW");
	r = st_decode(got.p, got.len, &text);
	CHECK(r == 0 && st_has(text, "entries:      600"),
	      "reader: read table decodes");
	RESET_TEXT();
	buf_free(&got);

	/* 9. reader: -EOVERFLOW without the needed length */
	st_mb_init(&mb, &big);
	mb.hide_len = true;
	r = cdat_read(&xf, "sim", &got, &inconsistent, stderr);
	CHECK(r == 0 && got.len == big.len, "reader: grows without a size hint");
	buf_free(&got);

	/* 10. reader: an entry longer than its structure is kept and flagged */
	st_mb_init(&mb, &good);
	mb.extra = true;
	{
		size_t sz;
		FILE *f = open_memstream(&text, &sz);

		r = f ? cdat_read(&xf, "sim", &got, &inconsistent, f) : 1;
		if (f)
			fclose(f);
	}
	CHECK(r == 0 && inconsistent && got.len == good.len + 4 &&
	      st_has(text, "handle 0x0001: response carries 28 entry bytes, expected 24"),
	      "reader: oversized entry reported");
	RESET_TEXT();
	r = st_decode(got.p, got.len, &text);
	CHECK(r & CDAT_BAD_LEN, "reader: oversized entry breaks the table length");
	RESET_TEXT();
	buf_free(&got);

	/* 11. reader: handle loop is detected */
	st_mb_init(&mb, &good);
	mb.loop = true;
	{
		size_t sz;
		FILE *f = open_memstream(&text, &sz);

		r = f ? cdat_read(&xf, "sim", &got, &inconsistent, f) : 0;
		if (f)
			fclose(f);
	}
	CHECK(r == 1 && st_has(text, "repeated"), "reader: handle loop stops");
	CHECK(mb.calls == 2, "reader: handle loop stops after 2 exchanges");
	RESET_TEXT();
	buf_free(&got);

#undef CHECK
#undef RESET_TEXT

out:
	free(text);
	buf_free(&good);
	buf_free(&bad);
	buf_free(&big);
	buf_free(&got);
	if (fails) {
		pr_err("cdat-selftest: %u of %u checks failed", fails, checks);
		return EXIT_RUNTIME;
	}
	printf("cdat-selftest: %u checks passed\n", checks);
	return EXIT_OK;
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
		{ "cdat-selftest", cmd_cdat_selftest },
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
