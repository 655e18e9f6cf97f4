/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the msikit_doe test programs (doe-stress, doe-badinput, doe-fuzz,
 * doe-queue, doe-xchg, doe-spdm, spdm-selftest, and fail-nth's doe mode)
 * share: errno names and per-errno counts, their random numbers, usage
 * exits, KTAP result lines, a node's sysfs files, and the prologue that
 * opens a node and asks it what it is.
 */
#ifndef MSIKIT_TESTS_PROGS_COMMON_H
#define MSIKIT_TESTS_PROGS_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msikit/doe.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
/* the kernel's <linux/compiler_attributes.h> spellings, which user space lacks */
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define __noreturn		__attribute__((noreturn))

#define EXIT_FAIL		1
#define EXIT_USAGE		2

/*
 * Errors are counted per errno in ERRNO_SLOTS + 1 counters: slot e for
 * errno e, the last slot for anything larger (or negative).
 */
#define ERRNO_SLOTS		256

static inline unsigned int errno_slot(int e)
{
	return e >= 0 && e < ERRNO_SLOTS ? e : ERRNO_SLOTS;
}

const char *errname(int e);
void print_errno_counts(const char *prefix, const unsigned long long *count);

uint64_t splitmix64(uint64_t *state);

__noreturn void usage_exit(const char *text, int status);

/* KTAP result lines, numbered from 1: how many so far, how many not ok */
extern int tap_cases, tap_failed;
void __printf(2, 0) tap_vresult(bool pass, const char *fmt, va_list ap);
void __printf(2, 3) tap_result(bool pass, const char *fmt, ...);

/*
 * @attr of node @dev's mailbox in sysfs ($MSIKIT_DOE_SYSFS, by default
 * /sys/class/msikit-doe), into @buf; false (and @buf empty) if too long.
 */
bool node_sysfs_path(char *buf, size_t len, const char *dev, const char *attr);

/* a number from a sysfs file, or -1 when it cannot be read */
long long read_sysfs_number(const char *path);
int open_node(const char *prog, const char *path);
int node_info(int fd, struct msikit_doe_info *info);
int node_features(int fd, struct msikit_doe_feature *feats, uint32_t max,
		  uint32_t *count);
bool feature_listed(const struct msikit_doe_feature *feats, unsigned int n,
		    uint16_t vid, uint8_t type);
struct msikit_doe_exchange discovery_exchange(const uint8_t *req, uint8_t *rsp);

#endif /* MSIKIT_TESTS_PROGS_COMMON_H */
