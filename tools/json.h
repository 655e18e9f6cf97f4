/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The JSON msikit-doe prints (list, features, cdat and spdm --json): a
 * tiny emitter that cannot produce an invalid document from any input
 * string, whatever bytes a device or a file put in it.
 *
 * Two levels: json_put_str() and json_put_hex() write one value to a
 * FILE (spdm-io.c lays its own lines out with them); struct json writes
 * a whole document, indented two spaces a level, one member a line, and
 * places the commas itself.
 */
#ifndef MSIKIT_TOOLS_JSON_H
#define MSIKIT_TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A JSON string of the first @n bytes of @s, or fewer up to a NUL. Quotes,
 * backslashes and control characters are escaped; a byte that does not
 * start a valid UTF-8 sequence becomes U+FFFD.
 */
void json_put_strn(FILE *f, const char *s, size_t n);
void json_put_str(FILE *f, const char *s);
/* a JSON string of @n bytes in lower-case hex */
void json_put_hex(FILE *f, const uint8_t *p, size_t n);

/*
 * @after_value: the last thing written was a value, so the next member
 * needs a comma; right after an opening bracket it does not. That one
 * bit serves any depth.
 */
struct json {
	FILE *f;
	unsigned int depth;
	bool after_value;
};

void json_init(struct json *j, FILE *f);

/*
 * Each call writes one value: @key names it inside an object and is NULL
 * inside an array or for the document itself.
 */
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
/* @v NULL writes null */
void json_str(struct json *j, const char *key, const char *v);
void json_strn(struct json *j, const char *key, const char *v, size_t n);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
void json_hex(struct json *j, const char *key, const uint8_t *p, size_t n);

#endif /* MSIKIT_TOOLS_JSON_H */
