// SPDX-License-Identifier: GPL-2.0
/*
 * spdm-selftest: msikit-doe's SPDM requester (tools/spdm.c, spdm-crypto.c)
 * without a DOE mailbox.
 *
 *   spdm-selftest vectors
 *       the parsers against messages assembled by hand from DSP0274 1.2's
 *       tables (each field named where it is written), cut at every field
 *       boundary (the signatures are checked in socket mode, against the
 *       responder, which builds its transcripts on its own)
 *   spdm-selftest socket PORT CA-FILE [slot]
 *       the whole sequence against a responder on 127.0.0.1:PORT that
 *       speaks QEMU's spdm-socket framing (tests/doe/spdm-responder.py),
 *       then the verdict against CA-FILE; prints it, exits with it
 *
 * Output is TAP. Exit status: 0 all passed (vectors) or the spdm status
 * (socket), 1 failure, 2 usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "spdm.h"
#include "spdm-crypto.h"
#include "spdm-io.h"

/* ---- QEMU's spdm-socket framing, as the responder expects it ---- */

static int sock_all(int fd, void *p, size_t n, bool rd)
{
	uint8_t *b = p;

	while (n) {
		ssize_t k = rd ? read(fd, b, n) : write(fd, b, n);

		if (k <= 0)
			return -EIO;
		b += k;
		n -= k;
	}
	return 0;
}

static int sock_exchange(void *ctx, uint8_t *req, size_t req_len, uint8_t *rsp,
			 size_t *rsp_len)
{
	int fd = *(int *)ctx;
	size_t dws = 2 + (req_len + 3) / 4;
	uint8_t obj[8 + 4096] = { 0x01, 0x00, 0x01, 0x00 };
	uint32_t hdr[3], in[3], size;
	uint8_t buf[8 + 8192];

	if (req_len > 4096)
		return -EINVAL;
	obj[4] = dws;
	obj[5] = dws >> 8;
	memcpy(obj + 8, req, req_len);
	hdr[0] = htonl(1);
	hdr[1] = htonl(2);
	hdr[2] = htonl(dws * 4);
	if (sock_all(fd, hdr, sizeof(hdr), false) || sock_all(fd, obj, dws * 4, false) ||
	    sock_all(fd, in, sizeof(in), true))
		return -EIO;
	size = ntohl(in[2]);
	if (!size)
		return -ETIMEDOUT;	/* what the mailbox would do */
	if (size > sizeof(buf) || size < 8 || sock_all(fd, buf, size, true))
		return -EIO;
	if (size - 8 > *rsp_len)
		return -EOVERFLOW;
	*rsp_len = size - 8;
	memcpy(rsp, buf + 8, size - 8);
	return 0;
}

static int socket_mode(int port, const char *ca, unsigned int slot)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct spdm_report r = { .device = "socket", .mailbox = "-", .mode = "socket" };
	struct spdm_verdict v;
	struct spdm_ctx s;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		return 1;
	}
	spdm_init(&s, sock_exchange, &fd, slot);
	r.s = &s;
	r.status = spdm_collect(&s);
	if (r.status == SPDM_COLLECTED) {
		r.status = spdm_verify(&s, ca, true, &v);
		r.v = &v;
		if (r.status)
			snprintf(s.why, sizeof(s.why), "%s", v.chain_error);
	}
	spdm_print_text(stdout, &r);
	close(fd);
	spdm_free(&s);
	return r.status;
}

/* ---- vectors: each message assembled from DSP0274 1.2's tables ---- */

typedef int (*parse_fn)(struct spdm_ctx *s, const uint8_t *m, size_t len, size_t *used);

/* a fresh context as the sequence has it after ALGORITHMS (P-384, SHA-384) */
static void negotiated(struct spdm_ctx *s)
{
	memset(s, 0, sizeof(*s));
	s->version = 0x12;
	s->base_asym = SPDM_ASYM_ECDSA_P384;
	s->base_hash = SPDM_HASH_SHA384;
	s->hash_len = 48;
	s->sig_len = 96;
}

