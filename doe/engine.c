// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe engine: the Data Object Exchange protocol (PCIe r6.x sec 6.30)
 * on the six registers of one DOE capability.
 *
 * The engine runs under the mailbox's exchange lock (xlock: its ordered
 * workqueue's worker, or an in-kernel caller running its own exchange on
 * an idle mailbox, mailbox.c), so at most one exchange is on the
 * registers at a time, and only it touches the learned latencies; the
 * interrupt handler touches nothing but DOE Status.Interrupt Status, and
 * leaves the Status it read for the worker. Who else may touch the registers
 * is the concern of whoever created the mailbox (pci.c), not the engine's.
 * The mailbox reaches the engine only through doe_engine_irq_ops and
 * doe_engine_poll_ops.
 *
 * Waiting: with an interrupt, the worker sleeps until the handler reports
 * DOE Interrupt Status, and takes the DOE Status the handler read when it
 * shows Ready or Error and was read during this exchange (a generation
 * tells); otherwise it reads DOE Status once. It still wakes every 100 ms
 * to look (after its learned sleep, learn=1), so a lost message costs
 * 100 ms more, not the whole timeout, and a DOE Interrupt Status it finds
 * set there is cleared, or no message would come again.
 * Polled, it sleeps on hrtimers starting at 1 us and doubling to
 * poll_max_us, never a whole jiffy: a mailbox that answers in L us is seen
 * within L + poll_max_us. Waiting for Busy to clear is always polled that
 * way, because whether Busy clearing interrupts depends on which revision
 * of the spec the mailbox follows; in interrupt mode an interrupt cuts the
 * current sleep short.
 *
 * Learning (learn=1): a responder's latency rarely changes
 * from one exchange of a protocol to the next, so the engine keeps an
 * estimate per protocol (struct doe_latency) and, once it has one, sleeps
 * once to a little before it, reads, and polls at short steps a few times
 * more; a responder that answers within DOE_LOOK_NS is read right after
 * Go instead. Those sleeps end early by the lateness the mailbox's
 * wakeups have shown and spin the rest, so that a read happens when it
 * is aimed. Only when those reads miss does it fall back to the growing
 * sleeps. Reads that keep finding Ready at the first look are moved
 * earlier now and then (a probe), or a responder that became faster would
 * never be seen to. The schedule only moves reads: a response is read
 * only once Status says Data Object Ready, and the deadline is the
 * spec's, so a wrong estimate costs time, never an early read or a missed
 * timeout. A timeout, an Error or an Abort forgets the protocol's
 * estimate, and a takeover or a release forgets them all.
 *
 * With an interrupt, the estimate decides only whether to look: a
 * responder that answers within DOE_LOOK_NS is read right after Go, with
 * DOE Interrupt Enable off for that Go (its interrupt would only cost the
 * handler two accesses once the response is taken); a slower one is not
 * looked at, and its interrupt is waited for asleep until shortly before
 * the estimate, then on the CPU, so that it finds the worker running. With
 * an estimate near DOE_LOOK_NS, or none, one look, then the interrupt.
 *
 * Whatever the mode, with learn=1 an exchange that starts right after
 * another one ended takes that one's final Status read, which showed the
 * mailbox idle, for its own idle check (doe_make_idle()).
 */

#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>

#include "doe.h"

#define DOE_IRQ_SLICE		(HZ / 10)

/* which flavour the creators of engine mailboxes pick: see doe.h */
bool doe_param_poll;
module_param_named(poll, doe_param_poll, bool, 0444);
MODULE_PARM_DESC(poll, "Never use DOE interrupts, poll instead (default: off)");

static unsigned int doe_param_poll_max_us = 20;

