// SPDX-License-Identifier: GPL-2.0
/*
 * msikit-doe spdm's output and its dumps, see spdm-io.h.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "json.h"
#include "spdm-io.h"

#define DUMP_MAGIC	"MSKSPDM"	/* with its NUL: 8 bytes */
#define DUMP_VERSION	1
#define DUMP_REQ	1
#define DUMP_RSP	2
#define DUMP_MAX	(16U << 20)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const status_names[] = {
	[SPDM_VERIFIED] = "verified",
	[SPDM_RUNTIME] = "error",
	[SPDM_NOT_VERIFIED] = "not verified",
	[SPDM_REFUSED] = "refused by policy",
	[SPDM_BUSY] = "busy",
	[SPDM_DEVICE] = "device error",
	[SPDM_NO_DEVICE] = "no such device",
	[SPDM_COLLECTED] = "collected",
};

static const char *status_name(enum spdm_status st)
{
	return st < ARRAY_SIZE(status_names) && status_names[st] ? status_names[st] : "error";
}

/*
 * A file msikit-doe, running as root, writes where the user said: never
 * through a symbolic link someone planted there.
 */
static FILE *create(const char *path, const char *mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, mode);
	if (!f)
		close(fd);
	return f;
}

/* ---- dumps ---- */

static int put_record(FILE *f, uint8_t dir, const uint8_t *p, size_t len)
{
	uint8_t hdr[8] = { dir, 0, 0, 0, len, len >> 8, len >> 16, len >> 24 };

	return fwrite(hdr, 1, 8, f) == 8 && fwrite(p, 1, len, f) == len ? 0 : -EIO;
}

int spdm_dump_record(struct spdm_dump *d, const char *path, spdm_exchange_fn inner,
		     void *inner_ctx)
{
	static const uint8_t head[12] = { 'M', 'S', 'K', 'S', 'P', 'D', 'M', 0,
					  DUMP_VERSION, 0, 0, 0 };

	memset(d, 0, sizeof(*d));
	d->inner = inner;
	d->inner_ctx = inner_ctx;
	d->f = create(path, "wb");
	if (!d->f)
		return -errno;
	if (fwrite(head, 1, sizeof(head), d->f) != sizeof(head)) {
		fclose(d->f);
		d->f = NULL;
		return -EIO;
	}
	return 0;
}

int spdm_dump_recorder(void *ctx, uint8_t *req, size_t req_len, uint8_t *rsp,
		       size_t *rsp_len)
{
	struct spdm_dump *d = ctx;
	int rc;

	if (put_record(d->f, DUMP_REQ, req, req_len))
		return -EIO;
	rc = d->inner(d->inner_ctx, req, req_len, rsp, rsp_len);
	if (!rc && put_record(d->f, DUMP_RSP, rsp, *rsp_len))
		return -EIO;
	return rc;
}

int spdm_dump_replay(struct spdm_dump *d, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	memset(d, 0, sizeof(*d));
	if (!f)
		return -errno;
	d->data = malloc(DUMP_MAX);
	if (!d->data) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(d->data, 1, DUMP_MAX, f);
	fclose(f);
	if (n < 12 || memcmp(d->data, DUMP_MAGIC, 8) || d->data[8] != DUMP_VERSION ||
	    d->data[9] || d->data[10] || d->data[11]) {
		snprintf(d->why, sizeof(d->why), "%s: not an msikit SPDM dump of version %d",
			 path, DUMP_VERSION);
		free(d->data);
		d->data = NULL;
		return -EINVAL;
	}
	d->len = n;
	d->pos = 12;
	return 0;
}

/* the next record, which must go in direction @dir */
static const uint8_t *next_record(struct spdm_dump *d, uint8_t dir, size_t *len)
{
	const uint8_t *h = d->data + d->pos;
	size_t n;

	if (d->len - d->pos < 8)
		return NULL;
	n = h[4] | h[5] << 8 | (size_t)h[6] << 16 | (size_t)h[7] << 24;
	if (h[0] != dir || n > d->len - d->pos - 8)
		return NULL;
	d->pos += 8 + n;
	*len = n;
	return h + 8;
}

/*
 * The recorded request takes the place of the requester's, which differs
 * only in its nonces: what the device signed is what was recorded.
 */
