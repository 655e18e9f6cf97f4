// SPDX-License-Identifier: GPL-2.0
/*
 * DOE exchange benchmark for msikit_doe.
 *
 * Loading the module runs one measurement chosen by its parameters, logs
 * the figures and stays loaded (doing nothing) until it is removed:
 *
 *   target=pci:<BDF>:<cap>    a DOE capability (config offset, hex) of a
 *                             PCI function; each exchange is a DOE
 *                             Discovery of index 0
 *   target=sw:<device>:<id>   a software mailbox (id in hex, as at the end
 *                             of its name); each exchange echoes a dword
 *   path=msikit               msikit_doe_exchange() on msikit's mailbox
 *   path=kernel               the PCI core's pci_doe() on its own mailbox
 *                             for the same capability (PCI targets only)
 *   path=kmodel               pci_doe()'s schedule replayed by this module
 *                             on the target's registers (bench_kmodel()):
 *                             a kernel figure where pci_doe() cannot run
 *   n, label, delay_us        exchanges timed, name of the figures, and the
 *                             response delay L to report latency beyond
 *
 * A few untimed exchanges run first. Lines for the bench script:
 *
 *   bench-info: start <label> ...        first line of every run
 *   bench: <label>_<figure> <value> <unit>
 *   bench-info: exchanges_total <count>  timed and untimed exchanges
 *   bench-error: <label> <errno>         an exchange failed
 *
 * The figures are in the log only: init succeeds once the parameters are
 * valid, even when an exchange fails.
 */

#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pci-doe.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>

#include <msikit/doe.h>

#include "msikit_doe_swmb.h"

#define BENCH_WARMUP		20
#define BENCH_MAX_N		100000
#define BENCH_MAX_DELAY_US	10000000U
#define BENCH_MAX_LABEL		48

/* Local: the uapi names of the Discovery fields differ between kernels. */
#define BENCH_VID_PCISIG	0x0001
#define BENCH_TYPE_DISCOVERY	0x00
#define BENCH_VID_TEST		0x1234
#define BENCH_TYPE_ECHO		0x01
#define BENCH_DISC_RSP_VID	GENMASK(15, 0)
#define BENCH_DISC_RSP_TYPE	GENMASK(23, 16)

static char *bench_target;
module_param_named(target, bench_target, charp, 0444);
MODULE_PARM_DESC(target, "pci:<BDF>:<cap offset hex> or sw:<platform device>:<mailbox id hex>");

static char *bench_path = "msikit";
module_param_named(path, bench_path, charp, 0444);
MODULE_PARM_DESC(path, "msikit (msikit_doe_exchange), kernel (pci_doe on the core's mailbox; pci targets only) or kmodel (pci_doe's schedule replayed on the target's registers)");

static unsigned int bench_n = 2000;
module_param_named(n, bench_n, uint, 0444);
MODULE_PARM_DESC(n, "Exchanges to time, 1..100000 (default 2000)");

static char *bench_label;
module_param_named(label, bench_label, charp, 0444);
MODULE_PARM_DESC(label, "Prefix of the figures' names: letters, digits, '_'");

static unsigned int bench_delay_us;
module_param_named(delay_us, bench_delay_us, uint, 0444);
MODULE_PARM_DESC(delay_us, "Response delay L of the mailbox in us, reported as latency over L (default 0: none)");

struct bench {
	const char *label;
	struct device *dev;		/* the target, referenced */
	struct msikit_doe_mb *mb;	/* path=msikit; path=kmodel: held idle */
	struct pci_doe_mb *core;	/* path=kernel */
	bool kmodel;			/* path=kmodel */
	u16 cap;			/* path=kmodel, pci target: the capability */
	bool echo;			/* sw target: echo, else Discovery */
	u64 *lat;			/* ns per timed exchange */
	u64 *react;			/* sw target: ns from Data Object Ready to done */
	u64 *late;			/* sw target: ns the responder itself was late by */
	u64 *net;			/* sw target: ns per exchange, less that lateness */
};

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int bench_reg_read(struct bench *b, unsigned int reg, u32 *val)
{
	if (!dev_is_pci(b->dev))
		return msikit_swmb_reg_read(b->dev, reg, val);
	if (pci_read_config_dword(to_pci_dev(b->dev), b->cap + reg, val) ||
	    PCI_POSSIBLE_ERROR(*val))
		return -ENODEV;
	return 0;
}

static int bench_reg_write(struct bench *b, unsigned int reg, u32 val)
{
	if (!dev_is_pci(b->dev))
		return msikit_swmb_reg_write(b->dev, reg, val);
	return pci_write_config_dword(to_pci_dev(b->dev), b->cap + reg, val) ? -ENODEV : 0;
}

