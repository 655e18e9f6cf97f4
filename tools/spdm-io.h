/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What msikit-doe spdm reads and writes besides the device: the evidence
 * as text or JSON, the files of --out, and transcripts recorded to a dump
 * (--dump-bin) or replayed from one (--from-dump), so that acquiring the
 * evidence and judging it can happen apart.
 */
#ifndef MSIKIT_TOOLS_SPDM_IO_H
#define MSIKIT_TOOLS_SPDM_IO_H

#include <stdio.h>

#include "spdm-crypto.h"

/*
 * A dump: "MSKSPDM\0", a little-endian u32 format version (1), then one
 * record per message: u8 direction (1 request, 2 response), u8 0, u16 0,
 * u32 length, the bytes as exchanged (DOE payloads, dword-padded).
 */
struct spdm_dump {
	FILE *f;
	/* replaying: the whole file, and where the next record starts */
	uint8_t *data;
	size_t len, pos;
	/* recording: the transport the records pass through */
	spdm_exchange_fn inner;
	void *inner_ctx;
	char why[160];
};

/* record what @inner exchanges into @path; 0 or -errno */
int spdm_dump_record(struct spdm_dump *d, const char *path, spdm_exchange_fn inner,
		     void *inner_ctx);
int spdm_dump_replay(struct spdm_dump *d, const char *path);
/* flushes a recording; 0 or -errno */
int spdm_dump_close(struct spdm_dump *d);
int spdm_dump_recorder(void *ctx, uint8_t *req, size_t req_len, uint8_t *rsp,
		       size_t *rsp_len);
int spdm_dump_player(void *ctx, uint8_t *req, size_t req_len, uint8_t *rsp,
		     size_t *rsp_len);

struct spdm_report {
	const char *device, *mailbox, *mode;
	const struct spdm_ctx *s;
	const struct spdm_verdict *v;	/* NULL when the evidence is incomplete */
	enum spdm_status status;
};

void spdm_print_text(FILE *f, const struct spdm_report *r);
void spdm_print_json(FILE *f, const struct spdm_report *r);
/* slotN.der, slotN.pem and evidence.json into @dir; 0 or -errno */
int spdm_write_out(const char *dir, const struct spdm_report *r);

#endif /* MSIKIT_TOOLS_SPDM_IO_H */