int spdm_dump_player(void *ctx, uint8_t *req, size_t req_len, uint8_t *rsp,
		     size_t *rsp_len)
{
	struct spdm_dump *d = ctx;
	const uint8_t *r;
	size_t n;

	r = next_record(d, DUMP_REQ, &n);
	if (!r || n != req_len || (n >= 2 && r[1] != req[1])) {
		snprintf(d->why, sizeof(d->why), "the dump holds no request like this one here");
		return -EILSEQ;
	}
	memcpy(req, r, n);
	r = next_record(d, DUMP_RSP, &n);
	if (!r || n > *rsp_len) {
		snprintf(d->why, sizeof(d->why), "the dump holds no response here");
		return -EILSEQ;
	}
	memcpy(rsp, r, n);
	*rsp_len = n;
	return 0;
}

int spdm_dump_close(struct spdm_dump *d)
{
	int rc = 0;

	if (d->f && fclose(d->f))
		rc = -errno;
	free(d->data);
	memset(d, 0, sizeof(*d));
	return rc;
}

/* ---- text ---- */

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	while (n--)
		fprintf(f, "%02x", *p++);
}

static bool printable(const uint8_t *p, size_t n)
{
	while (n--)
		if (!isprint(*p++))
			return false;
	return true;
}

static const char *yes(bool ok)
{
	return ok ? "ok" : "FAILED";
}

void spdm_print_text(FILE *f, const struct spdm_report *r)
{
	const struct spdm_ctx *s = r->s;
	const struct spdm_verdict *v = r->v;
	char caps[512];
	unsigned int i;

	fprintf(f, "device:        %s\n", r->device);
	fprintf(f, "mailbox:       %s (%s)\n", r->mailbox, r->mode);
	if (s->version) {
		spdm_cap_names(s->rsp_flags, caps, sizeof(caps));
		fprintf(f, "spdm:          %u.%u\n", s->version >> 4, s->version & 15);
		fprintf(f, "capabilities:  %s\n", caps);
	}
	if (s->hash_len)
		fprintf(f, "algorithms:    %s, %s, measurements %s\n",
			spdm_asym_name(s->base_asym), spdm_hash_name(s->base_hash),
			s->meas_hash == SPDM_MEAS_RAW ? "raw" :
			s->meas_hash == SPDM_MEAS_SHA256 ? "sha256" :
			s->meas_hash == SPDM_MEAS_SHA384 ? "sha384" : "other");
	if (v) {
		fprintf(f, "slot %u chain:  %u certificates, %zu bytes\n", s->slot,
			v->nr_certs, s->chain.len);
		for (i = 0; i < v->nr_certs; i++)
			fprintf(f, "  %u: %s (issuer %s, until %s)\n", i, v->certs[i].subject,
				v->certs[i].issuer, v->certs[i].not_after);
		fprintf(f, "root hash:     %s\n", yes(v->root_hash_ok));
		fprintf(f, "digest:        %s\n", yes(v->digest_ok && v->chain_hash_ok));
		fprintf(f, "chain:         %s%s%s\n", v->chain_ok ? "verified" : "NOT verified",
			v->chain_ok ? "" : ": ", v->chain_ok ? "" : v->chain_error);
		fprintf(f, "challenge:     signature %s\n", yes(v->challenge_ok));
		fprintf(f, "measurements:  signature %s\n", yes(v->measurements_ok));
	}
	for (i = 0; v && i < s->nr_blocks; i++) {
		const struct spdm_block *b = &s->blocks[i];

		fprintf(f, "  block %3u:   %-18s %s ", b->index,
			spdm_value_type_name(b->type), b->type & 0x80 ? "raw" : "digest");
		/* the device's bytes reach a terminal only when they are text */
		if (b->type & 0x80 && b->size < 64 && printable(b->value, b->size))
			fprintf(f, "\"%.*s\"", (int)b->size, (const char *)b->value);
		else
			hex(f, b->value, b->size);
		fputc('\n', f);
	}
	fprintf(f, "result:        %s%s%s\n", status_name(r->status),
		s->why[0] && r->status != SPDM_VERIFIED ? ": " : "",
		r->status != SPDM_VERIFIED ? s->why : "");
}

