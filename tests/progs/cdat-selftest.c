// SPDX-License-Identifier: GPL-2.0
/*
 * cdat-selftest: msikit-doe's CDAT decoder and reader (tools/cdat.c) on
 * synthetic tables, the reader against a simulated CXL Table Access
 * mailbox; the JSON decoder on the same tables, its documents checked by
 * a JSON syntax checker of its own, and the JSON emitter (tools/json.c)
 * on strings no document may carry raw. Needs no device, so it runs
 * before anything that does.
 *
 *   cdat-selftest [-v]
 *
 * -v also prints the decoded valid table, as text and as JSON. Each failed check is explained
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
#include "json.h"

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
/* JSON                                                                */
/* ------------------------------------------------------------------ */

/*
 * A JSON syntax checker (RFC 8259), to hold the documents to: C has no
 * parser to read them back with. @p walks the text; false at the first
 * thing that is not JSON.
 */
struct jchk {
	const char *p;
	unsigned int depth;
};

static void j_ws(struct jchk *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static bool j_lit(struct jchk *j, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(j->p, lit, n))
		return false;
	j->p += n;
	return true;
}

static bool j_digits(struct jchk *j)
{
	const char *start = j->p;

	while (*j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start;
}

static bool j_number(struct jchk *j)
{
	if (*j->p == '-')
		j->p++;
	if (*j->p == '0')
		j->p++;
	else if (!j_digits(j))
		return false;
	if (*j->p == '.') {
		j->p++;
		if (!j_digits(j))
			return false;
	}
	if (*j->p == 'e' || *j->p == 'E') {
		j->p++;
		if (*j->p == '+' || *j->p == '-')
			j->p++;
		if (!j_digits(j))
			return false;
	}
	return true;
}

/* one UTF-8 sequence: its lead byte, its continuation bytes, no C0 C1 F5-FF */
static bool j_utf8(struct jchk *j)
{
	const unsigned char *p = (const unsigned char *)j->p;
	unsigned int n, i;

	if (p[0] < 0x80)
		n = 1;
	else if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return false;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return false;
	j->p += n;
	return true;
}

static bool j_string(struct jchk *j)
{
	if (*j->p++ != '"')
		return false;
	while (*j->p != '"') {
		unsigned char c = *j->p;

		if (c < 0x20)
			return false;	/* the NUL at the end among them */
		if (c != '\\') {
			if (!j_utf8(j))
				return false;
			continue;
		}
		j->p++;
		if (*j->p == 'u') {
			unsigned int i;

			for (i = 1; i <= 4; i++)
				if (!strchr("0123456789abcdefABCDEF", j->p[i]) || !j->p[i])
					return false;
			j->p += 5;
		} else if (*j->p && strchr("\"\\/bfnrt", *j->p)) {
			j->p++;
		} else {
			return false;
		}
	}
	j->p++;
	return true;
}

static bool j_value(struct jchk *j);

/* the members of an object (@obj) or the elements of an array, after its bracket */
static bool j_container(struct jchk *j, bool obj)
{
	char close = obj ? '}' : ']';

	j_ws(j);
	if (*j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		j_ws(j);
		if (obj) {
			if (!j_string(j))
				return false;
			j_ws(j);
			if (*j->p++ != ':')
				return false;
		}
		if (!j_value(j))
			return false;
		j_ws(j);
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool j_value(struct jchk *j)
{
	bool ok;

	j_ws(j);
	switch (*j->p) {
	case '{':
	case '[':
		if (++j->depth > 1000)
			return false;
		ok = j_container(j, *j->p++ == '{');
		j->depth--;
		return ok;
	case '"':
		return j_string(j);
	case 't':
		return j_lit(j, "true");
	case 'f':
		return j_lit(j, "false");
	case 'n':
		return j_lit(j, "null");
	default:
		return j_number(j);
	}
}

/* Is @s one JSON document, nothing but white space around it? */
static bool json_valid(const char *s)
{
	struct jchk j = { .p = s };

	if (!s || !j_value(&j))
		return false;
	j_ws(&j);
	return !*j.p;
}

/* the syntax checker itself, on what it must take and what it must refuse */
static void test_json_checker(struct st *st)
{
	static const char *const good[] = {
		"{}", "[]", " [ 1 , -0.5e+3 , true , false , null ] ",
		"{\"a\": {\"b\": [\"\\u00e9\\n\\\"\", \"\xc3\xa9\"]}}", "0", "\"\"",
	};
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\" 1}", "{a: 1}", "[01]", "[1.]", "\"\x01\"",
		"\"\\x\"", "\"\xff\"", "[\"a\"] x", "nul", "{\"a\": 1,}", "[1 2]",
	};
	char what[96];
	size_t i;

	reset_text(st);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		snprintf(what, sizeof(what), "JSON checker takes document %zu", i);
		check(st, json_valid(good[i]), what);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(what, sizeof(what), "JSON checker refuses document %zu", i);
		check(st, !json_valid(bad[i]), what);
	}
}

/* The emitter: escapes, bytes that are no UTF-8, nesting, empty containers. */
static void test_json_emitter(struct st *st)
{
	static const char nasty[] = "q\"b\\n\n\x01\x1f\x7f\xff\xc3\xa9\xed\xa0\x80\xc0\xaf\xf4\x90";
	struct json j;
	size_t sz, i;
	FILE *f;

	reset_text(st);
	f = open_memstream(&st->text, &sz);
	if (!f) {
		check(st, false, "emitter: open_memstream");
		return;
	}
	json_init(&j, f);
	json_obj_begin(&j, NULL);
	json_str(&j, "nasty", nasty);
	json_strn(&j, "cut", "abcdef", 3);
	json_str(&j, "none", NULL);
	json_u64(&j, "max", UINT64_MAX);
	json_bool(&j, "yes", true);
	json_hex(&j, "hex", (const uint8_t *)"\x00\xab", 2);
	json_arr_begin(&j, "empty");
	json_arr_end(&j);
	json_obj_begin(&j, "empty_obj");
	json_obj_end(&j);
	json_arr_begin(&j, "deep");
	for (i = 0; i < 20; i++)
		json_arr_begin(&j, NULL);
	json_u64(&j, NULL, 1);
	json_u64(&j, NULL, 2);
	for (i = 0; i < 20; i++)
		json_arr_end(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	fclose(f);
	check(st, json_valid(st->text), "emitter: a valid document from any string");
	check(st, has(st, "\"q\\\"b\\\\n\\u000a\\u0001\\u001f\\u007f\\ufffd\xc3\xa9"
			  "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\""),
	      "emitter: escapes, U+FFFD for each byte that is no UTF-8, UTF-8 kept");
	check(st, has(st, "\"cut\": \"abc\"") && has(st, "\"none\": null") &&
	      has(st, "\"max\": 18446744073709551615") && has(st, "\"yes\": true") &&
	      has(st, "\"hex\": \"00ab\"") && has(st, "\"empty\": []") &&
	      has(st, "\"empty_obj\": {}"), "emitter: every kind of value");
	check(st, st->text && st->text[strlen(st->text) - 1] == '\n' &&
	      st->text[strlen(st->text) - 2] == '}', "emitter: the document ends its line");
}

/*
 * Both decoders on @t: the same result and the same messages, and a valid
 * JSON document, left in st->text for has(). Returns the JSON decoder's result.
 */
static unsigned int decode_both(struct st *st, const uint8_t *t, size_t len, const char *what)
{
	char *text_err = NULL, *json_err = NULL, *text_out = NULL, msg[160];
	FILE *out, *err, *jout, *jerr;
	unsigned int rt = ~0U, rj = ~0U;
	size_t sz[4];
	struct json j;

	reset_text(st);
	out = open_memstream(&text_out, &sz[0]);
	err = open_memstream(&text_err, &sz[1]);
	jout = open_memstream(&st->text, &sz[2]);
	jerr = open_memstream(&json_err, &sz[3]);
	if (out && err && jout && jerr) {
		rt = cdat_decode(t, len, out, err);
		json_init(&j, jout);
		json_obj_begin(&j, NULL);
		rj = cdat_decode_json(t, len, &j, jerr);
		json_obj_end(&j);
	}
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	if (jout)
		fclose(jout);
	if (jerr)
		fclose(jerr);
	snprintf(msg, sizeof(msg), "%s: JSON decoder, same result as text (%#x, %#x)",
		 what, rt, rj);
	check(st, rt == rj && rt != ~0U, msg);
	snprintf(msg, sizeof(msg), "%s: JSON decoder, same messages as text", what);
	check(st, text_err && json_err && !strcmp(text_err, json_err), msg);
	snprintf(msg, sizeof(msg), "%s: JSON decoder, a valid document", what);
	check(st, json_valid(st->text), msg);
	free(text_out);
	free(text_err);
	free(json_err);
	return rj;
}

static void test_json_valid(struct st *st, const struct cdat_buf *good, bool verbose)
{
	static const char *const want[] = {
		"\"length_valid\": true", "\"revision\": 1", "\"checksum_valid\": true",
		"\"sequence\": 7", "\"malformed\": null",
		"\"offset\": 16,\n      \"type\": 0,\n      \"type_name\": \"DSMAS\"",
		"\"dsmad_handle\": 0", "\"flag_names\": [\n        \"non-volatile\"\n      ]",
		"\"dpa_base\": 0", "\"dpa_length\": 1073741824",
		"\"type_name\": \"DSLBIS\"", "\"data_type_name\": \"read latency\"",
		"\"base_unit\": 1000", "\"unit\": \"ps\"", "\"value\": 150000",
		"\"type_name\": \"DSMSCIS\"", "\"cache_size\": 268435456",
		"\"write_policy_name\": \"write-back\"", "\"cache_line_size\": 64",
		"\"type_name\": \"DSIS\"", "\"memory_attached\": true",
		"\"type_name\": \"DSEMTS\"",
		"\"memory_type_name\": \"EfiConventionalMemory, EFI_MEMORY_SP\"",
		"\"type_name\": \"SSLBIS\"", "\"data_type_name\": \"access bandwidth\"",
		"\"port_x_id\": 256", "\"port_y_id\": 1", "\"value\": 1001",
		"\"trailing_bytes\": 0", "\"type\": 66", "\"type_name\": \"unknown\"",
		"\"raw\": \"42000c00a4a5a6a7a8a9aaab\"",
	};
	unsigned int r = decode_both(st, good->p, good->len, "valid table");
	size_t i;

	if (verbose && st->text)
		fputs(st->text, stdout);
	check(st, r == 0, "valid table: JSON decoder finds no problem");
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		char what[160];

		snprintf(what, sizeof(what), "valid table JSON has '%s'", want[i]);
		check(st, has(st, want[i]), what);
	}
}

/* every damaged table of the text tests, through both decoders */
static void test_json_bad(struct st *st, const struct cdat_buf *good, struct cdat_buf *bad)
{
	unsigned int r;

	if (!copy_table(st, bad, good, good->len))
		return;
	bad->p[20] ^= 0x5a;
	r = decode_both(st, bad->p, bad->len, "corrupted byte");
	check(st, r == CDAT_BAD_CSUM && has(st, "\"checksum_valid\": false") &&
	      has(st, "\"malformed\": null") && has(st, "\"type_name\": \"unknown\""),
	      "corrupted byte: JSON says checksum_valid false, all entries");

	if (!copy_table(st, bad, good, good->len))
		return;
	put_le32(bad->p, good->len + 4);
	bad->p[5] -= 4;
	r = decode_both(st, bad->p, bad->len, "length mismatch");
	check(st, r == CDAT_BAD_LEN && has(st, "\"length_valid\": false"),
	      "length mismatch: JSON says length_valid false");

	r = decode_both(st, good->p, 10, "10-byte table");
	check(st, r == CDAT_MALFORMED && has(st, "\"length\": null") &&
	      has(st, "\"entries\": []") && has(st, "\"offset\": 0") &&
	      has(st, "shorter than the 16-byte header"),
	      "10-byte table: JSON has no header, malformed at 0");

	if (!copy_table(st, bad, good, good->len - 4))
		return;
	seal(bad);
	r = decode_both(st, bad->p, bad->len, "truncated structure");
	check(st, r == CDAT_MALFORMED && has(st, "\"type_name\": \"SSLBIS\"") &&
	      !has(st, "\"raw\"") && has(st, "overruns the table"),
	      "truncated structure: JSON keeps the entries before it, says why");

	if (!copy_table(st, bad, good, good->len))
		return;
	bad->p[CDAT_HDR_LEN + 2] = 8;
	seal(bad);
	r = decode_both(st, bad->p, bad->len, "short DSMAS");
	check(st, r == CDAT_MALFORMED && has(st, "\"entries\": []") &&
	      has(st, "\"malformed\": {\n    \"offset\": 16,"),
	      "short DSMAS: JSON malformed at offset 16, no entries");

	if (!copy_table(st, bad, good, good->len) || cdat_buf_append(bad, "\0\0\0", 3))
		return;
	seal(bad);
	r = decode_both(st, bad->p, bad->len, "3 trailing bytes");
	check(st, r == CDAT_MALFORMED && has(st, "trailing bytes"),
	      "3 trailing bytes: JSON malformed");

	/* a table that is all header, and no table at all */
	r = decode_both(st, good->p, 0, "empty table");
	check(st, r == CDAT_MALFORMED, "empty table: malformed");
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
	r = decode_both(st, got->p, got->len, "600-entry SSLBIS");
	check(st, r == 0 && has(st, "\"port_y_id\": 599") && has(st, "\"trailing_bytes\": 0"),
	      "reader: read table decodes to JSON, all 600 entries");

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
		test_json_checker(&st);
		test_json_emitter(&st);
		test_json_valid(&st, &good, verbose);
		test_json_bad(&st, &good, &bad);
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
