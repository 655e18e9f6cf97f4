// SPDX-License-Identifier: GPL-2.0
/*
 * doe-fuzz: bounded randomized ioctls on an msikit DOE mailbox node.
 *
 *   doe-fuzz [-n CALLS] [-s SEED] DEV
 *
 * Each call picks a command (the three valid ones 80% of the time, other
 * numbers otherwise: the valid numbers with a size or a direction, as the
 * first <msikit/doe.h> had them, included), an argsz, random fields (and
 * bytes past the structure) and lengths biased to small
 * and boundary values, and pointers among a valid buffer, NULL, unmapped,
 * inaccessible, read-only, kernel and misaligned addresses. Exchanges that
 * reach a device only use Discovery (well-formed, bar a rare malformed one)
 * and the software mailbox's echo, so every call is quick. Other numbers
 * never use the ioctl types the VFS handles itself (0x00 'T' 'X' 'f' 0x94
 * 0x15), so they must fail with ENOTTY.
 *
 * Fails on: a return other than 0 or -1, an errno outside the expected set,
 * an unknown command not failing with ENOTTY, a call blocked for 30 s, or
 * Discovery failing after the run. Counts go to stdout as "# fuzz: " lines.
 * Set DOE_ALLOW_RESERVED=1 when msikit_doe runs with allow_reserved=1, so
 * that 0001:01 and 0001:02 are left alone.
 *
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <msikit/doe.h>

#include "common.h"

#define PROG		"doe-fuzz"

#define INFO		MSIKIT_DOE_IOC_INFO
#define FEATURES	MSIKIT_DOE_IOC_FEATURES
#define EXCHANGE	MSIKIT_DOE_IOC_EXCHANGE
#define MAX		MSIKIT_DOE_MAX_PAYLOAD

#define HANG_SECS	30
#define SLACK		64	/* misalignment room after the valid buffers */
#define MAX_FEATS	64

enum ptr_kind {
	P_VALID, P_MISALIGNED, P_END, P_NULL, P_LOW, P_HOLE, P_GUARD, P_RO,
	P_KERNEL, P_NONCANON,
};

static const char * const kind_name[] = {
	"valid", "misaligned", "end", "NULL", "low", "unmapped", "guard",
	"read-only", "kernel", "non-canonical",
};

static const int expected[] = {
	0, EINVAL, EFAULT, ENOTTY, EOPNOTSUPP, EACCES, EOVERFLOW, EIO, ENODEV,
	E2BIG, ENOMEM, EPERM, ETIMEDOUT, EBUSY,
	EPROTO,		/* CMA/SPDM (mediated) without a claim */
};

union arg {
	struct msikit_doe_info info;
	struct msikit_doe_features feat;
	struct msikit_doe_exchange x;
	uint8_t raw[128];
};

/* the call under way, for the report of a bad or a hung one */
static struct call {
	unsigned long long n;
	unsigned long cmd;
	unsigned long long arg;
	enum ptr_kind kind;
	union arg a;
} cur;

static uint64_t progress;	/* calls started, watched by the watchdog */
static uint64_t rng;
static long page;
static size_t data_len;
static uint8_t *data, *argpg, *ro, *hole;
static uint8_t goodreq[SLACK + 4];
static struct msikit_doe_feature feats[MAX_FEATS];
static unsigned int nr_feats;
static bool has_echo, allow_reserved;
static unsigned long long nerr[ERRNO_SLOTS + 1];	/* see errno_slot() */

static uint64_t rnd(void)
{
	return splitmix64(&rng);
}