/* one dword of the response, and the write that takes it off the mailbox */
static int bench_reg_take(struct bench *b, u32 *val)
{
	return bench_reg_read(b, PCI_DOE_READ, val) ?: bench_reg_write(b, PCI_DOE_READ, 0);
}

/* After a failed exchange: Abort, so that the mailbox is left idle. */
static int bench_kmodel_abort(struct bench *b, int rc)
{
	unsigned long deadline = jiffies + HZ;
	u32 status;

	if (bench_reg_write(b, PCI_DOE_CTRL, PCI_DOE_CTRL_ABORT))
		return rc;
	while (!bench_reg_read(b, PCI_DOE_STATUS, &status) &&
	       status & PCI_DOE_STATUS_BUSY && time_before(jiffies, deadline))
		schedule_timeout_uninterruptible(1);
	return rc;
}

/*
 * path=kmodel: one exchange the way the PCI core's engine schedules it
 * (drivers/pci/doe.c, read for its timing only): Go, one look at Status at
 * once, then one every HZ / 128 jiffies until Data Object Ready, the
 * response read a dword at a time. Where HZ / 128 is 0 the core looks
 * again at once; here it is at least a jiffy (Debian's HZ is 250). Left
 * out, so that the model is if anything faster than pci_doe(): the core's
 * work-queue hop and its last two Status reads (Ready before the last
 * dword, Error after it). The script holds the two side by side on a PCI
 * mailbox to show by how much. Go clears DOE Interrupt Enable: a mailbox
 * msikit drives in interrupt mode is no place for it.
 */
static int bench_kmodel(struct bench *b, u16 vid, u8 type, u32 req, u32 *rsp)
{
	u32 want = FIELD_PREP(PCI_DOE_DATA_OBJECT_HEADER_1_VID, vid) |
		   FIELD_PREP(PCI_DOE_DATA_OBJECT_HEADER_1_TYPE, type);
	unsigned long deadline = jiffies + HZ;
	u32 status, hdr, len;
	int rc;

	rc = bench_reg_read(b, PCI_DOE_STATUS, &status);
	if (rc)
		return rc;
	if (status & (PCI_DOE_STATUS_BUSY | PCI_DOE_STATUS_ERROR |
		      PCI_DOE_STATUS_DATA_OBJECT_READY))
		return -EBUSY;
	rc = bench_reg_write(b, PCI_DOE_WRITE, want) ?:
	     bench_reg_write(b, PCI_DOE_WRITE,
			     FIELD_PREP(PCI_DOE_DATA_OBJECT_HEADER_2_LENGTH, 3)) ?:
	     bench_reg_write(b, PCI_DOE_WRITE, req) ?:
	     bench_reg_write(b, PCI_DOE_CTRL, PCI_DOE_CTRL_GO);
	if (rc)
		return rc;
	for (;;) {
		rc = bench_reg_read(b, PCI_DOE_STATUS, &status);
		if (rc)
			return rc;
		if (status & PCI_DOE_STATUS_ERROR)
			return bench_kmodel_abort(b, -EIO);
		if (status & PCI_DOE_STATUS_DATA_OBJECT_READY)
			break;
		if (time_after(jiffies, deadline))
			return bench_kmodel_abort(b, -ETIMEDOUT);
		schedule_timeout_uninterruptible(max(HZ / 128, 1));
	}
	rc = bench_reg_take(b, &hdr) ?: bench_reg_take(b, &len);
	if (rc)
		return rc;
	if (hdr != want || FIELD_GET(PCI_DOE_DATA_OBJECT_HEADER_2_LENGTH, len) != 3)
		return bench_kmodel_abort(b, -EIO);
	rc = bench_reg_take(b, rsp);
	return rc ?: 4;
}

