// SPDX-License-Identifier: GPL-2.0
/*
 * tcg-poke-stress: keep both CPUs of a guest busy with the code a static
 * key flip patches: timer wakeups on each CPU, and wakeups from one CPU
 * to the other (the scheduler's wakeup path, where a stale breakpoint of
 * a text_poke shows up as "Oops: int3"). scripts/tcg-poke.sh runs it
 * beside a shell loop that flips trace events and loads a module.
 *
 *   tcg-poke-stress SECONDS
 *
 * Prints one line of counts. Exit status: 0, 1 when a thread cannot
 * start, 2 for a usage error.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int secs;
static atomic_int turn;
static atomic_long count[4];
static struct timespec start;

static int over(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec - start.tv_sec >= secs;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* short sleeps: a timer interrupt each, on one CPU */
static void *sleeper(void *arg)
{
	long i = (long)arg;
	struct timespec d = { 0, 20000 + 17000 * i };

	pin(i & 1);
	while (!over()) {
		nanosleep(&d, NULL);
		count[i]++;
	}
	return NULL;
}

/* ping-pong through a futex between the two CPUs: a remote wakeup each */
static void *pong(void *arg)
{
	long i = (long)arg;
	int me = i & 1;

	pin(me);
	while (!over()) {
		while (atomic_load(&turn) != me && !over()) {
			struct timespec to = { 0, 2000000 };

			syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, !me, &to, NULL, 0);
		}
		atomic_store(&turn, !me);
		syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		count[i]++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[4];
	long i;

	secs = argc == 2 ? atoi(argv[1]) : 0;
	if (secs <= 0) {
		fprintf(stderr, "usage: tcg-poke-stress SECONDS\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < 4; i++) {
		if (pthread_create(&t[i], NULL, i < 2 ? sleeper : pong, (void *)i)) {
			fprintf(stderr, "tcg-poke-stress: cannot start a thread\n");
			return 1;
		}
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("tcg-poke-stress: sleeps %ld %ld, wakeups %ld %ld\n",
	       count[0], count[1], count[2], count[3]);
	return 0;
}