static void describe(FILE *f, const struct call *c)
{
	const union arg *a = &c->a;

	fprintf(f, "call %llu: cmd %#lx arg %#llx (%s) argsz %u", c->n,
		c->cmd, c->arg, kind_name[c->kind], a->x.argsz);
	if (c->cmd == FEATURES)
		fprintf(f, " count %u ptr %#llx", a->feat.count, (unsigned long long)a->feat.ptr);
	else if (c->cmd != INFO)
		fprintf(f,
			" flags %#x %04x:%02x reserved0 %#x req_len %#x rsp_len %#x reserved1 %#x req_ptr %#llx rsp_ptr %#llx",
			a->x.flags, a->x.vid, a->x.type, a->x.reserved0, a->x.req_len,
			a->x.rsp_len, a->x.reserved1, (unsigned long long)a->x.req_ptr,
			(unsigned long long)a->x.rsp_ptr);
	fputc('\n', f);
}

static void *watchdog(void *unused)
{
	uint64_t last = 0;
	int still = 0;

	(void)unused;
	for (;;) {
		uint64_t n;

		sleep(1);
		n = __atomic_load_n(&progress, __ATOMIC_ACQUIRE);
		if (n != last) {
			last = n;
			still = 0;
		} else if (++still >= HANG_SECS) {
			fprintf(stderr, PROG ": no return for %d s from ", HANG_SECS);
			describe(stderr, &cur);
			fflush(stdout);
			_exit(EXIT_FAIL);	/* kills the blocked thread too */
		}
	}
	return NULL;
}

/* @len bytes readable and writable, then an inaccessible page */
static uint8_t *map_guarded(size_t len)
{
	uint8_t *p = mmap(NULL, len + page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + len, page, PROT_NONE)) {
		fprintf(stderr, PROG ": mmap: %s\n", strerror(errno));
		exit(EXIT_FAIL);
	}
	return p;
}

static uint64_t pick_ptr(uint8_t *base, size_t len, enum ptr_kind *kind)
{
	unsigned int r = rnd() % 100;

	*kind = r < 55 ? P_VALID : r < 65 ? P_MISALIGNED : r < 70 ? P_END :
		r < 77 ? P_NULL : r < 80 ? P_LOW : r < 86 ? P_HOLE :
		r < 89 ? P_GUARD : r < 95 ? P_RO : r < 98 ? P_KERNEL : P_NONCANON;
	switch (*kind) {
	case P_VALID:
		return (uintptr_t)base;
	case P_MISALIGNED:
		return (uintptr_t)(base + 1 + rnd() % (SLACK - 1));
	case P_END:
		return (uintptr_t)(base + len - rnd() % SLACK);
	case P_NULL:
		return 0;
	case P_LOW:
		return 8;
	case P_HOLE:
		return (uintptr_t)(hole + rnd() % page);
	case P_GUARD:
		return (uintptr_t)(base + len);
	case P_RO:
		return (uintptr_t)(ro + (rnd() % 4 ? 0 : rnd() % page));
	case P_KERNEL:
		return rnd() % 2 ? 0xffff888000000000ULL : (uint64_t)-4096;
	default:
		return 0x8000000000000000ULL | (rnd() & 0xfffffffffffULL);
	}
}

static uint32_t pick_len(bool big_ok)
{
	static const uint32_t edge[] = {
		0, 1, 2, 3, 4, 8, MAX + 1, MAX + 4, MAX + 8, 1U << 20, 1U << 24,
		0x7ffffffc, 0x80000000, 0xfffffffc, 0xffffffff,
	};
	static const uint32_t big[] = { MAX, MAX - 4, 65536 };
	unsigned int r = rnd() % 100;

	if (r < 50)
		return 4 * (rnd() % 65);
	if (r < 65)
		return rnd() % 260;
	if (r < 85)
		return edge[rnd() % ARRAY_SIZE(edge)];
	if (r < 99 || !big_ok)
		return (uint32_t)rnd() | 0x00100000;	/* over MAX */
	return big[rnd() % ARRAY_SIZE(big)];
}

static bool listed(uint16_t vid, uint8_t type)
{
	return feature_listed(feats, nr_feats, vid, type);
}

