/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CDAT (Coherent Device Attribute Table) of a CXL device: reading it over
 * DOE through a caller's exchange function, and decoding it to text or
 * JSON.
 *
 * Nothing here touches a device or a file: the transport is a callback
 * and all output goes to the FILE pointers passed in, so the same code
 * serves msikit-doe and a self test against a simulated mailbox.
 */
#ifndef MSIKIT_TOOLS_CDAT_H
#define MSIKIT_TOOLS_CDAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <msikit/doe.h>

#ifndef BIT
#define BIT(n)			(1U << (n))
#endif

#define PCI_VENDOR_ID_CXL	0x1e98
#define CXL_DOE_TABLE_ACCESS	0x02

/* CXL Table Access DOE: Read Entry of the CDAT table */
#define CDAT_REQ_READ_ENTRY	0x00
#define CDAT_TABLE_TYPE_CDAT	0x00
#define CDAT_LAST_HANDLE	0xffff
#define CDAT_MAX_ENTRIES	4096
#define CDAT_MAX_TABLE		(16U << 20)
#define CDAT_RSP_INITIAL	4096U

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

/* cdat_decode() result bits */
#define CDAT_BAD_CSUM		BIT(0)
#define CDAT_BAD_LEN		BIT(1)
#define CDAT_MALFORMED		BIT(2)

/*
 * Every message cdat_read() and cdat_decode() write to their error stream
 * starts with this: they speak for msikit-doe, whose output tests match.
 */
#define CDAT_MSG_PREFIX		"msikit-doe: "

/* DOE payloads are little-endian on the wire, whatever the host order. */
static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

/* Growable byte buffer; @failed latches an allocation failure. */
struct cdat_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool failed;
};

int cdat_buf_reserve(struct cdat_buf *b, size_t cap);
int cdat_buf_append(struct cdat_buf *b, const void *data, size_t n);
void cdat_buf_free(struct cdat_buf *b);

/*
 * The mailbox cdat_read() talks to. @exchange runs one DOE exchange and
 * returns 0 or -errno, updating @x->rsp_len as MSIKIT_DOE_IOC_EXCHANGE
 * does (with the size needed on -EOVERFLOW, if it knows it). @hint, if
 * set, returns text appended to the message of a failed exchange, such as
 * why that errno can come from this transport.
 */
struct cdat_xfer {
	int (*exchange)(void *ctx, struct msikit_doe_exchange *x);
	const char *(*hint)(int err);
	void *ctx;
};

int cdat_read(const struct cdat_xfer *xf, const char *what, struct cdat_buf *table,
	      bool *inconsistent, FILE *errf);
unsigned int cdat_decode(const uint8_t *t, size_t len, FILE *out, FILE *errf);

/*
 * cdat_decode() to JSON (json.h): the table's members ("size", "length",
 * "length_valid", "revision", "checksum", "checksum_valid", "sequence",
 * "entries", "malformed") written into the object @j has open, so that
 * the caller can add its own. Same result, same messages on @errf.
 */
struct json;
unsigned int cdat_decode_json(const uint8_t *t, size_t len, struct json *j, FILE *errf);

#endif /* MSIKIT_TOOLS_CDAT_H */
