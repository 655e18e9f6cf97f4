// SPDX-License-Identifier: GPL-2.0
/*
 * doe-queue: the per-mailbox cap on user-space exchanges (max_queued).
 * Output is TAP/KTAP on stdout.
 *
 *   doe-queue [-n MAX] [-t SECONDS] DEV
 *
 * DEV must offer the software mailbox's echo (1234:01) and answer slowly:
 * the caller sets its delay_us so that one exchange takes a good part of
 * the DOE timeout (e.g. 300 ms), which leaves MAX exchanges in flight long
 * enough to be seen. MAX defaults to the module parameter max_queued. The
 * mailbox's sysfs attribute "queued" (under MSIKIT_DOE_SYSFS, default
 * /sys/class/msikit-doe) tells when the queue is full, so nothing here
 * depends on how fast threads start.
 *
 *  1. MAX threads start an exchange each; once queued reads MAX, one more
 *     exchange fails at once with EBUSY; the MAX then complete with the
 *     right data and queued reads 0.
 *  2. A child process starts MAX exchanges and is killed with SIGKILL
 *     while they wait: they stay queued, so one more still fails with
 *     EBUSY; they drain within SECONDS (default 30), queued reads 0, and
 *     an exchange works again.
 *
 * Exit status: 0 all cases passed, 1 a case failed, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <msikit/doe.h>

#include "common.h"

#define PROG		"doe-queue"
#define NR_CASES	9
#define MAX_THREADS	4096
#define ECHO_DW		4
#define FULL_WAIT_MS	5000

static const char *dev;
static int fd;
static char queued_path[4096];

struct worker {
	pthread_t thread;
	unsigned int id;
	int err;		/* 0, an errno, or EBADMSG for wrong data */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long queued(void)
{
	return read_sysfs_number(queued_path);
}

/* Wait up to @ms for queued to read @want; returns what it read last. */
static long wait_queued(long want, int64_t ms)
{
	int64_t end = now_ms() + ms;
	long q;

	while ((q = queued()) != want && now_ms() < end)
		usleep(1000);
	return q;
}

/* One echo exchange of a payload unique to @id: 0, an errno, or EBADMSG. */
static int echo(unsigned int id)
{
	uint8_t req[ECHO_DW * 4], rsp[ECHO_DW * 4];
	struct msikit_doe_exchange x = {
		.argsz = sizeof(x),
		.vid = 0x1234, .type = 0x01,
		.req_len = sizeof(req), .rsp_len = sizeof(rsp),
		.req_ptr = (uintptr_t)req, .rsp_ptr = (uintptr_t)rsp,
	};
	unsigned int i;

	for (i = 0; i < sizeof(req); i++)
		req[i] = id * 31 + i * 7 + 1;
	if (ioctl(fd, MSIKIT_DOE_IOC_EXCHANGE, &x))
		return errno;
	return x.rsp_len == sizeof(req) && !memcmp(req, rsp, sizeof(req)) ? 0 : EBADMSG;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->err = echo(w->id);
	return NULL;
}

/* Start @n workers; false (after reporting) if a thread cannot start. */
static bool start_workers(struct worker *w, unsigned int n, unsigned int base)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		w[i].id = base + i;
		w[i].err = -1;
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i])) {
			fprintf(stderr, PROG ": pthread_create failed\n");
			return false;
		}
	}
	return true;
}

/* The extra exchange on a full queue: EBUSY, and at once. */
static void extra_refused(const char *when)
{
	int64_t t0 = now_ms(), ms;
	int err = echo(0xffff);

	ms = now_ms() - t0;
	tap_result(err == EBUSY && ms < 1000, "%s: one more exchange -> EBUSY at once", when);
	if (err != EBUSY || ms >= 1000)
		printf("# got %s after %lld ms\n", errname(err), (long long)ms);
}