static void pick_good_proto(uint16_t *vid, uint8_t *type)
{
	*vid = has_echo && rnd() % 2 ? 0x1234 : 0x0001;
	*type = *vid == 0x1234 ? 0x01 : 0x00;
}

static void pick_proto(uint16_t *vid, uint8_t *type)
{
	static const uint16_t vids[] = { 0x0001, 0x1234, 0x1e98 };
	unsigned int r = rnd() % 100;

	if (r < 30) {
		pick_good_proto(vid, type);
		return;
	}
	if (r < 37 && !allow_reserved) {
		*vid = 0x0001;
		*type = 1 + rnd() % 2;
		return;
	}
	for (;;) {
		*vid = rnd() % 2 ? vids[rnd() % 3] : rnd();
		*type = rnd() % 2 ? rnd() % 4 : rnd();
		if (*vid == 0x0001 && (*type == 1 || *type == 2) && allow_reserved)
			continue;
		if (*vid == 0x0001 && *type == 0)
			continue;
		if (!listed(*vid, *type) || (*vid == 0x1234 && *type == 0x01) ||
		    (*vid == 0x0001 && (*type == 1 || *type == 2)))
			return;
	}
}

static uint32_t pick_argsz(size_t size)
{
	unsigned int r = rnd() % 100;

	if (r < 60)
		return size;
	if (r < 68)
		return 0;
	if (r < 76)
		return size - 1;
	if (r < 84)
		return size + rnd() % 64;
	if (r < 90)
		return rnd() % size;
	return rnd();
}

/* @keep < 0: all fields random; else all valid but field number @keep */
static void build_exchange(struct msikit_doe_exchange *x, int keep)
{
	enum ptr_kind rk = P_VALID, sk = P_VALID;
	bool all = keep < 0;

	x->flags = (all || keep == 0) && rnd() % 100 >= 85 ?
		   rnd() % 2 ? 1U << rnd() % 32 : (uint32_t)rnd() : 0;
	x->reserved0 = (all || keep == 1) && rnd() % 100 >= 90 ? rnd() : 0;
	x->reserved1 = (all || keep == 2) && rnd() % 100 >= 90 ? rnd() : 0;
	if (all || keep == 3)
		pick_proto(&x->vid, &x->type);
	else
		pick_good_proto(&x->vid, &x->type);
	x->req_len = all || keep == 4 ? pick_len(false) : 4 * (rnd() % 65);
	x->rsp_len = all || keep == 5 ? pick_len(true) : 4 * (rnd() % 65);
	x->req_ptr = all || keep == 6 ? pick_ptr(data, data_len, &rk) : (uintptr_t)data;
	x->rsp_ptr = all || keep == 7 ? pick_ptr(data, data_len, &sk) :
		     (uintptr_t)(data + data_len / 2);
	/*
	 * Keep Discovery well-formed (one dword, an index that exists): a
	 * responder ignores anything else and the exchange times out.
	 */
	if (x->vid == 0x0001 && x->type == 0x00 && rnd() % 1000 >= 2 &&
	    !(x->req_len % 4) && x->req_len <= MAX) {
		x->req_len = 4;
		if (rk == P_VALID || rk == P_MISALIGNED || rk == P_END || rk == P_RO) {
			uint8_t *p = goodreq + (rk == P_VALID ? 0 : rnd() % SLACK);
			uint32_t idx = nr_feats ? rnd() % nr_feats : 0;

			p[0] = idx;
			memset(p + 1, 0, 3);
			x->req_ptr = (uintptr_t)p;
		}
	}
}

