// SPDX-License-Identifier: GPL-2.0
/*
 * doe-xchg: one exchange, and what the kernel said about it, for tests
 * that must see the ioctl's own answer rather than msikit-doe's reading
 * of it (which, for one, does not tell an rsp_len of 0 from a small one).
 *
 *   doe-xchg DEV VID:TYPE RSP_LEN [REQUEST_DWORD...]
 *
 * Prints one line on stdout, "<errno name> rsp_len=<n>", where the errno
 * name is "success" when the ioctl returned 0 and rsp_len is the field as
 * the kernel left it (also after EOVERFLOW). Dwords are hex.
 *
 * Exit status: 0 the ioctl returned (success or an errno), 1 the node
 * could not be opened, 2 usage error.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <msikit/doe.h>

#include "common.h"

#define PROG		"doe-xchg"
#define MAX_REQ_DW	64

static const char usage[] =
	"usage: " PROG " DEV VID:TYPE RSP_LEN [REQUEST_DWORD...]\n";

static unsigned long parse(const char *s, int base, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || end == s || *end || v > max)
		usage_exit(usage, EXIT_USAGE);
	return v;
}

int main(int argc, char **argv)
{
	uint32_t req[MAX_REQ_DW];
	struct msikit_doe_exchange x;
	unsigned long vid, type, rsp_len;
	unsigned int i, nreq;
	char *colon;
	void *rsp;
	int fd, ret, e;

	if (argc < 4 || argc - 4 > MAX_REQ_DW)
		usage_exit(usage, EXIT_USAGE);
	colon = strchr(argv[2], ':');
	if (!colon)
		usage_exit(usage, EXIT_USAGE);
	*colon = '\0';
	vid = parse(argv[2], 16, 0xffff);
	type = parse(colon + 1, 16, 0xff);
	rsp_len = parse(argv[3], 0, MSIKIT_DOE_MAX_PAYLOAD);
	nreq = argc - 4;
	for (i = 0; i < nreq; i++)
		req[i] = htole32(parse(argv[4 + i], 16, 0xffffffffUL));

	/* never 0 bytes: a NULL pointer would be a different case */
	rsp = calloc(1, rsp_len ? rsp_len : 4);
	if (!rsp)
		return EXIT_FAIL;
	fd = open_node(PROG, argv[1]);
	if (fd < 0)
		return EXIT_FAIL;

	memset(&x, 0, sizeof(x));
	x.argsz = sizeof(x);
	x.vid = vid;
	x.type = type;
	x.req_len = nreq * 4;
	x.rsp_len = rsp_len;
	x.req_ptr = (uintptr_t)req;
	x.rsp_ptr = (uintptr_t)rsp;
	ret = ioctl(fd, MSIKIT_DOE_IOC_EXCHANGE, &x);
	e = ret ? errno : 0;
	printf("%s rsp_len=%u\n", errname(e), x.rsp_len);
	close(fd);
	free(rsp);
	return 0;
}