/* One exchange; @seq makes each echo distinct. */
static int bench_exchange(struct bench *b, u32 seq)
{
	__le32 req, rsp = 0;
	u16 vid = b->echo ? BENCH_VID_TEST : BENCH_VID_PCISIG;
	u8 type = b->echo ? BENCH_TYPE_ECHO : BENCH_TYPE_DISCOVERY;
	u32 val;
	int rc;

	/* Discovery: index 0 in the first dword, version 0. */
	req = cpu_to_le32(b->echo ? seq : 0);
	if (b->kmodel) {
		rc = bench_kmodel(b, vid, type, le32_to_cpu(req), &val);
		if (rc > 0)
			rsp = cpu_to_le32(val);
	} else if (b->core) {
		rc = pci_doe(b->core, vid, type, &req, sizeof(req), &rsp, sizeof(rsp));
	} else {
		rc = msikit_doe_exchange(b->mb, vid, type, &req, sizeof(req),
					 &rsp, sizeof(rsp));
	}
	if (rc < 0)
		return rc;
	if (rc != sizeof(rsp))
		return -EIO;
	val = le32_to_cpu(rsp);
	if (b->echo)
		return val == seq ? 0 : -EIO;
	/* Index 0 of Discovery is Discovery itself. */
	if (FIELD_GET(BENCH_DISC_RSP_VID, val) != BENCH_VID_PCISIG ||
	    FIELD_GET(BENCH_DISC_RSP_TYPE, val) != BENCH_TYPE_DISCOVERY)
		return -EIO;
	return 0;
}

/* Nearest-rank percentile of a sorted array. */
static u64 bench_pct(const u64 *v, unsigned int n, unsigned int pct)
{
	unsigned int rank = DIV_ROUND_UP(n * pct, 100);

	return v[rank ? rank - 1 : 0];
}

/* "<label>_<what> <us> us" with one decimal, rounded to the nearest 0.1 us */
static void bench_print_us(const char *label, const char *what, s64 ns)
{
	u64 tenths = DIV_ROUND_CLOSEST_ULL(ns < 0 ? -(u64)ns : (u64)ns, 100);

	pr_info("bench: %s_%s %s%llu.%01llu us\n", label, what,
		ns < 0 && tenths ? "-" : "", tenths / 10, tenths % 10);
}

static int bench_run(struct bench *b)
{
	unsigned int i, n = bench_n, done = 0, m = 0;
	u64 t0, t1, start, total, sum = 0, rate;
	s64 over = (s64)bench_delay_us * NSEC_PER_USEC;
	/* (a punctual responder is never late: its latency over L is all the engine's) */
	bool punctual = b->react && msikit_swmb_punctual(b->dev);
	int rc = 0;

	for (i = 0; i < BENCH_WARMUP; i++) {
		done++;
		rc = bench_exchange(b, 0x5a000000 | i);
		if (rc)
			goto out;
	}

	start = ktime_get_ns();
	for (i = 0; i < n; i++) {
		done++;
		t0 = ktime_get_ns();
		rc = bench_exchange(b, i);
		t1 = ktime_get_ns();
		if (rc)
			goto out;
		b->lat[i] = t1 - t0;
		sum += t1 - t0;
		if (b->react) {
			u64 ready = msikit_swmb_ready_ns(b->dev);
			bool ours = ready > t0 && ready < t1;

			b->react[i] = ours ? t1 - ready : 0;
			/* (an answer outside the exchange's time says nothing) */
			if (ours && !punctual) {
				u64 late = min(msikit_swmb_late_ns(b->dev), t1 - t0);

				b->late[m] = late;
				b->net[m++] = t1 - t0 - late;
			}
		}
	}
	total = ktime_get_ns() - start;

	sort(b->lat, n, sizeof(*b->lat), bench_cmp_u64, NULL);
	bench_print_us(b->label, "p50", bench_pct(b->lat, n, 50));
	bench_print_us(b->label, "p99", bench_pct(b->lat, n, 99));
	bench_print_us(b->label, "mean", div_u64(sum, n));
	/* tenths of exchanges per second; n <= 1e5 keeps n * 1e10 in a u64 */
	rate = div64_u64((u64)n * NSEC_PER_SEC * 10, max_t(u64, total, 1));
	pr_info("bench: %s_rate %llu.%01llu exchanges/s\n", b->label,
		rate / 10, rate % 10);
	if (bench_delay_us) {
		bench_print_us(b->label, "over_L_p50", bench_pct(b->lat, n, 50) - over);
		bench_print_us(b->label, "over_L_p99", bench_pct(b->lat, n, 99) - over);
	}
	if (b->react) {
		/*
		 * The engine's own share: from the instant the device set
		 * Data Object Ready to the caller having the response.
		 */
		sort(b->react, n, sizeof(*b->react), bench_cmp_u64, NULL);
		bench_print_us(b->label, "ready_to_done_p50", bench_pct(b->react, n, 50));
		bench_print_us(b->label, "ready_to_done_p99", bench_pct(b->react, n, 99));
		/*
		 * The software responder's answer comes from an hrtimer, late
		 * by the guest's timer latency: a device's is not. Latency
		 * over L less that lateness, exchange by exchange, is what
		 * the engine added.
		 */
		if (punctual)
			pr_info("bench-info: %s: punctual responder, each answer there at its due time\n",
				b->label);
		if (m) {
			sort(b->late, m, sizeof(*b->late), bench_cmp_u64, NULL);
			bench_print_us(b->label, "responder_late_p50", bench_pct(b->late, m, 50));
			bench_print_us(b->label, "responder_late_p99", bench_pct(b->late, m, 99));
		}
		if (m && bench_delay_us) {
			sort(b->net, m, sizeof(*b->net), bench_cmp_u64, NULL);
			bench_print_us(b->label, "over_L_engine_p50",
				       bench_pct(b->net, m, 50) - over);
		}
	}
	pr_info("bench-info: %s min %llu ns max %llu ns total %llu ns\n",
		b->label, b->lat[0], b->lat[n - 1], total);
out:
	/* for the script's config access count: every exchange, untimed too */
	pr_info("bench-info: exchanges_total %u\n", done);
	if (rc) {
		pr_err("%s: %s: exchange %u (%u untimed first) failed: %d\n",
		       KBUILD_MODNAME, b->label, done, BENCH_WARMUP, rc);
		pr_err("bench-error: %s %d\n", b->label, rc);
	}
	return rc;
}

