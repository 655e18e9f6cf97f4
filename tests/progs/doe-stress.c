// SPDX-License-Identifier: GPL-2.0
/*
 * doe-stress: many processes running exchanges on one msikit DOE mailbox
 * node at once, every response checked against what it must be.
 *
 *   doe-stress [-c CLIENTS] [-n EXCHANGES | -d SECONDS] [-m echo|cdat|sized] [-k]
 *              [-s STOPFILE] [-p PHASEFILE] DEV
 *
 * echo   1234:01 of the software mailbox: a unique request of 1..64 dwords
 *        per exchange, the response must be the request.
 * sized  1234:02 of the software mailbox: request N in 1..1024, the response
 *        must be N dwords, dword i = i ^ 0x5a5a0000.
 * cdat   1e98:02 (CXL Table Access): the parent reads the CDAT table once as
 *        the reference, the clients then read its entries in their own order.
 *
 * Without -k the first failed exchange ends a client and the run fails.
 * With -k failures are counted per errno and, when the node reports ENODEV
 * (device unbound), the client reopens it; the run then fails only if wrong
 * data came back as a success. With -s the clients also stop once STOPFILE
 * exists, so a test can keep them running until an event it waits for (a
 * removal whose timing it does not control) has happened. With -p each
 * client's successes are also counted apart before and after PHASEFILE
 * appears (by when the exchange started), one line per client, so a test
 * can tell that every client got through on both sides of an event, not
 * just that some exchange did somewhere. Summary lines go to stdout,
 * prefixed "# ".
 *
 * Exit status: 0 success, 1 failure, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <msikit/doe.h>

#include "common.h"

#define PROG		"doe-stress"

#define MAX_CLIENTS	1024
#define MAX_REPORTS	10	/* mismatch reports printed per client */
#define STALL_SECS	60	/* a client without progress this long is hung */

#define VID_TEST	0x1234
#define TYPE_ECHO	0x01
#define TYPE_SIZED	0x02
#define VID_CXL		0x1e98
#define TYPE_CDAT	0x02

#define ECHO_MAX_DW	64
#define SIZED_MAX_DW	1024
#define SIZED_PATTERN	0x5a5a0000U
#define CDAT_LAST	0xffff
#define CDAT_MAX_ENT	1024
#define CDAT_SLACK	256	/* room for a response longer than the reference */

enum mode { MODE_ECHO, MODE_CDAT, MODE_SIZED };
#define NR_MODES	3
static const char * const mode_name[] = { "echo", "cdat", "sized" };

struct stats {
	unsigned long long done;	/* attempts: ok + mismatched + errors */
	unsigned long long ok;
	unsigned long long mismatched;
	unsigned long long errors;
	unsigned long long ok_after;	/* with -p: of ok, started once PHASEFILE existed */
	unsigned long long err[ERRNO_SLOTS + 1];	/* see errno_slot() */
	unsigned long long open_err[ERRNO_SLOTS + 1];	/* of err, an open()'s */
};

struct cdat_entry {
	uint32_t handle;
	uint32_t len;
	uint8_t *data;
};

/* set up by the parent before forking, read-only afterwards */
static const char *dev;
static enum mode mode = MODE_ECHO;
static unsigned int nclients = 8;
static unsigned long long count = 1000;
static unsigned int duration;
static bool keep_going;
static const char *stop_file;
static const char *phase_file;
static int64_t deadline;	/* ms, with -d */
static struct cdat_entry cdat[CDAT_MAX_ENT];
static unsigned int ncdat;
static uint32_t cdat_max_len;
static uint8_t sized_exp[SIZED_MAX_DW * 4];

/* One write per line, so lines of concurrent clients do not interleave. */
static void __printf(2, 3) say(int fd, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n > (int)sizeof(line) - 2)
		n = n < 0 ? 0 : sizeof(line) - 2;
	line[n++] = '\n';
	n = write(fd, line, n);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns 0 or -errno; *rsp_len is updated on success and on -EOVERFLOW. */
static int exchange(int fd, uint16_t vid, uint8_t type, const void *req,
		    uint32_t req_len, void *rsp, uint32_t *rsp_len)
{
	struct msikit_doe_exchange x = {
		.argsz = sizeof(x),
		.vid = vid,
		.type = type,
		.req_len = req_len,
		.rsp_len = *rsp_len,
		.req_ptr = (uintptr_t)req,
		.rsp_ptr = (uintptr_t)rsp,
	};

	if (ioctl(fd, MSIKIT_DOE_IOC_EXCHANGE, &x)) {
		int e = errno;

		if (e == EOVERFLOW)
			*rsp_len = x.rsp_len;
		return -e;
	}
	*rsp_len = x.rsp_len;
	return 0;
}

