// SPDX-License-Identifier: GPL-2.0
/*
 * doe-badinput: a fixed list of malformed ioctls on an msikit DOE mailbox
 * node, each of which must fail with exactly the documented errno, the
 * argsz rules of <msikit/doe.h> (a larger argsz is accepted, its tail must
 * be zero where the kernel reads the structure), proof that no refused
 * exchange reached the mailbox (its stats/exchanges in sysfs do not move)
 * and that the mailbox still works. Output is TAP/KTAP on stdout.
 *
 *   doe-badinput DEV
 *
 * DEV must offer Discovery (0001:00), as every DOE mailbox does. Set
 * DOE_ALLOW_RESERVED=1 when msikit_doe runs with allow_reserved=1: the
 * EACCES cases are then skipped. Must run as root with CAP_SYS_ADMIN (and
 * CAP_SETPCAP, to drop CAP_SYS_ADMIN for the unprivileged cases).
 * MSIKIT_DOE_SYSFS replaces /sys/class/msikit-doe.
 *
 * Exit status: 0 all cases passed, 1 a case failed or DEV cannot be opened,
 * 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <msikit/doe.h>

#include "common.h"

#define PROG		"doe-badinput"
#define NR_CASES	68

#define INFO		MSIKIT_DOE_IOC_INFO
#define FEATURES	MSIKIT_DOE_IOC_FEATURES
#define EXCHANGE	MSIKIT_DOE_IOC_EXCHANGE
#define MAX		MSIKIT_DOE_MAX_PAYLOAD

/* the first version's numbers: the size encoded, read and write */
#define OLD_INFO	_IOC(_IOC_READ | _IOC_WRITE, MSIKIT_DOE_IOC_MAGIC, 0, \
			     MSIKIT_DOE_INFO_SIZE_VER0)
#define OLD_FEATURES	_IOC(_IOC_READ | _IOC_WRITE, MSIKIT_DOE_IOC_MAGIC, 1, \
			     MSIKIT_DOE_FEATURES_SIZE_VER0)
#define OLD_EXCHANGE	_IOC(_IOC_READ | _IOC_WRITE, MSIKIT_DOE_IOC_MAGIC, 2, \
			     MSIKIT_DOE_EXCHANGE_SIZE_VER0)

#define FILL		0xa5

union arg {
	struct msikit_doe_info info;
	struct msikit_doe_features feat;
	struct msikit_doe_exchange x;
	uint8_t raw[256];
};

static const char *dev;
static int fd;
static long page;
static uint8_t req[4096], rsp[4096];
static char stats_path[4096];

/* a skip says why, so make check can hold it against tests/expected-skips */
static void __printf(2, 3) skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_cases++;
	printf("ok %d - ", tap_cases);
	vprintf(fmt, ap);
	printf(" # SKIP %s\n", why);
	va_end(ap);
}

static bool vcheck(int want, int ret, int err, const char *fmt, va_list ap)
{
	bool pass = want ? ret == -1 && err == want : ret == 0;

	tap_vresult(pass, fmt, ap);
	if (!pass)
		printf("# expected %s, got ret=%d errno=%s\n", errname(want), ret,
		       ret == -1 ? errname(err) : "-");
	return pass;
}

/* One case: @ret/@err came from a call that should fail with @want (0: succeed). */
static bool __printf(4, 5)
verdict(int want, int ret, int err, const char *fmt, ...)
{
	va_list ap;
	bool pass;

	va_start(ap, fmt);
	pass = vcheck(want, ret, err, fmt, ap);
	va_end(ap);
	return pass;
}

static bool __printf(4, 5)
t_ioctl(unsigned long cmd, void *arg, int want, const char *fmt, ...)
{
	int ret = ioctl(fd, cmd, arg), err = errno;
	va_list ap;
	bool pass;

	va_start(ap, fmt);
	pass = vcheck(want, ret, err, fmt, ap);
	va_end(ap);
	return pass;
}

/* A valid Discovery exchange: index 0, room for its one-dword response. */
static struct msikit_doe_exchange disc(void)
{
	memset(req, 0, sizeof(req));
	return discovery_exchange(req, rsp);
}

static void *map(int prot, size_t len)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap: %s\n", strerror(errno));
		exit(EXIT_FAIL);
	}
	return p;
}