static void live_callers(struct worker *w, unsigned int max)
{
	unsigned int i, bad = 0;
	long q;

	if (!start_workers(w, max, 0))
		exit(EXIT_FAIL);
	q = wait_queued(max, FULL_WAIT_MS);
	tap_result(q == (long)max, "%u exchanges in flight: queued reads %u", max, max);
	if (q != (long)max)
		printf("# queued reads %ld: is the mailbox slow enough (delay_us)?\n", q);
	extra_refused("queue full of waiting callers");
	for (i = 0; i < max; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].err) {
			if (bad++ < 5)
				printf("# exchange %u: %s\n", i, errname(w[i].err));
		}
	}
	tap_result(!bad, "the %u queued exchanges complete with the right data", max);
	q = queued();
	tap_result(q == 0, "queued reads 0 once they returned");
	if (q)
		printf("# queued reads %ld\n", q);
}

static void killed_callers(struct worker *w, unsigned int max, unsigned int secs)
{
	int status = 0;
	pid_t pid;
	long q;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		exit(EXIT_FAIL);
	}
	if (!pid) {
		if (!start_workers(w, max, max))
			_exit(EXIT_FAIL);
		for (;;)
			pause();
	}
	q = wait_queued(max, FULL_WAIT_MS);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	tap_result(q == (long)max && WIFSIGNALED(status),
		   "a process with %u exchanges in flight is killed", max);
	if (q != (long)max)
		printf("# queued read %ld before the kill\n", q);
	extra_refused("queue full of killed callers' exchanges");
	q = wait_queued(0, secs * 1000LL);
	tap_result(q == 0, "the killed callers' exchanges drain within %u s: queued reads 0", secs);
	if (q)
		printf("# queued still reads %ld\n", q);
	q = echo(1);
	tap_result(!q, "an exchange works again");
	if (q)
		printf("# got %s\n", errname(q));
}

static const char usage_text[] = "usage: doe-queue [-n MAX] [-t SECONDS] DEV\n";

int main(int argc, char **argv)
{
	unsigned long max = 0, secs = 30;
	struct worker *w;
	int opt;
	long q;

	while ((opt = getopt(argc, argv, "n:t:h")) != -1) {
		char *end;
		unsigned long v;

		switch (opt) {
		case 'n':
		case 't':
			errno = 0;
			v = strtoul(optarg, &end, 0);
			if (errno || end == optarg || *end || *optarg == '-' || !v ||
			    v > MAX_THREADS) {
				fprintf(stderr, PROG ": bad number '%s'\n", optarg);
				usage_exit(usage_text, EXIT_USAGE);
			}
			if (opt == 'n')
				max = v;
			else
				secs = v;
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
	if (!max) {
		q = read_sysfs_number("/sys/module/msikit_doe/parameters/max_queued");
		if (q < 1 || q > MAX_THREADS) {
			fprintf(stderr, PROG ": cannot read max_queued (%ld): pass -n\n", q);
			return EXIT_FAIL;
		}
		max = q;
	}
	node_sysfs_path(queued_path, sizeof(queued_path), dev, "queued");
	fd = open_node(PROG, dev);
	if (fd < 0)
		return EXIT_FAIL;
	w = calloc(max, sizeof(*w));
	if (!w) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_FAIL;
	}

	printf("TAP version 13\n1..%d\n# device %s, max_queued %lu\n", NR_CASES, dev, max);
	q = queued();
	tap_result(q == 0, "queued reads 0 at the start");
	if (q)
		printf("# %s reads %ld\n", queued_path, q);
	live_callers(w, max);
	killed_callers(w, max, secs);

	if (tap_cases != NR_CASES) {
		printf("# planned %d cases, ran %d\n", NR_CASES, tap_cases);
		tap_failed++;
	}
	printf("# %s: %d of %d cases failed\n", PROG, tap_failed, tap_cases);
	free(w);
	close(fd);
	return tap_failed ? EXIT_FAIL : 0;
}