static int doe_set_poll_max_us(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int rc;

	rc = kstrtouint(val, 0, &v);
	if (rc || v < 1 || v > 10000) {
		pr_warn("msikit_doe: poll_max_us=%.*s refused: must be 1..10000\n",
			(int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	WRITE_ONCE(doe_param_poll_max_us, v);
	return 0;
}

static const struct kernel_param_ops doe_poll_max_us_ops = {
	.set = doe_set_poll_max_us,
	.get = param_get_uint,
};
module_param_cb(poll_max_us, &doe_poll_max_us_ops, &doe_param_poll_max_us, 0644);
MODULE_PARM_DESC(poll_max_us, "Longest sleep between two polls of DOE Status, in us (1..10000, default 20)");

static bool doe_param_learn;
module_param_named(learn, doe_param_learn, bool, 0644);
MODULE_PARM_DESC(learn, "Time Status reads (polled) or choose between a look and the interrupt by each protocol's learned response latency (default: off, experimental)");

/* a responder this fast is read right after Go */
#define DOE_LOOK_NS		2000
/* reads at short steps after the learned one, before falling back */
#define DOE_SHORT_POLLS		3
/*
 * Probes that miss are spaced out, doubling up to one in this many
 * exchanges: a steady responder's probe is a read wasted, and a faster
 * one is still found within a few exchanges
 */
#define DOE_PROBE_GAP_MAX	4
/*
 * the shortest step between two learned reads: a config read is a round
 * trip of a us or so, and the answer's time seen from here scatters by
 * about that much however tight the estimate
 */
#define DOE_STEP_MIN_NS		2000
/* the most a learned read may be late by the hrtimer's slack */
#define DOE_SLACK_MAX_NS	5000
/*
 * A learned polled sleep is cut short, and the rest spun, by up to this or
 * a DOE_SPIN_SHARE-th of its length, whichever is more, and never by more
 * than DOE_SPIN_CEIL_NS; an interrupt waiter's by up to DOE_SPIN_MAX_NS
 */
#define DOE_SPIN_MAX_NS		50000
#define DOE_SPIN_SHARE		4
#define DOE_SPIN_CEIL_NS	250000
/* the most an interrupt is waited for on the CPU (doe_irq_hybrid()) */
#define DOE_IRQ_SPIN_MAX_NS	200000
/* how long a quiet Go whose look missed polls before it waits */
#define DOE_QUIET_POLL_US	100
/* how old a Status read showing the mailbox idle may be to stand for a new one */
#define DOE_IDLE_FRESH_NS	5000

static bool doe_irq_mode(const struct msikit_doe_mb *mb)
{
	return mb->transport == &doe_engine_irq_ops;
}

static int doe_read(struct msikit_doe_mb *mb, unsigned int reg, u32 *val)
{
	int rc;

	doe_stat_inc(mb, CFG_READS);
	if (mb->backend) {
		rc = mb->backend->read(mb->backend_ctx, reg, val);
		return rc < 0 ? -ENODEV : 0;
	}
	rc = pci_read_config_dword(mb->pdev, mb->cap + reg, val);
	/*
	 * A function that is gone answers config reads with all ones, which
	 * no DOE Status can be: Busy, Error and Ready are never all set.
	 */
	if (rc || PCI_POSSIBLE_ERROR(*val))
		return -ENODEV;
	return 0;
}

static int doe_write(struct msikit_doe_mb *mb, unsigned int reg, u32 val)
{
	doe_stat_inc(mb, CFG_WRITES);
	if (mb->backend)
		return mb->backend->write(mb->backend_ctx, reg, val) < 0 ? -ENODEV : 0;
	return pci_write_config_dword(mb->pdev, mb->cap + reg, val) ? -ENODEV : 0;
}

static int doe_status(struct msikit_doe_mb *mb, u32 *status)
{
	if (test_bit(DOE_CANCEL, &mb->flags))
		return -ENODEV;
	return doe_read(mb, PCI_DOE_STATUS, status);
}

/* DOE Interrupt Status is RW1C: the write clears it and nothing else */
static int doe_int_status_clear(struct msikit_doe_mb *mb)
{
	return doe_write(mb, PCI_DOE_STATUS, PCI_DOE_STATUS_INT_STATUS);
}

/*
 * Sleep @us between two polls, with the slack usleep_range() would give. In
 * interrupt mode an interrupt counted after @seen ends the sleep early: the
 * poll that follows is what decides, the interrupt only makes it sooner.
 */
static void doe_poll_sleep(struct msikit_doe_mb *mb, unsigned int us, int seen)
{
	ktime_t t = ns_to_ktime((u64)us * NSEC_PER_USEC);
	DEFINE_WAIT(wait);

	if (!doe_irq_mode(mb)) {
		usleep_range(us, us + us / 4 + 1);
		return;
	}
	prepare_to_wait(&mb->waitq, &wait, TASK_UNINTERRUPTIBLE);
	if (atomic_read(&mb->irq_events) == seen &&
	    !test_bit(DOE_CANCEL, &mb->flags))
		schedule_hrtimeout_range(&t, (u64)(us / 4 + 1) * NSEC_PER_USEC,
					 HRTIMER_MODE_REL);
	finish_wait(&mb->waitq, &wait);
}

/*
 * Poll DOE Status until a bit of @mask is set (@set) or all of them are
 * clear (!@set), or the deadline passes.
 * The sleep grows from 1 us to poll_max_us so a fast mailbox costs few
 * config reads and a slow one is seen late by at most poll_max_us.
 */
static int doe_poll_from(struct msikit_doe_mb *mb, u32 mask, bool set,
			 ktime_t deadline, u32 *status, unsigned int first_us)
{
	unsigned int max = READ_ONCE(doe_param_poll_max_us);
	unsigned int delay = clamp(first_us, 1U, max);
	int rc, seen;

	for (;;) {
		/* Sampled before the read: an interrupt after it is not lost. */
		seen = atomic_read(&mb->irq_events);
		rc = doe_status(mb, status);
		if (rc)
			return rc;
		if (!!(*status & mask) == set)
			return 0;
		if (ktime_after(ktime_get(), deadline))
			return -ETIMEDOUT;
		doe_stat_inc(mb, POLLS);
		doe_poll_sleep(mb, delay, seen);
		delay = min(delay * 2, max);
	}
}

static int doe_poll(struct msikit_doe_mb *mb, u32 mask, bool set,
		    ktime_t deadline, u32 *status)
{
	return doe_poll_from(mb, mask, set, deadline, status, 1);
}

/* a new level, or none: its first probe comes as soon as a read hits */
static void doe_probe_reset(struct doe_latency *l)
{
	l->probe_ns = 0;
	l->probe_go = false;
	l->probe_gap = 1;
	l->probe_skip = 0;
}

/* The estimate of protocol @vid:@type on @mb, a slot evicted if need be. */
static struct doe_latency *doe_lat_get(struct msikit_doe_mb *mb, u16 vid, u8 type)
{
	struct doe_latency *l, *old = NULL;
	u64 now = atomic64_read(&mb->stats[DOE_STAT_EXCHANGES]);

	for (l = mb->lat; l < mb->lat + DOE_LAT_KEYS; l++) {
		if (l->used && l->vid == vid && l->type == type)
			goto found;
		if (!old || l->used < old->used)
			old = l;
	}
	l = old;
	/* field by field: sysfs reads them without a lock */
	WRITE_ONCE(l->valid, false);
	WRITE_ONCE(l->vid, vid);
	WRITE_ONCE(l->type, type);
	l->hit = false;
	l->jumped = false;
	doe_probe_reset(l);
found:
	l->used = now;
	return l;
}

static void doe_lat_forget(struct msikit_doe_mb *mb, struct doe_latency *l)
{
	if (!l || !l->valid)
		return;
	WRITE_ONCE(l->valid, false);
	l->hit = false;
	l->jumped = false;
	doe_probe_reset(l);
	doe_stat_inc(mb, EST_RESETS);
}

static void doe_lat_forget_all(struct msikit_doe_mb *mb)
{
	unsigned int i;

	for (i = 0; i < DOE_LAT_KEYS; i++)
		doe_lat_forget(mb, &mb->lat[i]);
}

/*
 * Take @ns as the protocol's level, its deviation a quarter of it: a
 * level known, no jump left to confirm (a jump before it would otherwise
 * keep the level it left, to be restored by a sample nearer that one).
 */
static void doe_lat_level(struct doe_latency *l, u64 ns)
{
	WRITE_ONCE(l->est_ns, ns);
	WRITE_ONCE(l->dev_ns, ns / 4);
	l->jumped = false;
	doe_probe_reset(l);
}

/*
 * Take @ns as a new level, kept only if the next sample agrees. A slower
 * one keeps the probes' spacing: a late answer says nothing of a faster
 * responder.
 */
static void doe_lat_jump(struct doe_latency *l, u64 ns)
{
	u8 gap = l->probe_gap, skip = l->probe_skip;
	bool up = ns > l->est_ns;

	l->prev_est_ns = l->est_ns;
	l->prev_dev_ns = l->dev_ns;
	doe_lat_level(l, ns);
	if (up) {
		l->probe_gap = gap;
		l->probe_skip = skip;
	}
	l->jumped = true;
}

/*
 * @ns belongs to level @est: within a look's worth of it, or within four
 * deviations and a factor of three. The factor keeps a noisy level (a slow
 * responder under a busy host, a deviation near the level itself) from
 * taking a tenfold drop for noise and decaying to it by eighths.
 */
static bool doe_lat_near(u64 ns, u32 est, u32 dev)
{
	s64 err = abs((s64)ns - est);

	if (err <= DOE_LOOK_NS)
		return true;
	if (ns * 3 < est || ns > 3 * (u64)est)
		return false;
	return err <= 4 * (s64)dev + DOE_LOOK_NS;
}

/*
 * One latency seen, @ns from Go: when the handler ran, or about when a read
 * found Ready (doe_wait_learned() says which reads count). A jump
 * (beyond four deviations, or a factor of three) is a new level, taken at
 * once but trusted only once the next sample agrees (a protocol whose
 * requests differ, SPDM's, would otherwise have its fast answers slept
 * past). A next sample nearer the level before the jump than the jump's
 * makes the jump one late (or early) answer: that level is restored at
 * once rather than averaged back by eighths (a responder alternating
 * between two levels thus never settles on the slow one, and while a jump
 * is unconfirmed the reads aim at the lower level: doe_lat_aim()), and the
 * sample is then taken against it, itself a jump if it is far from it too
 * (a late answer after a later one, on a busy host). Anything else moves
 * the estimate by an eighth, its deviation by a quarter.
 */
static void doe_lat_sample(struct msikit_doe_mb *mb, struct doe_latency *l, u64 ns)
{
	s64 est, err;

	ns = min_t(u64, ns, (u64)DOE_TIMEOUT_MS * NSEC_PER_MSEC);
	l->probe_ns = 0;
	if (!l->valid) {
		WRITE_ONCE(l->est_ns, ns);
		WRITE_ONCE(l->dev_ns, ns / 2);
		WRITE_ONCE(l->valid, true);
		return;
	}
	/*
	 * (A jump's level has a deviation of a quarter of it: after a jump up
	 * most faster answers are "near" it too, so the nearer level decides.)
	 */
	if (l->jumped && abs((s64)ns - l->prev_est_ns) < abs((s64)ns - l->est_ns)) {
		WRITE_ONCE(l->est_ns, l->prev_est_ns);
		WRITE_ONCE(l->dev_ns, l->prev_dev_ns);
		l->jumped = false;
		doe_stat_inc(mb, EST_OUTLIERS);
	}
	est = l->est_ns;
	err = (s64)ns - est;
	if (!doe_lat_near(ns, est, l->dev_ns)) {
		doe_lat_jump(l, ns);
		return;
	}
	l->jumped = false;
	WRITE_ONCE(l->est_ns, est + err / 8);
	WRITE_ONCE(l->dev_ns, l->dev_ns + (abs(err) - (s64)l->dev_ns) / 4);
}

/* The level (and deviation) of @l; while a jump is unconfirmed, the lower one. */
static void doe_lat_low(const struct doe_latency *l, u64 *est, u64 *dev)
{
	*est = l->est_ns;
	*dev = l->dev_ns;
	if (l->jumped && l->prev_est_ns < *est) {
		*est = l->prev_est_ns;
		*dev = l->prev_dev_ns;
	}
}

/*
 * What the learned reads aim at, and its deviation: a tight estimate (a
 * deviation of at most a quarter of it); after a jump not yet confirmed,
 * the lower of the two levels, so that an answer at either is not read
 * late, and one at the higher costs the short polls from the lower one
 * rather than polls from Go (at 10 ms, a hundred reads for each late
 * answer and a hundred more for the one that undoes it). A protocol whose
 * latency scatters keeps the growing sleeps.
 */
static bool doe_lat_aim(const struct doe_latency *l, u64 *est, u64 *dev)
{
	if (!l->valid)
		return false;
	doe_lat_low(l, est, dev);
	return *dev <= *est / 4;
}

/*
 * A learned read is worth its precision only if it happens when aimed:
 * a sleep ends late by the wakeup's latency, which is what the estimate
 * would then learn (a probe at half the estimate, late by it, gives the
 * estimate a floor of twice that latency). So the sleep ends early by
 * the lateness the mailbox's sleeps have shown (mean and two deviations,
 * smoothed as the estimate is), and the rest is spun, reading no
 * register, giving way to anything that needs the CPU: block polling's
 * hybrid mode does much the same. The spin is bounded by a share of the
 * sleep and DOE_SPIN_CEIL_NS (doe_sleep_until()), so a platform whose
 * timers are as late as TCG's (100 to 230 us after a sleep of 1 to 10
 * ms) spins that long only before a wait several times as long; one
 * whose timers are on time spins a few us. A sample far beyond the
 * estimate counts only as a little more than it: a wakeup that late
 * waited for the CPU, and one such must not make every later wait spin.
 */
static void doe_oversleep_sample(struct msikit_doe_mb *mb, s64 late)
{
	s64 err;

	if (late < 0)
		return;
	late = min_t(s64, late, 2 * ((s64)mb->oversleep_ns + 2 * (s64)mb->oversleep_dev_ns) +
			  DOE_SPIN_MAX_NS);
	mb->oversleep_sampled = true;
	err = late - mb->oversleep_ns;
	/* (sysfs reads them without a lock) */
	WRITE_ONCE(mb->oversleep_ns, mb->oversleep_ns + err / 8);
	WRITE_ONCE(mb->oversleep_dev_ns,
		   mb->oversleep_dev_ns + (abs(err) - (s64)mb->oversleep_dev_ns) / 4);
}

/*
 * A learned wait spun whole took no sample (doe_sleep_until()): after an
 * exchange with one and no sample at all, the lateness learned decays a
 * little, so that a mailbox whose waits are all that short is not left
 * spinning them by an estimate from long ago.
 */
static void doe_oversleep_decay(struct msikit_doe_mb *mb)
{
	WRITE_ONCE(mb->oversleep_ns, mb->oversleep_ns - mb->oversleep_ns / 16);
	WRITE_ONCE(mb->oversleep_dev_ns, mb->oversleep_dev_ns - mb->oversleep_dev_ns / 16);
}

/* an interrupt since @seen was sampled (never, for a polled wait: NULL) */
static bool doe_irq_since(struct msikit_doe_mb *mb, const int *seen)
{
	return seen && atomic_read(&mb->irq_events) != *seen;
}

/*
 * Spin, reading no register, until @t, a cancel, or an interrupt since @seen;
 * a task that needs the CPU gets it (the read is then late, never wrong).
 */
static void doe_spin_until(struct msikit_doe_mb *mb, ktime_t t, const int *seen)
{
	while (ktime_before(ktime_get(), t) && !test_bit(DOE_CANCEL, &mb->flags) &&
	       !doe_irq_since(mb, seen)) {
		cond_resched();
		cpu_relax();
	}
}

/*
 * Sleep until @t but never past @deadline, slack included, or until the
 * exchange is cancelled: a learned sleep may be long, and teardown must
 * not wait it out. With @seen, an interrupt since it was sampled ends the
 * sleep too (and the spin). Returns whether the sleep ran its course, to
 * the spin at least.
 */
static bool doe_sleep_until(struct msikit_doe_mb *mb, ktime_t t, u64 slack_ns,
			    ktime_t deadline, const int *seen)
{
	u64 early = mb->oversleep_ns + 2 * (u64)mb->oversleep_dev_ns;
	ktime_t now = ktime_get(), wake;
	DEFINE_WAIT(wait);

	if (!ktime_before(t, deadline)) {
		t = deadline;
		slack_ns = 0;
	} else {
		slack_ns = min_t(u64, slack_ns, ktime_to_ns(ktime_sub(deadline, t)));
	}
	if (!ktime_after(t, now))
		early = 0;
	else if (seen)
		early = min_t(u64, early, DOE_SPIN_MAX_NS);
	else
		early = min_t(u64, early,
			      clamp_t(u64, ktime_to_ns(ktime_sub(t, now)) / DOE_SPIN_SHARE,
				      DOE_SPIN_MAX_NS, DOE_SPIN_CEIL_NS));
	wake = ktime_sub_ns(t, early);
	/* no sample from it: doe_oversleep_decay() (only a wait <= DOE_SPIN_MAX_NS) */
	if (early && !ktime_before(now, wake))
		mb->spun_whole = true;
	for (;;) {
		now = ktime_get();
		if (test_bit(DOE_CANCEL, &mb->flags) || !ktime_before(now, wake) ||
		    doe_irq_since(mb, seen))
			break;
		prepare_to_wait(&mb->waitq, &wait, TASK_UNINTERRUPTIBLE);
		if (!test_bit(DOE_CANCEL, &mb->flags) && !doe_irq_since(mb, seen))
			schedule_hrtimeout_range(&wake, slack_ns, HRTIMER_MODE_ABS);
		finish_wait(&mb->waitq, &wait);
		now = ktime_get();
		/* (a wakeup before the timer's says nothing of its lateness) */
		if (!ktime_before(now, wake))
			doe_oversleep_sample(mb, ktime_to_ns(ktime_sub(now, wake)));
	}
	if (ktime_before(now, wake))
		return false;
	/* at most early from t, unless the wakeup was later than that */
	doe_spin_until(mb, t, seen);
	return true;
}

/*
 * Polled, with an estimate to aim at (doe_lat_aim()): a read half a
 * deviation before @est (or right after Go for a responder that fast), after
 * a probe at half of it when the last target read found Ready (halfway
 * between the last probe and target, when the probe missed and the target's
 * read was late; after probes that missed, only in every second, then
 * every DOE_PROBE_GAP_MAX-th exchange whose target read hit, until a level
 * lower than the last; a bisection, or a look right after Go, is never
 * put off), then up to DOE_SHORT_POLLS more a deviation apart (an
 * answer at the estimate is found by the second read, one a deviation
 * and a half late by the third: each read costs a config access),
 * then doe_poll() from about that step on. A probe that finds Ready well
 * before the target is a new level: the responder got faster (a jump to
 * confirm, for a probe halfway or right after Go). Any other hit is a
 * sample: the midpoint between it and a miss just before it in the chain;
 * else, when nothing brackets it, the hit's own time if that is before
 * @est, @est itself while a jump waits to be confirmed or undone, and
 * nothing at all otherwise (a probe or a read that overslept: it says only
 * that the answer was there by then).
 */
static int doe_wait_learned(struct msikit_doe_mb *mb, struct doe_latency *l,
			    u64 est, u64 dev, ktime_t t_go, ktime_t deadline,
			    u32 *status)
{
	const u32 mask = PCI_DOE_STATUS_DATA_OBJECT_READY | PCI_DOE_STATUS_ERROR;
	u64 lead = min_t(u64, dev / 2, est / 2);
	u64 step = max_t(u64, dev, DOE_STEP_MIN_NS);
	/* a hrtimer fires at its expiry plus up to its slack: keep it small */
	u64 slack = min_t(u64, step / 8, DOE_SLACK_MAX_NS);
	u64 aim[DOE_SHORT_POLLS + 2], missed = 0, at;
	unsigned int n = 0, i, target = 0;
	bool probe = false, bisect = false;
	int rc;

	if (est <= DOE_LOOK_NS) {
		aim[n++] = 0;
	} else {
		u64 p = l->probe_ns;

		/* (a probe is worth a read only well before the target) */
		bisect = p && p + DOE_STEP_MIN_NS < est - lead;
		if (!bisect)
			p = est / 2;
		/*
		 * After a probe that woke at or after the estimate, and so
		 * said nothing, the next probe is a look right after Go: an
		 * answer at once seen late once (a look that missed) would
		 * otherwise keep an estimate above a look's, probed by
		 * sleeps that all wake after it. (Kept until a probe or a
		 * new level: the exchange after a late probe has none.)
		 */
		if (l->probe_go) {
			p = 0;
			bisect = false;
		}
		/* (a bisection, or a look after a late probe, is never put off) */
		if (l->hit && l->probe_skip && !bisect && !l->probe_go) {
			l->probe_skip--;
		} else if (l->hit && p + DOE_STEP_MIN_NS < est - lead) {
			doe_stat_inc(mb, PROBES);
			aim[n++] = p;
			probe = true;
			target = 1;
			l->probe_go = false;
		}
		aim[n++] = est - lead;
	}
	l->hit = false;
	l->probe_ns = 0;
	for (i = 0; i < DOE_SHORT_POLLS; i++, n++)
		aim[n] = aim[n - 1] + step;

	for (i = 0; i < n; i++) {
		if (aim[i])
			doe_sleep_until(mb, ktime_add_ns(t_go, aim[i]), slack, deadline, NULL);
		at = ktime_to_ns(ktime_sub(ktime_get(), t_go));
		rc = doe_status(mb, status);
		if (rc)
			return rc;
		if (*status & mask) {
			/* a probe read only after the estimate found nothing out */
			bool late = probe && i == 0 && at >= est;
			/* one woken near the target's aim is as good as the target */
			bool early = probe && i == 0 && at + DOE_STEP_MIN_NS < est - lead;

			if (!aim[i])
				doe_stat_inc(mb, FIRST_LOOK_HITS);
			else if (i <= target && !late)
				doe_stat_inc(mb, TARGET_HITS);
			l->hit = i <= target && !late;
			/*
			 * Ready by an unbracketed read at or after the
			 * estimate says only that the answer was there by
			 * then, and is no sample: taken as one, a read late
			 * by its wakeup would push the level up by that much
			 * each time (and never miss to bring it down), and
			 * one taken as the estimate would shrink the
			 * deviation to nothing. While a jump waits, though,
			 * it is an answer at the level aimed at (one at the
			 * other would have made this read miss): a late
			 * wakeup must not confirm a late answer's level.
			 *
			 * (A probe at half the level that finds Ready well
			 * before the target is twice as fast: a level. One
			 * halfway to the target may be an early answer, as
			 * the target's own reads can be, and one right
			 * after Go a read slowed by whatever ran during it:
			 * a jump the next sample must confirm. A probe
			 * woken late, near the target's aim, is taken as the
			 * target's read: as a level or a jump, the next
			 * sample far from both would be judged nearer the
			 * level before it, and restore that as if a late
			 * answer had been undone.)
			 *
			 * A probe that missed spaces out the next ones
			 * (before the sample: a new level resets that).
			 */
			if (probe && i) {
				l->probe_gap = min(2 * l->probe_gap, DOE_PROBE_GAP_MAX);
				l->probe_skip = l->probe_gap - 1;
			}
			if (early && (bisect || !aim[0]))
				doe_lat_jump(l, at);
			else if (early)
				doe_lat_level(l, at);
			else if (i > target)
				doe_lat_sample(mb, l, (missed + at) / 2);
			else if (at < est)
				doe_lat_sample(mb, l, at);
			else if (l->jumped)
				doe_lat_sample(mb, l, est);
			else if (probe && i == target)
				/*
				 * The probe missed and the target, woken
				 * late, found the answer: it came between
				 * the two reads, maybe well before the
				 * estimate (a responder that got faster,
				 * whose late reads would otherwise hold the
				 * estimate where it was). The next probe
				 * looks halfway between the probe and the
				 * target's aim: an answer later than that
				 * aim is the level itself, not a faster one.
				 */
				l->probe_ns = (missed + aim[target]) / 2;
			if (late)
				l->probe_go = true;
			return 0;
		}
		missed = at;
		if (ktime_after(ktime_get(), deadline))
			return -ETIMEDOUT;
		doe_stat_inc(mb, POLLS);
	}
	/* the last miss is followed by a sleep too, then the growing ones */
	doe_sleep_until(mb, ktime_add_ns(t_go, aim[n - 1] + step), slack, deadline,
			NULL);
	doe_stat_inc(mb, FALLBACKS);
	rc = doe_poll_from(mb, mask, true, deadline, status, div_u64(step, NSEC_PER_USEC));
	if (!rc)
		doe_lat_sample(mb, l, ktime_to_ns(ktime_sub(ktime_get(), t_go)));
	return rc;
}

/* Interrupt mode: how an exchange waits (the top of this file says why) */
enum doe_irq_plan {
	DOE_IRQ_LOOK,	/* a look after Go, then the interrupt */
	DOE_IRQ_QUIET,	/* DOE Interrupt Enable off for Go, and a look */
	DOE_IRQ_WAIT,	/* the interrupt, no look */
};

/*
 * Only an estimate clear of DOE_LOOK_NS by two deviations either way
 * changes the plan: a quiet Go that misses costs a Control write and a
 * second look, a skipped look that would have hit costs an interrupt's
 * wakeup. (Not doe_lat_aim(): a slow responder's interrupt times, and
 * the look's own read a fast one's, scatter more than a learned poll
 * schedule can take.)
 */
static enum doe_irq_plan doe_irq_plan(const struct doe_latency *l)
{
	u64 hi = l->est_ns, hi_dev = l->dev_ns, lo, lo_dev;

	if (!READ_ONCE(doe_param_learn) || !l->valid)
		return DOE_IRQ_LOOK;
	/* while a jump is unconfirmed, both levels must agree */
	doe_lat_low(l, &lo, &lo_dev);
	if (l->jumped && l->prev_est_ns >= hi) {
		hi = l->prev_est_ns;
		hi_dev = l->prev_dev_ns;
	}
	if (hi + 2 * hi_dev <= DOE_LOOK_NS)
		return DOE_IRQ_QUIET;
	if (lo > DOE_LOOK_NS + 2 * lo_dev)
		return DOE_IRQ_WAIT;
	return DOE_IRQ_LOOK;
}

/*
 * The DOE Status the handler last read, and when the handler ran, if that
 * Status shows Ready or Error and was read during the exchange now on the
 * registers: the handler took the generation before its read, and the
 * worker moved it on only after a Status read saw neither bit
 * (doe_make_idle()'s, or the last exchange's final one that it stood for),
 * so such a Status can only be this exchange's. Anything else (an
 * interrupt of an earlier exchange or of Busy clearing, handled late) is
 * left to a read of our own.
 */
static bool doe_irq_status(struct msikit_doe_mb *mb, u32 *status, ktime_t *at)
{
	const u32 mask = PCI_DOE_STATUS_DATA_OBJECT_READY | PCI_DOE_STATUS_ERROR;
	u64 snap = atomic64_read(&mb->irq_snap);

	if (upper_32_bits(snap) != mb->xgen || !(lower_32_bits(snap) & mask))
		return false;
	*status = lower_32_bits(snap);
	/* the time the handler stored before that Status */
	smp_rmb();
	*at = ns_to_ktime(atomic64_read(&mb->irq_at));
	return true;
}

/*
 * A quiet Go's look missed (@status is what it read): DOE Interrupt Enable
 * goes on, then a poll for up to DOE_QUIET_POLL_US (a poll's sleep ends at
 * the interrupt too), so that a mailbox that takes Interrupt Enable only
 * with Go, or that set Interrupt Status with it off and signals only a new
 * one, costs no 100 ms slice when it answers soon after the look. For
 * the latter kind, Interrupt Status is cleared once Enable is on (one
 * write, on a quiet Go that missed only): a bit it set before is gone, and
 * one set after sends its message. Return: 0 with Ready or Error in
 * @status; -EAGAIN for a later answer, to be waited for like any other;
 * or the error.
 */
static int doe_quiet_miss(struct msikit_doe_mb *mb, ktime_t deadline, u32 *status)
{
	const u32 mask = PCI_DOE_STATUS_DATA_OBJECT_READY | PCI_DOE_STATUS_ERROR;
	ktime_t until = ktime_add_us(ktime_get(), DOE_QUIET_POLL_US);
	int rc;

	doe_stat_inc(mb, QUIET_MISSES);
	rc = doe_write(mb, PCI_DOE_CTRL, mb->ctrl);
	if (rc)
		return rc;
	mb->ctrl_int_en = true;
	rc = doe_int_status_clear(mb);
	if (rc)
		return rc;
	rc = doe_poll(mb, mask, true, ktime_before(until, deadline) ? until : deadline,
		      status);
	if (rc == -ETIMEDOUT && ktime_before(ktime_get(), deadline))
		return -EAGAIN;
	return rc;
}

/*
 * Interrupt mode, a responder known to take longer than a look: its
 * interrupt would find this thread asleep, on a CPU that may have gone
 * idle for the whole latency, and pay the idle exit on top of the wakeup
 * (at long latencies several times a short sleep's wakeup). So the thread
 * sleeps on the interrupt only until shortly before the estimate, and
 * waits the last stretch on the CPU, reading no register, until the
 * handler's count moves: two deviations either side of the estimate, at
 * most a sixteenth of it (but 2 us) and DOE_IRQ_SPIN_MAX_NS, after the
 * sleep's own early end (doe_sleep_until(): up to a share of the sleep);
 * a responder that answers within the sleep's lateness is waited for
 * spinning. Then as always.
 */
static void doe_irq_hybrid(struct msikit_doe_mb *mb, const struct doe_latency *l,
			   int seen, ktime_t t_go, ktime_t deadline)
{
	u64 est, dev, lead;
	ktime_t until;
	bool spun = true;

	doe_lat_low(l, &est, &dev);
	/* two deviations either side, in at most a sixteenth of the latency */
	lead = max_t(u64, min3(2 * dev, est / 32, (u64)DOE_IRQ_SPIN_MAX_NS / 2),
		     DOE_LOOK_NS);
	until = ktime_add_ns(t_go, est + lead);
	if (est > lead)
		spun = doe_sleep_until(mb, ktime_add_ns(t_go, est - lead),
				       min_t(u64, lead / 8, DOE_SLACK_MAX_NS), deadline,
				       &seen);
	if (ktime_after(until, deadline))
		until = deadline;
	if (doe_irq_since(mb, &seen)) {
		/* (before the spin, it woke the thread as usual) */
		if (spun)
			doe_stat_inc(mb, IRQ_SPUN);
		return;
	}
	doe_spin_until(mb, until, &seen);
	if (doe_irq_since(mb, &seen))
		doe_stat_inc(mb, IRQ_SPUN);
}

/*
 * A look after a wait that saw no interrupt found DOE Interrupt Status
 * set (@status): most likely its message was lost on the way. A mailbox
 * that sends its message as the bit is set (QEMU's does, returning early
 * when it is set already) sends none while it stays set: no interrupt of
 * this mailbox would come again, and every exchange would wait out a
 * slice. Cleared, the next one comes. The bit may also have been set just
 * now, its message still on the way (an answer at the end of the wait):
 * then the handler finds it clear and says IRQ_NONE once, or has read it
 * already and clears it too.
 */
static int doe_irq_lost(struct msikit_doe_mb *mb, u32 status)
{
	doe_stat_inc(mb, IRQ_LOST);
	dev_warn_ratelimited(&mb->dev, "DOE Interrupt Status set after a wait with no interrupt (status %#x): cleared\n",
			     status);
	return doe_int_status_clear(mb);
}

/* Interrupt mode: wait for Data Object Ready or Error as @plan says. */
static int doe_wait_irq(struct msikit_doe_mb *mb, int seen, ktime_t t_go,
			struct doe_latency *l, enum doe_irq_plan plan,
			ktime_t deadline, u32 *status)
{
	const u32 mask = PCI_DOE_STATUS_DATA_OBJECT_READY | PCI_DOE_STATUS_ERROR;
	bool look = plan != DOE_IRQ_WAIT;
	bool after_slice = false;
	ktime_t at = 0, missed = 0;
	s64 left_us;
	int rc, ev;
	u32 hs;

	*status = 0;
	if (plan == DOE_IRQ_WAIT)
		doe_irq_hybrid(mb, l, seen, t_go, deadline);
	for (;;) {
		if (look) {
			/*
			 * A look that finds Ready samples when it was made:
			 * the time after it would add the read and whatever
			 * interrupted it (this exchange's own handler, on a
			 * mailbox that signals with Go), and a deviation so
			 * widened keeps an answer at once from a quiet Go.
			 */
			ktime_t t = ktime_get();

			rc = doe_status(mb, status);
			/* (cleared before the Status that counts is read) */
			if (!rc && after_slice && (*status & PCI_DOE_STATUS_INT_STATUS))
				rc = doe_irq_lost(mb, *status) ?: doe_status(mb, status);
			if (rc)
				return rc;
			if (*status & mask) {
				/*
				 * A mailbox that sets Interrupt Status with
				 * Enable off leaves it set after a quiet Go;
				 * left so, it may send no next message
				 */
				if (plan == DOE_IRQ_QUIET && (*status & PCI_DOE_STATUS_INT_STATUS))
					rc = doe_int_status_clear(mb);
				if (rc)
					return rc;
				/*
				 * The handler took this answer before the
				 * look: it was there by then. (The look of an
				 * answer at once, interrupted by its handler,
				 * would count the handler too, and such a
				 * latency would keep a quiet Go from it.)
				 */
				if (!doe_irq_status(mb, &hs, &at) || !ktime_before(at, t))
					at = t;
				break;
			}
			missed = t;
			if (plan == DOE_IRQ_QUIET) {
				plan = DOE_IRQ_LOOK;
				rc = doe_quiet_miss(mb, deadline, status);
				if (!rc)
					break;
				/* a slow answer: the interrupt, as for any other */
				if (rc != -EAGAIN)
					return rc;
				missed = ktime_get();
				continue;
			}
		}
		look = true;
		left_us = ktime_us_delta(deadline, ktime_get());
		if (left_us < 0)
			return -ETIMEDOUT;
		wait_event_timeout(mb->waitq,
				   atomic_read(&mb->irq_events) != seen ||
				   test_bit(DOE_CANCEL, &mb->flags),
				   clamp_t(long, usecs_to_jiffies(left_us), 1, DOE_IRQ_SLICE));
		ev = atomic_read(&mb->irq_events);
		if (ev == seen) {
			/* no interrupt in a whole slice: lost, or a slow answer */
			doe_stat_inc(mb, IRQ_SLICES);
			after_slice = true;
			continue;
		}
		after_slice = false;
		seen = ev;
		/* the count before the Status the handler left with it */
		smp_rmb();
		if (doe_irq_status(mb, status, &at)) {
			doe_stat_inc(mb, IRQ_STATUS);
			break;
		}
	}
	/*
	 * The responder's latency is when its interrupt came, not when this
	 * thread got to run: doe_irq_hybrid() aims at the former. (An answer
	 * at once can interrupt the Go write itself, before t_go.)
	 */
	if (!at)
		at = ktime_get();
	else if (ktime_before(at, t_go))
		at = t_go;
	if (!READ_ONCE(doe_param_learn))
		return 0;
	/*
	 * A look after a slice only says the answer was there by then: taken
	 * as the latency, it would move the estimate past the answer by up to
	 * a slice, and the next wait would then sleep that long too. But a
	 * look that missed well after the estimate says the estimate is
	 * wrong, and kept, a quiet Go's would stay quiet, on a mailbox that
	 * takes Interrupt Enable only with Go, every exchange a slice long.
	 */
	if (!after_slice)
		doe_lat_sample(mb, l, ktime_to_ns(ktime_sub(at, t_go)));
	else if (missed && l->valid &&
		 ktime_to_ns(ktime_sub(missed, t_go)) > l->est_ns + 2 * (u64)l->dev_ns)
		doe_lat_forget(mb, l);
	return 0;
}

/*
 * Wait for Data Object Ready or Error after Go, written at @t_go. @seen is
 * the interrupt count sampled before Go was written, so an interrupt that
 * fires before we sleep is not lost. @l is the protocol's estimate.
 */
static int doe_wait_response(struct msikit_doe_mb *mb, int seen, ktime_t t_go,
			     struct doe_latency *l, enum doe_irq_plan plan,
			     ktime_t deadline, u32 *status)
{
	const u32 mask = PCI_DOE_STATUS_DATA_OBJECT_READY | PCI_DOE_STATUS_ERROR;
	bool learn = READ_ONCE(doe_param_learn);
	u64 est, dev;
	int rc;

	if (doe_irq_mode(mb))
		return doe_wait_irq(mb, seen, t_go, l, plan, deadline, status);
	if (learn && doe_lat_aim(l, &est, &dev)) {
		mb->oversleep_sampled = false;
		mb->spun_whole = false;
		rc = doe_wait_learned(mb, l, est, dev, t_go, deadline, status);
		if (mb->spun_whole && !mb->oversleep_sampled)
			doe_oversleep_decay(mb);
		return rc;
	}
	rc = doe_poll(mb, mask, true, deadline, status);
	if (!rc && learn)
		doe_lat_sample(mb, l, ktime_to_ns(ktime_sub(ktime_get(), t_go)));
	return rc;
}

/**
 * doe_engine_abort() - reset the mailbox with DOE Abort
 * @mb: mailbox
 *
 * Abort clears Error and any object in flight; the mailbox signals
 * completion by clearing Busy. Whether that interrupts is read two ways:
 * PCIe 6.0's DOE Status description counts Busy clearing among the causes
 * of DOE Interrupt Status, r6.2 sec 6.30.3 has no interrupt for it. So the
 * wait polls, and takes such an interrupt only as a reason to look sooner.
 * A mailbox that does not come back within the timeout is declared dead.
 *
 * Return: 0, or -EIO when the mailbox is now dead, -ENODEV when gone.
 */
static int doe_engine_abort(struct msikit_doe_mb *mb)
{
	const u32 mask = PCI_DOE_STATUS_BUSY | PCI_DOE_STATUS_ERROR |
			 PCI_DOE_STATUS_DATA_OBJECT_READY;
	ktime_t deadline = ktime_add_ms(ktime_get(), DOE_TIMEOUT_MS);
	u32 status = 0;
	int rc;

	doe_stat_inc(mb, ABORTS);
	mb->idle_at = 0;
	rc = doe_write(mb, PCI_DOE_CTRL, mb->ctrl | PCI_DOE_CTRL_ABORT);
	/*
	 * Whether that write also set Interrupt Enable is the mailbox's
	 * choice (QEMU's takes only the Abort): the next exchange that wants
	 * the interrupt writes it on its own first.
	 */
	mb->ctrl_int_en = false;
	if (!rc)
		rc = doe_poll(mb, mask, false, deadline, &status);
	if (rc == -ETIMEDOUT) {
		set_bit(DOE_DEAD, &mb->flags);
		dev_err(&mb->dev, "abort did not complete (status %#x): mailbox dead\n",
			status);
		return -EIO;
	}
	return rc;
}

/*
 * Before writing a request, the mailbox must be idle: not Busy, no Error,
 * no stale object from an exchange someone gave up on.
 */
static int doe_make_idle(struct msikit_doe_mb *mb, ktime_t deadline)
{
	ktime_t idle_at = mb->idle_at;
	u32 status;
	int rc;

	/*
	 * The last exchange's final Status read showed the mailbox idle, just
	 * now: Busy coming on since then is no more likely than between a
	 * read of our own and Go, which no engine can see either (the request
	 * would time out, and the Abort recover the mailbox).
	 */
	mb->idle_at = 0;
	if (idle_at && READ_ONCE(doe_param_learn) &&
	    ktime_before(ktime_get(), ktime_add_ns(idle_at, DOE_IDLE_FRESH_NS))) {
		/* as the read would have: doe_status() */
		if (test_bit(DOE_CANCEL, &mb->flags))
			return -ENODEV;
		doe_stat_inc(mb, IDLE_REUSED);
		return 0;
	}
	rc = doe_status(mb, &status);
	if (rc)
		return rc;
	/* twice at most: Busy may clear on an object of someone else's */
	for (;;) {
		if (status & (PCI_DOE_STATUS_ERROR | PCI_DOE_STATUS_DATA_OBJECT_READY)) {
			dev_warn_ratelimited(&mb->dev, "not idle before a request (status %#x): aborting\n",
					     status);
			return doe_engine_abort(mb);
		}
		if (!(status & PCI_DOE_STATUS_BUSY))
			return 0;

		/* Busy at idle: still working on an aborted object, or a second agent. */
		doe_stat_inc(mb, BUSY_WAITS);
		rc = doe_poll(mb, PCI_DOE_STATUS_BUSY, false, deadline, &status);
		if (rc == -ETIMEDOUT) {
			dev_warn_ratelimited(&mb->dev, "busy for %d ms before a request: aborting\n",
					     DOE_TIMEOUT_MS);
			return doe_engine_abort(mb);
		}
		if (rc)
			return rc;
	}
}

/* the request, then Go written with @ctrl's other Control bits */
static int doe_send(struct msikit_doe_mb *mb, struct msikit_doe_task *task, u32 ctrl)
{
	size_t full = task->req_sz / 4, rem = task->req_sz % 4, i;
	u32 len = DOE_HDR_DW + DIV_ROUND_UP(task->req_sz, 4);
	u32 val;
	int rc;

	rc = doe_write(mb, PCI_DOE_WRITE,
		       FIELD_PREP(PCI_DOE_DATA_OBJECT_HEADER_1_VID, task->vid) |
		       FIELD_PREP(PCI_DOE_DATA_OBJECT_HEADER_1_TYPE, task->type));
	if (!rc)
		rc = doe_write(mb, PCI_DOE_WRITE,
			       FIELD_PREP(PCI_DOE_DATA_OBJECT_HEADER_2_LENGTH,
					  len == DOE_MAX_DW ? 0 : len));
	for (i = 0; !rc && i < full; i++)
		rc = doe_write(mb, PCI_DOE_WRITE,
			       le32_to_cpu(((const __le32 *)task->req)[i]));
	if (!rc && rem) {
		__le32 last = 0;

		memcpy(&last, task->req + full * 4, rem);
		rc = doe_write(mb, PCI_DOE_WRITE, le32_to_cpu(last));
	}
	if (rc)
		return rc;
	val = ctrl | PCI_DOE_CTRL_GO;
	rc = doe_write(mb, PCI_DOE_CTRL, val);
	if (!rc)
		mb->ctrl_int_en = ctrl & PCI_DOE_CTRL_INT_EN;
	return rc;
}

static void doe_store(struct msikit_doe_task *task, size_t dw, u32 val)
{
	__le32 le = cpu_to_le32(val);
	size_t off = dw * 4;

	if (off < task->rsp_sz)
		memcpy(task->rsp + off, &le, min_t(size_t, 4, task->rsp_sz - off));
}

/*
 * Read one response object. Every dword read is acknowledged by a write to
 * the Read Data Mailbox. Data Object Ready must stay set until the last
 * dword and drop after it: checked every 64 dwords and at the end, which
 * catches a Length that disagrees with the data at 1/64 of the cost of
 * checking every dword.
 */
static int doe_recv(struct msikit_doe_mb *mb, struct msikit_doe_task *task)
{
	u32 hdr1, hdr2, len, val, status, i;
	ktime_t t;
	int rc;

	rc = doe_read(mb, PCI_DOE_READ, &hdr1) ?:
	     doe_write(mb, PCI_DOE_READ, 0) ?:
	     doe_read(mb, PCI_DOE_READ, &hdr2) ?:
	     doe_write(mb, PCI_DOE_READ, 0);
	if (rc)
		return rc;

	if (FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_1_VID, hdr1) != task->vid ||
	    FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_1_TYPE, hdr1) != task->type) {
		dev_err_ratelimited(&mb->dev, "response %04x:%02x to request %04x:%02x\n",
				    (u16)FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_1_VID, hdr1),
				    (u8)FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_1_TYPE, hdr1),
				    task->vid, task->type);
		return -EIO;
	}
	len = FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_2_LENGTH, hdr2) ?: DOE_MAX_DW;
	if (len < DOE_HDR_DW) {
		dev_err_ratelimited(&mb->dev, "response length %u dwords is shorter than its header\n",
				    len);
		return -EIO;
	}
	len -= DOE_HDR_DW;
	task->rsp_len = (size_t)len * 4;

	for (i = 0; i < len; i++) {
		if (i % 64 == 63) {
			rc = doe_status(mb, &status);
			if (rc)
				return rc;
			if (!(status & PCI_DOE_STATUS_DATA_OBJECT_READY)) {
				dev_err_ratelimited(&mb->dev, "response ended at dword %u of %u\n",
						    i, len);
				return -EIO;
			}
		}
		rc = doe_read(mb, PCI_DOE_READ, &val) ?:
		     doe_write(mb, PCI_DOE_READ, 0);
		if (rc)
			return rc;
		doe_store(task, i, val);
	}

	t = ktime_get();
	rc = doe_status(mb, &status);
	if (rc)
		return rc;
	if (status & PCI_DOE_STATUS_ERROR)
		return -EIO;
	/* what the next request's idle check would read: doe_make_idle() */
	if (!(status & (PCI_DOE_STATUS_BUSY | PCI_DOE_STATUS_DATA_OBJECT_READY)))
		mb->idle_at = t;
	if (status & PCI_DOE_STATUS_DATA_OBJECT_READY) {
		dev_err_ratelimited(&mb->dev, "response longer than its length of %u dwords\n",
				    len + DOE_HDR_DW);
		return -EIO;
	}
	if (task->rsp_len > task->rsp_sz) {
		doe_stat_inc(mb, OVERFLOWS);
		return -EOVERFLOW;
	}
	return task->rsp_len;
}