/* An address that was mapped a moment ago and is not any more. */
static void *unmapped(void)
{
	void *p = map(PROT_READ | PROT_WRITE, page);

	munmap(p, page);
	return p;
}

static int drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	unsigned int i = CAP_TO_INDEX(CAP_SYS_ADMIN);
	uint32_t mask = CAP_TO_MASK(CAP_SYS_ADMIN);

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0))
		return errno;
	if (syscall(SYS_capget, &hdr, data))
		return errno;
	data[i].effective &= ~mask;
	data[i].permitted &= ~mask;
	data[i].inheritable &= ~mask;
	if (syscall(SYS_capset, &hdr, data))
		return errno;
	return 0;
}

/* Still uid 0, but without CAP_SYS_ADMIN: open and ioctl must be refused. */
static void unprivileged(void)
{
	int p[2], res[3] = { -1, -1, -1 };
	struct msikit_doe_info info;
	pid_t pid;

	fflush(stdout);
	pid = pipe(p) ? -1 : fork();
	if (pid < 0) {
		fprintf(stderr, PROG ": pipe/fork: %s\n", strerror(errno));
		exit(EXIT_FAIL);
	}
	if (!pid) {
		close(p[0]);
		res[0] = drop_sys_admin();
		if (!res[0]) {
			int nfd = open(dev, O_RDWR | O_CLOEXEC);

			res[1] = nfd < 0 ? errno : 0;
			if (nfd >= 0)
				close(nfd);
			memset(&info, 0, sizeof(info));
			info.argsz = sizeof(info);
			res[2] = ioctl(fd, INFO, &info) ? errno : 0;
		}
		_exit(write(p[1], res, sizeof(res)) != sizeof(res));
	}
	close(p[1]);
	if (read(p[0], res, sizeof(res)) != sizeof(res))
		res[0] = EPIPE;
	close(p[0]);
	waitpid(pid, NULL, 0);
	if (res[0]) {
		printf("not ok %d - open without CAP_SYS_ADMIN -> EPERM\n", ++tap_cases);
		printf("not ok %d - INFO on an inherited fd without CAP_SYS_ADMIN -> EPERM\n",
		       ++tap_cases);
		printf("# could not drop CAP_SYS_ADMIN: %s\n", strerror(res[0]));
		tap_failed += 2;
		return;
	}
	verdict(EPERM, res[1] ? -1 : 0, res[1], "open without CAP_SYS_ADMIN -> EPERM");
	verdict(EPERM, res[2] ? -1 : 0, res[2],
		"INFO on an inherited fd without CAP_SYS_ADMIN -> EPERM");
}

/*
 * FEATURES' flags: RESERVED on 0001:01 and 0001:02, and on 0001:01 also
 * MEDIATED unless allow_reserved passes it through raw.
 */
static uint8_t want_flags(const struct msikit_doe_feature *f, bool allow_reserved)
{
	if (f->vid != 0x0001 || (f->type != 1 && f->type != 2))
		return 0;
	if (f->type == 1 && !allow_reserved)
		return MSIKIT_DOE_FEATURE_RESERVED | MSIKIT_DOE_FEATURE_MEDIATED;
	return MSIKIT_DOE_FEATURE_RESERVED;
}

static void sanity(bool allow_reserved)
{
	struct msikit_doe_feature feats[64];
	struct msikit_doe_info info;
	uint32_t nr_feats, i;
	bool pass = true;
	int ret;

	ret = node_info(fd, &info);
	if (verdict(0, ret, errno, "INFO succeeds"))
		printf("# device %.32s, %u features, max_payload %u\n", info.device,
		       info.nr_features, info.max_payload);
	ret = node_features(fd, feats, ARRAY_SIZE(feats), &nr_feats);
	if (!verdict(0, ret, errno, "FEATURES succeeds")) {
		tap_result(false,
			   "FEATURES flags: RESERVED on 0001:01 and 0001:02, MEDIATED on 0001:01%s",
		       allow_reserved ? " unless allow_reserved" : "");
		return;
	}
	for (i = 0; i < nr_feats && i < ARRAY_SIZE(feats); i++) {
		printf("# feature %04x:%02x flags %#x\n", feats[i].vid, feats[i].type,
		       feats[i].flags);
		if (feats[i].flags != want_flags(&feats[i], allow_reserved))
			pass = false;
	}
	tap_result(pass, "FEATURES flags: RESERVED on 0001:01 and 0001:02, MEDIATED on 0001:01%s",
		   allow_reserved ? " unless allow_reserved" : "");
}

