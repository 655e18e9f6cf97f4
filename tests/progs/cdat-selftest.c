// SPDX-License-Identifier: GPL-2.0
/*
 * cdat-selftest: msikit-doe's CDAT decoder and reader (tools/cdat.c) on
 * synthetic tables, the reader against a simulated CXL Table Access
 * mailbox. Needs no device, so it runs before anything that does.
 *
 *   cdat-selftest [-v]
 *
 * -v also prints the decoded valid table. Each failed check is explained
 * on stderr; the last line on stdout counts the checks passed or failed.
 *
 * Exit status: 0 all checks passed, 1 a check failed, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdat.h"

#define PROG		"cdat-selftest"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct st {
	unsigned int checks;
	unsigned int fails;
	char *text;	/* output of the step under test, shown when a check fails */
};

static void check(struct st *st, bool ok, const char *what)
{
	st->checks++;
	if (ok)
		return;
	st->fails++;
	fprintf(stderr, PROG ": FAILED: %s\n", what);
	if (st->text)
		fprintf(stderr, "---- output ----\n%s----------------\n", st->text);
}

static bool has(const struct st *st, const char *needle)
{
	return st->text && strstr(st->text, needle);
}

static void reset_text(struct st *st)
{
	free(st->text);
	st->text = NULL;
}

/* ------------------------------------------------------------------ */
/* Synthetic tables                                                    */
/* ------------------------------------------------------------------ */

static void put_le(struct cdat_buf *b, uint64_t v, unsigned int bytes)
{
	uint8_t tmp[8];
	unsigned int i;

	for (i = 0; i < bytes; i++)
		tmp[i] = (v >> (8 * i)) & 0xff;
	cdat_buf_append(b, tmp, bytes);
}

static void put_sub(struct cdat_buf *b, uint8_t type, uint16_t len)
{
	put_le(b, type, 1);
	put_le(b, 0, 1);
	put_le(b, len, 2);
}

/* Fix up the header length and checksum of a table in @b. */
static void seal(struct cdat_buf *b)
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

static void build_dsmas_dslbis(struct cdat_buf *b)
{
	put_sub(b, CDAT_TYPE_DSMAS, CDAT_DSMAS_LEN);
	put_le(b, 0, 1);		/* DSMAD handle */
	put_le(b, BIT(2), 1);		/* non-volatile */
	put_le(b, 0, 2);
	put_le(b, 0, 8);
	put_le(b, 1ULL << 30, 8);

	put_sub(b, CDAT_TYPE_DSLBIS, CDAT_DSLBIS_LEN);
	put_le(b, 0, 1);		/* handle */
	put_le(b, 0, 1);		/* flags */
	put_le(b, 1, 1);		/* read latency */
	put_le(b, 0, 1);
	put_le(b, 1000, 8);
	put_le(b, 150, 2);
	put_le(b, 0, 2);
	put_le(b, 0, 2);
	put_le(b, 0, 2);
}

static void build_dsmscis_dsis_dsemts(struct cdat_buf *b)
{
	put_sub(b, CDAT_TYPE_DSMSCIS, CDAT_DSMSCIS_LEN);
	put_le(b, 0, 1);
	put_le(b, 0, 3);
	put_le(b, 256ULL << 20, 8);
	put_le(b, 0x00401111, 4);

	put_sub(b, CDAT_TYPE_DSIS, CDAT_DSIS_LEN);
	put_le(b, 1, 1);		/* memory attached */
	put_le(b, 0, 1);
	put_le(b, 0, 2);

	put_sub(b, CDAT_TYPE_DSEMTS, CDAT_DSEMTS_LEN);
	put_le(b, 0, 1);
	put_le(b, 1, 1);		/* EFI_MEMORY_SP */
	put_le(b, 0, 2);
	put_le(b, 0, 8);
	put_le(b, 1ULL << 30, 8);
}

/*
 * One structure of each type, an SSLBIS with @nsslbe entries and an
 * unknown structure of @unk_len bytes (>= 4).
 */
static void build(struct cdat_buf *b, unsigned int nsslbe, uint16_t unk_len)
{
	unsigned int i;

	/* header */
	put_le(b, 0, 4);
	put_le(b, 1, 1);		/* revision */
	put_le(b, 0, 1);		/* checksum */
	put_le(b, 0, 6);
	put_le(b, 7, 4);		/* sequence */

	build_dsmas_dslbis(b);
	build_dsmscis_dsis_dsemts(b);

	put_sub(b, CDAT_TYPE_SSLBIS, CDAT_SSLBIS_LEN + nsslbe * CDAT_SSLBE_LEN);
	put_le(b, 3, 1);		/* access bandwidth */
	put_le(b, 0, 3);
	put_le(b, 1, 8);
	for (i = 0; i < nsslbe; i++) {
		put_le(b, i ? CDAT_SSLBIS_ANY_PORT : CDAT_SSLBIS_US_PORT, 2);
		put_le(b, i, 2);
		put_le(b, 1000 + i, 2);
		put_le(b, 0, 2);
	}

	put_sub(b, 0x42, unk_len);
	for (i = CDAT_SUBHDR_LEN; i < unk_len; i++)
		put_le(b, 0xa0 + i, 1);

	seal(b);
}

