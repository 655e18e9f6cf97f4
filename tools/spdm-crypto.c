// SPDX-License-Identifier: GPL-2.0
/*
 * SPDM evidence judged with OpenSSL 3's libcrypto, see spdm-crypto.h.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "spdm-crypto.h"

/* DSP0274 1.2, "Signature generation": the prefix, then the context */
#define PREFIX_VERSION		"dmtf-spdm-v1.2.*"
#define PREFIX_LEN		64
#define CONTEXT_LEN		36
#define CTX_CHALLENGE		"responder-challenge_auth signing"
#define CTX_MEASUREMENTS	"responder-measurements signing"

static const EVP_MD *md_of(uint32_t hash)
{
	return hash == SPDM_HASH_SHA384 ? EVP_sha384() : EVP_sha256();
}

static bool hash(uint32_t algo, const void *p, size_t len, uint8_t *out)
{
	unsigned int n;

	return EVP_Digest(p, len, out, &n, md_of(algo), NULL) == 1;
}

static void name_of(const X509_NAME *n, char *buf, size_t sz)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len;

	buf[0] = '\0';
	if (!b)
		return;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
	len = BIO_read(b, buf, sz - 1);
	buf[len > 0 ? len : 0] = '\0';
	BIO_free(b);
}

static void time_of(const ASN1_TIME *t, char *buf, size_t sz)
{
	struct tm tm;

	buf[0] = '\0';
	if (ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(buf, sz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * OpenSSL's STACK_OF(X509), spelled out: checkpatch reads the macro's
 * closing parenthesis as a cast.
 */
#define x509_stack stack_st_X509

/* the chain's DER certificates, root first; false if they do not parse */
static bool split_chain(const struct spdm_ctx *s, struct spdm_verdict *v,
			X509 **certs)
{
	size_t left;
	const uint8_t *p = spdm_chain_certs(s, &left);

	while (p && left) {
		const uint8_t *start = p;
		struct spdm_cert_info *ci;
		X509 *x;

		if (v->nr_certs == SPDM_MAX_CERTS) {
			snprintf(v->chain_error, sizeof(v->chain_error),
				 "more than %d certificates", SPDM_MAX_CERTS);
			return false;
		}
		x = d2i_X509(NULL, &p, left);
		if (!x) {
			snprintf(v->chain_error, sizeof(v->chain_error),
				 "certificate %u does not parse as DER", v->nr_certs + 1);
			return false;
		}
		ci = &v->certs[v->nr_certs++];
		ci->der = start;
		ci->der_len = p - start;
		left -= ci->der_len;
		name_of(X509_get_subject_name(x), ci->subject, sizeof(ci->subject));
		name_of(X509_get_issuer_name(x), ci->issuer, sizeof(ci->issuer));
		time_of(X509_get0_notAfter(x), ci->not_after, sizeof(ci->not_after));
		hash(SPDM_HASH_SHA256, ci->der, ci->der_len, ci->sha256);
		certs[v->nr_certs - 1] = x;
	}
	if (!v->nr_certs)
		snprintf(v->chain_error, sizeof(v->chain_error), "no certificate in the chain");
	return v->nr_certs > 0;
}

/* the device's certificate: no CA, and a key of the negotiated curve */
static bool check_leaf(const struct spdm_ctx *s, X509 *leaf, struct spdm_verdict *v)
{
	const char *want = s->base_asym == SPDM_ASYM_ECDSA_P384 ? "secp384r1" : "prime256v1";
	EVP_PKEY *key = X509_get0_pubkey(leaf);
	char group[64] = "";
	size_t n;

	if (X509_check_ca(leaf)) {
		snprintf(v->chain_error, sizeof(v->chain_error),
			 "the last certificate of the chain is a CA, not the device's");
		return false;
	}
	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_group_name(key, group, sizeof(group), &n) || strcmp(group, want)) {
		snprintf(v->chain_error, sizeof(v->chain_error),
			 "the device's key is %s, not the %s negotiated",
			 group[0] ? group : "not EC", want);
		return false;
	}
	return true;
}

/* the device's certificate (the last), the others untrusted, the roots of @ca */
static bool anchor(const char *ca, bool check_time, X509 **certs, unsigned int n,
		   struct spdm_verdict *v)
{
	struct x509_stack *others = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509 *leaf = certs[n - 1];
	bool ok = false;
	unsigned int i;

	if (!store || !ctx || !others)
		goto out;
	for (i = 0; i + 1 < n; i++)
		if (!sk_X509_push(others, certs[i]))
			goto out;
	if (X509_STORE_load_file(store, ca) != 1) {
		snprintf(v->chain_error, sizeof(v->chain_error), "cannot read roots from %s", ca);
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, store, leaf, others) != 1)
		goto out;
	if (!check_time)
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	ok = X509_verify_cert(ctx) == 1;
	if (!ok)
		snprintf(v->chain_error, sizeof(v->chain_error), "%s",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(others);
	return ok;
}

/*
 * A 1.2 signature: ECDSA with the negotiated hash over the combined
 * prefix (64 bytes of version, the context right-aligned in 36) followed
 * by H(transcript). The signature travels as r || s, big-endian.
 */
static bool check_sig(const struct spdm_ctx *s, EVP_PKEY *key, const char *context,
		      const struct spdm_bytes *transcript, const uint8_t *sig,
		      uint8_t *transcript_hash)
{
	uint8_t m[PREFIX_LEN + CONTEXT_LEN + SPDM_MAX_HASH], *der = NULL;
	size_t clen = strlen(context), half = s->sig_len / 2;
	EVP_MD_CTX *mctx = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *r, *sv;
	bool ok = false;
	int i, dlen;

	for (i = 0; i < 4; i++)
		memcpy(m + 16 * i, PREFIX_VERSION, 16);
	memset(m + PREFIX_LEN, 0, CONTEXT_LEN - clen);
	memcpy(m + PREFIX_LEN + CONTEXT_LEN - clen, context, clen);
	if (!hash(s->base_hash, transcript->p, transcript->len, transcript_hash))
		return false;
	memcpy(m + PREFIX_LEN + CONTEXT_LEN, transcript_hash, s->hash_len);

	r = BN_bin2bn(sig, half, NULL);
	sv = BN_bin2bn(sig + half, half, NULL);
	es = ECDSA_SIG_new();
	if (!r || !sv || !es || ECDSA_SIG_set0(es, r, sv) != 1) {
		BN_free(r);
		BN_free(sv);
		goto out;
	}
	dlen = i2d_ECDSA_SIG(es, &der);
	mctx = EVP_MD_CTX_new();
	if (dlen <= 0 || !mctx ||
	    EVP_DigestVerifyInit(mctx, NULL, md_of(s->base_hash), NULL, key) != 1)
		goto out;
	ok = EVP_DigestVerify(mctx, der, dlen, m, PREFIX_LEN + CONTEXT_LEN + s->hash_len) == 1;
out:
	EVP_MD_CTX_free(mctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	ERR_clear_error();
	return ok;
}

enum spdm_status spdm_verify(const struct spdm_ctx *s, const char *ca,
			     bool check_time, struct spdm_verdict *v)
{
	X509 *certs[SPDM_MAX_CERTS] = { NULL };
	struct spdm_bytes t = { 0 };
	uint8_t h[SPDM_MAX_HASH];
	enum spdm_status st = SPDM_RUNTIME;
	unsigned int i;
	X509 *leaf;

	memset(v, 0, sizeof(*v));
	/* the chain as the device described it */
	if (hash(s->base_hash, s->chain.p, s->chain.len, h)) {
		v->digest_ok = !memcmp(h, s->digests[s->slot], s->hash_len);
		v->chain_hash_ok = !memcmp(h, s->cert_chain_hash, s->hash_len);
	}
	if (split_chain(s, v, certs)) {
		hash(s->base_hash, v->certs[0].der, v->certs[0].der_len, h);
		v->root_hash_ok = !memcmp(h, s->chain.p + 4, s->hash_len);
		leaf = certs[v->nr_certs - 1];
		v->leaf_ok = check_leaf(s, leaf, v);
		if (v->leaf_ok && ca)
			v->chain_ok = anchor(ca, check_time, certs, v->nr_certs, v);
		else if (v->leaf_ok)
			snprintf(v->chain_error, sizeof(v->chain_error),
				 "no root of trust given (--ca)");
		/* the device proves it holds the key of its certificate */
		if (v->leaf_ok) {
			EVP_PKEY *key = X509_get0_pubkey(leaf);

			if (spdm_transcript_m1(s, &t))
				goto out;
			v->challenge_ok = check_sig(s, key, CTX_CHALLENGE, &t,
						    s->challenge_sig, v->m1_hash);
			if (spdm_transcript_l1(s, &t))
				goto out;
			v->measurements_ok = check_sig(s, key, CTX_MEASUREMENTS, &t,
						       s->meas_sig, v->l1_hash);
		}
	}
	st = v->digest_ok && v->chain_hash_ok && v->root_hash_ok && v->leaf_ok &&
	     v->chain_ok && v->challenge_ok && v->measurements_ok ?
	     SPDM_VERIFIED : SPDM_NOT_VERIFIED;
out:
	spdm_bytes_free(&t);
	for (i = 0; i < SPDM_MAX_CERTS; i++)
		X509_free(certs[i]);
	return st;
}
