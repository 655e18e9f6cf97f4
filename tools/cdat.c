// SPDX-License-Identifier: GPL-2.0
/*
 * CDAT reader and decoder of msikit-doe, see cdat.h.
 *
 * The reader walks the table one entry per CXL Table Access exchange; the
 * decoder checks the header (length, checksum) and prints each structure,
 * stopping at the first one that does not fit the table. Its JSON twin
 * walks the same way with the same checks, names and messages: only what
 * reaches @out differs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cdat.h"
#include "json.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
/* the kernel's <linux/compiler_attributes.h> spelling, which user space lacks */
#define __printf(a, b)		__attribute__((format(printf, a, b)))

static void __printf(2, 3) cdat_err(FILE *f, const char *fmt, ...)
{
	va_list ap;

	fputs(CDAT_MSG_PREFIX, f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

/* ------------------------------------------------------------------ */
/* Buffer                                                              */
/* ------------------------------------------------------------------ */

int cdat_buf_reserve(struct cdat_buf *b, size_t cap)
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

int cdat_buf_append(struct cdat_buf *b, const void *data, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;

	if (n > SIZE_MAX - b->len) {
		b->failed = true;
		return -ENOMEM;
	}
	while (cap < b->len + n)
		cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
	if (cdat_buf_reserve(b, cap))
		return -ENOMEM;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

void cdat_buf_free(struct cdat_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------------ */
/* Read                                                                */
/* ------------------------------------------------------------------ */

/* State of one cdat_read(); too big for a handful of arguments. */
struct cdat_reader {
	const struct cdat_xfer *xf;
	const char *what;
	struct cdat_buf *table;
	bool *inconsistent;
	FILE *errf;
	struct cdat_buf rsp;
	char pfx[PATH_MAX + 64];	/* "<what>: CDAT entry handle 0x<handle>" */
	uint8_t seen[(CDAT_LAST_HANDLE + 1) / 8];
};

/*
 * One exchange into @rsp, growing it on -EOVERFLOW up to the DOE maximum.
 * Only for idempotent requests: the request is sent again after a growth.
 * Returns 0 with *rsp_len set, or -errno.
 */
static int exchange_grow(const struct cdat_xfer *xf, uint16_t vid, uint8_t type,
			 const uint8_t *req, uint32_t req_len, struct cdat_buf *rsp,
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
		/* a transport that does not tell the size needed gets doubling */
		if (x.rsp_len > rsp->cap && x.rsp_len <= MSIKIT_DOE_MAX_PAYLOAD)
			cap = (x.rsp_len + 3) & ~3U;
		else
			cap = rsp->cap * 2;
		if (cap > MSIKIT_DOE_MAX_PAYLOAD)
			cap = MSIKIT_DOE_MAX_PAYLOAD;
		if (cdat_buf_reserve(rsp, cap))
			return -ENOMEM;
	}
	return -EOVERFLOW;
}

/* Read Entry request dword: code 7:0, table type 15:8, entry handle 31:16 */
static uint32_t cdat_read_req(uint32_t handle)
{
	uint32_t req = handle << 16;

	req |= (uint32_t)CDAT_TABLE_TYPE_CDAT << 8;
	req |= CDAT_REQ_READ_ENTRY;
	return req;
}

/*
 * How many of the @received entry bytes of @handle belong to the table.
 * Responses are whole dwords, so up to 3 bytes of padding are dropped;
 * any other disagreement keeps all bytes, for --raw and the decoder to
 * show, and marks the table inconsistent.
 */
static uint32_t cdat_entry_len(struct cdat_reader *r, uint32_t handle,
			       const uint8_t *entry, uint32_t received)
{
	uint32_t expect;

	if (handle == 0)
		expect = CDAT_HDR_LEN;
	else if (received >= CDAT_SUBHDR_LEN)
		expect = get_le16(entry + 2);
	else
		expect = 0;
	if (expect && expect <= received && received - expect < 4)
		return expect;
	cdat_err(r->errf, "%s: response carries %u entry bytes, expected %u (%s)",
		 r->pfx, received, expect,
		 handle ? "structure length field" : "CDAT header size");
	*r->inconsistent = true;
	return received;
}

/* Read entry @handle onto the table. Returns its next handle, or -1. */
static int cdat_read_entry(struct cdat_reader *r, uint32_t handle)
{
	const struct cdat_xfer *xf = r->xf;
	uint32_t rsp_len, hdr, received, take;
	uint8_t req[4];
	int rc;

	snprintf(r->pfx, sizeof(r->pfx), "%s: CDAT entry handle 0x%04x", r->what,
		 handle);
	put_le32(req, cdat_read_req(handle));
	rc = exchange_grow(xf, PCI_VENDOR_ID_CXL, CXL_DOE_TABLE_ACCESS,
			   req, sizeof(req), &r->rsp, &rsp_len);
	if (rc) {
		cdat_err(r->errf, "%s: exchange: %s%s", r->pfx, strerror(-rc),
			 rc == -EPROTO ? " (response longer than the buffer)" :
			 xf->hint ? xf->hint(-rc) : "");
		return -1;
	}
	if (rsp_len < 4) {
		cdat_err(r->errf, "%s: %u-byte response, no Table Access header",
			 r->pfx, rsp_len);
		return -1;
	}
	hdr = get_le32(r->rsp.p);
	if ((hdr & 0xff) != CDAT_REQ_READ_ENTRY ||
	    ((hdr >> 8) & 0xff) != CDAT_TABLE_TYPE_CDAT) {
		cdat_err(r->errf, "%s: response code 0x%02x, table type 0x%02x (expected 0, 0)",
			 r->pfx, hdr & 0xff, (hdr >> 8) & 0xff);
		return -1;
	}
	received = rsp_len - 4;
	if (!received) {
		cdat_err(r->errf, "%s: empty entry", r->pfx);
		return -1;
	}
	take = cdat_entry_len(r, handle, r->rsp.p + 4, received);
	if (r->table->len + take > CDAT_MAX_TABLE) {
		cdat_err(r->errf, "%s: CDAT: table larger than %u bytes, giving up",
			 r->what, CDAT_MAX_TABLE);
		return -1;
	}
	if (cdat_buf_append(r->table, r->rsp.p + 4, take)) {
		cdat_err(r->errf, "%s: %s", r->what, strerror(ENOMEM));
		return -1;
	}
	return hdr >> 16;
}

/*
 * Read the whole CDAT table into @table through CXL Table Access
 * exchanges; @what names the mailbox in messages. Returns 0, or 1 after
 * printing why to @errf. *@inconsistent is set when an entry's size
 * disagreed with the response carrying it.
 */
int cdat_read(const struct cdat_xfer *xf, const char *what, struct cdat_buf *table,
	      bool *inconsistent, FILE *errf)
{
	struct cdat_reader *r = calloc(1, sizeof(*r));
	uint32_t entries, handle = 0;
	int ret = 1;

	*inconsistent = false;
	if (!r || cdat_buf_reserve(&r->rsp, CDAT_RSP_INITIAL)) {
		cdat_err(errf, "%s: %s", what, strerror(ENOMEM));
		goto out;
	}
	r->xf = xf;
	r->what = what;
	r->table = table;
	r->inconsistent = inconsistent;
	r->errf = errf;

	/* the device picks the next handle: bound the walk, refuse a loop */
	for (entries = 0; handle != CDAT_LAST_HANDLE; entries++) {
		int next;

		if (entries >= CDAT_MAX_ENTRIES) {
			cdat_err(errf, "%s: CDAT: more than %u entries, giving up",
				 what, CDAT_MAX_ENTRIES);
			goto out;
		}
		if (r->seen[handle / 8] & (1U << (handle % 8))) {
			cdat_err(errf, "%s: CDAT: entry handle 0x%04x repeated (loop)",
				 what, handle);
			goto out;
		}
		r->seen[handle / 8] |= 1U << (handle % 8);
		next = cdat_read_entry(r, handle);
		if (next < 0)
			goto out;
		handle = next;
	}
	ret = 0;
out:
	if (r)
		cdat_buf_free(&r->rsp);
	free(r);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Decode                                                              */
/* ------------------------------------------------------------------ */

/* for printf's %ll formats */
static unsigned long long get_ull(const uint8_t *p)
{
	return get_le64(p);
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

/* ps for latencies, MB/s for bandwidths, NULL for a reserved data type */
static const char *lb_unit(uint8_t data_type)
{
	return data_type <= 2 ? "ps" : data_type <= 5 ? "MB/s" : NULL;
}

/* DSMAS flags bits 2 to 6; 0 and 1 are reserved */
static const char *const dsmas_flag_names[] = {
	[2] = "non-volatile", [3] = "shareable", [4] = "hw-coherent",
	[5] = "dynamic-capacity", [6] = "read-only",
};

static const char *dsmscis_assoc_name(unsigned int v)
{
	static const char *const names[] = { "none", "direct mapped", "complex" };

	return v < ARRAY_SIZE(names) ? names[v] : "reserved";
}

static const char *dsmscis_policy_name(unsigned int v)
{
	static const char *const names[] = { "none", "write-back", "write-through" };

	return v < ARRAY_SIZE(names) ? names[v] : "reserved";
}

static const char *dsemts_type_name(uint8_t v)
{
	static const char *const names[] = {
		"EfiConventionalMemory",
		"EfiConventionalMemory, EFI_MEMORY_SP",
		"EfiReservedMemoryType",
	};

	return v < ARRAY_SIZE(names) ? names[v] : "reserved";
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
	unsigned int b;
	char sz[48];

	fprintf(out, "  DSMAD handle: %u\n", s[4]);
	fprintf(out, "  flags:        0x%02x", flags);
	for (b = 0; b < ARRAY_SIZE(dsmas_flag_names); b++)
		if (dsmas_flag_names[b] && flags & BIT(b))
			fprintf(out, " %s", dsmas_flag_names[b]);
	fputc('\n', out);
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
	uint32_t a = get_le32(s + 16);
	unsigned int as = (a >> 8) & 0xf, wp = (a >> 12) & 0xf;
	char sz[48];

	fprintf(out, "  DSMAS handle: %u\n", s[4]);
	fprintf(out, "  cache size:   0x%016llx%s\n", get_ull(s + 8),
		fmt_size(sz, sizeof(sz), get_le64(s + 8)));
	fprintf(out, "  attributes:   0x%08x (levels %u, level %u, associativity %s,",
		a, a & 0xf, (a >> 4) & 0xf, dsmscis_assoc_name(as));
	fprintf(out, " write policy %s, line %u bytes)\n", dsmscis_policy_name(wp),
		a >> 16);
}

static void decode_dsis(const uint8_t *s, FILE *out)
{
	fprintf(out, "  flags:        0x%02x%s\n", s[4],
		s[4] & 1 ? " memory-attached" : "");
	fprintf(out, "  handle:       %u\n", s[5]);
}

static void decode_dsemts(const uint8_t *s, FILE *out)
{
	char sz[48];

	fprintf(out, "  DSMAS handle: %u\n", s[4]);
	fprintf(out, "  memory type:  %u (%s)\n", s[5], dsemts_type_name(s[5]));
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

/* why the table stops being decodable at @off */
struct cdat_why {
	char text[256];
};

static void __printf(2, 3) why_set(struct cdat_why *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->text, sizeof(w->text), fmt, ap);
	va_end(ap);
}

static void report_malformed(FILE *errf, size_t off, const struct cdat_why *w)
{
	cdat_err(errf, "CDAT: malformed structure at offset 0x%zx: %s", off, w->text);
}

static void cdat_malformed(FILE *out, FILE *errf, size_t off, const struct cdat_why *w)
{
	fprintf(out, "[0x%04zx] malformed: %s\n", off, w->text);
	report_malformed(errf, off, w);
}

static void report_bad_len(FILE *errf, uint32_t hlen, size_t len)
{
	cdat_err(errf, "CDAT: header length %u does not match the table size %zu",
		 hlen, len);
}

static void report_bad_csum(FILE *errf, uint8_t sum)
{
	cdat_err(errf, "CDAT: checksum INVALID (byte sum 0x%02x)", sum);
}

static uint8_t byte_sum(const uint8_t *t, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *t++;
	return sum;
}

static bool short_table(size_t len, struct cdat_why *w)
{
	if (len >= CDAT_HDR_LEN)
		return false;
	why_set(w, "table of %zu bytes, shorter than the %u-byte header", len,
		CDAT_HDR_LEN);
	return true;
}

/* The header of a table of @len >= CDAT_HDR_LEN bytes: CDAT_BAD_* bits. */
static unsigned int decode_header(const uint8_t *t, size_t len, FILE *out, FILE *errf)
{
	uint32_t hlen = get_le32(t);
	uint8_t sum = byte_sum(t, len);
	unsigned int bad = 0;

	fprintf(out, "CDAT header:\n");
	fprintf(out, "  length:       %u bytes", hlen);
	if (hlen != len) {
		fprintf(out, " (MISMATCH: the table read has %zu bytes)", len);
		report_bad_len(errf, hlen, len);
		bad |= CDAT_BAD_LEN;
	}
	fprintf(out, "\n  revision:     %u\n", t[4]);
	if (sum == 0) {
		fprintf(out, "  checksum:     0x%02x (valid)\n", t[5]);
	} else {
		fprintf(out, "  checksum:     0x%02x (INVALID: byte sum 0x%02x, must be 0x00)\n",
			t[5], sum);
		report_bad_csum(errf, sum);
		bad |= CDAT_BAD_CSUM;
	}
	fprintf(out, "  sequence:     %u\n", get_le32(t + 12));
	return bad;
}

/*
 * Length of the structure at @off, or 0 with @w saying why it is malformed:
 * a structure that does not fit leaves no way to find the next one.
 */
static unsigned int struct_fit(const uint8_t *t, size_t len, size_t off,
			       struct cdat_why *w)
{
	size_t rest = len - off;
	unsigned int slen, fixed;
	uint8_t type;

	if (rest < CDAT_SUBHDR_LEN) {
		why_set(w, "%zu trailing bytes, too few for a structure header", rest);
		return 0;
	}
	type = t[off];
	slen = get_le16(t + off + 2);
	fixed = cdat_fixed_len(type);
	if (slen < fixed) {
		why_set(w, "%s (type %u) length %u below its %u-byte fixed part",
			cdat_type_name(type), type, slen, fixed);
		return 0;
	}
	if (slen > rest) {
		why_set(w, "%s (type %u) length %u overruns the table (%zu bytes left)",
			cdat_type_name(type), type, slen, rest);
		return 0;
	}
	return slen;
}

/* One structure of @slen bytes at offset @off, checked by struct_len(). */
static void decode_struct(const uint8_t *s, size_t off, unsigned int slen, FILE *out)
{
	unsigned int fixed = cdat_fixed_len(s[0]);
	uint8_t type = s[0];

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
	/* SSLBIS is variable-length: its tail is entries, counted above */
	if (type <= CDAT_TYPE_DSEMTS && slen > fixed)
		fprintf(out, "  (%u bytes beyond the %u-byte structure)\n",
			slen - fixed, fixed);
}

/*
 * Print a CDAT table to @out. Returns 0, or CDAT_* bits for what is wrong
 * with it (each also reported on @errf).
 */
unsigned int cdat_decode(const uint8_t *t, size_t len, FILE *out, FILE *errf)
{
	struct cdat_why w;
	unsigned int bad;
	size_t off;

	if (short_table(len, &w)) {
		cdat_malformed(out, errf, 0, &w);
		return CDAT_MALFORMED;
	}
	bad = decode_header(t, len, out, errf);
	for (off = CDAT_HDR_LEN; off < len;) {
		unsigned int slen = struct_fit(t, len, off, &w);

		if (!slen) {
			cdat_malformed(out, errf, off, &w);
			return bad | CDAT_MALFORMED;
		}
		decode_struct(t + off, off, slen, out);
		off += slen;
	}
	return bad;
}

/* ------------------------------------------------------------------ */
/* Decode to JSON                                                      */
/* ------------------------------------------------------------------ */

/* entry x base unit, or null when the product overflows 64 bits */
static void json_lb(struct json *j, const char *key, uint16_t entry, uint64_t base)
{
	if (entry && base > UINT64_MAX / entry)
		json_null(j, key);
	else
		json_u64(j, key, (uint64_t)entry * base);
}

static void json_data_type(struct json *j, uint8_t dt, uint64_t base)
{
	json_u64(j, "data_type", dt);
	json_str(j, "data_type_name", lb_type_name(dt));
	json_u64(j, "base_unit", base);
	json_str(j, "unit", lb_unit(dt));
}

static void json_dsmas(struct json *j, const uint8_t *s)
{
	unsigned int b;

	json_u64(j, "dsmad_handle", s[4]);
	json_u64(j, "flags", s[5]);
	json_arr_begin(j, "flag_names");
	for (b = 0; b < ARRAY_SIZE(dsmas_flag_names); b++)
		if (dsmas_flag_names[b] && s[5] & BIT(b))
			json_str(j, NULL, dsmas_flag_names[b]);
	json_arr_end(j);
	json_u64(j, "dpa_base", get_le64(s + 8));
	json_u64(j, "dpa_length", get_le64(s + 16));
}

static void json_dslbis(struct json *j, const uint8_t *s)
{
	uint64_t base = get_le64(s + 8);
	unsigned int i;

	json_u64(j, "handle", s[4]);
	json_u64(j, "flags", s[5]);
	json_data_type(j, s[6], base);
	json_arr_begin(j, "entries");
	for (i = 0; i < 3; i++)
		json_u64(j, NULL, get_le16(s + 16 + 2 * i));
	json_arr_end(j);
	/* the first entry is the one the data type describes */
	json_lb(j, "value", get_le16(s + 16), base);
}

static void json_dsmscis(struct json *j, const uint8_t *s)
{
	uint32_t a = get_le32(s + 16);

	json_u64(j, "dsmas_handle", s[4]);
	json_u64(j, "cache_size", get_le64(s + 8));
	json_u64(j, "cache_attributes", a);
	json_u64(j, "cache_levels", a & 0xf);
	json_u64(j, "cache_level", (a >> 4) & 0xf);
	json_u64(j, "associativity", (a >> 8) & 0xf);
	json_str(j, "associativity_name", dsmscis_assoc_name((a >> 8) & 0xf));
	json_u64(j, "write_policy", (a >> 12) & 0xf);
	json_str(j, "write_policy_name", dsmscis_policy_name((a >> 12) & 0xf));
	json_u64(j, "cache_line_size", a >> 16);
}

static void json_dsis(struct json *j, const uint8_t *s)
{
	json_u64(j, "flags", s[4]);
	json_bool(j, "memory_attached", s[4] & 1);
	json_u64(j, "handle", s[5]);
}

static void json_dsemts(struct json *j, const uint8_t *s)
{
	json_u64(j, "dsmas_handle", s[4]);
	json_u64(j, "memory_type", s[5]);
	json_str(j, "memory_type_name", dsemts_type_name(s[5]));
	json_u64(j, "dpa_offset", get_le64(s + 8));
	json_u64(j, "dpa_length", get_le64(s + 16));
}

static void json_sslbis(struct json *j, const uint8_t *s, unsigned int len)
{
	unsigned int n = (len - CDAT_SSLBIS_LEN) / CDAT_SSLBE_LEN;
	uint64_t base = get_le64(s + 8);
	unsigned int i;

	json_data_type(j, s[4], base);
	json_arr_begin(j, "entries");
	for (i = 0; i < n; i++) {
		const uint8_t *e = s + CDAT_SSLBIS_LEN + i * CDAT_SSLBE_LEN;

		json_obj_begin(j, NULL);
		json_u64(j, "port_x_id", get_le16(e));
		json_u64(j, "port_y_id", get_le16(e + 2));
		json_u64(j, "entry", get_le16(e + 4));
		json_lb(j, "value", get_le16(e + 4), base);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_u64(j, "trailing_bytes", (len - CDAT_SSLBIS_LEN) % CDAT_SSLBE_LEN);
}

/* One structure, checked by struct_fit(), as an object of "entries". */
static void json_struct(struct json *j, const uint8_t *s, size_t off, unsigned int slen)
{
	unsigned int fixed = cdat_fixed_len(s[0]);
	uint8_t type = s[0];

	json_obj_begin(j, NULL);
	json_u64(j, "offset", off);
	json_u64(j, "type", type);
	json_str(j, "type_name", cdat_type_name(type));
	json_u64(j, "length", slen);
	switch (type) {
	case CDAT_TYPE_DSMAS:
		json_dsmas(j, s);
		break;
	case CDAT_TYPE_DSLBIS:
		json_dslbis(j, s);
		break;
	case CDAT_TYPE_DSMSCIS:
		json_dsmscis(j, s);
		break;
	case CDAT_TYPE_DSIS:
		json_dsis(j, s);
		break;
	case CDAT_TYPE_DSEMTS:
		json_dsemts(j, s);
		break;
	case CDAT_TYPE_SSLBIS:
		json_sslbis(j, s, slen);
		break;
	default:
		json_hex(j, "raw", s, slen);
		break;
	}
	if (type <= CDAT_TYPE_DSEMTS)
		json_u64(j, "extra_bytes", slen - fixed);
	json_obj_end(j);
}

/*
 * cdat_decode() as members of the JSON object @j has open: the same checks
 * and messages on @errf, the same result. A malformed table still gives a
 * whole document: the structures before the one that does not fit, and
 * "malformed" saying where and why (null when nothing is).
 */
unsigned int cdat_decode_json(const uint8_t *t, size_t len, struct json *j, FILE *errf)
{
	unsigned int bad = 0, slen = 0;
	struct cdat_why w;
	size_t off = 0;

	json_u64(j, "size", len);
	if (short_table(len, &w)) {
		report_malformed(errf, 0, &w);
		json_null(j, "length");
		json_null(j, "length_valid");
		json_null(j, "revision");
		json_null(j, "checksum");
		json_null(j, "checksum_valid");
		json_null(j, "sequence");
		json_arr_begin(j, "entries");
		json_arr_end(j);
		bad = CDAT_MALFORMED;
	} else {
		uint32_t hlen = get_le32(t);
		uint8_t sum = byte_sum(t, len);

		if (hlen != len) {
			report_bad_len(errf, hlen, len);
			bad |= CDAT_BAD_LEN;
		}
		if (sum) {
			report_bad_csum(errf, sum);
			bad |= CDAT_BAD_CSUM;
		}
		json_u64(j, "length", hlen);
		json_bool(j, "length_valid", hlen == len);
		json_u64(j, "revision", t[4]);
		json_u64(j, "checksum", t[5]);
		json_bool(j, "checksum_valid", !sum);
		json_u64(j, "sequence", get_le32(t + 12));
		json_arr_begin(j, "entries");
		for (off = CDAT_HDR_LEN; off < len; off += slen) {
			slen = struct_fit(t, len, off, &w);
			if (!slen) {
				report_malformed(errf, off, &w);
				bad |= CDAT_MALFORMED;
				break;
			}
			json_struct(j, t + off, off, slen);
		}
		json_arr_end(j);
	}
	if (bad & CDAT_MALFORMED) {
		json_obj_begin(j, "malformed");
		json_u64(j, "offset", off);
		json_str(j, "error", w.text);
		json_obj_end(j);
	} else {
		json_null(j, "malformed");
	}
	return bad;
}
