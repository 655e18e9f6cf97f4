/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A read-only SPDM 1.2 requester (DMTF DSP0274) over CMA/SPDM (PCIe DOE
 * 0001:01): it learns a device's certificate chain and measurements and
 * has the device prove, by signing, that it holds the chain's key.
 *
 * Protocol only: the transport is a callback (msikit's character device,
 * a recorded dump, a test's responder), verification is spdm-crypto.c's.
 * The requester sends one fixed sequence, so that its transcripts cannot
 * depend on how a responder resets them: GET_VERSION, GET_CAPABILITIES,
 * NEGOTIATE_ALGORITHMS, GET_DIGESTS, GET_CERTIFICATE until the chain of
 * the slot is whole, CHALLENGE, and one signed GET_MEASUREMENTS of every
 * block. Every message enters a transcript at the length its fields give,
 * never the DOE object's (zero-padded to a dword).
 */
#ifndef MSIKIT_TOOLS_SPDM_H
#define MSIKIT_TOOLS_SPDM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef BIT
#define BIT(n)			(1U << (n))
#endif

#define SPDM_NONCE_LEN		32
#define SPDM_MAX_HASH		48	/* SHA-384 */
#define SPDM_MAX_SIG		96	/* ECDSA P-384, r || s */
#define SPDM_MAX_CHAIN		65535	/* its Length field is 16 bits */
#define SPDM_MAX_SLOTS		8
/* what the requester advertises it takes in one message, and offers */
#define SPDM_MSG_SIZE		4096
#define SPDM_CERT_PORTION	1024

/* BaseAsymAlgo, BaseHashAlgo and MeasurementHashAlgo bits (DSP0274 1.2) */
#define SPDM_ASYM_ECDSA_P256	BIT(4)
#define SPDM_ASYM_ECDSA_P384	BIT(7)
#define SPDM_HASH_SHA256	BIT(0)
#define SPDM_HASH_SHA384	BIT(1)
#define SPDM_MEAS_RAW		BIT(0)
#define SPDM_MEAS_SHA256	BIT(1)
#define SPDM_MEAS_SHA384	BIT(2)

/* how a run ends: msikit-doe's exit codes for spdm (its man page) */
enum spdm_status {
	SPDM_VERIFIED = 0,	/* chain anchored, both signatures valid */
	SPDM_RUNTIME = 1,	/* the requester itself failed */
	SPDM_NOT_VERIFIED = 3,	/* chain, hash or signature does not hold */
	SPDM_REFUSED = 4,	/* the kernel's policy refused a request */
	SPDM_BUSY = 5,		/* another requester or the TSM holds it */
	SPDM_DEVICE = 6,	/* the device failed, erred or spoke wrongly */
	SPDM_NO_DEVICE = 7,	/* no such mailbox, or no CMA/SPDM on it */
	SPDM_COLLECTED = 8,	/* internal: evidence read, not judged yet */
};

/*
 * One request out, its response in. @req may be replaced by the request a
 * recording made (same length): the transcript takes what the callback
 * leaves there. *@rsp_len: the buffer's size in, the response's out.
 * Returns 0 or a negative errno.
 */
typedef int (*spdm_exchange_fn)(void *ctx, uint8_t *req, size_t req_len,
				uint8_t *rsp, size_t *rsp_len);

struct spdm_bytes {
	uint8_t *p;
	size_t len, cap;
};

struct spdm_block {
	uint8_t index;
	uint8_t spec;		/* MeasurementSpecification: 1 = DMTF */
	uint8_t type;		/* DMTFSpecMeasurementValueType */
	uint16_t size;
	const uint8_t *value;	/* into spdm_ctx.record */
};

struct spdm_ctx {
	spdm_exchange_fn exchange;
	void *xctx;
	unsigned int slot;
	/* requester nonces: random unless the caller sets them */
	uint8_t nonce[SPDM_NONCE_LEN], meas_nonce[SPDM_NONCE_LEN];

	/* negotiated */
	uint8_t version;	/* 0x12 */
	uint8_t versions[16];	/* the responder's VERSION entries, major.minor */
	unsigned int nr_versions;
	uint8_t ct_exponent;
	uint32_t rsp_flags, data_transfer_size, max_msg_size;
	uint8_t meas_spec;
	uint32_t base_asym, base_hash, meas_hash;
	size_t hash_len, sig_len;

	/* evidence */
	uint8_t slot_mask;
	uint8_t digests[SPDM_MAX_SLOTS][SPDM_MAX_HASH];
	struct spdm_bytes chain;	/* the slot's, header included */
	uint8_t cert_chain_hash[SPDM_MAX_HASH];
	uint8_t rsp_nonce[SPDM_NONCE_LEN];
	uint8_t challenge_sig[SPDM_MAX_SIG];
	uint8_t meas_rsp_nonce[SPDM_NONCE_LEN];
	uint8_t meas_sig[SPDM_MAX_SIG];
	struct spdm_bytes record;
	struct spdm_block blocks[255];
	unsigned int nr_blocks;
	unsigned int not_ready;	/* ResponseNotReady answers waited out */

	/* transcripts: A (VCA), B (digests, certificates), C, L */
	struct spdm_bytes a, b, c, l;

	/* why the run stopped, for a human */
	char why[256];
};

void spdm_init(struct spdm_ctx *s, spdm_exchange_fn exchange, void *xctx,
	       unsigned int slot);
void spdm_free(struct spdm_ctx *s);
/* the sequence; SPDM_COLLECTED when all evidence is in, else why not */
enum spdm_status spdm_collect(struct spdm_ctx *s);

/* the transcript a signature covers (1.2): M1 = A B C, L1 = A L */
int spdm_transcript_m1(const struct spdm_ctx *s, struct spdm_bytes *out);
int spdm_transcript_l1(const struct spdm_ctx *s, struct spdm_bytes *out);

/* the certificates in the chain (after its 4 + H byte header) */
const uint8_t *spdm_chain_certs(const struct spdm_ctx *s, size_t *len);

const char *spdm_asym_name(uint32_t asym);
const char *spdm_hash_name(uint32_t hash);
const char *spdm_value_type_name(uint8_t type);
/* "CERT_CAP CHAL_CAP ..." into @buf */
void spdm_cap_names(uint32_t flags, char *buf, size_t sz);

int spdm_bytes_add(struct spdm_bytes *b, const void *p, size_t len);
void spdm_bytes_free(struct spdm_bytes *b);

/* parsers, public for the unit tests: 0 or -EBADMSG, why in @s->why */
int spdm_parse_version(struct spdm_ctx *s, const uint8_t *m, size_t len);
int spdm_parse_capabilities(struct spdm_ctx *s, const uint8_t *m, size_t len,
			    size_t *used);
int spdm_parse_algorithms(struct spdm_ctx *s, const uint8_t *m, size_t len,
			  size_t *used);
int spdm_parse_digests(struct spdm_ctx *s, const uint8_t *m, size_t len,
		       size_t *used);
int spdm_parse_certificate(struct spdm_ctx *s, const uint8_t *m, size_t len,
			   uint16_t offset, uint16_t *remainder, size_t *used);
int spdm_parse_challenge_auth(struct spdm_ctx *s, const uint8_t *m, size_t len,
			      size_t *signed_len);
int spdm_parse_measurements(struct spdm_ctx *s, const uint8_t *m, size_t len,
			    size_t *signed_len);

#endif /* MSIKIT_TOOLS_SPDM_H */