/**
 * doe_engine_exchange() - run one request/response exchange on the registers
 * @mb: mailbox, its xlock held
 * @task: the exchange
 *
 * Return: response payload length in bytes, or -errno. On any protocol
 * failure the mailbox is aborted so the next exchange starts clean.
 */
static int doe_engine_exchange(struct msikit_doe_mb *mb,
			       struct msikit_doe_task *task)
{
	ktime_t deadline = ktime_add_ms(ktime_get(), DOE_TIMEOUT_MS), t_go;
	enum doe_irq_plan plan = DOE_IRQ_LOOK;
	struct doe_latency *l = NULL;
	u32 status, ctrl = mb->ctrl;
	s64 reads;
	int rc, seen;

	doe_stat_inc(mb, EXCHANGES);
	rc = doe_make_idle(mb, deadline);
	if (rc)
		goto fail;

	l = doe_lat_get(mb, task->vid, task->type);
	if (doe_irq_mode(mb)) {
		plan = doe_irq_plan(l);
		if (plan == DOE_IRQ_QUIET) {
			ctrl &= ~PCI_DOE_CTRL_INT_EN;
			doe_stat_inc(mb, QUIET);
		} else if (!mb->ctrl_int_en) {
			/*
			 * Back from quiet exchanges: Interrupt Enable on before
			 * the request, not with its Go, for a mailbox that
			 * would take Go first (QEMU's does) and not interrupt
			 */
			rc = doe_write(mb, PCI_DOE_CTRL, ctrl);
			if (rc)
				goto fail;
			mb->ctrl_int_en = true;
		}
	}
	seen = atomic_read(&mb->irq_events);
	/* after the read that showed it idle, for the handler: doe_irq_status() */
	smp_store_release(&mb->xgen, mb->xgen + 1);
	rc = doe_send(mb, task, ctrl);
	if (rc)
		goto abort;