/* @m parses whole; cut short at every byte before @need, it does not */
static void cuts(const char *what, parse_fn fn, const uint8_t *m, size_t len, size_t need)
{
	struct spdm_ctx s;
	unsigned int bad = 0;
	size_t n, used;

	for (n = 0; n < need; n++) {
		negotiated(&s);
		if (fn(&s, m, n, &used) != -EBADMSG)
			bad++;
		spdm_free(&s);
	}
	tap_result(!bad, "%s cut at each of its %zu first bytes: refused each time (%u not)",
		   what, need, bad);
	(void)len;
}

static int p_version(struct spdm_ctx *s, const uint8_t *m, size_t len, size_t *used)
{
	*used = len;
	return spdm_parse_version(s, m, len);
}

static int p_caps(struct spdm_ctx *s, const uint8_t *m, size_t len, size_t *used)
{
	return spdm_parse_capabilities(s, m, len, used);
}

static int p_algs(struct spdm_ctx *s, const uint8_t *m, size_t len, size_t *used)
{
	return spdm_parse_algorithms(s, m, len, used);
}

static int p_digests(struct spdm_ctx *s, const uint8_t *m, size_t len, size_t *used)
{
	return spdm_parse_digests(s, m, len, used);
}

static int p_cert(struct spdm_ctx *s, const uint8_t *m, size_t len, size_t *used)
{
	uint16_t rem;

	return spdm_parse_certificate(s, m, len, 0, &rem, used);
}

static int p_auth(struct spdm_ctx *s, const uint8_t *m, size_t len, size_t *used)
{
	return spdm_parse_challenge_auth(s, m, len, used);
}

static int p_meas(struct spdm_ctx *s, const uint8_t *m, size_t len, size_t *used)
{
	return spdm_parse_measurements(s, m, len, used);
}

