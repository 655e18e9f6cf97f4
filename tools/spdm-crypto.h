/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Judging SPDM evidence with OpenSSL's libcrypto: the certificate chain
 * against a root of trust the user names, the chain against the digests
 * and hashes the device sent, and both signatures over their transcripts.
 * Who to trust is the user's call: without a root, nothing is verified.
 */
#ifndef MSIKIT_TOOLS_SPDM_CRYPTO_H
#define MSIKIT_TOOLS_SPDM_CRYPTO_H

#include "spdm.h"

#define SPDM_MAX_CERTS	16

struct spdm_cert_info {
	char subject[256];
	char issuer[256];
	char not_after[32];
	uint8_t sha256[32];
	const uint8_t *der;	/* into the chain */
	size_t der_len;
};

struct spdm_verdict {
	unsigned int nr_certs;
	struct spdm_cert_info certs[SPDM_MAX_CERTS];
	bool root_hash_ok;	/* RootHash = H(the first certificate) */
	bool digest_ok;		/* DIGESTS[slot] = H(the chain) */
	bool chain_hash_ok;	/* CHALLENGE_AUTH's CertChainHash = H(chain) */
	bool leaf_ok;		/* the last certificate: not a CA, the curve negotiated */
	bool chain_ok;		/* anchored in the root of trust */
	bool challenge_ok;	/* CHALLENGE_AUTH's signature over M1 */
	bool measurements_ok;	/* MEASUREMENTS' signature over L1 */
	char chain_error[160];	/* why chain_ok (or leaf_ok) is false */
	uint8_t m1_hash[SPDM_MAX_HASH], l1_hash[SPDM_MAX_HASH];
};

/*
 * Fills @v; @ca: a PEM file of trusted roots, NULL for none (the chain is
 * then not anchored). Returns SPDM_VERIFIED, SPDM_NOT_VERIFIED or
 * SPDM_RUNTIME; what failed is in @v.
 */
enum spdm_status spdm_verify(const struct spdm_ctx *s, const char *ca,
			     bool check_time, struct spdm_verdict *v);

#endif /* MSIKIT_TOOLS_SPDM_CRYPTO_H */
