// SPDX-License-Identifier: GPL-2.0
/*
 * A read-only SPDM 1.2 requester, see spdm.h. Field names and offsets are
 * DSP0274 1.2's; every length a response carries is checked against what
 * arrived before it is used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "spdm.h"

#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* request and response codes */
#define GET_DIGESTS		0x81
#define GET_CERTIFICATE		0x82
#define CHALLENGE		0x83
#define GET_VERSION		0x84
#define GET_MEASUREMENTS	0xe0
#define GET_CAPABILITIES	0xe1
#define NEGOTIATE_ALGORITHMS	0xe3
#define RESPOND_IF_READY	0xff
#define DIGESTS			0x01
#define CERTIFICATE		0x02
#define CHALLENGE_AUTH		0x03
#define VERSION			0x04
#define MEASUREMENTS		0x60
#define CAPABILITIES		0x61
#define ALGORITHMS		0x63
#define ERROR			0x7f

#define ERR_RESPONSE_NOT_READY	0x42
/* ResponseNotReady is waited out this often at most, per request */
#define MAX_NOT_READY		8
/* and for at most this long each time */
#define MAX_RDT_US		BIT(20)

#define SPDM_V10		0x10
#define SPDM_V12		0x12

/* what NEGOTIATE_ALGORITHMS offers */
#define OFFERED_ASYM		(SPDM_ASYM_ECDSA_P256 | SPDM_ASYM_ECDSA_P384)
#define OFFERED_HASH		(SPDM_HASH_SHA256 | SPDM_HASH_SHA384)

/* GET_MEASUREMENTS: signature requested, every block */
#define MEAS_ATTR_SIGNED	0x01
#define MEAS_OP_ALL		0xff

/* the largest response the requester takes: it said SPDM_MSG_SIZE */
#define RSP_BUF			(SPDM_MSG_SIZE + 16)