static int cdat_load(int fd)
{
	uint32_t handle = 0, cap = 4096, len;
	uint8_t req[4], *buf = malloc(cap), *nb;
	unsigned int i;
	int rc;

	if (!buf)
		goto oom;
	while (handle != CDAT_LAST) {
		for (i = 0; i < ncdat; i++) {
			if (cdat[i].handle == handle) {
				say(2, PROG ": %s: CDAT entry %u listed twice", dev, handle);
				goto fail;
			}
		}
		if (ncdat == CDAT_MAX_ENT) {
			say(2, PROG ": %s: CDAT has over %u entries", dev, CDAT_MAX_ENT);
			goto fail;
		}
		put_le32(req, handle << 16);	/* read entry, table type 0 */
		len = cap;
		rc = exchange(fd, VID_CXL, TYPE_CDAT, req, sizeof(req), buf, &len);
		if (rc == -EOVERFLOW && len > cap && len <= MSIKIT_DOE_MAX_PAYLOAD) {
			nb = realloc(buf, len);
			if (!nb)
				goto oom;
			buf = nb;
			cap = len;
			continue;
		}
		if (rc) {
			say(2, PROG ": %s: CDAT read of entry %u: %s", dev, handle, strerror(-rc));
			goto fail;
		}
		if (len < 4) {
			say(2, PROG ": %s: CDAT entry %u: response of %u bytes", dev, handle, len);
			goto fail;
		}
		cdat[ncdat].data = malloc(len);
		if (!cdat[ncdat].data)
			goto oom;
		memcpy(cdat[ncdat].data, buf, len);
		cdat[ncdat].handle = handle;
		cdat[ncdat].len = len;
		ncdat++;
		if (len > cdat_max_len)
			cdat_max_len = len;
		handle = get_le32(buf) >> 16;	/* the next entry */
	}
	free(buf);
	printf("# " PROG ": CDAT reference: %u entries, largest %u bytes\n", ncdat, cdat_max_len);
	return 0;
oom:
	say(2, PROG ": out of memory");
fail:
	free(buf);
	return -1;
}

struct client {
	unsigned int id;
	int fd;
	struct stats *st;
	uint8_t req[ECHO_MAX_DW * 4];
	uint8_t *rsp;
	uint32_t rsp_cap;
	unsigned int *order;	/* cdat: entry order of this pass */
};

/* Returns true if equal; reports the first difference otherwise. */
static bool check(struct client *c, unsigned long long seq, const char *what,
		  const uint8_t *exp, uint32_t exp_len, const uint8_t *got, uint32_t got_len)
{
	uint32_t n = exp_len < got_len ? exp_len : got_len, i;

	for (i = 0; i + 4 <= n; i += 4)
		if (memcmp(exp + i, got + i, 4))
			break;
	if (i + 4 > n && exp_len == got_len)
		return true;
	if (c->st->mismatched >= MAX_REPORTS)
		return false;
	if (i + 4 <= n)
		say(1,
		    "# doe-stress: client %u exchange %llu: %s: dword %u expected 0x%08x got 0x%08x (length expected %u got %u)",
		    c->id, seq, what, i / 4, get_le32(exp + i), get_le32(got + i),
		    exp_len, got_len);
	else
		say(1, "# " PROG ": client %u exchange %llu: %s: length expected %u got %u",
		    c->id, seq, what, exp_len, got_len);
	return false;
}