static unsigned long pick_cmd(void)
{
	static const unsigned long cmds[] = { INFO, FEATURES, EXCHANGE };
	static const unsigned int vfs_types[] = { 0x00, 'T', 'X', 'f', 0x94, 0x15 };
	unsigned int i;

	if (rnd() % 100 < 80)
		return cmds[rnd() % 3];
	switch (rnd() % 4) {
	case 0:		/* a valid number with a size, as the first version had */
		return _IOC(_IOC_READ | _IOC_WRITE, MSIKIT_DOE_IOC_MAGIC, rnd() % 3,
			    rnd() % (_IOC_SIZEMASK + 1));
	case 1:		/* another number */
		return _IOC(_IOC_READ | _IOC_WRITE, MSIKIT_DOE_IOC_MAGIC, rnd() % 256,
			    sizeof(struct msikit_doe_exchange));
	case 2:		/* a valid number with a direction */
		return cmds[rnd() % 3] ^ ((unsigned long)(1 + rnd() % 3) << _IOC_DIRSHIFT);
	}
	for (;;) {
		unsigned long cmd = (uint32_t)rnd();

		for (i = 0; i < ARRAY_SIZE(vfs_types); i++)
			if (_IOC_TYPE(cmd) == vfs_types[i])
				break;
		if (i == ARRAY_SIZE(vfs_types))
			return cmd;
	}
}

static void build_call(void)
{
	union arg a;
	unsigned int i;
	size_t size;
	int keep;

	cur.cmd = pick_cmd();
	/* a quarter of the valid commands: one bad field (or none) at most */
	keep = (cur.cmd == INFO || cur.cmd == FEATURES || cur.cmd == EXCHANGE) &&
	       !(rnd() % 4) ? (int)(rnd() % 11) : -1;
	for (i = 0; i < sizeof(a.raw); i += 8) {
		uint64_t v = rnd();

		memcpy(a.raw + i, &v, 8);
	}
	size = cur.cmd == INFO ? sizeof(a.info) : cur.cmd == FEATURES ? sizeof(a.feat) :
	       sizeof(a.x);
	a.x.argsz = keep < 0 || keep == 8 ? pick_argsz(size) : size;
	/* half the larger ones come with the zero tail the kernel accepts */
	if (a.x.argsz > size && a.x.argsz <= sizeof(a.raw) && rnd() % 2)
		memset(a.raw + size, 0, a.x.argsz - size);
	if (cur.cmd == FEATURES) {
		static const uint32_t counts[] = { 0, 1, 2, 0xffffffff, 0x80000000 };
		enum ptr_kind k;

		i = rnd() % 4;
		a.feat.count = !i ? counts[rnd() % 5] : i == 1 ? nr_feats : rnd() % (MAX_FEATS + 2);
		a.feat.ptr = keep < 0 || keep == 6 ? pick_ptr(data, data_len, &k) :
			     (uintptr_t)data;
	} else if (cur.cmd != INFO) {
		build_exchange(&a.x, keep);
	}
	cur.a = a;
	cur.kind = P_VALID;
	cur.arg = keep < 0 || keep == 9 ? pick_ptr(argpg, page, &cur.kind) : (uintptr_t)argpg;
	if (cur.kind == P_VALID || cur.kind == P_MISALIGNED || cur.kind == P_END) {
		uint8_t *p = (uint8_t *)(uintptr_t)cur.arg;
		size_t room = argpg + page - p;

		memcpy(p, &a, room < sizeof(a) ? room : sizeof(a));
	}
}

static bool is_expected(int e)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(expected); i++)
		if (e == expected[i])
			return true;
	return false;
}

static int discovery_ok(int fd)
{
	uint8_t req[4] = { 0 }, rsp[4] = { 0 };
	struct msikit_doe_exchange x = discovery_exchange(req, rsp);

	if (ioctl(fd, EXCHANGE, &x))
		return errno;
	return x.rsp_len == 4 ? 0 : EBADMSG;
}

static const char usage_text[] = "usage: doe-fuzz [-n CALLS] [-s SEED] DEV\n";

