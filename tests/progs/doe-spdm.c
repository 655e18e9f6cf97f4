// SPDX-License-Identifier: GPL-2.0
/*
 * doe-spdm: msikit_doe's mediation of CMA/SPDM (0001:01), request by
 * request, on a mailbox whose 0001:01 echoes (the software mailbox).
 * Output is TAP/KTAP on stdout; every case is counted on its own.
 *
 *   doe-spdm policy DEV    every request code of SPDM 1.x: the read-only
 *                          ones reach the mailbox and come back, every
 *                          other one fails with EPERM and reaches nothing,
 *                          as does RESPOND_IF_READY with no response held
 *                          back, a version other than 1.0 to 1.3 and a
 *                          request longer than its longest version
 *   doe-spdm claim DEV MS  two open files and the claim, with
 *                          spdm_claim_ms set to MS: a second requester is
 *                          EBUSY while the first holds it, a new claim
 *                          starts with GET_VERSION (EPROTO otherwise),
 *                          closing ends a claim and MS of idleness too
 *   doe-spdm hold DEV S    claim with GET_VERSION, then hold the file
 *                          open for S seconds (for the shell's checks of
 *                          sysfs spdm_claim)
 *   doe-spdm killed DEV EXCHANGES
 *                          a holder killed while its GET_VERSION waits
 *                          behind two other exchanges: its claim
 *                          ends with its file, its request still runs in
 *                          its turn, and the next requester's claim and
 *                          sequence come after it. The caller slows the
 *                          mailbox (the software mailbox's delay_us) so
 *                          that an exchange takes a good part of a
 *                          second; EXCHANGES is the device's own count of
 *                          the requests it answered (its sysfs exchanges)
 *
 * MSIKIT_DOE_SYSFS replaces /sys/class/msikit-doe.
 *
 * Exit status: 0 all cases passed, 1 a case failed or DEV cannot be
 * opened, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <msikit/doe.h>

#include "common.h"

#define PROG			"doe-spdm"
/* how often a wait on a sysfs attribute looks */
#define ATTR_POLL_MS		10

/*
 * DSP0274 request codes msikit lets through. Written out again here, not
 * taken from tools/spdm.h or doe/spdm.c: a test that shares the numbers of
 * what it tests cannot catch a wrong one.
 */
#define GET_DIGESTS		0x81
#define GET_CERTIFICATE		0x82
#define CHALLENGE		0x83
#define GET_VERSION		0x84
#define GET_MEASUREMENTS	0xe0
#define GET_CAPABILITIES	0xe1
#define NEGOTIATE_ALGORITHMS	0xe3
#define RESPOND_IF_READY	0xff

static const uint8_t reads[] = {
	GET_VERSION, GET_CAPABILITIES, NEGOTIATE_ALGORITHMS, GET_DIGESTS,
	GET_CERTIFICATE, CHALLENGE, GET_MEASUREMENTS,
};

static const char *dev;
static char stats_path[4096];

static bool is_read(uint8_t code)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(reads); i++)
		if (reads[i] == code)
			return true;
	return false;
}

/*
 * One CMA/SPDM request of @len bytes (the header, zero-padded to a dword)
 * through @fd: 0, or the errno (positive, as errname() takes it). A
 * request that was let through must come back from the echo as it went:
 * anything else is EILSEQ.
 */
static int spdm(int fd, uint8_t version, uint8_t code, uint8_t param1, uint32_t len)
{
	uint8_t req[64] = { version, code, param1, 0 }, rsp[64];
	struct msikit_doe_exchange x = {
		.argsz = sizeof(x), .vid = 0x0001, .type = 0x01,
		.req_len = len, .rsp_len = sizeof(rsp),
		.req_ptr = (uintptr_t)req, .rsp_ptr = (uintptr_t)rsp,
	};

	if (ioctl(fd, MSIKIT_DOE_IOC_EXCHANGE, &x))
		return errno;
	return x.rsp_len != len || memcmp(req, rsp, len) ? EILSEQ : 0;
}