	t_go = ktime_get();
	deadline = ktime_add_ms(t_go, DOE_TIMEOUT_MS);
	reads = atomic64_read(&mb->stats[DOE_STAT_CFG_READS]);
	rc = doe_wait_response(mb, seen, t_go, l, plan, deadline, &status);
	atomic64_add(atomic64_read(&mb->stats[DOE_STAT_CFG_READS]) - reads,
		     &mb->stats[DOE_STAT_WAIT_READS]);
	if (rc == -ETIMEDOUT) {
		doe_stat_inc(mb, TIMEOUTS);
		dev_err_ratelimited(&mb->dev, "no response to %04x:%02x within %d ms (status %#x)\n",
				    task->vid, task->type, DOE_TIMEOUT_MS, status);
		goto abort;
	}
	if (rc)
		goto abort;
	if (status & PCI_DOE_STATUS_ERROR) {
		dev_err_ratelimited(&mb->dev, "error response to %04x:%02x\n",
				    task->vid, task->type);
		rc = -EIO;
		goto abort;
	}

	rc = doe_recv(mb, task);
	if (rc >= 0 || rc == -EOVERFLOW)
		return rc;
abort:
	/* what the responder did now says nothing of its next answer */
	doe_lat_forget(mb, l);
	/* A gone device needs no abort; anything else is left clean. */
	if (rc != -ENODEV)
		doe_engine_abort(mb);
fail:
	doe_stat_inc(mb, ERRORS);
	return rc;
}