/* ---- JSON ---- */

static void json_chain(FILE *f, const struct spdm_report *r)
{
	const struct spdm_ctx *s = r->s;
	const struct spdm_verdict *v = r->v;
	unsigned int i;

	fprintf(f, "  \"slots\": [{\"slot\": %u, \"chain_file\": \"slot%u.der\", \"root_hash\": ",
		s->slot, s->slot);
	json_put_hex(f, s->chain.p + 4, s->hash_len);
	fprintf(f, ", \"root_hash_valid\": %s, \"digest_valid\": %s, \"certificates\": [",
		v->root_hash_ok ? "true" : "false",
		v->digest_ok && v->chain_hash_ok ? "true" : "false");
	for (i = 0; i < v->nr_certs; i++) {
		fprintf(f, "%s{\"subject\": ", i ? ", " : "");
		json_put_str(f, v->certs[i].subject);
		fprintf(f, ", \"issuer\": ");
		json_put_str(f, v->certs[i].issuer);
		fprintf(f, ", \"not_after\": ");
		json_put_str(f, v->certs[i].not_after);
		fprintf(f, ", \"sha256\": ");
		json_put_hex(f, v->certs[i].sha256, 32);
		fputc('}', f);
	}
	fprintf(f, "], \"chain_verified\": %s, \"error\": ", v->chain_ok ? "true" : "false");
	json_put_str(f, v->chain_ok ? "" : v->chain_error);
	fprintf(f, "}],\n");
}

/* the bytes a signature covers, as the requester kept them (M1 or L1) */
static void json_transcript(FILE *f, const struct spdm_ctx *s, bool l1)
{
	struct spdm_bytes t = { 0 };

	fprintf(f, ", \"transcript\": ");
	if (l1 ? spdm_transcript_l1(s, &t) : spdm_transcript_m1(s, &t))
		fprintf(f, "null");
	else
		json_put_hex(f, t.p, t.len);
	spdm_bytes_free(&t);
}