static int get_version(int fd)
{
	return spdm(fd, 0x10, GET_VERSION, 0, 4);
}

/* one case: @got against @want, the errnos named when they differ */
static void expect(int want, int got, const char *what)
{
	tap_result(got == want, "%s -> %s", what, errname(want));
	if (got != want)
		printf("# got %s\n", errname(got));
}

static int open_dev(void)
{
	int fd = open(dev, O_RDWR);

	if (fd < 0) {
		printf("Bail out! %s: cannot open %s: %s\n", PROG, dev, strerror(errno));
		exit(EXIT_FAIL);
	}
	return fd;
}

static void policy(void)
{
	unsigned int code, bad, n;
	long long e0, e1, sent = 0;
	int fd = open_dev(), rc;
	char what[96];

	printf("1..%d\n", 11 + (int)ARRAY_SIZE(reads));
	e0 = read_sysfs_number(stats_path);
	rc = get_version(fd);
	expect(0, rc, "GET_VERSION (SPDM 1.0) claims the mailbox and echoes");
	sent += !rc;
	for (n = 0; n < ARRAY_SIZE(reads); n++) {
		snprintf(what, sizeof(what), "SPDM 1.2 request %#04x (read-only)", reads[n]);
		rc = spdm(fd, 0x12, reads[n], 0, 4);
		expect(0, rc, what);
		sent += !rc;
	}
	/* every other code, each on its own */
	for (code = 0, bad = 0, n = 0; code <= 0xff; code++) {
		if (is_read(code))
			continue;
		rc = spdm(fd, 0x12, code, 0, 4);
		n++;
		if (rc != EPERM) {
			printf("# request %#04x: %s\n", code, errname(rc));
			bad++;
		}
	}
	tap_result(!bad && n == 256 - ARRAY_SIZE(reads),
		   "each of the %u other request codes -> EPERM (%u did not)", n, bad);
	/*
	 * RESPOND_IF_READY fetches only a response the device held back from
	 * this file (the echo never does): refused whatever it names
	 */
	for (code = 0, bad = 0, n = 0; code <= 0xff; code++) {
		rc = spdm(fd, 0x12, RESPOND_IF_READY, code, 4);
		n++;
		if (rc != EPERM) {
			printf("# RESPOND_IF_READY for %#04x: %s\n", code, errname(rc));
			bad++;
		}
	}
	tap_result(!bad,
		   "RESPOND_IF_READY for each of %u codes, no response held back: EPERM (%u not)",
		   n, bad);
	expect(EPERM, spdm(fd, 0x20, GET_VERSION, 0, 4), "GET_VERSION as SPDM 2.0");
	expect(EPERM, spdm(fd, 0x00, GET_VERSION, 0, 4), "GET_VERSION as SPDM 0.0");
	expect(EPERM, spdm(fd, 0x14, GET_DIGESTS, 0, 4), "GET_DIGESTS as SPDM 1.4");
	rc = spdm(fd, 0x13, GET_DIGESTS, 0, 4);
	expect(0, rc, "GET_DIGESTS as SPDM 1.3");
	sent += !rc;
	expect(EINVAL, spdm(fd, 0x12, GET_CAPABILITIES, 0, 0), "a request of 0 bytes");
	/* no request is longer than its longest version makes it */
	expect(EPERM, spdm(fd, 0x12, GET_DIGESTS, 0, 8), "GET_DIGESTS of 8 bytes");
	rc = spdm(fd, 0x13, CHALLENGE, 0, 44);
	expect(0, rc, "CHALLENGE of 44 bytes (1.3's, RequesterContext included)");
	sent += !rc;
	expect(EPERM, spdm(fd, 0x12, CHALLENGE, 0, 48), "CHALLENGE of 48 bytes");
	e1 = read_sysfs_number(stats_path);
	tap_result(e0 >= 0 && e1 - e0 == sent,
		   "the mailbox ran exactly the %lld requests let through (stats/exchanges %lld -> %lld)",
	       sent, e0, e1);
	close(fd);
}