/* Numbers that are no command, the first version's included. */
static void unknown_numbers(void)
{
	static const struct { unsigned long cmd; const char *what; } unknown[] = {
		{ OLD_INFO, "INFO as the first version numbered it, _IOWR size 56" },
		{ OLD_FEATURES, "FEATURES as the first version numbered it, _IOWR size 16" },
		{ OLD_EXCHANGE, "EXCHANGE as the first version numbered it, _IOWR size 40" },
		{ _IOR(MSIKIT_DOE_IOC_MAGIC, 0, struct msikit_doe_info), "INFO nr as _IOR" },
		{ _IOW(MSIKIT_DOE_IOC_MAGIC, 2, struct msikit_doe_exchange),
		  "EXCHANGE nr as _IOW" },
		{ _IOC(_IOC_READ | _IOC_WRITE, MSIKIT_DOE_IOC_MAGIC, 2,
		       sizeof(struct msikit_doe_exchange) + 8), "EXCHANGE nr, _IOWR size + 8" },
		{ _IO(0xd1, 0), "wrong magic 0xd1" },
		{ _IO(0xdf, 2), "wrong magic 0xdf" },
		{ _IO(MSIKIT_DOE_IOC_MAGIC, 3), "wrong nr 3" },
		{ _IO(MSIKIT_DOE_IOC_MAGIC, 0xff), "wrong nr 0xff" },
	};
	union arg a;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		memset(a.raw, 0, sizeof(a.raw));
		a.x = disc();
		t_ioctl(unknown[i].cmd, &a, ENOTTY, "unknown ioctl %#lx (%s) -> ENOTTY",
			unknown[i].cmd, unknown[i].what);
	}
}

/* argsz below the first version of each structure; a tail that is not zero */
static void argsz_refused(uint8_t *edge)
{
	static const struct { unsigned long cmd; uint32_t min; const char *name; } cmds[] = {
		{ INFO, MSIKIT_DOE_INFO_SIZE_VER0, "INFO" },
		{ FEATURES, MSIKIT_DOE_FEATURES_SIZE_VER0, "FEATURES" },
		{ EXCHANGE, MSIKIT_DOE_EXCHANGE_SIZE_VER0, "EXCHANGE" },
	};
	struct msikit_doe_exchange *px;
	union arg a;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(a.raw, 0, sizeof(a.raw));
		a.x = disc();
		a.x.argsz = 0;
		t_ioctl(cmds[i].cmd, &a, EINVAL, "%s argsz 0 -> EINVAL", cmds[i].name);
		a.x = disc();
		a.x.argsz = cmds[i].min - 1;
		t_ioctl(cmds[i].cmd, &a, EINVAL, "%s argsz %u (first version %u) - 1 -> EINVAL",
			cmds[i].name, cmds[i].min - 1, cmds[i].min);
	}

	memset(a.raw, 0, sizeof(a.raw));
	a.feat.argsz = sizeof(a.feat) + 8;
	a.raw[sizeof(a.feat) + 7] = 1;
	t_ioctl(FEATURES, &a, E2BIG, "FEATURES argsz + 8, a tail byte not zero -> E2BIG");
	memset(a.raw, 0, sizeof(a.raw));
	a.x = disc();
	a.x.argsz = sizeof(a.x) + 8;
	a.raw[sizeof(a.x)] = 0x80;
	t_ioctl(EXCHANGE, &a, E2BIG, "EXCHANGE argsz + 8, a tail byte not zero -> E2BIG");
	memset(edge, 0, page);
	px = (struct msikit_doe_exchange *)edge;
	*px = disc();
	px->argsz = 0xffffffff;
	t_ioctl(EXCHANGE, px, EFAULT,
		"EXCHANGE argsz 0xffffffff, zero tail running into an inaccessible page -> EFAULT");
}