static void vectors(void)
{
	struct spdm_ctx s;
	size_t used, n;
	int rc;

	/* VERSION (Table "Successful VERSION response message format") */
	static const uint8_t version[] = {
		0x10, 0x04, 0x00, 0x00,	/* SPDMVersion 1.0, VERSION, Param1, Param2 */
		0x00,			/* Reserved */
		0x03,			/* VersionNumberEntryCount */
		0x00, 0x10,		/* entry: 1.0 (Major 15:12, Minor 11:8) */
		0x00, 0x11,		/* 1.1 */
		0x00, 0x12,		/* 1.2 */
	};
	negotiated(&s);
	s.version = 0;
	rc = spdm_parse_version(&s, version, sizeof(version));
	tap_result(!rc && s.version == 0x12 && s.nr_versions == 3,
		   "VERSION 1.0/1.1/1.2: 1.2 chosen, 3 entries (rc %d, %#x, %u)", rc,
	       s.version, s.nr_versions);
	cuts("VERSION", p_version, version, sizeof(version), 6);

	/* CAPABILITIES (Table "Successful CAPABILITIES response message format") */
	static const uint8_t caps[] = {
		0x12, 0x61, 0x00, 0x00,	/* SPDMVersion, CAPABILITIES, Param1, Param2 */
		0x00,			/* Reserved */
		0x0c,			/* CTExponent: 2^12 us */
		0x00, 0x00,		/* Reserved */
		0x16, 0x00, 0x00, 0x00,	/* Flags: CERT_CAP b1, CHAL_CAP b2, MEAS_CAP=10b b4:3 */
		0x00, 0x10, 0x00, 0x00,	/* DataTransferSize 4096 */
		0x00, 0x10, 0x00, 0x00,	/* MaxSPDMmsgSize 4096 */
	};
	negotiated(&s);
	rc = spdm_parse_capabilities(&s, caps, sizeof(caps), &used);
	tap_result(!rc && used == 20 && s.ct_exponent == 12 && s.rsp_flags == 0x16 &&
		   s.data_transfer_size == 4096 && s.max_msg_size == 4096,
	       "CAPABILITIES: 20 bytes, CTExponent 12, flags 0x16, sizes 4096");
	cuts("CAPABILITIES", p_caps, caps, sizeof(caps), 20);

	/* ALGORITHMS (Table "Successful ALGORITHMS response message format") */
	static const uint8_t algs[] = {
		0x12, 0x63, 0x00, 0x00,	/* SPDMVersion, ALGORITHMS, Param1: 0 AlgStructs */
		0x24, 0x00,		/* Length 36 */
		0x01,			/* MeasurementSpecificationSel: DMTF */
		0x00,			/* OtherParamsSelection */
		0x04, 0x00, 0x00, 0x00,	/* MeasurementHashAlgo: TPM_ALG_SHA_384 b2 */
		0x80, 0x00, 0x00, 0x00,	/* BaseAsymSel: TPM_ALG_ECDSA_ECC_NIST_P384 b7 */
		0x02, 0x00, 0x00, 0x00,	/* BaseHashSel: TPM_ALG_SHA_384 b1 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* Reserved */
		0x00, 0x00,		/* ExtAsymSelCount, ExtHashSelCount */
		0x00, 0x00,		/* Reserved */
	};
	negotiated(&s);
	rc = spdm_parse_algorithms(&s, algs, sizeof(algs), &used);
	tap_result(!rc && used == 36 && s.base_asym == SPDM_ASYM_ECDSA_P384 &&
		   s.base_hash == SPDM_HASH_SHA384 && s.meas_hash == SPDM_MEAS_SHA384 &&
	       s.hash_len == 48 && s.sig_len == 96,
	       "ALGORITHMS: P-384, SHA-384, measurements SHA-384, 48-byte hash, 96-byte signature");
	cuts("ALGORITHMS", p_algs, algs, sizeof(algs), 36);
	{
		uint8_t two[sizeof(algs)];

		memcpy(two, algs, sizeof(two));
		two[12] = 0x90;		/* P-256 and P-384 at once */
		negotiated(&s);
		tap_result(spdm_parse_algorithms(&s, two, sizeof(two), &used) == -EBADMSG,
			   "ALGORITHMS selecting two asymmetric algorithms: refused");
	}

	/* DIGESTS (Table "Successful DIGESTS response message format") */
	uint8_t digests[4 + 2 * 48] = {
		0x12, 0x01, 0x00,	/* SPDMVersion, DIGESTS, Param1 reserved */
		0x05,			/* Param2: slot mask, slots 0 and 2 */
	};
	memset(digests + 4, 0xa0, 48);		/* Digest[0] */
	memset(digests + 52, 0xa2, 48);		/* Digest[1]: slot 2's */
	negotiated(&s);
	rc = spdm_parse_digests(&s, digests, sizeof(digests), &used);
	tap_result(!rc && used == sizeof(digests) && s.digests[0][47] == 0xa0 &&
		   s.digests[2][0] == 0xa2 && s.slot_mask == 5,
	       "DIGESTS: slots 0 and 2, each its own digest");
	cuts("DIGESTS", p_digests, digests, sizeof(digests), sizeof(digests));

	/* CERTIFICATE (Table "Successful CERTIFICATE response message format") */
	uint8_t cert[8 + 16] = {
		0x12, 0x02, 0x00, 0x00,	/* SPDMVersion, CERTIFICATE, Param1 SlotID 0 */
		0x10, 0x00,		/* PortionLength 16 */
		0x20, 0x03,		/* RemainderLength 800 */
	};
	negotiated(&s);
	{
		uint16_t rem;

		rc = spdm_parse_certificate(&s, cert, sizeof(cert), 0, &rem, &used);
		tap_result(!rc && used == 24 && rem == 800 && s.chain.len == 16,
			   "CERTIFICATE: a portion of 16, 800 to come");
		spdm_free(&s);
		negotiated(&s);
		cert[2] = 1;
		rc = spdm_parse_certificate(&s, cert, sizeof(cert), 0, &rem, &used);
		tap_result(rc == -EBADMSG, "CERTIFICATE of another slot: refused");
		cert[2] = 0;
		spdm_free(&s);
	}
	cuts("CERTIFICATE", p_cert, cert, sizeof(cert), sizeof(cert));

	/* CHALLENGE_AUTH (Table "Successful CHALLENGE_AUTH response message format") */
	uint8_t auth[4 + 48 + 32 + 2 + 96];

	n = 0;
	auth[n++] = 0x12;			/* SPDMVersion */
	auth[n++] = 0x03;			/* CHALLENGE_AUTH */
	auth[n++] = 0x00;			/* Param1: slot 0 */
	auth[n++] = 0x01;			/* Param2: slot mask */
	memset(auth + n, 0xc1, 48);		/* CertChainHash */
	n += 48;
	memset(auth + n, 0x5e, 32);		/* Nonce */
	n += 32;
	/* no MeasurementSummaryHash: CHALLENGE asked for type 0 */
	auth[n++] = 0;				/* OpaqueDataLength */
	auth[n++] = 0;
	memset(auth + n, 0x99, 96);		/* Signature */
	negotiated(&s);
	rc = spdm_parse_challenge_auth(&s, auth, sizeof(auth), &used);
	tap_result(!rc && used == 86 && s.cert_chain_hash[0] == 0xc1 && s.rsp_nonce[31] == 0x5e &&
		   s.challenge_sig[95] == 0x99,
	       "CHALLENGE_AUTH: 86 bytes signed, then the 96-byte signature");
	cuts("CHALLENGE_AUTH", p_auth, auth, sizeof(auth), sizeof(auth));

	/* MEASUREMENTS (Table "Successful MEASUREMENTS response message format") */
	uint8_t meas[8 + 2 * (4 + 3 + 4) + 32 + 2 + 96];

	n = 0;
	meas[n++] = 0x12;			/* SPDMVersion */
	meas[n++] = 0x60;			/* MEASUREMENTS */
	meas[n++] = 0x00;			/* Param1 */
	meas[n++] = 0x00;			/* Param2: slot 0 */
	meas[n++] = 2;				/* NumberOfBlocks */
	meas[n++] = 22; meas[n++] = 0; meas[n++] = 0;	/* MeasurementRecordLength */
	/* two measurement blocks (Table "Measurement block format") */
	for (int b = 1; b <= 2; b++) {
		meas[n++] = b;			/* Index */
		meas[n++] = 0x01;		/* MeasurementSpecification: DMTF */
		meas[n++] = 7; meas[n++] = 0;	/* MeasurementSize */
		meas[n++] = b == 1 ? 0x00 : 0x86;	/* DMTFSpecMeasurementValueType */
		meas[n++] = 4; meas[n++] = 0;	/* DMTFSpecMeasurementValueSize */
		memset(meas + n, 0x30 + b, 4);	/* DMTFSpecMeasurementValue */
		n += 4;
	}
	memset(meas + n, 0x6e, 32);		/* Nonce */
	n += 32;
	meas[n++] = 0;				/* OpaqueDataLength */
	meas[n++] = 0;
	memset(meas + n, 0x77, 96);		/* Signature */
	negotiated(&s);
	rc = spdm_parse_measurements(&s, meas, sizeof(meas), &used);
	tap_result(!rc && used == sizeof(meas) - 96 && s.nr_blocks == 2 &&
		   s.blocks[1].index == 2 && s.blocks[1].type == 0x86 && s.blocks[1].size == 4 &&
		   s.blocks[1].value[3] == 0x32 && s.meas_rsp_nonce[0] == 0x6e &&
		   s.meas_sig[0] == 0x77,
		   "MEASUREMENTS: two DMTF blocks, the nonce, the signature");
	spdm_free(&s);
	cuts("MEASUREMENTS", p_meas, meas, sizeof(meas), sizeof(meas));
	meas[4] = 3;				/* one block more than the record holds */
	negotiated(&s);
	tap_result(spdm_parse_measurements(&s, meas, sizeof(meas), &used) == -EBADMSG,
		   "MEASUREMENTS claiming more blocks than its record holds: refused");
	spdm_free(&s);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "socket"))
		return socket_mode(atoi(argv[2]), argv[3], argc > 4 ? atoi(argv[4]) : 0);
	if (argc == 2 && !strcmp(argv[1], "vectors")) {
		vectors();
		printf("1..%d\n", tap_cases);
		return tap_failed ? 1 : 0;
	}
	fprintf(stderr, "usage: spdm-selftest vectors | socket PORT CA-FILE [slot]\n");
	return 2;
}