/**
 * doe_irq_handler() - DOE interrupt
 * @irq: Linux irq
 * @data: the mailbox
 *
 * Acknowledge DOE Interrupt Status (RW1C), leave the DOE Status read for it
 * with the exchange's generation, and wake the worker, which decides: it
 * takes that Status only when it is its exchange's and shows Ready or
 * Error (doe_irq_status()), and reads its own otherwise. The vector may be
 * shared with the function's other interrupts, hence IRQ_NONE when not
 * ours.
 *
 * IRQ_NONE also when the worker cleared DOE Interrupt Status just before,
 * taking a message late for a lost one (doe_irq_lost()).
 *
 * An interrupt with neither Data Object Ready nor Error to show is still
 * ours and legitimate: a mailbox that reads PCIe 6.0 as interrupting on
 * Busy clearing sends one at the end of every Abort. It wakes a Busy wait
 * like any other; stats/busy_irqs counts it apart (it is in irqs too), as
 * it does a response interrupt that arrives after its response was taken.
 */
irqreturn_t doe_irq_handler(int irq, void *data)
{
	struct msikit_doe_mb *mb = data;
	ktime_t at = ktime_get();
	u32 gen, status;

	/* the exchange's generation before its Status: doe_irq_status() */
	gen = smp_load_acquire(&mb->xgen);
	if (doe_read(mb, PCI_DOE_STATUS, &status) ||
	    !(status & PCI_DOE_STATUS_INT_STATUS))
		return IRQ_NONE;
	doe_int_status_clear(mb);
	doe_stat_inc(mb, IRQS);
	if (!(status & (PCI_DOE_STATUS_DATA_OBJECT_READY | PCI_DOE_STATUS_ERROR)))
		doe_stat_inc(mb, BUSY_IRQS);
	atomic64_set(&mb->irq_at, ktime_to_ns(at));
	/* the time before the Status it goes with: doe_wait_irq() */
	smp_wmb();
	atomic64_set(&mb->irq_snap, (u64)gen << 32 | status);
	/* the Status before the count the worker compares */
	smp_mb__before_atomic();
	atomic_inc(&mb->irq_events);
	wake_up(&mb->waitq);
	return IRQ_HANDLED;
}