static void bad_arg_pointers(uint8_t *edge)
{
	static const struct { unsigned long cmd; const char *name; } cmds[] = {
		{ INFO, "INFO" }, { FEATURES, "FEATURES" }, { EXCHANGE, "EXCHANGE" },
	};
	struct msikit_doe_exchange *px;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		t_ioctl(cmds[i].cmd, NULL, EFAULT, "%s arg NULL -> EFAULT", cmds[i].name);
		t_ioctl(cmds[i].cmd, (void *)8, EFAULT, "%s arg (void *)8 -> EFAULT", cmds[i].name);
		t_ioctl(cmds[i].cmd, unmapped(), EFAULT, "%s arg unmapped page -> EFAULT",
			cmds[i].name);
	}
	t_ioctl(EXCHANGE, (void *)(uintptr_t)-65536, EFAULT,
		"EXCHANGE arg kernel address -> EFAULT");
	px = (struct msikit_doe_exchange *)(edge + page - 8);
	px->argsz = sizeof(*px);
	px->flags = 0;
	t_ioctl(EXCHANGE, px, EFAULT, "EXCHANGE arg running into an inaccessible page -> EFAULT");
	memset(edge, 0, page);
	((struct msikit_doe_info *)edge)->argsz = sizeof(struct msikit_doe_info);
	mprotect(edge, page, PROT_READ);
	t_ioctl(INFO, edge, EFAULT, "INFO arg in a read-only page -> EFAULT");
	mprotect(edge, page, PROT_READ | PROT_WRITE);
}

static void bad_exchange_fields(void)
{
	static const uint32_t bad_len[] = { 3, 5, 6, MAX + 4, 0xfffffffc };
	struct msikit_doe_exchange x;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_len); i++) {
		x = disc();
		x.req_len = bad_len[i];
		t_ioctl(EXCHANGE, &x, EINVAL, "EXCHANGE req_len %#x -> EINVAL", bad_len[i]);
	}
	x = disc();
	x.rsp_len = 7;
	t_ioctl(EXCHANGE, &x, EINVAL, "EXCHANGE rsp_len 7 -> EINVAL");
	x = disc();
	x.rsp_len = MAX + 4;
	t_ioctl(EXCHANGE, &x, EINVAL, "EXCHANGE rsp_len MAX_PAYLOAD + 4 -> EINVAL");
	x = disc();
	x.flags = 1;
	t_ioctl(EXCHANGE, &x, EINVAL, "EXCHANGE unknown flag 1 -> EINVAL");
	x = disc();
	x.flags = 0x80000000;
	t_ioctl(EXCHANGE, &x, EINVAL, "EXCHANGE unknown flag 0x80000000 -> EINVAL");
	x = disc();
	x.reserved0 = 1;
	t_ioctl(EXCHANGE, &x, EINVAL, "EXCHANGE reserved0 1 -> EINVAL");
	x = disc();
	x.reserved0 = 0x80;
	t_ioctl(EXCHANGE, &x, EINVAL, "EXCHANGE reserved0 0x80 -> EINVAL");
	x = disc();
	x.reserved1 = 1;
	t_ioctl(EXCHANGE, &x, EINVAL, "EXCHANGE reserved1 1 -> EINVAL");
}

static void bad_buffers(uint8_t *ro, uint8_t *edge)
{
	struct msikit_doe_exchange x;
	union arg a;

	x = disc();
	x.req_ptr = 0;
	t_ioctl(EXCHANGE, &x, EFAULT, "EXCHANGE req_ptr NULL, req_len 4 -> EFAULT");
	x = disc();
	x.req_ptr = (uintptr_t)unmapped();
	t_ioctl(EXCHANGE, &x, EFAULT, "EXCHANGE req_ptr unmapped, req_len 4 -> EFAULT");
	x = disc();
	x.rsp_ptr = 0;
	t_ioctl(EXCHANGE, &x, EFAULT, "EXCHANGE rsp_ptr NULL, rsp_len 4 -> EFAULT");
	x = disc();
	x.rsp_ptr = (uintptr_t)unmapped();
	t_ioctl(EXCHANGE, &x, EFAULT, "EXCHANGE rsp_ptr unmapped, rsp_len 4 -> EFAULT");
	x = disc();
	x.rsp_ptr = (uintptr_t)ro;
	t_ioctl(EXCHANGE, &x, EFAULT, "EXCHANGE rsp_ptr in a read-only mapping -> EFAULT");
	x = disc();
	x.rsp_ptr = (uintptr_t)(edge + page - 4);
	x.rsp_len = 8;
	t_ioctl(EXCHANGE, &x, EFAULT,
		"EXCHANGE rsp buffer running into an inaccessible page -> EFAULT");
	memset(a.raw, 0, sizeof(a.raw));
	a.feat.argsz = sizeof(a.feat);
	a.feat.count = 1;
	a.feat.ptr = (uintptr_t)unmapped();
	t_ioctl(FEATURES, &a, EFAULT, "FEATURES ptr unmapped, count 1 -> EFAULT");
	a.feat.ptr = (uintptr_t)ro;
	t_ioctl(FEATURES, &a, EFAULT, "FEATURES ptr in a read-only mapping -> EFAULT");
}