void spdm_print_json(FILE *f, const struct spdm_report *r)
{
	const struct spdm_ctx *s = r->s;
	const struct spdm_verdict *v = r->v;
	char caps[512], *tok, *save;
	unsigned int i;
	bool first = true;

	fprintf(f, "{\n  \"device\": ");
	json_put_str(f, r->device);
	fprintf(f, ",\n  \"mailbox\": ");
	json_put_str(f, r->mailbox);
	fprintf(f, ",\n  \"mode\": ");
	json_put_str(f, r->mode);
	fprintf(f, ",\n");
	if (s->version) {
		fprintf(f, "  \"spdm_version\": \"%u.%u\",\n", s->version >> 4, s->version & 15);
		spdm_cap_names(s->rsp_flags, caps, sizeof(caps));
		fprintf(f, "  \"capabilities\": {\"flags\": %u, \"names\": [", s->rsp_flags);
		for (tok = strtok_r(caps, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			fprintf(f, "%s", first ? "" : ", ");
			json_put_str(f, tok);
			first = false;
		}
		fprintf(f, "], \"ct_exponent\": %u, ", s->ct_exponent);
		fprintf(f, "\"data_transfer_size\": %u, ", s->data_transfer_size);
		fprintf(f, "\"max_spdm_msg_size\": %u},\n", s->max_msg_size);
	}
	if (s->hash_len) {
		fprintf(f, "  \"algorithms\": {\"base_asym\": \"%s\", ",
			spdm_asym_name(s->base_asym));
		fprintf(f, "\"base_hash\": \"%s\", ", spdm_hash_name(s->base_hash));
		fprintf(f, "\"measurement_hash\": %u, \"measurement_spec\": %u},\n",
			s->meas_hash, s->meas_spec);
		fprintf(f, "  \"digests\": [");
		for (i = 0, first = true; i < SPDM_MAX_SLOTS; i++) {
			if (!(s->slot_mask & (1U << i)))
				continue;
			fprintf(f, "%s{\"slot\": %u, \"digest\": ", first ? "" : ", ", i);
			json_put_hex(f, s->digests[i], s->hash_len);
			fputc('}', f);
			first = false;
		}
		fprintf(f, "],\n");
	}
	if (v) {
		json_chain(f, r);
		fprintf(f, "  \"challenge\": {\"slot\": %u, \"requester_nonce\": ", s->slot);
		json_put_hex(f, s->nonce, SPDM_NONCE_LEN);
		fprintf(f, ", \"responder_nonce\": ");
		json_put_hex(f, s->rsp_nonce, SPDM_NONCE_LEN);
		fprintf(f, ", \"cert_chain_hash\": ");
		json_put_hex(f, s->cert_chain_hash, s->hash_len);
		fprintf(f, ", \"transcript_hash\": ");
		json_put_hex(f, v->m1_hash, s->hash_len);
		json_transcript(f, s, false);
		fprintf(f, ", \"signature\": ");
		json_put_hex(f, s->challenge_sig, s->sig_len);
		fprintf(f, ", \"signature_valid\": %s},\n", v->challenge_ok ? "true" : "false");
		fprintf(f, "  \"measurements\": {\"requester_nonce\": ");
		json_put_hex(f, s->meas_nonce, SPDM_NONCE_LEN);
		fprintf(f, ", \"responder_nonce\": ");
		json_put_hex(f, s->meas_rsp_nonce, SPDM_NONCE_LEN);
		fprintf(f, ", \"blocks\": [");
		for (i = 0; i < s->nr_blocks; i++) {
			const struct spdm_block *b = &s->blocks[i];

			fprintf(f, "%s{\"index\": %u, \"type\": \"%s\", \"raw\": %s, \"value\": ",
				i ? ", " : "", b->index, spdm_value_type_name(b->type),
				b->type & 0x80 ? "true" : "false");
			json_put_hex(f, b->value, b->size);
			fputc('}', f);
		}
		fprintf(f, "], \"transcript_hash\": ");
		json_put_hex(f, v->l1_hash, s->hash_len);
		json_transcript(f, s, true);
		fprintf(f, ", \"signature\": ");
		json_put_hex(f, s->meas_sig, s->sig_len);
		fprintf(f, ", \"signature_valid\": %s},\n", v->measurements_ok ? "true" : "false");
	}
	fprintf(f, "  \"not_ready\": %u,\n  \"result\": ", s->not_ready);
	json_put_str(f, status_name(r->status));
	fprintf(f, ",\n  \"error\": ");
	json_put_str(f, r->status == SPDM_VERIFIED ? "" : s->why);
	fprintf(f, ",\n  \"exit_code\": %d\n}\n", r->status);
}

/* ---- --out ---- */

/*
 * Leaf first, as TLS and openssl order a chain: openssl x509 shows the
 * device's certificate, and openssl verify -untrusted FILE FILE checks
 * that one, not the root at the head of SPDM's order (which would verify
 * against itself whatever the rest of the file holds).
 */
static int write_pem(const char *path, const struct spdm_verdict *v)
{
	FILE *f = create(path, "w");
	unsigned int i;
	int rc = 0;

	if (!f)
		return -errno;
	for (i = v->nr_certs; i-- > 0 && !rc;) {
		const unsigned char *p = v->certs[i].der;
		X509 *x = d2i_X509(NULL, &p, v->certs[i].der_len);

		if (!x || PEM_write_X509(f, x) != 1)
			rc = -EIO;
		X509_free(x);
	}
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

int spdm_write_out(const char *dir, const struct spdm_report *r)
{
	char path[4096];
	const uint8_t *certs;
	size_t len;
	FILE *f;
	int rc = 0;

	if (r->v) {
		certs = spdm_chain_certs(r->s, &len);
		snprintf(path, sizeof(path), "%s/slot%u.der", dir, r->s->slot);
		f = create(path, "wb");
		if (!f)
			return -errno;
		if (len && fwrite(certs, 1, len, f) != len)
			rc = -EIO;
		if (fclose(f) && !rc)
			rc = -errno;
		if (rc)
			return rc;
		snprintf(path, sizeof(path), "%s/slot%u.pem", dir, r->s->slot);
		rc = write_pem(path, r->v);
		if (rc)
			return rc;
	}
	snprintf(path, sizeof(path), "%s/evidence.json", dir);
	f = create(path, "w");
	if (!f)
		return -errno;
	spdm_print_json(f, r);
	return fclose(f) ? -errno : 0;
}