/**
 * doe_engine_start() - take over the registers
 * @mb: engine mailbox, registered
 *
 * Abort first: whatever the previous owner left in the mailbox (an object
 * half written, a response nobody read) is discarded, as the spec intends
 * Abort for. In interrupt mode, DOE Interrupt Enable is set together with
 * Abort and on every later write of DOE Control but a quiet Go's (the top
 * of this file says when: learn=1 only). Without its vector
 * the mailbox is polled, and its ops say so, so sysfs and INFO do too.
 */
static int doe_engine_start(struct msikit_doe_mb *mb)
{
	int rc;

	if (doe_irq_mode(mb)) {
		mb->ctrl = PCI_DOE_CTRL_INT_EN;
		if (mb->irq) {
			rc = request_irq(mb->irq, doe_irq_handler, IRQF_SHARED,
					 dev_name(&mb->dev), mb);
			if (rc) {
				dev_warn(&mb->dev, "irq %d unavailable (%d): polling\n",
					 mb->irq, rc);
				mb->irq = 0;
				mb->ctrl = 0;
				mb->transport = &doe_engine_poll_ops;
			}
		}
	}
	doe_lat_forget_all(mb);
	/*
	 * An Interrupt Status the last owner left set would keep our first
	 * message from being sent: a mailbox sends one only as it sets it.
	 */
	rc = doe_irq_mode(mb) ? doe_int_status_clear(mb) : 0;
	rc = rc ?: doe_engine_abort(mb);
	if (rc && mb->irq) {
		/* (the Abort wrote Interrupt Enable on: off before the vector goes) */
		doe_write(mb, PCI_DOE_CTRL, 0);
		free_irq(mb->irq, mb);
		mb->irq = 0;
	}
	return rc;
}

