// SPDX-License-Identifier: GPL-2.0
/*
 * fail-nth: one operation with the kernel's fault injection armed to fail
 * the Nth injectable call this thread makes (/proc/thread-self/fail-nth,
 * on a kernel with CONFIG_FAULT_INJECTION: make check-debug's), and
 * whether that call was reached.
 *
 *   fail-nth N write FILE VALUE          write VALUE to FILE (sysfs)
 *   fail-nth N load MODULE.ko [PARAMS]   load the module (finit_module)
 *   fail-nth N doe NODE OP               on a msikit_doe node, OP one of
 *       open        open it (and close it unarmed)
 *       info        MSIKIT_DOE_IOC_INFO
 *       features    MSIKIT_DOE_IOC_FEATURES
 *       discovery   MSIKIT_DOE_IOC_EXCHANGE: Discovery, index 0
 *
 * Prints "injected ERRNO" when the Nth call was reached and failed, or
 * "missed ERRNO" when the operation made fewer than N such calls; ERRNO is
 * the operation's own result, 0 for success. The file or module is opened
 * before arming (but for doe's open), so only the operation's calls are
 * counted. A doe operation that succeeded must have returned what the
 * mailbox holds: a Discovery response naming the DOE protocol itself at
 * index 0, a feature list that starts with it, an info that is filled in;
 * it exits 1 and says why when not. Exit 0 unless the arming failed or an
 * operation lied (2 for usage, 1 otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common.h"

#define FAIL_NTH	"/proc/thread-self/fail-nth"

static void die(const char *what)
{
	fprintf(stderr, "fail-nth: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void lied(const char *op, const char *what)
{
	fprintf(stderr, "fail-nth: doe %s succeeded with %s\n", op, what);
	exit(1);
}

/* One doe operation on @fd (or on @node, for open); its errno or 0. */
static int doe_op(const char *node, int fd, const char *op)
{
	struct msikit_doe_feature feats[8];
	struct msikit_doe_info info;
	/* Discovery's response (PCIe r6.0 6.30.1.1): Vendor ID, Type, Next */
	uint8_t req[4] = { 0 }, rsp[4] = { 0 };
	struct msikit_doe_exchange x = discovery_exchange(req, rsp);
	uint32_t count;
	int nfd;

	if (!strcmp(op, "open")) {
		nfd = open(node, O_RDWR | O_CLOEXEC);
		if (nfd < 0)
			return errno;
		/* the close is counted too: release must not allocate */
		close(nfd);
		return 0;
	}
	if (!strcmp(op, "info")) {
		if (node_info(fd, &info))
			return errno;
		if (!info.device[0] || !info.nr_features || !info.flags)
			lied(op, "no device, features or mode in it");
		return 0;
	}
	if (!strcmp(op, "features")) {
		if (node_features(fd, feats, ARRAY_SIZE(feats), &count))
			return errno;
		if (!count || feats[0].vid != 0x0001 || feats[0].type != 0)
			lied(op, "a list without DOE Discovery first");
		return 0;
	}
	if (ioctl(fd, MSIKIT_DOE_IOC_EXCHANGE, &x))
		return errno;
	if (x.rsp_len != 4 || rsp[0] != 0x01 || rsp[1] != 0x00 || rsp[2] != 0x00)
		lied(op, "a response that is not Discovery's entry 0");
	return 0;
}

int main(int argc, char **argv)
{
	const char *params = "", *mode;
	char buf[32];
	int fd = -1, ctl, rc;
	ssize_t len;

	mode = argc > 2 ? argv[2] : "";
	if (argc < 4 || argc > 5 ||
	    (strcmp(mode, "write") && strcmp(mode, "load") && strcmp(mode, "doe")) ||
	    (strcmp(mode, "load") && argc != 5) ||
	    (!strcmp(mode, "doe") && strcmp(argv[4], "open") && strcmp(argv[4], "info") &&
	     strcmp(argv[4], "features") && strcmp(argv[4], "discovery"))) {
		fprintf(stderr, "usage: fail-nth N write FILE VALUE\n"
				"       fail-nth N load MODULE.ko [PARAMS]\n"
				"       fail-nth N doe NODE open|info|features|discovery\n");
		return 2;
	}
	if (!strcmp(mode, "load") && argc == 5)
		params = argv[4];
	if (strcmp(mode, "doe") || strcmp(argv[4], "open")) {
		fd = open(argv[3], !strcmp(mode, "write") ? O_WRONLY :
			  !strcmp(mode, "doe") ? O_RDWR | O_CLOEXEC : O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(argv[3]);
	}
	ctl = open(FAIL_NTH, O_RDWR);
	if (ctl < 0)
		die(FAIL_NTH);
	len = strlen(argv[1]);
	if (write(ctl, argv[1], len) != len)
		die("arming " FAIL_NTH);
	if (!strcmp(mode, "write"))
		rc = write(fd, argv[4], strlen(argv[4])) < 0 ? errno : 0;
	else if (!strcmp(mode, "load"))
		rc = syscall(SYS_finit_module, fd, params, 0) ? errno : 0;
	else
		rc = doe_op(argv[3], fd, argv[4]);
	len = pread(ctl, buf, sizeof(buf) - 1, 0);
	if (len <= 0)
		die("reading " FAIL_NTH);
	buf[len] = 0;
	if (write(ctl, "0", 1) != 1)
		die("disarming " FAIL_NTH);
	/* 0 once the call was failed; what was left of N if it never came */
	printf("%s %d\n", atoi(buf) ? "missed" : "injected", rc);
	return 0;
}