static bool bench_label_ok(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (!len || len > BENCH_MAX_LABEL)
		return false;
	for (; *s; s++)
		if (!isalnum(*s) && *s != '_')
			return false;
	return true;
}

/*
 * Split "<kind>:<name>:<hex>" into the device name and the number after
 * the last colon (BDFs have colons of their own).
 */
static int bench_parse_target(char *spec, char **name, u16 *num)
{
	char *colon = strrchr(spec, ':');

	if (!colon || colon == spec)
		return -EINVAL;
	*colon = '\0';
	*name = spec;
	return kstrtou16(colon + 1, 16, num);
}

static struct pci_doe_mb *bench_core_mb(struct pci_dev *pdev, u16 cap)
{
#ifdef CONFIG_PCI_DOE
	return xa_load(&pdev->doe_mbs, cap);
#else
	return NULL;
#endif
}

struct bench_floor {
	struct hrtimer timer;
	struct completion done;
	u64 fired;
};

static enum hrtimer_restart bench_floor_fire(struct hrtimer *t)
{
	struct bench_floor *f = container_of(t, struct bench_floor, timer);

	f->fired = ktime_get_ns();
	complete(&f->done);
	return HRTIMER_NORESTART;
}

/*
 * path=floor: no DOE at all. An hrtimer completes a waiting thread; the
 * time from the timer callback to the thread running is what one wakeup
 * costs on this machine, the floor under every ready-to-done figure (the
 * engine needs one wakeup in poll mode, two in interrupt mode).
 */