static void refused_protocols(bool allow_reserved)
{
	static const uint16_t nosuch[][2] = { { 0xffff, 0xff }, { 0x0000, 0x00 } };
	struct msikit_doe_exchange x;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nosuch); i++) {
		x = disc();
		x.vid = nosuch[i][0];
		x.type = nosuch[i][1];
		t_ioctl(EXCHANGE, &x, EOPNOTSUPP,
			"EXCHANGE %04x:%02x (not a feature) -> EOPNOTSUPP",
			x.vid, x.type);
	}
	/*
	 * CMA/SPDM is mediated (doe-spdm tests the policy): Discovery's
	 * request is no SPDM 1.x header. Secured CMA/SPDM stays refused.
	 */
	for (i = 1; i <= 2; i++) {
		x = disc();
		x.type = i;
		if (allow_reserved)
			skip("DOE_ALLOW_RESERVED=1 lets reserved types through",
			     "EXCHANGE 0001:%02x (reserved) -> %s", i, i == 1 ? "EPERM" : "EACCES");
		else if (i == 1)
			t_ioctl(EXCHANGE, &x, EPERM,
				"EXCHANGE 0001:01 (mediated), not SPDM 1.x -> EPERM");
		else
			t_ioctl(EXCHANGE, &x, EACCES, "EXCHANGE 0001:02 (reserved) -> EACCES");
	}
}

static bool all_fill(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++ != FILL)
			return false;
	return true;
}

/* Larger structures than this kernel knows: accepted by the rules. */
static void argsz_larger(uint8_t *edge)
{
	struct msikit_doe_feature feats[64];
	struct msikit_doe_exchange *px;
	size_t isz = sizeof(struct msikit_doe_info);
	uint32_t count;
	union arg a;
	bool pass;
	int ret;

	memset(a.raw, FILL, sizeof(a.raw));
	a.info.argsz = isz + 64;
	ret = ioctl(fd, INFO, &a);
	pass = ret == 0 && a.info.argsz == isz && all_fill(a.raw + isz, 64);
	tap_result(pass, "INFO argsz %zu + 64 -> success, argsz out %zu, the rest untouched",
		   isz, isz);
	if (!pass)
		printf("# got ret=%d errno=%s argsz=%u\n", ret, ret ? errname(errno) : "-",
		       a.info.argsz);

	memset(a.raw, FILL, sizeof(a.raw));
	a.info.argsz = isz;
	ret = ioctl(fd, INFO, &a);
	pass = ret == 0 && a.info.max_payload == MAX && !(a.info.flags & ~0xfU) &&
	       a.info.device[0] && memchr(a.info.device, 0, sizeof(a.info.device));
	tap_result(pass,
		   "INFO ignores its input fields (all 0x%02x) -> success, every field written",
		   FILL);

	memset(a.raw, 0, sizeof(a.raw));
	a.feat.argsz = sizeof(a.feat) + 8;
	a.feat.count = ARRAY_SIZE(feats);
	a.feat.ptr = (uintptr_t)feats;
	ret = ioctl(fd, FEATURES, &a);
	count = a.feat.count;
	pass = ret == 0 && count >= 1 && feats[0].vid == 0x0001 && feats[0].type == 0;
	tap_result(pass, "FEATURES argsz + 8, zero tail -> success, Discovery listed first");
	if (!pass)
		printf("# got ret=%d errno=%s count=%u\n", ret, ret ? errname(errno) : "-", count);

	memset(a.raw, 0, sizeof(a.raw));
	a.x = disc();
	a.x.argsz = sizeof(a.x) + 8;
	ret = ioctl(fd, EXCHANGE, &a);
	pass = ret == 0 && a.x.rsp_len == 4;
	tap_result(pass, "EXCHANGE argsz + 8, zero tail -> success, rsp_len 4");
	if (!pass)
		printf("# got ret=%d errno=%s rsp_len=%u\n", ret, ret ? errname(errno) : "-",
		       a.x.rsp_len);

	memset(edge, 0, page);
	px = (struct msikit_doe_exchange *)edge;
	*px = disc();
	px->argsz = page;
	ret = ioctl(fd, EXCHANGE, px);
	pass = ret == 0 && px->rsp_len == 4;
	tap_result(pass, "EXCHANGE argsz %ld (a page), zero tail -> success, rsp_len 4", page);
	if (!pass)
		printf("# got ret=%d errno=%s rsp_len=%u\n", ret, ret ? errname(errno) : "-",
		       px->rsp_len);
}

