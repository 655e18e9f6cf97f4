// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the msikit_doe test programs, see common.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common.h"

/*
 * "EINVAL" rather than a sentence: the shell tests match these names.
 * An errno glibc cannot name becomes "E<number>", in a static buffer.
 */
const char *errname(int e)
{
	static char buf[16];
	const char *s = e ? strerrorname_np(e) : "success";

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

int tap_cases, tap_failed;

void tap_vresult(bool pass, const char *fmt, va_list ap)
{
	tap_cases++;
	if (!pass)
		tap_failed++;
	printf("%sok %d - ", pass ? "" : "not ", tap_cases);
	vprintf(fmt, ap);
	putchar('\n');
	/* a test that hangs next must not take its verdicts with it */
	fflush(stdout);
}

void tap_result(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, fmt, ap);
	va_end(ap);
}

bool node_sysfs_path(char *buf, size_t len, const char *dev, const char *attr)
{
	const char *dir = getenv("MSIKIT_DOE_SYSFS");
	char copy[4096];

	if (!dir || !*dir)
		dir = "/sys/class/msikit-doe";
	/* basename() may write to its argument */
	snprintf(copy, sizeof(copy), "%s", dev);
	if (snprintf(buf, len, "%s/%s/%s", dir, basename(copy), attr) < (int)len)
		return true;
	if (len)
		buf[0] = '\0';
	return false;
}

/* "<prefix><name>: <count>" for each errno slot 1..ERRNO_SLOTS counted */
void print_errno_counts(const char *prefix, const unsigned long long *count)
{
	unsigned int i;

	for (i = 1; i <= ERRNO_SLOTS; i++)
		if (count[i])
			printf("%s%s: %llu\n", prefix,
			       i < ERRNO_SLOTS ? errname(i) : "other", count[i]);
}

/* splitmix64: cheap, and a seed replays a run exactly */
uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Usage @text on stdout when asked for (@status 0), else on stderr. */
__noreturn void usage_exit(const char *text, int status)
{
	fputs(text, status ? stderr : stdout);
	exit(status);
}

/*
 * Open the node at @path. Returns the fd, or -1 (errno kept) after
 * printing "<prog>: <path>: open: <reason>" on stderr.
 */
int open_node(const char *prog, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		fprintf(stderr, "%s: %s: open: %s\n", prog, path, strerror(e));
		errno = e;
	}
	return fd;
}

/* MSIKIT_DOE_IOC_INFO into @info: 0, or -1 with errno set. */
int node_info(int fd, struct msikit_doe_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return ioctl(fd, MSIKIT_DOE_IOC_INFO, info);
}

/*
 * MSIKIT_DOE_IOC_FEATURES into @feats, room for @max: 0 with *@count the
 * node's feature count (which may exceed @max), or -1 with errno set.
 */
int node_features(int fd, struct msikit_doe_feature *feats, uint32_t max,
		  uint32_t *count)
{
	struct msikit_doe_features f = {
		.argsz = sizeof(f),
		.count = max,
		.ptr = (uintptr_t)feats,
	};
	int ret = ioctl(fd, MSIKIT_DOE_IOC_FEATURES, &f);

	*count = f.count;
	return ret;
}

/* Is @vid:@type among the first @n of @feats? */
bool feature_listed(const struct msikit_doe_feature *feats, unsigned int n,
		    uint16_t vid, uint8_t type)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (feats[i].vid == vid && feats[i].type == type)
			return true;
	return false;
}

/*
 * A Discovery exchange (0001:00) of the one request dword at @req into
 * the one response dword at @rsp: the protocol every mailbox answers.
 */
struct msikit_doe_exchange discovery_exchange(const uint8_t *req, uint8_t *rsp)
{
	return (struct msikit_doe_exchange) {
		.argsz = sizeof(struct msikit_doe_exchange),
		.vid = 0x0001, .type = 0x00,
		.req_len = 4, .rsp_len = 4,
		.req_ptr = (uintptr_t)req, .rsp_ptr = (uintptr_t)rsp,
	};
}

long long read_sysfs_number(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 0);
}