int main(int argc, char **argv)
{
	unsigned long long calls = 100000, seed, n;
	const char *env = getenv("DOE_ALLOW_RESERVED");
	bool bad = false;
	struct timespec ts;
	pthread_t thread;
	int opt, fd, err;
	uint32_t count;
	char *end;

	clock_gettime(CLOCK_REALTIME, &ts);
	seed = ts.tv_sec * 1000000007ULL ^ ts.tv_nsec ^ (unsigned long long)getpid() << 32;
	while ((opt = getopt(argc, argv, "n:s:h")) != -1) {
		switch (opt) {
		case 'n':
		case 's':
			errno = 0;
			n = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || *optarg == '-' ||
			    (opt == 'n' && !n)) {
				fprintf(stderr, PROG ": bad number '%s'\n", optarg);
				usage_exit(usage_text, EXIT_USAGE);
			}
			if (opt == 'n')
				calls = n;
			else
				seed = n;
			break;
		case 'h':
			usage_exit(usage_text, 0);
		default:
			usage_exit(usage_text, EXIT_USAGE);
		}
	}
	if (optind != argc - 1)
		usage_exit(usage_text, EXIT_USAGE);
	allow_reserved = env && !strcmp(env, "1");

	fd = open_node(PROG, argv[optind]);
	if (fd < 0)
		return EXIT_FAIL;
	if (node_features(fd, feats, MAX_FEATS, &count)) {
		fprintf(stderr, PROG ": %s: FEATURES: %s\n", argv[optind], strerror(errno));
		return EXIT_FAIL;
	}
	nr_feats = count < MAX_FEATS ? count : MAX_FEATS;
	has_echo = listed(0x1234, 0x01);
	printf("# fuzz: %s: %u features%s, seed %llu\n", argv[optind], count,
	       has_echo ? ", echo" : "", seed);
	fflush(stdout);

	rng = seed;
	page = sysconf(_SC_PAGESIZE);
	data_len = (MAX + SLACK + page - 1) / page * page;
	data = map_guarded(data_len);
	argpg = map_guarded(page);
	ro = map_guarded(page);
	memset(ro, 0xa5, page);
	ro[0] = 0x80;	/* argsz 128 at the start: past argsz, to the fields */
	memset(ro + 1, 0, 3);
	mprotect(ro, page, PROT_READ);
	if (pthread_create(&thread, NULL, watchdog, NULL)) {
		fprintf(stderr, PROG ": pthread_create failed\n");
		return EXIT_FAIL;
	}
	/* last: a hole between two inaccessible pages nothing else gets */
	hole = map_guarded(2 * page);
	mprotect(hole, page, PROT_NONE);
	hole += page;
	munmap(hole, page);

	for (n = 0; n < calls && !bad; n++) {
		int ret;
		bool valid;

		cur.n = n;
		build_call();
		__atomic_store_n(&progress, n + 1, __ATOMIC_RELEASE);
		errno = 0;
		ret = ioctl(fd, cur.cmd, (void *)(uintptr_t)cur.arg);
		err = ret ? errno : 0;
		nerr[errno_slot(err)]++;
		valid = cur.cmd == INFO || cur.cmd == FEATURES || cur.cmd == EXCHANGE;
		if ((ret != 0 && ret != -1) || !is_expected(err) ||
		    (!valid && err != ENOTTY) || (valid && err == ENOTTY)) {
			fprintf(stderr, PROG ": returned %d errno %s (%s) on ", ret,
				err ? errname(err) : "0", strerror(err));
			describe(stderr, &cur);
			bad = true;
		}
	}

	if (nerr[0])
		printf("# fuzz: success: %llu\n", nerr[0]);
	print_errno_counts("# fuzz: errno ", nerr);
	printf("# fuzz: calls=%llu seed=%llu\n", n, seed);
	err = discovery_ok(fd);
	if (err) {
		printf("# fuzz: Discovery after the run failed: %s\n", errname(err));
		bad = true;
	}
	fflush(stdout);
	close(fd);
	return bad ? EXIT_FAIL : 0;
}