static int bench_floor(void)
{
	struct bench_floor f = { };
	unsigned int i;
	u64 *lat;

	lat = vmalloc_array(bench_n, sizeof(*lat));
	if (!lat)
		return -ENOMEM;
	init_completion(&f.done);
#ifdef SWMB_HAVE_HRTIMER_SETUP
	hrtimer_setup(&f.timer, bench_floor_fire, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
#else
	hrtimer_init(&f.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	f.timer.function = bench_floor_fire;
#endif
	pr_info("bench-info: start %s path floor n %u delay_us %u\n", bench_label,
		bench_n, bench_delay_us);
	for (i = 0; i < bench_n; i++) {
		reinit_completion(&f.done);
		hrtimer_start(&f.timer, ns_to_ktime((u64)bench_delay_us * NSEC_PER_USEC),
			      HRTIMER_MODE_REL);
		wait_for_completion(&f.done);
		lat[i] = ktime_get_ns() - f.fired;
	}
	hrtimer_cancel(&f.timer);
	sort(lat, bench_n, sizeof(*lat), bench_cmp_u64, NULL);
	bench_print_us(bench_label, "wakeup_p50", bench_pct(lat, bench_n, 50));
	bench_print_us(bench_label, "wakeup_p99", bench_pct(lat, bench_n, 99));
	pr_info("bench-info: exchanges_total 0\n");
	vfree(lat);
	return 0;
}

static int __init bench_init(void)
{
	struct bench b = { .label = bench_label };
	bool kernel, pci;
	char *spec, *name;
	const char *what;
	u16 num;
	int rc;

	if (bench_path && !strcmp(bench_path, "floor") && bench_label_ok(bench_label) &&
	    bench_n >= 1 && bench_n <= BENCH_MAX_N && bench_delay_us <= BENCH_MAX_DELAY_US)
		return bench_floor();
	if (!bench_target || !bench_path) {
		pr_err("%s: target= and path= are required\n", KBUILD_MODNAME);
		return -EINVAL;
	}
	if (!bench_label_ok(bench_label)) {
		pr_err("%s: label= must be 1..%d letters, digits or '_'\n",
		       KBUILD_MODNAME, BENCH_MAX_LABEL);
		return -EINVAL;
	}
	if (bench_n < 1 || bench_n > BENCH_MAX_N) {
		pr_err("%s: n=%u is out of range 1..%u\n", KBUILD_MODNAME,
		       bench_n, BENCH_MAX_N);
		return -EINVAL;
	}
	if (bench_delay_us > BENCH_MAX_DELAY_US) {
		pr_err("%s: delay_us=%u is out of range 0..%u\n", KBUILD_MODNAME,
		       bench_delay_us, BENCH_MAX_DELAY_US);
		return -EINVAL;
	}
	if (strcmp(bench_path, "msikit") && strcmp(bench_path, "kernel") &&
	    strcmp(bench_path, "kmodel")) {
		pr_err("%s: path=%s: expected msikit, kernel or kmodel\n", KBUILD_MODNAME,
		       bench_path);
		return -EINVAL;
	}
	kernel = !strcmp(bench_path, "kernel");
	b.kmodel = !strcmp(bench_path, "kmodel");
	pci = str_has_prefix(bench_target, "pci:");
	if (!pci && !str_has_prefix(bench_target, "sw:")) {
		pr_err("%s: target=%s: expected pci:<BDF>:<cap> or sw:<device>:<id>\n",
		       KBUILD_MODNAME, bench_target);
		return -EINVAL;
	}
	if (kernel && !pci) {
		pr_err("%s: path=kernel needs a pci: target\n", KBUILD_MODNAME);
		return -EINVAL;
	}

	spec = kstrdup(bench_target + (pci ? 4 : 3), GFP_KERNEL);
	if (!spec)
		return -ENOMEM;
	if (bench_parse_target(spec, &name, &num)) {
		pr_err("%s: target=%s: expected <device>:<hex number> after the kind\n",
		       KBUILD_MODNAME, bench_target);
		rc = -EINVAL;
		goto out_spec;
	}

	b.dev = bus_find_device_by_name(pci ? &pci_bus_type : &platform_bus_type,
					NULL, name);
	if (!b.dev) {
		pr_err("%s: target=%s: no %s device %s\n", KBUILD_MODNAME,
		       bench_target, pci ? "PCI" : "platform", name);
		rc = -ENODEV;
		goto out_spec;
	}
	b.echo = !pci;
	b.cap = num;
	/*
	 * kmodel drives the registers of a mailbox msikit has bound: msikit's
	 * engine must be there and idle, as for path=kernel
	 */
	if (kernel) {
		b.core = bench_core_mb(to_pci_dev(b.dev), num);
		what = "the PCI core has no DOE mailbox";
	} else {
		b.mb = msikit_doe_get(b.dev, num);
		what = "msikit_doe has no mailbox";
	}
	if (!b.core && !b.mb) {
		pr_err("%s: target=%s: %s at %#x\n", KBUILD_MODNAME, bench_target,
		       what, num);
		rc = -ENODEV;
		goto out_dev;
	}

	b.lat = vmalloc_array(bench_n, sizeof(*b.lat));
	if (b.echo) {
		b.react = vmalloc_array(bench_n, sizeof(*b.react));
		b.late = vmalloc_array(bench_n, sizeof(*b.late));
		b.net = vmalloc_array(bench_n, sizeof(*b.net));
	}
	if (!b.lat || (b.echo && (!b.react || !b.late || !b.net))) {
		vfree(b.lat);
		vfree(b.react);
		vfree(b.late);
		vfree(b.net);
		rc = -ENOMEM;
		goto out_mb;
	}

	pr_info("bench-info: start %s target %s path %s n %u delay_us %u\n",
		b.label, bench_target, bench_path, bench_n, bench_delay_us);
	/* An exchange that fails is reported in the log, not by init. */
	bench_run(&b);
	rc = 0;

	vfree(b.lat);
	vfree(b.react);
	vfree(b.late);
	vfree(b.net);
out_mb:
	msikit_doe_put(b.mb);
out_dev:
	put_device(b.dev);
out_spec:
	kfree(spec);
	return rc;
}
module_init(bench_init);

static void __exit bench_exit(void)
{
}
module_exit(bench_exit);

MODULE_DESCRIPTION("msikit: DOE exchange latency and rate benchmark");
MODULE_LICENSE("GPL");
