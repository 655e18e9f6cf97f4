// SPDX-License-Identifier: GPL-2.0
/*
 * fail-nth: one operation with the kernel's fault injection armed to fail
 * the Nth injectable call this thread makes (/proc/thread-self/fail-nth,
 * on a kernel with CONFIG_FAULT_INJECTION: make check-debug's), and
 * whether that call was reached.
 *
 *   fail-nth N write FILE VALUE          write VALUE to FILE (sysfs)
 *   fail-nth N load MODULE.ko [PARAMS]   load the module (finit_module)
 *
 * Prints "injected ERRNO" when the Nth call was reached and failed, or
 * "missed ERRNO" when the operation made fewer than N such calls; ERRNO is
 * the operation's own result, 0 for success. The file or module is opened
 * before arming, so only the operation's calls are counted. Exit 0 unless
 * the arming failed (2 for usage, 1 otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FAIL_NTH	"/proc/thread-self/fail-nth"

static void die(const char *what)
{
	fprintf(stderr, "fail-nth: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	const char *params = "";
	char buf[32];
	int fd, ctl, rc;
	ssize_t len;

	if (argc < 4 || (strcmp(argv[2], "write") && strcmp(argv[2], "load")) ||
	    (!strcmp(argv[2], "write") && argc != 5) || argc > 5) {
		fprintf(stderr, "usage: fail-nth N write FILE VALUE\n"
				"       fail-nth N load MODULE.ko [PARAMS]\n");
		return 2;
	}
	if (!strcmp(argv[2], "load") && argc == 5)
		params = argv[4];
	fd = open(argv[3], !strcmp(argv[2], "write") ? O_WRONLY : O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(argv[3]);
	ctl = open(FAIL_NTH, O_RDWR);
	if (ctl < 0)
		die(FAIL_NTH);
	len = strlen(argv[1]);
	if (write(ctl, argv[1], len) != len)
		die("arming " FAIL_NTH);
	if (!strcmp(argv[2], "write"))
		rc = write(fd, argv[4], strlen(argv[4])) < 0 ? errno : 0;
	else
		rc = syscall(SYS_finit_module, fd, params, 0) ? errno : 0;
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