/**
 * doe_engine_stop() - give the registers back
 * @mb: engine mailbox whose queue is drained
 *
 * An exchange cancelled half way leaves an object in the mailbox; abort it
 * so the next owner (the PCI core's pci_doe() does not abort first) finds
 * the mailbox idle. Interrupts go off before the vector is released.
 */
static void doe_engine_stop(struct msikit_doe_mb *mb)
{
	u32 status;

	clear_bit(DOE_CANCEL, &mb->flags);
	if (!doe_status(mb, &status)) {
		mb->ctrl = 0;
		if (status & (PCI_DOE_STATUS_BUSY | PCI_DOE_STATUS_ERROR |
			      PCI_DOE_STATUS_DATA_OBJECT_READY))
			doe_engine_abort(mb);
		else if (!doe_write(mb, PCI_DOE_CTRL, 0))
			mb->ctrl_int_en = false;
	}
	set_bit(DOE_CANCEL, &mb->flags);
	doe_lat_forget_all(mb);
	/* whoever has the mailbox next may leave it any way */
	mb->idle_at = 0;
	if (mb->irq) {
		free_irq(mb->irq, mb);
		mb->irq = 0;
	}
}

const struct doe_transport_ops doe_engine_irq_ops = {
	.name = "irq",
	.info_flag = MSIKIT_DOE_INFO_IRQ,
	.start = doe_engine_start,
	.exchange = doe_engine_exchange,
	.stop = doe_engine_stop,
};

const struct doe_transport_ops doe_engine_poll_ops = {
	.name = "poll",
	.info_flag = MSIKIT_DOE_INFO_POLL,
	.start = doe_engine_start,
	.exchange = doe_engine_exchange,
	.stop = doe_engine_stop,
};
