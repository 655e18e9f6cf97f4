// SPDX-License-Identifier: GPL-2.0
/*
 * JSON emitter of msikit-doe, see json.h.
 */
#include <string.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at @p (@n bytes left), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and beyond U+10FFFF are not UTF-8 */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void json_put_strn(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;

	n = strnlen(s, n);
	fputc('"', f);
	while (i < n) {
		unsigned char c = p[i];

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		len = utf8_len(p + i, n - i);
		if (!len) {
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		fwrite(p + i, 1, len, f);
		i += len;
	}
	fputc('"', f);
}

void json_put_str(FILE *f, const char *s)
{
	json_put_strn(f, s, strlen(s));
}

void json_put_hex(FILE *f, const uint8_t *p, size_t n)
{
	fputc('"', f);
	while (n--)
		fprintf(f, "%02x", *p++);
	fputc('"', f);
}

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

static void indent(struct json *j, unsigned int depth)
{
	fputc('\n', j->f);
	while (depth--)
		fputs("  ", j->f);
}

/* the separator and key before a value at the current depth */
static void member(struct json *j, const char *key)
{
	if (j->depth) {
		if (j->after_value)
			fputc(',', j->f);
		indent(j, j->depth);
	}
	if (key) {
		json_put_str(j->f, key);
		fputs(": ", j->f);
	}
	j->after_value = true;
}

static void begin(struct json *j, const char *key, char open)
{
	member(j, key);
	fputc(open, j->f);
	j->depth++;
	j->after_value = false;
}

static void end(struct json *j, char close)
{
	if (!j->depth)
		return;
	j->depth--;
	/* a container with members closes on a line of its own, an empty one "[]" */
	if (j->after_value)
		indent(j, j->depth);
	fputc(close, j->f);
	j->after_value = true;
	/* a document ends its line */
	if (!j->depth)
		fputc('\n', j->f);
}

void json_obj_begin(struct json *j, const char *key)
{
	begin(j, key, '{');
}

void json_obj_end(struct json *j)
{
	end(j, '}');
}

void json_arr_begin(struct json *j, const char *key)
{
	begin(j, key, '[');
}

void json_arr_end(struct json *j)
{
	end(j, ']');
}

void json_str(struct json *j, const char *key, const char *v)
{
	if (!v) {
		json_null(j, key);
		return;
	}
	member(j, key);
	json_put_str(j->f, v);
}

void json_strn(struct json *j, const char *key, const char *v, size_t n)
{
	member(j, key);
	json_put_strn(j->f, v, n);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void json_hex(struct json *j, const char *key, const uint8_t *p, size_t n)
{
	member(j, key);
	json_put_hex(j->f, p, n);
}