/* Returns 0 ok, 1 mismatch, -errno failure. */
static int one_exchange(struct client *c, unsigned long long seq)
{
	uint64_t s = (uint64_t)c->id << 40 ^ seq ^ 0x646f652d73747273ULL;
	uint32_t n, i, len = c->rsp_cap;
	char what[64];
	int rc;

	switch (mode) {
	case MODE_ECHO:
		n = 1 + splitmix64(&s) % ECHO_MAX_DW;
		for (i = 0; i < n; i++)
			put_le32(c->req + 4 * i, splitmix64(&s));
		put_le32(c->req, c->id << 24 | (seq & 0xffffff));
		if (n > 1)
			put_le32(c->req + 4, seq);
		rc = exchange(c->fd, VID_TEST, TYPE_ECHO, c->req, 4 * n, c->rsp, &len);
		if (rc)
			return rc;
		snprintf(what, sizeof(what), "echo of %u dwords", n);
		return !check(c, seq, what, c->req, 4 * n, c->rsp, len);
	case MODE_SIZED:
		n = 1 + splitmix64(&s) % SIZED_MAX_DW;
		put_le32(c->req, n);
		rc = exchange(c->fd, VID_TEST, TYPE_SIZED, c->req, 4, c->rsp, &len);
		if (rc)
			return rc;
		snprintf(what, sizeof(what), "sized %u", n);
		return !check(c, seq, what, sized_exp, 4 * n, c->rsp, len);
	case MODE_CDAT:
		i = seq % ncdat;
		if (!i) {	/* a new pass: shuffle the order */
			uint64_t ps = (uint64_t)c->id << 32 ^ seq / ncdat;
			unsigned int j;

			for (j = ncdat - 1; j > 0; j--) {
				unsigned int t = splitmix64(&ps) % (j + 1);

				n = c->order[j];
				c->order[j] = c->order[t];
				c->order[t] = n;
			}
		}
		i = c->order[i];
		put_le32(c->req, cdat[i].handle << 16);
		rc = exchange(c->fd, VID_CXL, TYPE_CDAT, c->req, 4, c->rsp, &len);
		if (rc)
			return rc;
		snprintf(what, sizeof(what), "CDAT entry %u", cdat[i].handle);
		return !check(c, seq, what, cdat[i].data, cdat[i].len, c->rsp, len);
	}
	return -EINVAL;
}

static void count_error(struct client *c, unsigned long long seq, const char *what, int e)
{
	struct stats *st = c->st;

	if (!st->errors || !keep_going)
		say(1, "# " PROG ": client %u exchange %llu: %s%s: %s (%s)",
		    c->id, seq, keep_going ? "first error: " : "", what, errname(e),
		    strerror(e));
	st->errors++;
	st->err[errno_slot(e)]++;
	if (!strcmp(what, "open"))
		st->open_err[errno_slot(e)]++;
}

static int client_main(struct client *c)
{
	struct stats *st = c->st;
	unsigned long long seq;
	unsigned int i;

	c->rsp_cap = mode == MODE_CDAT ? cdat_max_len + CDAT_SLACK : SIZED_MAX_DW * 4;
	c->rsp = malloc(c->rsp_cap);
	c->order = calloc(ncdat + 1, sizeof(*c->order));
	if (!c->rsp || !c->order) {
		say(2, PROG ": client %u: out of memory", c->id);
		return EXIT_FAIL;
	}
	for (i = 0; i < ncdat; i++)
		c->order[i] = i;

	for (seq = 0; duration ? now_ms() < deadline : seq < count; seq++) {
		bool after;
		int rc;

		if (stop_file && !access(stop_file, F_OK))
			break;
		after = phase_file && !access(phase_file, F_OK);

		if (c->fd < 0)
			c->fd = open(dev, O_RDWR | O_CLOEXEC);
		rc = c->fd < 0 ? -errno : one_exchange(c, seq);
		if (rc > 0) {
			st->mismatched++;
		} else if (!rc) {
			st->ok++;
			st->ok_after += after;
		} else {
			count_error(c, seq, c->fd < 0 ? "open" : "exchange", -rc);
		}
		__atomic_store_n(&st->done, seq + 1, __ATOMIC_RELAXED);
		if (rc < 0 && !keep_going)
			break;
		if (rc == -ENODEV && c->fd >= 0) {	/* gone: a rebind makes a new one */
			close(c->fd);
			c->fd = -1;
		}
		if (c->fd < 0)
			usleep(1000);
	}
	if (c->fd >= 0)
		close(c->fd);
	return 0;
}

static const char usage_text[] =
	"usage: doe-stress [-c CLIENTS] [-n EXCHANGES | -d SECONDS] [-m echo|cdat|sized] [-k]\n"
	"                  [-s STOPFILE] [-p PHASEFILE] DEV\n"
	"  -c processes (8), -n exchanges each (1000), -d run for SECONDS instead,\n"
	"  -m echo (1234:01), sized (1234:02) or cdat (1e98:02), -k keep going on errors,\n"
	"  -s stop early once STOPFILE exists,\n"
	"  -p count each client's successes before and after PHASEFILE appears\n";