static uint16_t le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t le24(const uint8_t *p)
{
	return p[0] | p[1] << 8 | (uint32_t)p[2] << 16;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static int __printf(2, 3) why(struct spdm_ctx *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof(s->why), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

int spdm_bytes_add(struct spdm_bytes *b, const void *p, size_t len)
{
	if (!len)
		return 0;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		uint8_t *n;

		while (cap < b->len + len)
			cap *= 2;
		n = realloc(b->p, cap);
		if (!n)
			return -ENOMEM;
		b->p = n;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	return 0;
}

void spdm_bytes_free(struct spdm_bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void spdm_init(struct spdm_ctx *s, spdm_exchange_fn exchange, void *xctx,
	       unsigned int slot)
{
	memset(s, 0, sizeof(*s));
	s->exchange = exchange;
	s->xctx = xctx;
	s->slot = slot;
	if (getrandom(s->nonce, sizeof(s->nonce), 0) != sizeof(s->nonce) ||
	    getrandom(s->meas_nonce, sizeof(s->meas_nonce), 0) != sizeof(s->meas_nonce))
		abort();	/* getrandom() of 32 bytes blocks, never fails short */
}

void spdm_free(struct spdm_ctx *s)
{
	spdm_bytes_free(&s->chain);
	spdm_bytes_free(&s->record);
	spdm_bytes_free(&s->a);
	spdm_bytes_free(&s->b);
	spdm_bytes_free(&s->c);
	spdm_bytes_free(&s->l);
}

const char *spdm_asym_name(uint32_t asym)
{
	switch (asym) {
	case SPDM_ASYM_ECDSA_P256:
		return "ecdsa_p256";
	case SPDM_ASYM_ECDSA_P384:
		return "ecdsa_p384";
	}
	return "unknown";
}

const char *spdm_hash_name(uint32_t hash)
{
	switch (hash) {
	case SPDM_HASH_SHA256:
		return "sha256";
	case SPDM_HASH_SHA384:
		return "sha384";
	}
	return "unknown";
}

const char *spdm_value_type_name(uint8_t type)
{
	static const char *const names[] = {
		"immutable_rom", "mutable_firmware", "hardware_config",
		"firmware_config", "manifest", "device_mode", "firmware_version",
		"security_version",
	};

	type &= 0x7f;
	return type < ARRAY_SIZE(names) ? names[type] : "other";
}

void spdm_cap_names(uint32_t flags, char *buf, size_t sz)
{
	static const char *const names[] = {
		"CACHE_CAP", "CERT_CAP", "CHAL_CAP", NULL, NULL, "MEAS_FRESH_CAP",
		"ENCRYPT_CAP", "MAC_CAP", "MUT_AUTH_CAP", "KEY_EX_CAP", NULL, NULL,
		"ENCAP_CAP", "HBEAT_CAP", "KEY_UPD_CAP", "HANDSHAKE_IN_THE_CLEAR_CAP",
		"PUB_KEY_ID_CAP", "CHUNK_CAP", "ALIAS_CERT_CAP", "SET_CERT_CAP",
		"CSR_CAP", "CERT_INSTALL_RESET_CAP",
	};
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	/* MEAS_CAP is two bits: 1 without signatures, 2 with them */
	if ((flags >> 3 & 3) == 1)
		n += snprintf(buf + n, sz - n, "MEAS_CAP_NO_SIG ");
	else if ((flags >> 3 & 3) == 2)
		n += snprintf(buf + n, sz - n, "MEAS_CAP_SIG ");
	/* PSK_CAP likewise */
	if ((flags >> 10 & 3) && n < sz)
		n += snprintf(buf + n, sz - n, "PSK_CAP ");
	for (i = 0; i < ARRAY_SIZE(names) && n < sz; i++)
		if (names[i] && flags & (1U << i))
			n += snprintf(buf + n, sz - n, "%s ", names[i]);
	if (n && n <= sz)
		buf[n - 1] = '\0';
}

static size_t hash_len(uint32_t hash)
{
	return hash == SPDM_HASH_SHA384 ? 48 : hash == SPDM_HASH_SHA256 ? 32 : 0;
}

static size_t sig_len(uint32_t asym)
{
	return asym == SPDM_ASYM_ECDSA_P384 ? 96 : asym == SPDM_ASYM_ECDSA_P256 ? 64 : 0;
}

static bool one_bit(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* what an errno from the transport says about the run */
static enum spdm_status errno_status(int e)
{
	switch (e) {
	case EPERM:
	case EACCES:
		return SPDM_REFUSED;
	case EBUSY:
		return SPDM_BUSY;
	case ENODEV:
	case ENXIO:
	case ENOENT:
	case EOPNOTSUPP:
		return SPDM_NO_DEVICE;
	case EPROTO:	/* the claim lapsed and another requester took it */
		return SPDM_BUSY;
	case ETIMEDOUT:
	case EIO:
	case EOVERFLOW:
		return SPDM_DEVICE;
	}
	return SPDM_RUNTIME;
}

static const char *code_name(uint8_t code)
{
	switch (code) {
	case GET_VERSION:
		return "GET_VERSION";
	case GET_CAPABILITIES:
		return "GET_CAPABILITIES";
	case NEGOTIATE_ALGORITHMS:
		return "NEGOTIATE_ALGORITHMS";
	case GET_DIGESTS:
		return "GET_DIGESTS";
	case GET_CERTIFICATE:
		return "GET_CERTIFICATE";
	case CHALLENGE:
		return "CHALLENGE";
	case GET_MEASUREMENTS:
		return "GET_MEASUREMENTS";
	case RESPOND_IF_READY:
		return "RESPOND_IF_READY";
	}
	return "request";
}

static void sleep_us(unsigned long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * One request, its response checked for the version and the code it
 * must carry. A ResponseNotReady is waited out with RESPOND_IF_READY, and
 * only the request and the final response count (the caller adds them to
 * its transcript). Returns 0 with *@len the response's received length,
 * or the status the run ends with.
 */
static int ask(struct spdm_ctx *s, uint8_t *req, size_t req_len,
	       uint8_t *rsp, size_t *len, uint8_t want)
{
	uint8_t rir[4], code = req[1];
	unsigned int tries = 0;
	uint8_t *out = req;
	size_t out_len = req_len;
	int rc;

	for (;;) {
		*len = RSP_BUF;
		rc = s->exchange(s->xctx, out, out_len, rsp, len);
		if (rc) {
			why(s, "%s: %s", code_name(code), strerror(-rc));
			return errno_status(-rc);
		}
		if (*len < 4) {
			why(s, "%s: a response of %zu bytes", code_name(code), *len);
			return SPDM_DEVICE;
		}
		if (rsp[0] != (code == GET_VERSION ? SPDM_V10 : s->version)) {
			why(s, "%s: the response is SPDM %u.%u, not %u.%u", code_name(code),
			    rsp[0] >> 4, rsp[0] & 15, s->version >> 4, s->version & 15);
			return SPDM_DEVICE;
		}
		if (rsp[1] == want)
			return 0;
		if (rsp[1] != ERROR) {
			why(s, "%s: response code %#04x, not %#04x", code_name(code),
			    rsp[1], want);
			return SPDM_DEVICE;
		}
		if (rsp[2] != ERR_RESPONSE_NOT_READY) {
			why(s, "%s: the device answered ERROR 0x%02x (data 0x%02x)",
			    code_name(code), rsp[2], rsp[3]);
			return SPDM_DEVICE;
		}
		/* ExtendedErrorData: RDTExponent, RequestCode, Token, RDTM */
		if (*len < 8 || rsp[5] != code || ++tries > MAX_NOT_READY) {
			why(s, "%s: ResponseNotReady %s", code_name(code),
			    *len < 8 ? "without its data" : rsp[5] != code ?
			    "naming another request code" : "once too often");
			return SPDM_DEVICE;
		}
		s->not_ready++;
		sleep_us(rsp[4] < 20 ? 1UL << rsp[4] : MAX_RDT_US);
		rir[0] = s->version;
		rir[1] = RESPOND_IF_READY;
		rir[2] = code;
		rir[3] = rsp[6];
		out = rir;
		out_len = sizeof(rir);
	}
}

/* a request and its response into @t, each at the length its fields give */
static int transcript_pair(struct spdm_bytes *t, const uint8_t *req, size_t req_len,
			   const uint8_t *rsp, size_t rsp_len)
{
	return spdm_bytes_add(t, req, req_len) ?: spdm_bytes_add(t, rsp, rsp_len);
}

int spdm_parse_version(struct spdm_ctx *s, const uint8_t *m, size_t len)
{
	unsigned int i, n;

	if (len < 6)
		return why(s, "VERSION: %zu bytes", len);
	n = m[5];
	if (len < 6 + 2 * (size_t)n)
		return why(s, "VERSION: %u entries in %zu bytes", n, len);
	s->version = 0;
	s->nr_versions = 0;
	for (i = 0; i < n; i++) {
		/* bits 15:12 major, 11:8 minor */
		uint8_t v = le16(m + 6 + 2 * i) >> 8;

		if (s->nr_versions < sizeof(s->versions))
			s->versions[s->nr_versions++] = v;
		if (v == SPDM_V12)
			s->version = v;
	}
	return 0;
}

int spdm_parse_capabilities(struct spdm_ctx *s, const uint8_t *m, size_t len,
			    size_t *used)
{
	if (len < 20)
		return why(s, "CAPABILITIES: %zu bytes, 1.2 has 20", len);
	s->ct_exponent = m[5];
	s->rsp_flags = le32(m + 8);
	s->data_transfer_size = le32(m + 12);
	s->max_msg_size = le32(m + 16);
	*used = 20;
	if (!(s->rsp_flags & (1U << 1)) || !(s->rsp_flags & (1U << 2)))
		return why(s, "CAPABILITIES: the device offers no %s",
			   s->rsp_flags & (1U << 1) ? "CHALLENGE (CHAL_CAP)" :
			   "certificates (CERT_CAP)");
	if ((s->rsp_flags >> 3 & 3) != 2)
		return why(s, "CAPABILITIES: no signed measurements (MEAS_CAP %u)",
			   s->rsp_flags >> 3 & 3);
	return 0;
}

int spdm_parse_algorithms(struct spdm_ctx *s, const uint8_t *m, size_t len,
			  size_t *used)
{
	size_t length;

	if (len < 36)
		return why(s, "ALGORITHMS: %zu bytes, 1.2 has 36 at least", len);
	length = le16(m + 4);
	if (length < 36 || length > len)
		return why(s, "ALGORITHMS: Length %zu in %zu bytes", length, len);
	s->meas_spec = m[6];
	s->meas_hash = le32(m + 8);
	s->base_asym = le32(m + 12);
	s->base_hash = le32(m + 16);
	*used = length;
	if (m[32] || m[33])
		return why(s, "ALGORITHMS: extended algorithms selected, none offered");
	if (!one_bit(s->base_asym) || !(s->base_asym & OFFERED_ASYM))
		return why(s, "ALGORITHMS: BaseAsymSel %#x, not one offered", s->base_asym);
	if (!one_bit(s->base_hash) || !(s->base_hash & OFFERED_HASH))
		return why(s, "ALGORITHMS: BaseHashSel %#x, not one offered", s->base_hash);
	if (s->meas_spec != 0x01)
		return why(s, "ALGORITHMS: MeasurementSpecificationSel %#x, not DMTF",
			   s->meas_spec);
	if (!one_bit(s->meas_hash))
		return why(s, "ALGORITHMS: MeasurementHashAlgo %#x, not one algorithm",
			   s->meas_hash);
	s->hash_len = hash_len(s->base_hash);
	s->sig_len = sig_len(s->base_asym);
	return 0;
}

int spdm_parse_digests(struct spdm_ctx *s, const uint8_t *m, size_t len,
		       size_t *used)
{
	unsigned int i, n = 0;

	if (len < 4)
		return why(s, "DIGESTS: %zu bytes", len);
	s->slot_mask = m[3];
	for (i = 0; i < SPDM_MAX_SLOTS; i++) {
		if (!(s->slot_mask & (1U << i)))
			continue;
		if (len < 4 + (n + 1) * s->hash_len)
			return why(s, "DIGESTS: slot mask %#04x in %zu bytes", s->slot_mask, len);
		memcpy(s->digests[i], m + 4 + n * s->hash_len, s->hash_len);
		n++;
	}
	*used = 4 + n * s->hash_len;
	if (!(s->slot_mask & (1U << s->slot)))
		return why(s, "DIGESTS: no certificate chain in slot %u (slot mask %#04x)",
			   s->slot, s->slot_mask);
	return 0;
}

int spdm_parse_certificate(struct spdm_ctx *s, const uint8_t *m, size_t len,
			   uint16_t offset, uint16_t *remainder, size_t *used)
{
	size_t portion;

	if (len < 8)
		return why(s, "CERTIFICATE: %zu bytes", len);
	if ((m[2] & 0xf) != s->slot)
		return why(s, "CERTIFICATE: slot %u, not %u", m[2] & 0xf, s->slot);
	portion = le16(m + 4);
	*remainder = le16(m + 6);
	if (portion > SPDM_CERT_PORTION || 8 + portion > len)
		return why(s, "CERTIFICATE: PortionLength %zu in %zu bytes (asked %u)",
			   portion, len, SPDM_CERT_PORTION);
	if (!portion && *remainder)
		return why(s, "CERTIFICATE: an empty portion with %u bytes to come", *remainder);
	if ((size_t)offset + portion + *remainder > SPDM_MAX_CHAIN)
		return why(s, "CERTIFICATE: a chain of %zu bytes",
			   (size_t)offset + portion + *remainder);
	*used = 8 + portion;
	return spdm_bytes_add(&s->chain, m + 8, portion) ? why(s, "out of memory") : 0;
}

int spdm_parse_challenge_auth(struct spdm_ctx *s, const uint8_t *m, size_t len,
			      size_t *signed_len)
{
	size_t h = s->hash_len, n, opaque;

	/* CertChainHash, Nonce, no MeasurementSummaryHash (type 0 asked) */
	n = 4 + h + SPDM_NONCE_LEN;
	if (len < n + 2)
		return why(s, "CHALLENGE_AUTH: %zu bytes", len);
	if ((m[2] & 0xf) != s->slot)
		return why(s, "CHALLENGE_AUTH: slot %u, not %u", m[2] & 0xf, s->slot);
	memcpy(s->cert_chain_hash, m + 4, h);
	memcpy(s->rsp_nonce, m + 4 + h, SPDM_NONCE_LEN);
	opaque = le16(m + n);
	n += 2 + opaque;
	if (opaque > 1024 || len < n + s->sig_len)
		return why(s, "CHALLENGE_AUTH: OpaqueDataLength %zu in %zu bytes", opaque, len);
	memcpy(s->challenge_sig, m + n, s->sig_len);
	*signed_len = n;
	return 0;
}

static int parse_blocks(struct spdm_ctx *s, const uint8_t *rec, size_t len,
			unsigned int nr)
{
	size_t off = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct spdm_block *b = &s->blocks[i];
		size_t size;

		if (off + 4 > len)
			return why(s, "MEASUREMENTS: block %u of %u past the record", i + 1, nr);
		b->index = rec[off];
		b->spec = rec[off + 1];
		size = le16(rec + off + 2);
		if (off + 4 + size > len)
			return why(s, "MEASUREMENTS: block %u's %zu bytes past the record",
				   b->index, size);
		if (b->spec != 0x01 || size < 3 || (size_t)le16(rec + off + 5) + 3 != size)
			return why(s, "MEASUREMENTS: block %u is no DMTF measurement of %zu bytes",
				   b->index, size);
		b->type = rec[off + 4];
		b->size = size - 3;
		b->value = NULL;	/* set once the record is copied */
		off += 4 + size;
	}
	if (off != len)
		return why(s, "MEASUREMENTS: %zu bytes after %u blocks", len - off, nr);
	s->nr_blocks = nr;
	return 0;
}

int spdm_parse_measurements(struct spdm_ctx *s, const uint8_t *m, size_t len,
			    size_t *signed_len)
{
	size_t rec_len, n, opaque, off;
	unsigned int i;

	if (len < 8)
		return why(s, "MEASUREMENTS: %zu bytes", len);
	rec_len = le24(m + 5);
	n = 8 + rec_len;
	if (len < n + SPDM_NONCE_LEN + 2)
		return why(s, "MEASUREMENTS: MeasurementRecordLength %zu in %zu bytes",
			   rec_len, len);
	if (parse_blocks(s, m + 8, rec_len, m[4]))
		return -EBADMSG;
	s->record.len = 0;
	if (spdm_bytes_add(&s->record, m + 8, rec_len))
		return why(s, "out of memory");
	for (i = 0, off = 0; i < s->nr_blocks; i++) {
		s->blocks[i].value = s->record.p + off + 7;
		off += 4 + 3 + s->blocks[i].size;
	}
	memcpy(s->meas_rsp_nonce, m + n, SPDM_NONCE_LEN);
	n += SPDM_NONCE_LEN;
	opaque = le16(m + n);
	n += 2 + opaque;
	if (opaque > 1024 || len < n + s->sig_len)
		return why(s, "MEASUREMENTS: OpaqueDataLength %zu in %zu bytes", opaque, len);
	memcpy(s->meas_sig, m + n, s->sig_len);
	*signed_len = n;
	return 0;
}

static enum spdm_status vca(struct spdm_ctx *s, uint8_t *rsp)
{
	uint8_t req[32] = { SPDM_V10, GET_VERSION };
	size_t len, used;
	char list[64] = "";
	unsigned int i;
	int rc;

	rc = ask(s, req, 4, rsp, &len, VERSION);
	if (rc)
		return rc;
	if (spdm_parse_version(s, rsp, len))
		return SPDM_DEVICE;
	if (!s->version) {
		for (i = 0; i < s->nr_versions; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), " %u.%u",
				 s->versions[i] >> 4, s->versions[i] & 15);
		why(s, "no common SPDM version: the device offers%s, msikit-doe speaks 1.2",
		    list[0] ? list : " none");
		return SPDM_DEVICE;
	}
	if (transcript_pair(&s->a, req, 4, rsp, 6 + 2 * (size_t)rsp[5]))
		return SPDM_RUNTIME;

	/* no requester capabilities: it only reads */
	memset(req, 0, sizeof(req));
	req[0] = s->version;
	req[1] = GET_CAPABILITIES;
	put32(req + 12, SPDM_MSG_SIZE);		/* DataTransferSize */
	put32(req + 16, SPDM_MSG_SIZE);		/* MaxSPDMmsgSize */
	rc = ask(s, req, 20, rsp, &len, CAPABILITIES);
	if (rc)
		return rc;
	if (spdm_parse_capabilities(s, rsp, len, &used))
		return SPDM_DEVICE;
	if (transcript_pair(&s->a, req, 20, rsp, used))
		return SPDM_RUNTIME;

	memset(req, 0, sizeof(req));
	req[0] = s->version;
	req[1] = NEGOTIATE_ALGORITHMS;
	put16(req + 4, 32);			/* Length, no AlgStructs */
	req[6] = 0x01;				/* MeasurementSpecification: DMTF */
	put32(req + 8, OFFERED_ASYM);
	put32(req + 12, OFFERED_HASH);
	rc = ask(s, req, 32, rsp, &len, ALGORITHMS);
	if (rc)
		return rc;
	if (spdm_parse_algorithms(s, rsp, len, &used))
		return SPDM_DEVICE;
	if (transcript_pair(&s->a, req, 32, rsp, used))
		return SPDM_RUNTIME;
	return 0;
}

static enum spdm_status certificates(struct spdm_ctx *s, uint8_t *rsp)
{
	uint8_t req[8] = { s->version, GET_DIGESTS };
	uint16_t offset = 0, remainder;
	size_t len, used, total = 0;
	unsigned int rounds = 0;
	int rc;

	rc = ask(s, req, 4, rsp, &len, DIGESTS);
	if (rc)
		return rc;
	if (spdm_parse_digests(s, rsp, len, &used))
		return SPDM_DEVICE;
	if (transcript_pair(&s->b, req, 4, rsp, used))
		return SPDM_RUNTIME;

	do {
		req[0] = s->version;
		req[1] = GET_CERTIFICATE;
		req[2] = s->slot;
		req[3] = 0;
		put16(req + 4, offset);
		put16(req + 6, SPDM_CERT_PORTION);
		rc = ask(s, req, 8, rsp, &len, CERTIFICATE);
		if (rc)
			return rc;
		if (spdm_parse_certificate(s, rsp, len, offset, &remainder, &used))
			return SPDM_DEVICE;
		if (transcript_pair(&s->b, req, 8, rsp, used))
			return SPDM_RUNTIME;
		/* offset, portion and remainder must add up the same each time */
		if (!total)
			total = s->chain.len + remainder;
		if (s->chain.len + remainder != total) {
			why(s, "CERTIFICATE: the chain was %zu bytes, now %zu", total,
			    s->chain.len + remainder);
			return SPDM_DEVICE;
		}
		offset = s->chain.len;
		if (++rounds > SPDM_MAX_CHAIN / 8) {
			why(s, "CERTIFICATE: no end after %u portions", rounds);
			return SPDM_DEVICE;
		}
	} while (remainder);

	if (s->chain.len < 4 + s->hash_len || le16(s->chain.p) != s->chain.len) {
		why(s, "certificate chain: Length %u, %zu bytes delivered",
		    s->chain.len >= 2 ? le16(s->chain.p) : 0, s->chain.len);
		return SPDM_DEVICE;
	}
	return 0;
}

static enum spdm_status challenge(struct spdm_ctx *s, uint8_t *rsp)
{
	uint8_t req[4 + SPDM_NONCE_LEN] = { s->version, CHALLENGE, s->slot, 0 };
	size_t len, signed_len;
	int rc;

	memcpy(req + 4, s->nonce, SPDM_NONCE_LEN);
	rc = ask(s, req, sizeof(req), rsp, &len, CHALLENGE_AUTH);
	if (rc)
		return rc;
	/* a recording's request may have replaced ours: its nonce counts */
	memcpy(s->nonce, req + 4, SPDM_NONCE_LEN);
	if (spdm_parse_challenge_auth(s, rsp, len, &signed_len))
		return SPDM_DEVICE;
	if (transcript_pair(&s->c, req, sizeof(req), rsp, signed_len))
		return SPDM_RUNTIME;
	return 0;
}

static enum spdm_status measurements(struct spdm_ctx *s, uint8_t *rsp)
{
	uint8_t req[4 + SPDM_NONCE_LEN + 1] = {
		s->version, GET_MEASUREMENTS, MEAS_ATTR_SIGNED, MEAS_OP_ALL
	};
	size_t len, signed_len;
	int rc;

	memcpy(req + 4, s->meas_nonce, SPDM_NONCE_LEN);
	req[4 + SPDM_NONCE_LEN] = s->slot;	/* SlotIDParam */
	rc = ask(s, req, sizeof(req), rsp, &len, MEASUREMENTS);
	if (rc)
		return rc;
	memcpy(s->meas_nonce, req + 4, SPDM_NONCE_LEN);
	if (spdm_parse_measurements(s, rsp, len, &signed_len))
		return SPDM_DEVICE;
	if (transcript_pair(&s->l, req, sizeof(req), rsp, signed_len))
		return SPDM_RUNTIME;
	return 0;
}

enum spdm_status spdm_collect(struct spdm_ctx *s)
{
	uint8_t *rsp = malloc(RSP_BUF);
	int rc;

	if (!rsp)
		return SPDM_RUNTIME;
	if (s->slot >= SPDM_MAX_SLOTS) {
		why(s, "slot %u: SPDM has slots 0 to 7", s->slot);
		free(rsp);
		return SPDM_RUNTIME;
	}
	rc = vca(s, rsp) ?: certificates(s, rsp) ?: challenge(s, rsp) ?:
	     measurements(s, rsp);
	free(rsp);
	return rc ? rc : SPDM_COLLECTED;
}

int spdm_transcript_m1(const struct spdm_ctx *s, struct spdm_bytes *out)
{
	out->len = 0;
	return spdm_bytes_add(out, s->a.p, s->a.len) ?:
	       spdm_bytes_add(out, s->b.p, s->b.len) ?:
	       spdm_bytes_add(out, s->c.p, s->c.len);
}

int spdm_transcript_l1(const struct spdm_ctx *s, struct spdm_bytes *out)
{
	out->len = 0;
	return spdm_bytes_add(out, s->a.p, s->a.len) ?:
	       spdm_bytes_add(out, s->l.p, s->l.len);
}

const uint8_t *spdm_chain_certs(const struct spdm_ctx *s, size_t *len)
{
	size_t hdr = 4 + s->hash_len;

	if (s->chain.len <= hdr) {
		*len = 0;
		return NULL;
	}
	*len = s->chain.len - hdr;
	return s->chain.p + hdr;
}