int main(int argc, char **argv)
{
	const char *env = getenv("DOE_ALLOW_RESERVED");
	bool allow_reserved = env && !strcmp(env, "1");
	struct msikit_doe_exchange x;
	long long before, after;
	uint8_t *ro, *edge;
	int ret, err;
	bool pass;

	if (argc != 2 || argv[1][0] == '-')
		usage_exit("usage: " PROG " DEV\n", EXIT_USAGE);
	dev = argv[1];
	fd = open_node(PROG, dev);
	if (fd < 0)
		return EXIT_FAIL;
	node_sysfs_path(stats_path, sizeof(stats_path), dev, "stats/exchanges");
	page = sysconf(_SC_PAGESIZE);
	ro = map(PROT_READ, page);
	edge = map(PROT_READ | PROT_WRITE, 2 * page);	/* 2nd page inaccessible */
	mprotect(edge + page, page, PROT_NONE);

	printf("TAP version 13\n1..%d\n# device %s\n", NR_CASES, dev);

	sanity(allow_reserved);

	/* from here to the count, nothing may reach the mailbox */
	before = read_sysfs_number(stats_path);
	unknown_numbers();
	argsz_refused(edge);
	bad_arg_pointers(edge);
	bad_exchange_fields();
	bad_buffers(ro, edge);
	refused_protocols(allow_reserved);
	after = read_sysfs_number(stats_path);
	if (before < 0 || after < 0) {
		skip("the mailbox's stats/exchanges is not readable",
		     "no refused call reached the mailbox (%s)", stats_path);
	} else {
		tap_result(before == after,
			   "no refused call reached the mailbox (stats/exchanges %lld)", before);
		if (before != after)
			printf("# stats/exchanges went from %lld to %lld\n", before, after);
	}

	argsz_larger(edge);

	x = disc();
	x.rsp_len = 0;
	ret = ioctl(fd, EXCHANGE, &x);
	err = errno;
	pass = ret == -1 && err == EOVERFLOW && x.rsp_len == 4;
	tap_result(pass, "Discovery with rsp_len 0 -> EOVERFLOW, rsp_len 4");
	if (!pass)
		printf("# expected EOVERFLOW and rsp_len 4, got ret=%d errno=%s rsp_len=%u\n",
		       ret, ret == -1 ? errname(err) : "-", x.rsp_len);

	unprivileged();

	x = disc();
	memset(rsp, 0xff, 4);
	ret = ioctl(fd, EXCHANGE, &x);
	err = errno;
	pass = ret == 0 && x.rsp_len == 4;
	tap_result(pass, "Discovery still works (0001:00 index 0 -> rsp_len 4)");
	if (!pass)
		printf("# expected success and rsp_len 4, got ret=%d errno=%s rsp_len=%u\n",
		       ret, ret == -1 ? errname(err) : "-", x.rsp_len);
	else
		printf("# discovery index 0: %04x:%02x, next %u\n",
		       rsp[0] | rsp[1] << 8, rsp[2], rsp[3]);

	if (tap_cases != NR_CASES) {
		printf("# planned %d cases, ran %d\n", NR_CASES, tap_cases);
		tap_failed++;
	}
	printf("# %s: %d of %d cases failed\n", PROG, tap_failed, tap_cases);
	close(fd);
	return tap_failed ? EXIT_FAIL : 0;
}