/* @dst = the first @len bytes of @src; false (a failed check) without memory */
static bool copy_table(struct st *st, struct cdat_buf *dst, const struct cdat_buf *src,
		       size_t len)
{
	dst->len = 0;
	if (cdat_buf_append(dst, src->p, len)) {
		check(st, false, "copy of a table: out of memory");
		return false;
	}
	return true;
}

/* Decode @t with its output captured in st->text. */
static unsigned int decode(struct st *st, const uint8_t *t, size_t len)
{
	unsigned int r;
	size_t sz;
	FILE *f;

	reset_text(st);
	f = open_memstream(&st->text, &sz);
	if (!f)
		return ~0U;
	r = cdat_decode(t, len, f, f);
	fclose(f);
	return r;
}

/* ------------------------------------------------------------------ */
/* Decoder                                                             */
/* ------------------------------------------------------------------ */

static void test_valid(struct st *st, const struct cdat_buf *good, bool verbose)
{
	static const char *const want[] = {
		"checksum:     0x", "(valid)", "DSMAS (type 0, length 24)",
		"non-volatile", "DSLBIS (type 1", "read latency", "150000 ps",
		"DSMSCIS (type 2", "256 MiB", "write-back", "DSIS (type 3",
		"memory-attached", "DSEMTS (type 4", "EFI_MEMORY_SP",
		"SSLBIS (type 5", "access bandwidth", "1001 MB/s",
		"(upstream port)", "unknown (type 66, length 12)", "0000: 42 00 0c 00",
		"sequence:     7",
	};
	unsigned int r = decode(st, good->p, good->len);
	size_t i;

	if (verbose && st->text)
		fputs(st->text, stdout);
	check(st, r == 0, "valid table decodes without problems");
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		char what[128];

		snprintf(what, sizeof(what), "valid table output has '%s'", want[i]);
		check(st, has(st, want[i]), what);
	}
	check(st, !has(st, "INVALID") && !has(st, "malformed"),
	      "valid table: no INVALID/malformed");
}

/* Header damage: checksum, length field, table shorter than a header. */
static void test_bad_header(struct st *st, const struct cdat_buf *good, struct cdat_buf *bad)
{
	unsigned int r;

	if (!copy_table(st, bad, good, good->len))
		return;
	bad->p[20] ^= 0x5a;
	r = decode(st, bad->p, bad->len);
	check(st, r == CDAT_BAD_CSUM, "corrupted byte: checksum problem only");
	check(st, has(st, "INVALID"), "corrupted byte: reported INVALID");

	if (!copy_table(st, bad, good, good->len))
		return;
	put_le32(bad->p, good->len + 4);
	bad->p[5] -= 4;		/* keep the byte sum at 0 */
	r = decode(st, bad->p, bad->len);
	check(st, r == CDAT_BAD_LEN, "header length mismatch: length problem only");
	check(st, has(st, "MISMATCH"), "header length mismatch: reported");

	r = decode(st, good->p, 10);
	check(st, r == CDAT_MALFORMED, "10-byte table: malformed");
}

/* Structures that do not fit: each stops the decoder as malformed. */
static void test_bad_structs(struct st *st, const struct cdat_buf *good, struct cdat_buf *bad)
{
	unsigned int r;
	size_t off;

	/* truncated last structure (header length and checksum agree) */
	if (!copy_table(st, bad, good, good->len - 4))
		return;
	seal(bad);
	r = decode(st, bad->p, bad->len);
	check(st, r == CDAT_MALFORMED, "truncated structure: malformed only");
	check(st, has(st, "malformed") && has(st, "overruns"),
	      "truncated structure: reported malformed");

	/* DSMAS shorter than its fixed part */
	if (!copy_table(st, bad, good, good->len))
		return;
	bad->p[CDAT_HDR_LEN + 2] = 8;
	seal(bad);
	r = decode(st, bad->p, bad->len);
	check(st, r == CDAT_MALFORMED, "short DSMAS: malformed only");
	check(st, has(st, "[0x0010] malformed: DSMAS (type 0) length 8"),
	      "short DSMAS: reported with its offset");

	/* structure length below the 4-byte header */
	if (!copy_table(st, bad, good, good->len))
		return;
	off = CDAT_HDR_LEN + CDAT_DSMAS_LEN;
	bad->p[off + 2] = 2;
	bad->p[off + 3] = 0;
	seal(bad);
	r = decode(st, bad->p, bad->len);
	check(st, r == CDAT_MALFORMED, "length 2 structure: malformed");

	/* 3 stray trailing bytes */
	if (!copy_table(st, bad, good, good->len) || cdat_buf_append(bad, "\0\0\0", 3))
		return;
	seal(bad);
	r = decode(st, bad->p, bad->len);
	check(st, r == CDAT_MALFORMED && has(st, "trailing bytes"),
	      "3 trailing bytes: malformed");
}