static void msleep(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void claim_cases(unsigned int ms)
{
	int a = open_dev(), b = open_dev(), c;

	printf("1..10\n");
	expect(0, get_version(a), "A: GET_VERSION claims");
	expect(EBUSY, get_version(b), "B: GET_VERSION while A holds the claim");
	expect(EBUSY, spdm(b, 0x12, GET_CAPABILITIES, 0, 4),
	       "B: GET_CAPABILITIES while A holds it");
	expect(0, spdm(a, 0x12, GET_CAPABILITIES, 0, 4),
	       "A: GET_CAPABILITIES, its sequence going on");
	close(a);
	expect(EPROTO, spdm(b, 0x12, GET_CAPABILITIES, 0, 4),
	       "B: GET_CAPABILITIES once A closed, without a claim of its own");
	expect(0, get_version(b), "B: GET_VERSION claims");
	c = open_dev();
	expect(EBUSY, get_version(c), "C: GET_VERSION while B holds the claim");
	msleep(ms + ms / 2);
	expect(0, get_version(c), "C: GET_VERSION once B was idle for spdm_claim_ms");
	expect(EBUSY, spdm(b, 0x12, GET_DIGESTS, 0, 4),
	       "B: GET_DIGESTS after its claim lapsed to C");
	close(c);
	expect(0, get_version(b), "B: GET_VERSION claims again once C closed");
	close(b);
}

static void hold(unsigned int s)
{
	int fd = open_dev(), rc = spdm(fd, 0x10, GET_VERSION, 0, 4);

	/* a device answers VERSION, the software mailbox echoes */
	if (rc == EILSEQ)
		rc = 0;
	if (rc) {
		printf("# %s: GET_VERSION: %s\n", PROG, errname(rc));
		exit(EXIT_FAIL);
	}
	printf("# holding %s for %u s\n", dev, s);
	fflush(stdout);
	sleep(s);
	close(fd);
}

/* @attr of DEV's mailbox in sysfs, its first line (empty if unreadable) */
static void read_attr(const char *attr, char *buf, size_t len)
{
	char path[4096];
	FILE *f;

	buf[0] = '\0';
	if (!node_sysfs_path(path, sizeof(path), dev, attr))
		return;
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* poll @attr every ATTR_POLL_MS for up to 10 s until @pred holds */
static bool wait_attr(const char *attr, bool (*pred)(const char *, long), long arg)
{
	char buf[128];
	int i;

	for (i = 0; i < 10000 / ATTR_POLL_MS; i++) {
		read_attr(attr, buf, sizeof(buf));
		if (pred(buf, arg))
			return true;
		msleep(ATTR_POLL_MS);
	}
	printf("# %s still reads '%s'\n", attr, buf);
	return false;
}

static bool reads_at_least(const char *buf, long n)
{
	return buf[0] && strtol(buf, NULL, 0) >= n;
}

static bool reads_zero(const char *buf, long unused __attribute__((unused)))
{
	return !strcmp(buf, "0");
}

static bool claimed_inflight(const char *buf, long pid)
{
	char want[64];

	snprintf(want, sizeof(want), "pid %ld inflight 1 ", pid);
	return !strncmp(buf, want, strlen(want));
}

static bool claimed_by(const char *buf, long pid)
{
	char want[32];

	snprintf(want, sizeof(want), "pid %ld ", pid);
	return !strncmp(buf, want, strlen(want));
}

static bool unclaimed(const char *buf, long unused __attribute__((unused)))
{
	return !strcmp(buf, "none");
}

/* a child that runs one exchange on a file of its own and exits 0 on success */
static pid_t spawn(bool spdm_request)
{
	pid_t pid = fork();
	uint32_t word = 0x5a5a0001, back = 0;
	struct msikit_doe_exchange x = {
		.argsz = sizeof(x), .vid = 0x1234, .type = 0x01,
		.req_len = 4, .rsp_len = 4,
		.req_ptr = (uintptr_t)&word, .rsp_ptr = (uintptr_t)&back,
	};
	int fd;

	if (pid)
		return pid;
	fd = open_dev();
	if (spdm_request)
		_exit(get_version(fd) ? 1 : 0);
	_exit(ioctl(fd, MSIKIT_DOE_IOC_EXCHANGE, &x) || back != word ? 1 : 0);
}

static void killed(const char *exchanges)
{
	long long e0 = read_sysfs_number(exchanges), e1;
	pid_t blocker[2], holder;
	int st = 0, fd, rc, i;
	char buf[128];
	bool ok;

	printf("1..9\n");
	/* the children must not print our plan line again when they exit */
	fflush(stdout);
	/*
	 * Two exchanges ahead of the holder's: it has the time of one whole
	 * exchange to queue behind them, however slowly it starts
	 */
	blocker[0] = spawn(false);
	ok = wait_attr("queued", reads_at_least, 1);
	blocker[1] = spawn(false);
	ok = ok && wait_attr("queued", reads_at_least, 2);
	holder = spawn(true);
	ok = ok && wait_attr("spdm_claim", claimed_inflight, holder) &&
	     wait_attr("queued", reads_at_least, 3);
	tap_result(ok,
		   "the holder's GET_VERSION claimed the mailbox and waits behind two exchanges");
	kill(holder, SIGKILL);
	waitpid(holder, &st, 0);
	tap_result(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		   "the holder got SIGKILL while its request waited");
	tap_result(wait_attr("spdm_claim", unclaimed, 0), "its claim ended with its file");
	fd = open_dev();
	rc = get_version(fd);
	e1 = read_sysfs_number(exchanges);
	/* the software mailbox echoes: a whole, equal echo is its answer */
	expect(0, rc,
	       "the next requester's GET_VERSION, admitted at once and answered in its turn");
	tap_result(e0 >= 0 && e1 - e0 == 4,
		   "the dead holder's request ran, before it: 4 answered (%lld -> %lld)",
		   e0, e1);
	read_attr("spdm_claim", buf, sizeof(buf));
	tap_result(claimed_by(buf, getpid()),
		   "the claim is the next requester's (spdm_claim: '%s')", buf);
	close(fd);
	for (i = 0, ok = true; i < 2; i++) {
		waitpid(blocker[i], &st, 0);
		ok = ok && WIFEXITED(st) && !WEXITSTATUS(st);
	}
	tap_result(ok, "the two exchanges ahead came back whole");
	tap_result(wait_attr("spdm_claim", unclaimed, 0), "nothing left claimed");
	tap_result(wait_attr("queued", reads_zero, 0), "nothing left queued");
}

int main(int argc, char **argv)
{
	const char *use =
		"usage: " PROG " policy DEV | claim DEV MS | hold DEV S | killed DEV EXCHANGES\n";

	if (argc < 3)
		usage_exit(use, EXIT_USAGE);
	dev = argv[2];
	node_sysfs_path(stats_path, sizeof(stats_path), dev, "stats/exchanges");
	if (!strcmp(argv[1], "policy") && argc == 3)
		policy();
	else if (!strcmp(argv[1], "claim") && argc == 4)
		claim_cases(atoi(argv[3]));
	else if (!strcmp(argv[1], "hold") && argc == 4)
		hold(atoi(argv[3]));
	else if (!strcmp(argv[1], "killed") && argc == 4)
		killed(argv[3]);
	else
		usage_exit(use, EXIT_USAGE);
	return tap_failed ? EXIT_FAIL : 0;
}
