// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_report: TEST ONLY. Makes the kernel print a report on demand, so
 * the test runner's self-test (tests/runner) can show that each kind of
 * report turns the test that was running red. Nothing here is used by
 * msikit's modules; never load it outside the test bed.
 *
 * Write a kind to /sys/module/msikit_report/parameters/report (or pass
 * report= at load):
 *   warn       a WARN() with its backtrace
 *   stack      a bare dump_stack(), as drivers print for "cannot happen"
 *   unhandled  an interrupt nobody handles, raised until the core's
 *              spurious-interrupt detector reports "nobody cared" and
 *              disables it
 *   leak       a kmalloc() whose pointer is dropped: only kmemleak (the
 *              debug kernel of make check-debug) can see it
 *   stuck      no report: the writer sleeps uninterruptibly for 15
 *              minutes, as a driver waiting for a device that never
 *              answers; the runner's kill cannot end it
 *   freeze     no report: every CPU spins with interrupts off for 15
 *              minutes (stop_machine), as a kernel that deadlocked; the
 *              console goes silent and only the host's watchdog, by
 *              stopping the guest, ends the test
 *   none       nothing (the clean control)
 *
 * The unhandled interrupt is a software one (descriptors of its own on the
 * dummy chip, raised with generic_handle_irq_safe()), so every machine of
 * the matrix has it; what reports it is the core's own note_interrupt().
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stop_machine.h>

/*
 * note_interrupt() reports after 99,900 unhandled of 100,000, counting
 * anew after a 100 ms pause: raise until the core disables the line, with
 * room for a few pauses on a loaded host.
 */
#define REPORT_RAISES	1000000

static DEFINE_MUTEX(report_lock);
/* the dev_id of the unhandled interrupt's one handler */
static int report_cookie;

static irqreturn_t report_nobody(int irq, void *data)
{
	return IRQ_NONE;
}

/*
 * The descriptor has no owner module and is freed before returning: a
 * request_irq() on a descriptor this module owned would pin the module,
 * and each plant starts from a line the core has not disabled yet. (The
 * core's poll timer for disabled spurious lines keeps running for the rest
 * of the boot; it leaves a line with one unshared handler alone.)
 */
static int report_unhandled(void)
{
	unsigned int i;
	int irq, ret;

	irq = __irq_alloc_descs(-1, 1, 1, NUMA_NO_NODE, NULL, NULL);
	if (irq < 0)
		return irq;
	irq_set_chip_and_handler_name(irq, &dummy_irq_chip, handle_simple_irq,
				      "msikit_report");
	ret = request_irq(irq, report_nobody, 0, "msikit_report", &report_cookie);
	if (ret)
		goto free_desc;
	for (i = 0; i < REPORT_RAISES; i++) {
		/* the core disables the line when it reports */
		if (irqd_irq_disabled(irq_get_irq_data(irq)))
			break;
		ret = generic_handle_irq_safe(irq);
		if (ret)
			break;
		if (!(i % 1024))
			cond_resched();
	}
	if (!ret && !irqd_irq_disabled(irq_get_irq_data(irq))) {
		pr_warn("msikit_report: %u unhandled interrupts and no report\n", i);
		ret = -EIO;
	}
	free_irq(irq, &report_cookie);
free_desc:
	irq_free_desc(irq);
	return ret;
}

static noinline void report_leak(void)
{
	void *p = kmalloc(96, GFP_KERNEL);

	if (p)
		memset(p, 0x5a, 96);
	pr_info("msikit_report: leaked an object of 96 bytes\n");
}

#define REPORT_STUCK_SECS	900

/*
 * A sleep that ends early sleeps again: the writer returns to user space,
 * where the runner's SIGKILL would end it, only when the time is up.
 */
static noinline int report_stuck(void)
{
	unsigned long end = jiffies + REPORT_STUCK_SECS * HZ;

	pr_info("msikit_report: stuck for %d s\n", REPORT_STUCK_SECS);
	while (time_before(jiffies, end))
		schedule_timeout_uninterruptible(end - jiffies);
	return 0;
}

/* on every CPU at once, interrupts off: nothing else runs */
static int report_freeze_cpus(void *unused)
{
	unsigned int ms;

	for (ms = 0; ms < REPORT_STUCK_SECS * MSEC_PER_SEC; ms++)
		mdelay(1);
	return 0;
}

static int report_freeze(void)
{
	pr_info("msikit_report: freezing every CPU for %d s\n", REPORT_STUCK_SECS);
	return stop_machine(report_freeze_cpus, NULL, cpu_online_mask);
}

static int report_do(const char *kind)
{
	if (sysfs_streq(kind, "none"))
		return 0;
	if (sysfs_streq(kind, "warn")) {
		WARN(1, "msikit_report: planted WARN\n");
		return 0;
	}
	if (sysfs_streq(kind, "stack")) {
		pr_err("msikit_report: planted stack dump\n");
		dump_stack();
		return 0;
	}
	if (sysfs_streq(kind, "unhandled"))
		return report_unhandled();
	if (sysfs_streq(kind, "leak")) {
		report_leak();
		return 0;
	}
	if (sysfs_streq(kind, "stuck"))
		return report_stuck();
	if (sysfs_streq(kind, "freeze"))
		return report_freeze();
	return -EINVAL;
}

static bool report_kind_valid(const char *kind)
{
	static const char * const kinds[] = {
		"none", "warn", "stack", "unhandled", "leak", "stuck", "freeze",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (sysfs_streq(kind, kinds[i]))
			return true;
	return false;
}

static int report_set(const char *val, const struct kernel_param *kp)
{
	int ret;

	if (!report_kind_valid(val)) {
		pr_warn("msikit_report: unknown report kind '%.15s'\n", val);
		return -EINVAL;
	}
	mutex_lock(&report_lock);
	ret = report_do(val);
	mutex_unlock(&report_lock);
	return ret;
}

static const struct kernel_param_ops report_ops = {
	.set = report_set,
};
module_param_cb(report, &report_ops, NULL, 0200);
MODULE_PARM_DESC(report, "warn, stack, unhandled, leak, stuck, freeze or none: print that report");

static int __init report_init(void)
{
	return 0;
}

static void __exit report_exit(void)
{
}

module_init(report_init);
module_exit(report_exit);
MODULE_DESCRIPTION("TEST ONLY: kernel reports on demand for the msikit test runner's self-test");
MODULE_LICENSE("GPL");