/* ------------------------------------------------------------------ */
/* Reader, against a simulated mailbox                                 */
/* ------------------------------------------------------------------ */

struct sim_mb {
	const uint8_t *t;
	size_t len;
	size_t offs[64];
	unsigned int n;
	bool loop;		/* next handle is always 1 */
	bool hide_len;		/* -EOVERFLOW without the needed size */
	bool extra;		/* handle 1 answers with a dword too many */
	unsigned int calls, overflows;
};

static void sim_init(struct sim_mb *mb, const struct cdat_buf *b)
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
static int sim_exchange(void *ctx, struct msikit_doe_exchange *x)
{
	struct sim_mb *mb = ctx;
	const uint8_t *req = (const uint8_t *)(uintptr_t)x->req_ptr;
	uint8_t *rsp = (uint8_t *)(uintptr_t)x->rsp_ptr;
	uint32_t r, handle, next, need;
	size_t start, end;

	mb->calls++;
	if (x->argsz != sizeof(*x) || x->flags || x->reserved0 || x->reserved1 ||
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

/* cdat_read() from @mb into @got, its messages captured in st->text. */
static int sim_read(struct st *st, struct sim_mb *mb, struct cdat_buf *got,
		    bool *inconsistent)
{
	struct cdat_xfer xf = { .exchange = sim_exchange, .ctx = mb };
	size_t sz;
	FILE *f;
	int r;

	reset_text(st);
	cdat_buf_free(got);
	f = open_memstream(&st->text, &sz);
	if (!f)
		return -1;
	r = cdat_read(&xf, "sim", got, inconsistent, f);
	fclose(f);
	return r;
}

/* > 4 KiB entry, padded tail; then without a size hint on -EOVERFLOW */
static void test_read_big(struct st *st, const struct cdat_buf *big, struct cdat_buf *got)
{
	struct sim_mb mb;
	bool inconsistent;
	unsigned int r;

	sim_init(&mb, big);
	r = sim_read(st, &mb, got, &inconsistent);
	check(st, r == 0 && !inconsistent, "reader: whole table read");
	check(st, got->len == big->len && !memcmp(got->p, big->p, big->len),
	      "reader: table identical to the source");
	check(st, mb.overflows == 1, "reader: grew its buffer once on -EOVERFLOW");
	r = decode(st, got->p, got->len);
	check(st, r == 0 && has(st, "entries:      600"), "reader: read table decodes");

	sim_init(&mb, big);
	mb.hide_len = true;
	r = sim_read(st, &mb, got, &inconsistent);
	check(st, r == 0 && got->len == big->len, "reader: grows without a size hint");
}

/* An entry longer than its structure is kept and flagged; a loop stops. */
static void test_read_bad(struct st *st, const struct cdat_buf *good, struct cdat_buf *got)
{
	struct sim_mb mb;
	bool inconsistent;
	unsigned int r;

	sim_init(&mb, good);
	mb.extra = true;
	r = sim_read(st, &mb, got, &inconsistent);
	check(st, r == 0 && inconsistent && got->len == good->len + 4 &&
	      has(st, "handle 0x0001: response carries 28 entry bytes, expected 24"),
	      "reader: oversized entry reported");
	r = decode(st, got->p, got->len);
	check(st, r & CDAT_BAD_LEN, "reader: oversized entry breaks the table length");

	sim_init(&mb, good);
	mb.loop = true;
	r = sim_read(st, &mb, got, &inconsistent);
	check(st, r == 1 && has(st, "repeated"), "reader: handle loop stops");
	check(st, mb.calls == 2, "reader: handle loop stops after 2 exchanges");
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	struct cdat_buf good = { 0 }, bad = { 0 }, big = { 0 }, got = { 0 };
	bool verbose = argc == 2 && !strcmp(argv[1], "-v");
	struct st st = { 0 };

	if (argc > 2 || (argc == 2 && !verbose)) {
		fputs("usage: " PROG " [-v]\n", stderr);
		return 2;
	}
	build(&good, 2, 12);
	build(&big, 600, 10);	/* SSLBIS > 4 KiB, unaligned tail */
	if (good.failed || big.failed) {
		check(&st, false, "building the tables: out of memory");
	} else {
		test_valid(&st, &good, verbose);
		test_bad_header(&st, &good, &bad);
		test_bad_structs(&st, &good, &bad);
		test_read_big(&st, &big, &got);
		test_read_bad(&st, &good, &got);
	}
	reset_text(&st);
	cdat_buf_free(&good);
	cdat_buf_free(&bad);
	cdat_buf_free(&big);
	cdat_buf_free(&got);
	if (st.fails) {
		printf(PROG ": %u of %u checks failed\n", st.fails, st.checks);
		return 1;
	}
	printf(PROG ": %u checks passed\n", st.checks);
	return 0;
}