static unsigned long parse_num(const char *s, unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		fprintf(stderr, PROG ": bad number '%s' (%lu..%lu)\n", s, min, max);
		usage_exit(usage_text, EXIT_USAGE);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned int i, running, crashed = 0;
	struct stats *stats, sum = { 0 };
	unsigned long long last_done[MAX_CLIENTS] = { 0 };
	int64_t start, last_move[MAX_CLIENTS];
	pid_t pids[MAX_CLIENTS];
	bool stalled = false;
	int opt, fd, status;

	while ((opt = getopt(argc, argv, "c:n:d:m:ks:p:h")) != -1) {
		switch (opt) {
		case 'c':
			nclients = parse_num(optarg, 1, MAX_CLIENTS);
			break;
		case 'n':
			count = parse_num(optarg, 1, ULONG_MAX);
			break;
		case 'd':
			duration = parse_num(optarg, 1, 86400);
			break;
		case 'm':
			for (mode = 0; mode < NR_MODES && strcmp(optarg, mode_name[mode]); mode++)
				;
			if (mode == NR_MODES)
				usage_exit(usage_text, EXIT_USAGE);
			break;
		case 'k':
			keep_going = true;
			break;
		case 's':
			stop_file = optarg;
			break;
		case 'p':
			phase_file = optarg;
			break;
		case 'h':
			usage_exit(usage_text, 0);
		default:
			usage_exit(usage_text, EXIT_USAGE);
		}
	}
	if (optind != argc - 1)
		usage_exit(usage_text, EXIT_USAGE);
	dev = argv[optind];

	fd = open_node(PROG, dev);
	if (fd < 0)
		return EXIT_FAIL;
	if (mode == MODE_CDAT && cdat_load(fd))
		return EXIT_FAIL;
	for (i = 0; i < SIZED_MAX_DW; i++)
		put_le32(sized_exp + 4 * i, i ^ SIZED_PATTERN);
	close(fd);

	stats = mmap(NULL, nclients * sizeof(*stats), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	start = now_ms();
	deadline = start + duration * 1000LL;
	fflush(stdout);
	for (i = 0; i < nclients; i++) {
		pids[i] = fork();
		if (!pids[i]) {
			struct client c = { .id = i, .fd = -1, .st = &stats[i] };

			_exit(client_main(&c));
		}
		if (pids[i] < 0) {
			fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
			while (i--)
				kill(pids[i], SIGKILL);
			while (wait(NULL) > 0)
				;
			return EXIT_FAIL;
		}
		last_move[i] = start;
	}

	/* Wait for the clients; kill them all if one stops making progress. */
	for (running = nclients; running; ) {
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			for (i = 0; i < nclients && pids[i] != pid; i++)
				;
			if (i < nclients) {
				pids[i] = 0;
				running--;
				if (!WIFEXITED(status) || WEXITSTATUS(status)) {
					crashed++;
					say(1, "# " PROG ": client %u died: %s %d", i,
					    WIFEXITED(status) ? "exit status" : "signal",
					    WIFEXITED(status) ? WEXITSTATUS(status) :
								WTERMSIG(status));
				}
			}
			continue;
		}
		if (pid < 0 && errno != EINTR)
			break;
		usleep(100000);
		for (i = 0; i < nclients; i++) {
			unsigned long long d = __atomic_load_n(&stats[i].done, __ATOMIC_RELAXED);
			int64_t t = now_ms();

			if (d != last_done[i] || !pids[i]) {
				last_done[i] = d;
				last_move[i] = t;
			} else if (!stalled && t - last_move[i] > STALL_SECS * 1000) {
				say(1,
				    "# doe-stress: client %u: no progress for %d s after exchange %llu, killing all clients",
				    i, STALL_SECS, d);
				stalled = true;
			}
		}
		for (i = 0; stalled && i < nclients; i++)
			if (pids[i])
				kill(pids[i], SIGKILL);
	}

	for (i = 0; i < nclients; i++) {	/* struct stats: all unsigned long long */
		unsigned long long *to = (void *)&sum, *from = (void *)&stats[i];
		unsigned int e;

		for (e = 0; e < sizeof(sum) / sizeof(*to); e++)
			to[e] += from[e];
	}
	printf("# " PROG ": mode=%s dev=%s\n", mode_name[mode], dev);
	printf("# " PROG ": clients=%u exchanges=%llu ok=%llu mismatched=%llu errors=%llu",
	       nclients, sum.done, sum.ok, sum.mismatched, sum.errors);
	printf(" elapsed_ms=%lld\n", (long long)(now_ms() - start));
	print_errno_counts("# errno ", sum.err);
	print_errno_counts("# open errno ", sum.open_err);
	for (i = 0; phase_file && i < nclients; i++)
		printf("# " PROG ": client %u ok_before=%llu ok_after=%llu\n", i,
		       stats[i].ok - stats[i].ok_after, stats[i].ok_after);
	if (crashed || stalled)
		printf("# " PROG ": %u clients died%s\n", crashed, stalled ? ", hung" : "");
	if (sum.mismatched || crashed || stalled)
		return EXIT_FAIL;
	if (!keep_going && (sum.errors || sum.ok != sum.done ||
			    (!duration && sum.ok != count * nclients)))
		return EXIT_FAIL;
	return 0;
}
