// SPDX-License-Identifier: GPL-2.0
/*
 * Software DOE mailbox responder for testing msikit_doe.
 *
 * Emulates the register interface of a PCIe Data Object Exchange capability
 * (PCIe r6.x sec 6.30) and plugs it into the msikit DOE engine as a backend,
 * so the engine can be driven through timing and failure paths that QEMU's
 * DOE model never takes: slow responders, stuck BUSY, missing DATA OBJECT
 * READY, lying length fields and so on. Behaviour is chosen per mailbox
 * through sysfs attributes of a platform device "msikit-swmb.N".
 *
 * Abort completes at once, or after abort_us with Busy set meanwhile; a
 * slow Abort also stays Busy until a Status read has seen it Busy, so that
 * a late first read (a debug kernel, a preempted engine) still finds the
 * Abort in progress, not over. The
 * revisions of the spec disagree on whether Busy clearing sets DOE
 * Interrupt Status: PCIe 6.0's register description says so, r6.2 sec
 * 6.30.3 does not. irq_on_busy_clear takes the 6.0 reading, so the end of
 * every Abort interrupts, and so does a request that Busy stops working on
 * with no response ("noready"); by default neither does, as in r6.2.
 *
 * DOE Interrupt Status is set by an interrupt raised with Interrupt Enable
 * on, and the message goes out only as it goes from clear to set, as an
 * MSI would: an engine that does not write it clear (RW1C) gets no next
 * interrupt. Fault "lostirq" sets it for a response (Interrupt Enable on)
 * and loses the message, as a message lost on the way would be.
 *
 * A write of DOE Control takes Interrupt Enable before it acts on Abort
 * or Go. go_first takes QEMU's order instead (hw/pci/pcie_doe.c): Abort
 * ignores the rest of the write, and Go runs (and, answering at once,
 * signals or not) under the Interrupt Enable written before, which only
 * then is taken from the same write.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci_regs.h>
#include <linux/platform_device.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <msikit/doe.h>

#include "msikit_doe_swmb.h"

#define SWMB_NAME		"msikit-swmb"
#define SWMB_MAX_COUNT		8
/* Largest data object: the 18-bit length field counts dwords, 0 = 2^18. */
#define SWMB_MAX_DW		BIT(18)
#define SWMB_MAX_SIZED		(SWMB_MAX_DW - 2)
#define SWMB_MAX_DELAY_US	10000000U
#define SWMB_LONG_EXTRA		4
#define SWMB_LONG_FILL		0xdead0000U
#define SWMB_SIZED_PATTERN	0x5a5a0000U

/* Extended capability header: ID 0x2e (DOE), version 2, no next capability. */
#define SWMB_EXT_CAP_HDR	0x0002002eU

#define SWMB_VID_PCISIG		0x0001
#define SWMB_VID_TEST		0x1234
#define SWMB_TYPE_DISCOVERY	0x00
#define SWMB_TYPE_CMA		0x01
#define SWMB_TYPE_ECHO		0x01
#define SWMB_TYPE_SIZED		0x02

/*
 * Discovery payload layout. Kept local because the uapi name of the type
 * field changed between kernel releases.
 */
#define SWMB_DISC_REQ_INDEX	GENMASK(7, 0)
#define SWMB_DISC_RSP_VID	GENMASK(15, 0)
#define SWMB_DISC_RSP_TYPE	GENMASK(23, 16)
#define SWMB_DISC_RSP_NEXT	GENMASK(31, 24)

#define SWMB_HDR1_VID		PCI_DOE_DATA_OBJECT_HEADER_1_VID
#define SWMB_HDR1_TYPE		PCI_DOE_DATA_OBJECT_HEADER_1_TYPE
#define SWMB_HDR2_LENGTH	PCI_DOE_DATA_OBJECT_HEADER_2_LENGTH

enum swmb_fault {
	SWMB_FAULT_NONE,
	SWMB_FAULT_BUSY,
	SWMB_FAULT_ERROR,
	SWMB_FAULT_NOREADY,
	SWMB_FAULT_LONG,
	SWMB_FAULT_LEN0,
	SWMB_FAULT_LEN1,
	SWMB_FAULT_BADHDR,
	SWMB_FAULT_BUSYIDLE,
	SWMB_FAULT_BUSYWRITE,
	SWMB_FAULT_LOSTIRQ,
};

static const char * const swmb_fault_names[] = {
	[SWMB_FAULT_NONE]	= "none",
	[SWMB_FAULT_BUSY]	= "busy",
	[SWMB_FAULT_ERROR]	= "error",
	[SWMB_FAULT_NOREADY]	= "noready",
	[SWMB_FAULT_LONG]	= "long",
	[SWMB_FAULT_LEN0]	= "len0",
	[SWMB_FAULT_LEN1]	= "len1",
	[SWMB_FAULT_BADHDR]	= "badhdr",
	[SWMB_FAULT_BUSYIDLE]	= "busyidle",
	[SWMB_FAULT_BUSYWRITE]	= "busywrite",
	[SWMB_FAULT_LOSTIRQ]	= "lostirq",
};

enum swmb_rsp {
	SWMB_RSP_INVALID,
	SWMB_RSP_DISCOVERY,
	SWMB_RSP_ECHO,
	SWMB_RSP_SIZED,
};

static const struct swmb_proto {
	u16 vid;
	u8 type;
	enum swmb_rsp rsp;
} swmb_protos[] = {
	{ SWMB_VID_PCISIG, SWMB_TYPE_DISCOVERY, SWMB_RSP_DISCOVERY },
	/* Listed so that user-space policy in the engine has CMA to refuse. */
	{ SWMB_VID_PCISIG, SWMB_TYPE_CMA, SWMB_RSP_ECHO },
	{ SWMB_VID_TEST, SWMB_TYPE_ECHO, SWMB_RSP_ECHO },
	{ SWMB_VID_TEST, SWMB_TYPE_SIZED, SWMB_RSP_SIZED },
};

enum swmb_counter {
	SWMB_EXCHANGES,
	SWMB_ABORTS,
	SWMB_WAIT_READS,	/* Status reads that said Busy, nothing yet */
	SWMB_EARLY_READS,	/* Read Data Mailbox reads with no response ready */
	SWMB_ON_TIME_READS,	/* punctual: Status reads that found an answer before its timer */
	/*
	 * Go writes of a timed answer that returned to the engine after the
	 * answer was due, and by how much in all: the double's own time in
	 * Go (its timer's start, on TCG a trap or two) that a device would
	 * not spend, counted against the engine by a punctual answer
	 */
	SWMB_GO_PAST_DUE,
	SWMB_GO_PAST_DUE_NS,
	SWMB_NR_COUNTERS
};

struct swmb {
	struct platform_device *pdev;
	struct msikit_doe_mb *mb;
	/*
	 * Interrupts go through this copy of @mb so that they can be fenced
	 * off with RCU before the engine frees the mailbox.
	 */
	struct msikit_doe_mb __rcu *irq_mb;
	bool irq;
	struct hrtimer timer;
	struct irq_work irq_work;

	spinlock_t lock;	/* everything below */
	u32 *req;		/* request being written */
	u32 req_len;
	u32 *held;		/* request being answered */
	u32 held_len;

	bool int_en;
	bool int_status;
	bool error;
	bool dor;
	bool producing;
	bool aborting;		/* Busy until the Abort completes */
	bool abort_seen;	/* a Status read saw the Abort Busy */
	u64 abort_ns;		/* its length, as it was when written */
	bool stuck_busy;	/* "busy" fault */
	bool idle_busy;		/* "busyidle" and "busywrite" faults */
	ktime_t deadline;	/* of producing or aborting */

	enum swmb_fault fault;	/* armed for the next exchange */
	enum swmb_fault xfault;	/* applies to the current exchange */
	bool sticky;
	unsigned int delay_us;
	unsigned int jitter_pct;	/* each delay uniform in delay_us +- this % */
	unsigned int abort_us;
	bool irq_on_busy_clear;
	bool go_first;
	bool punctual;		/* the answer is there at its due time, timer or not */

	enum swmb_rsp rsp;
	u32 rsp_hdr1;
	u32 rsp_hdr2;
	u32 rsp_disc;
	u32 rsp_data_len;	/* dwords of real data, headers included */
	u32 rsp_total;		/* dwords for which DOR stays set */
	u32 rsp_pos;

	u64 counters[SWMB_NR_COUNTERS];
	u64 ready_ns;		/* when Data Object Ready was last set */
	u64 due_ns;		/* when the exchange's answer was due: Go + its delay */
	u64 go_delay_ns;	/* the exchange's delay, jitter included */
};

static bool swmb_irq = true;
module_param_named(irq, swmb_irq, bool, 0444);
MODULE_PARM_DESC(irq, "Register the mailboxes as interrupt capable (default: true)");

static unsigned int swmb_count = 1;
module_param_named(count, swmb_count, uint, 0444);
MODULE_PARM_DESC(count, "Number of mailboxes, 1..8 (default: 1)");

static struct swmb *swmb_devs[SWMB_MAX_COUNT];

static struct swmb *swmb_lookup(struct device *dev)
{
	unsigned int i;

	for (i = 0; i < SWMB_MAX_COUNT; i++)
		if (swmb_devs[i] && &swmb_devs[i]->pdev->dev == dev)
			return swmb_devs[i];
	return NULL;
}

/**
 * msikit_swmb_ready_ns() - when a software mailbox last set Data Object Ready
 * @dev: the mailbox's platform device
 *
 * Lets a benchmark separate the engine's reaction time (ready to done)
 * from the emulator's timer slack in producing the response.
 *
 * Return: ktime_get_ns() of the last Data Object Ready (its due time, for
 * a punctual mailbox), 0 if unknown.
 */
u64 msikit_swmb_ready_ns(struct device *dev)
{
	struct swmb *sw = swmb_lookup(dev);

	return sw ? READ_ONCE(sw->ready_ns) : 0;
}
EXPORT_SYMBOL_GPL(msikit_swmb_ready_ns);

/**
 * msikit_swmb_late_ns() - how late a software mailbox's last answer was
 * @dev: the mailbox's platform device
 *
 * An answer is due its delay after Go; it is set by an hrtimer, which
 * fires late by the guest's timer latency (tens of us under TCG). A
 * device's answer is not late that way: this lets a benchmark tell the
 * two apart.
 *
 * Return: ns from the due time to Data Object Ready, 0 if unknown.
 */
u64 msikit_swmb_late_ns(struct device *dev)
{
	struct swmb *sw = swmb_lookup(dev);
	u64 ready, due;

	if (!sw)
		return 0;
	ready = READ_ONCE(sw->ready_ns);
	due = READ_ONCE(sw->due_ns);
	return ready > due ? ready - due : 0;
}
EXPORT_SYMBOL_GPL(msikit_swmb_late_ns);

/**
 * msikit_swmb_punctual() - whether a software mailbox answers on time
 * @dev: the mailbox's platform device
 *
 * A punctual mailbox's answer is there at its due time to any read, as a
 * device's would be: its Data Object Ready time is the due time, and it
 * is never late (msikit_swmb_late_ns() has nothing to tell).
 *
 * Return: true if the mailbox was punctual when asked.
 */
bool msikit_swmb_punctual(struct device *dev)
{
	struct swmb *sw = swmb_lookup(dev);

	return sw && READ_ONCE(sw->punctual);
}
EXPORT_SYMBOL_GPL(msikit_swmb_punctual);

static int swmb_read(void *ctx, unsigned int reg, u32 *val);
static int swmb_write(void *ctx, unsigned int reg, u32 val);

/**
 * msikit_swmb_reg_read() - read a register of a software mailbox directly
 * @dev: the mailbox's platform device
 * @reg: offset in the DOE capability (PCI_DOE_*)
 * @val: the value read
 *
 * For a benchmark that replays another engine's schedule on the mailbox
 * while msikit's engine, bound to it, stays idle; the registers behave as
 * they do for msikit.
 *
 * Return: 0, -ENODEV for a device that is no software mailbox, -EINVAL.
 */
int msikit_swmb_reg_read(struct device *dev, unsigned int reg, u32 *val)
{
	struct swmb *sw = swmb_lookup(dev);

	return sw ? swmb_read(sw, reg, val) : -ENODEV;
}
EXPORT_SYMBOL_GPL(msikit_swmb_reg_read);

/**
 * msikit_swmb_reg_write() - write a register of a software mailbox directly
 * @dev: the mailbox's platform device
 * @reg: offset in the DOE capability (PCI_DOE_*)
 * @val: the value to write
 *
 * Return: as msikit_swmb_reg_read().
 */
int msikit_swmb_reg_write(struct device *dev, unsigned int reg, u32 val)
{
	struct swmb *sw = swmb_lookup(dev);

	return sw ? swmb_write(sw, reg, val) : -ENODEV;
}
EXPORT_SYMBOL_GPL(msikit_swmb_reg_write);

static void swmb_signal(struct swmb *sw)
{
	struct msikit_doe_mb *mb;

	rcu_read_lock();
	mb = rcu_dereference(sw->irq_mb);
	if (mb)
		msikit_doe_backend_irq(mb);
	rcu_read_unlock();
}

static bool swmb_busy(const struct swmb *sw)
{
	return sw->producing || sw->aborting || sw->stuck_busy || sw->idle_busy;
}

static bool swmb_idle(const struct swmb *sw)
{
	return !swmb_busy(sw) && !sw->dor && !sw->error;
}

/*
 * Returns whether an interrupt message must be sent: only when DOE
 * Interrupt Status goes from clear to set, as an MSI is sent on that
 * edge, so an engine that leaves it set (no RW1C write) gets no further
 * interrupt, as from a device.
 */
static bool swmb_raise(struct swmb *sw)
{
	bool was = sw->int_status;

	if (!sw->int_en)
		return false;
	sw->int_status = true;
	return !was;
}

/* Busy went clear with nothing to show for it. */
static bool swmb_busy_cleared(struct swmb *sw)
{
	return sw->irq_on_busy_clear && swmb_raise(sw);
}

/* The mailbox returned to idle on its own, not through an abort. */
static void swmb_went_idle(struct swmb *sw)
{
	if (sw->fault == SWMB_FAULT_BUSYIDLE)
		sw->idle_busy = true;
}

static void swmb_parse(struct swmb *sw)
{
	const u32 *obj = sw->held;
	u32 n = sw->held_len, len, payload, idx;
	const struct swmb_proto *proto = NULL;
	unsigned int i;
	u16 vid;
	u8 type;

	sw->rsp = SWMB_RSP_INVALID;
	if (n < 2)
		return;

	len = FIELD_GET(SWMB_HDR2_LENGTH, obj[1]);
	if (!len)
		len = SWMB_MAX_DW;
	if (len != n)
		return;

	vid = FIELD_GET(SWMB_HDR1_VID, obj[0]);
	type = FIELD_GET(SWMB_HDR1_TYPE, obj[0]);
	for (i = 0; i < ARRAY_SIZE(swmb_protos); i++) {
		if (swmb_protos[i].vid == vid && swmb_protos[i].type == type) {
			proto = &swmb_protos[i];
			break;
		}
	}
	if (!proto)
		return;

	switch (proto->rsp) {
	case SWMB_RSP_DISCOVERY:
		if (n != 3)
			return;
		idx = FIELD_GET(SWMB_DISC_REQ_INDEX, obj[2]);
		if (idx >= ARRAY_SIZE(swmb_protos))
			return;
		sw->rsp_disc = FIELD_PREP(SWMB_DISC_RSP_VID, swmb_protos[idx].vid) |
			       FIELD_PREP(SWMB_DISC_RSP_TYPE, swmb_protos[idx].type);
		if (idx + 1 < ARRAY_SIZE(swmb_protos))
			sw->rsp_disc |= FIELD_PREP(SWMB_DISC_RSP_NEXT, idx + 1);
		payload = 1;
		break;
	case SWMB_RSP_ECHO:
		payload = n - 2;
		break;
	case SWMB_RSP_SIZED:
		if (n != 3 || obj[2] > SWMB_MAX_SIZED)
			return;
		payload = obj[2];
		break;
	default:
		return;
	}

	sw->rsp = proto->rsp;
	sw->rsp_hdr1 = FIELD_PREP(SWMB_HDR1_VID, vid) |
		       FIELD_PREP(SWMB_HDR1_TYPE, type);
	sw->rsp_data_len = payload + 2;
	/* A full 2^18 dword object truncates to 0, which is its encoding. */
	sw->rsp_hdr2 = sw->rsp_data_len & SWMB_HDR2_LENGTH;
}

static u32 swmb_rsp_dword(const struct swmb *sw, u32 i)
{
	if (i == 0)
		return sw->rsp_hdr1;
	if (i == 1)
		return sw->rsp_hdr2;
	if (i >= sw->rsp_data_len)
		return SWMB_LONG_FILL | (i - sw->rsp_data_len);

	switch (sw->rsp) {
	case SWMB_RSP_DISCOVERY:
		return sw->rsp_disc;
	case SWMB_RSP_ECHO:
		/* The payload sits at the same offset in request and response. */
		return sw->held[i];
	case SWMB_RSP_SIZED:
		return (i - 2) ^ SWMB_SIZED_PATTERN;
	default:
		return 0;
	}
}

/* The response to the held request is due. Returns whether to interrupt. */
static bool swmb_finish(struct swmb *sw)
{
	sw->producing = false;

	switch (sw->xfault) {
	case SWMB_FAULT_BUSY:
		sw->stuck_busy = true;
		return false;
	case SWMB_FAULT_NOREADY:
		swmb_went_idle(sw);
		return swmb_busy_cleared(sw);
	case SWMB_FAULT_ERROR:
		sw->error = true;
		return swmb_raise(sw);
	default:
		break;
	}

	/* The spec has the mailbox flag objects it cannot handle as errors. */
	if (sw->rsp == SWMB_RSP_INVALID) {
		sw->error = true;
		return swmb_raise(sw);
	}

	sw->rsp_total = sw->rsp_data_len;
	switch (sw->xfault) {
	case SWMB_FAULT_LONG:
		sw->rsp_total += SWMB_LONG_EXTRA;
		break;
	case SWMB_FAULT_LEN0:
		sw->rsp_hdr2 &= ~SWMB_HDR2_LENGTH;
		break;
	case SWMB_FAULT_LEN1:
		sw->rsp_hdr2 = (sw->rsp_hdr2 & ~SWMB_HDR2_LENGTH) | 1;
		break;
	case SWMB_FAULT_BADHDR:
		sw->rsp_hdr1 ^= SWMB_HDR1_VID | SWMB_HDR1_TYPE;
		break;
	default:
		break;
	}

	sw->rsp_pos = 0;
	sw->dor = true;
	WRITE_ONCE(sw->ready_ns, sw->punctual ? sw->due_ns : ktime_get_ns());
	/* "lostirq": Interrupt Status is set, its message never arrives */
	if (sw->xfault == SWMB_FAULT_LOSTIRQ) {
		swmb_raise(sw);
		return false;
	}
	return swmb_raise(sw);
}

static bool swmb_abort_done(struct swmb *sw)
{
	sw->aborting = false;
	return swmb_busy_cleared(sw);
}

static bool swmb_abort(struct swmb *sw)
{
	/*
	 * Never waits. A callback already running finds nothing due and
	 * quits, or finds the timer armed again below and leaves the Abort
	 * to that run.
	 */
	hrtimer_try_to_cancel(&sw->timer);

	sw->producing = false;
	sw->stuck_busy = false;
	sw->error = false;
	sw->dor = false;
	sw->req_len = 0;
	sw->held_len = 0;
	sw->rsp_pos = 0;
	if (sw->idle_busy) {
		sw->idle_busy = false;
		if ((sw->fault == SWMB_FAULT_BUSYIDLE ||
		     sw->fault == SWMB_FAULT_BUSYWRITE) && !sw->sticky)
			sw->fault = SWMB_FAULT_NONE;
	}
	sw->counters[SWMB_ABORTS]++;

	if (!sw->abort_us)
		return swmb_abort_done(sw);
	sw->aborting = true;
	sw->abort_seen = false;
	/* a later write of abort_us does not change this Abort */
	sw->abort_ns = (u64)sw->abort_us * NSEC_PER_USEC;
	sw->deadline = ktime_add_us(ktime_get(), sw->abort_us);
	hrtimer_start(&sw->timer, ns_to_ktime((u64)sw->abort_us * NSEC_PER_USEC),
		      HRTIMER_MODE_REL);
	return false;
}

static bool swmb_go(struct swmb *sw)
{
	u64 delay_ns;

	/* Software must not set GO while the mailbox is busy or in error. */
	if (swmb_busy(sw) || sw->error)
		return false;

	/*
	 * A new request while a response is still readable means the reader
	 * stopped early; flag it so that such an engine gets caught.
	 */
	if (sw->dor) {
		sw->dor = false;
		sw->error = true;
		return swmb_raise(sw);
	}

	sw->counters[SWMB_EXCHANGES]++;
	sw->xfault = SWMB_FAULT_NONE;
	if (sw->fault != SWMB_FAULT_NONE && sw->fault != SWMB_FAULT_BUSYIDLE) {
		sw->xfault = sw->fault;
		if (!sw->sticky)
			sw->fault = SWMB_FAULT_NONE;
	}

	/* Double buffering keeps the echo source intact while new writes come in. */
	swap(sw->req, sw->held);
	sw->held_len = sw->req_len;
	sw->req_len = 0;
	swmb_parse(sw);

	sw->producing = true;
	WRITE_ONCE(sw->due_ns, ktime_get_ns());
	if (!sw->delay_us)
		return swmb_finish(sw);

	delay_ns = (u64)sw->delay_us * NSEC_PER_USEC;
	if (sw->jitter_pct) {
		/* in us: delay_us is at most 10 s, so twice the span fits 32 bits */
		u32 span = div_u64((u64)sw->delay_us * sw->jitter_pct, 100);

		delay_ns = ((u64)sw->delay_us - span + get_random_u32_below(2 * span + 1)) *
			   NSEC_PER_USEC;
	}
	sw->go_delay_ns = delay_ns;
	sw->deadline = ktime_add_ns(ktime_get(), delay_ns);
	WRITE_ONCE(sw->due_ns, ktime_to_ns(sw->deadline));
	/* (the caller starts the timer: swmb_write()) */
	return false;
}

static enum hrtimer_restart swmb_timer_fn(struct hrtimer *timer)
{
	struct swmb *sw = container_of(timer, struct swmb, timer);
	enum hrtimer_restart again = HRTIMER_NORESTART;
	unsigned long flags;
	bool signal = false;

	spin_lock_irqsave(&sw->lock, flags);
	/*
	 * This may be the run an abort failed to cancel: what it was meant
	 * for is gone, and what is on now (the abort, or the exchange after
	 * it) is not due yet.
	 */
	if (!ktime_before(ktime_get(), sw->deadline)) {
		if (sw->aborting && !sw->abort_seen) {
			/*
			 * Armed again meanwhile (an Abort written while this
			 * callback waited for the lock): that run is the one
			 * that finishes it. Else once more, with the new
			 * expiry itself as the deadline: one taken from the
			 * clock can lie past it, and then this callback never
			 * finds the Abort due again.
			 */
			if (!hrtimer_is_queued(timer)) {
				hrtimer_forward_now(timer, ns_to_ktime(sw->abort_ns));
				sw->deadline = hrtimer_get_expires(timer);
				again = HRTIMER_RESTART;
			}
		} else if (sw->aborting) {
			signal = swmb_abort_done(sw);
		} else if (sw->producing) {
			signal = swmb_finish(sw);
		}
	}
	spin_unlock_irqrestore(&sw->lock, flags);

	if (signal)
		swmb_signal(sw);
	return again;
}

/* Interrupts raised from within an op must not re-enter the engine. */
static void swmb_irq_work_fn(struct irq_work *work)
{
	swmb_signal(container_of(work, struct swmb, irq_work));
}

static int swmb_read(void *ctx, unsigned int reg, u32 *val)
{
	struct swmb *sw = ctx;
	unsigned long flags;
	bool signal = false;
	int ret = 0;

	spin_lock_irqsave(&sw->lock, flags);
	/*
	 * A punctual answer shows in Status from its due time on, however late
	 * the guest runs the timer: the Status read finishes it. (Only Status:
	 * a Read Data Mailbox read that no Status read showing Data Object
	 * Ready came before is still an early read.)
	 */
	if (reg == PCI_DOE_STATUS && sw->punctual && sw->producing &&
	    !ktime_before(ktime_get(), sw->deadline)) {
		signal = swmb_finish(sw);
		if (sw->dor)
			sw->counters[SWMB_ON_TIME_READS]++;
	}
	switch (reg) {
	case 0:
		*val = SWMB_EXT_CAP_HDR;
		break;
	case PCI_DOE_CAP:
		*val = sw->irq ? PCI_DOE_CAP_INT_SUP : 0;
		break;
	case PCI_DOE_CTRL:
		*val = sw->int_en ? PCI_DOE_CTRL_INT_EN : 0;
		break;
	case PCI_DOE_STATUS:
		*val = 0;
		if (swmb_busy(sw))
			*val |= PCI_DOE_STATUS_BUSY;
		/* a poller that reads this must look again later */
		if (swmb_busy(sw) && !sw->dor && !sw->error)
			sw->counters[SWMB_WAIT_READS]++;
		if (sw->aborting)
			sw->abort_seen = true;
		if (sw->int_status)
			*val |= PCI_DOE_STATUS_INT_STATUS;
		if (sw->error)
			*val |= PCI_DOE_STATUS_ERROR;
		if (sw->dor)
			*val |= PCI_DOE_STATUS_DATA_OBJECT_READY;
		break;
	case PCI_DOE_WRITE:
		*val = 0;
		break;
	case PCI_DOE_READ:
		/* a reader that did not wait for Data Object Ready is caught */
		if (!sw->dor)
			sw->counters[SWMB_EARLY_READS]++;
		*val = sw->dor ? swmb_rsp_dword(sw, sw->rsp_pos) : 0;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	spin_unlock_irqrestore(&sw->lock, flags);

	if (signal)
		irq_work_queue(&sw->irq_work);
	if (ret)
		dev_warn_ratelimited(&sw->pdev->dev,
				     "read of unknown register 0x%x\n", reg);
	return ret;
}

/* A timed Go's write returns: was its answer due already? (SWMB_GO_PAST_DUE) */
static void swmb_go_returned(struct swmb *sw)
{
	u64 now = ktime_get_ns();
	unsigned long flags;

	spin_lock_irqsave(&sw->lock, flags);
	if (now > sw->due_ns) {
		sw->counters[SWMB_GO_PAST_DUE]++;
		sw->counters[SWMB_GO_PAST_DUE_NS] += now - sw->due_ns;
	}
	spin_unlock_irqrestore(&sw->lock, flags);
}

static int swmb_write(void *ctx, unsigned int reg, u32 val)
{
	struct swmb *sw = ctx;
	unsigned long flags;
	bool signal = false, timed_go = false;
	int ret = 0;

	spin_lock_irqsave(&sw->lock, flags);
	switch (reg) {
	case 0:
	case PCI_DOE_CAP:
		break;
	case PCI_DOE_CTRL:
		if (!sw->go_first)
			sw->int_en = sw->irq && (val & PCI_DOE_CTRL_INT_EN);
		if (val & PCI_DOE_CTRL_ABORT) {
			signal = swmb_abort(sw);
			break;
		}
		if (val & PCI_DOE_CTRL_GO) {
			u64 x = sw->counters[SWMB_EXCHANGES];

			signal = swmb_go(sw);
			timed_go = sw->producing && sw->counters[SWMB_EXCHANGES] != x;
		}
		sw->int_en = sw->irq && (val & PCI_DOE_CTRL_INT_EN);
		/*
		 * A punctual answer no message announces is finished by the
		 * Status read that finds it due: no timer, whose start (on
		 * TCG a trap or two, tens of us) would keep the Go write
		 * running past a short delay, a cost no device's Go has.
		 */
		if (timed_go && (!sw->punctual || sw->int_en))
			hrtimer_start(&sw->timer, ns_to_ktime(sw->go_delay_ns), HRTIMER_MODE_REL);
		break;
	case PCI_DOE_STATUS:
		if (val & PCI_DOE_STATUS_INT_STATUS)
			sw->int_status = false;
		break;
	case PCI_DOE_WRITE:
		if (sw->error)
			break;
		/*
		 * "busywrite": Busy comes on as a request's first dword is
		 * written, as if just after the engine's idle check (its own
		 * read, or learn=1's reuse of the last one). The request is
		 * taken in, Go refused, until an Abort.
		 */
		if (sw->fault == SWMB_FAULT_BUSYWRITE && !sw->req_len && !swmb_busy(sw))
			sw->idle_busy = true;
		if (sw->req_len >= SWMB_MAX_DW) {
			sw->error = true;
			signal = swmb_raise(sw);
			break;
		}
		sw->req[sw->req_len++] = val;
		break;
	case PCI_DOE_READ:
		if (sw->dor && ++sw->rsp_pos >= sw->rsp_total) {
			sw->dor = false;
			swmb_went_idle(sw);
		}
		break;
	default:
		ret = -EINVAL;
		break;
	}
	spin_unlock_irqrestore(&sw->lock, flags);

	if (signal)
		irq_work_queue(&sw->irq_work);
	if (timed_go)
		swmb_go_returned(sw);
	if (ret)
		dev_warn_ratelimited(&sw->pdev->dev,
				     "write of unknown register 0x%x\n", reg);
	return ret;
}

static const struct msikit_doe_backend_ops swmb_ops = {
	.read = swmb_read,
	.write = swmb_write,
};

static struct swmb *swmb_from_dev(struct device *dev)
{
	return swmb_devs[to_platform_device(dev)->id];
}

static ssize_t fault_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct swmb *sw = swmb_from_dev(dev);
	enum swmb_fault fault;
	unsigned long flags;

	spin_lock_irqsave(&sw->lock, flags);
	fault = sw->fault;
	spin_unlock_irqrestore(&sw->lock, flags);

	return sysfs_emit(buf, "%s\n", swmb_fault_names[fault]);
}

static ssize_t fault_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct swmb *sw = swmb_from_dev(dev);
	unsigned long flags;
	int fault;

	fault = sysfs_match_string(swmb_fault_names, buf);
	if (fault < 0) {
		dev_warn(dev, "fault: unknown mode, expected none busy error noready long len0 len1 badhdr busyidle busywrite lostirq\n");
		return -EINVAL;
	}

	spin_lock_irqsave(&sw->lock, flags);
	sw->fault = fault;
	/* Shows up right away if idle, else once the current exchange ends. */
	sw->idle_busy = fault == SWMB_FAULT_BUSYIDLE &&
			(sw->idle_busy || swmb_idle(sw));
	spin_unlock_irqrestore(&sw->lock, flags);

	return count;
}
static DEVICE_ATTR_RW(fault);

static ssize_t sticky_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct swmb *sw = swmb_from_dev(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(sw->sticky));
}

static ssize_t sticky_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct swmb *sw = swmb_from_dev(dev);
	unsigned long flags;
	bool sticky;

	if (kstrtobool(buf, &sticky)) {
		dev_warn(dev, "sticky: expected 0 or 1\n");
		return -EINVAL;
	}

	spin_lock_irqsave(&sw->lock, flags);
	sw->sticky = sticky;
	spin_unlock_irqrestore(&sw->lock, flags);

	return count;
}
static DEVICE_ATTR_RW(sticky);

/*
 * A bounded unsigned attribute, stored under the lock; bad input gets
 * -EINVAL and one line naming the attribute and its range.
 */
static ssize_t swmb_store_uint(struct device *dev, const char *buf, size_t count,
			       const char *name, unsigned int max, unsigned int *field)
{
	struct swmb *sw = swmb_from_dev(dev);
	unsigned long flags;
	unsigned int v;

	if (kstrtouint(buf, 0, &v) || v > max) {
		dev_warn(dev, "%s: expected an integer in 0..%u\n", name, max);
		return -EINVAL;
	}
	spin_lock_irqsave(&sw->lock, flags);
	*field = v;
	spin_unlock_irqrestore(&sw->lock, flags);
	return count;
}

static ssize_t delay_us_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct swmb *sw = swmb_from_dev(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(sw->delay_us));
}

static ssize_t delay_us_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	return swmb_store_uint(dev, buf, count, "delay_us", SWMB_MAX_DELAY_US,
			       &swmb_from_dev(dev)->delay_us);
}
static DEVICE_ATTR_RW(delay_us);

static ssize_t abort_us_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct swmb *sw = swmb_from_dev(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(sw->abort_us));
}

static ssize_t abort_us_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	return swmb_store_uint(dev, buf, count, "abort_us", SWMB_MAX_DELAY_US,
			       &swmb_from_dev(dev)->abort_us);
}
static DEVICE_ATTR_RW(abort_us);

static ssize_t swmb_store_bool(struct device *dev, const char *buf, size_t count,
			       const char *name, bool *field)
{
	struct swmb *sw = swmb_from_dev(dev);
	unsigned long flags;
	bool on;

	if (kstrtobool(buf, &on)) {
		dev_warn(dev, "%s: expected 0 or 1\n", name);
		return -EINVAL;
	}

	spin_lock_irqsave(&sw->lock, flags);
	*field = on;
	spin_unlock_irqrestore(&sw->lock, flags);

	return count;
}

static ssize_t irq_on_busy_clear_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(swmb_from_dev(dev)->irq_on_busy_clear));
}

static ssize_t irq_on_busy_clear_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	return swmb_store_bool(dev, buf, count, "irq_on_busy_clear",
			       &swmb_from_dev(dev)->irq_on_busy_clear);
}
static DEVICE_ATTR_RW(irq_on_busy_clear);

static ssize_t go_first_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(swmb_from_dev(dev)->go_first));
}

static ssize_t go_first_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	return swmb_store_bool(dev, buf, count, "go_first", &swmb_from_dev(dev)->go_first);
}
static DEVICE_ATTR_RW(go_first);

static ssize_t punctual_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(swmb_from_dev(dev)->punctual));
}

static ssize_t punctual_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	return swmb_store_bool(dev, buf, count, "punctual", &swmb_from_dev(dev)->punctual);
}
static DEVICE_ATTR_RW(punctual);

static ssize_t irq_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%d\n", swmb_from_dev(dev)->irq);
}
static DEVICE_ATTR_RO(irq);

/* The counters, read under the lock that orders them with the registers. */
static ssize_t swmb_counter_show(struct device *dev, char *buf, enum swmb_counter c)
{
	struct swmb *sw = swmb_from_dev(dev);
	unsigned long flags;
	u64 n;

	spin_lock_irqsave(&sw->lock, flags);
	n = sw->counters[c];
	spin_unlock_irqrestore(&sw->lock, flags);

	return sysfs_emit(buf, "%llu\n", n);
}

static ssize_t exchanges_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return swmb_counter_show(dev, buf, SWMB_EXCHANGES);
}
static DEVICE_ATTR_RO(exchanges);

static ssize_t aborts_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return swmb_counter_show(dev, buf, SWMB_ABORTS);
}
static DEVICE_ATTR_RO(aborts);

static ssize_t wait_reads_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return swmb_counter_show(dev, buf, SWMB_WAIT_READS);
}
static DEVICE_ATTR_RO(wait_reads);

static ssize_t early_reads_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return swmb_counter_show(dev, buf, SWMB_EARLY_READS);
}
static DEVICE_ATTR_RO(early_reads);

static ssize_t on_time_reads_show(struct device *dev, struct device_attribute *attr,
				  char *buf)
{
	return swmb_counter_show(dev, buf, SWMB_ON_TIME_READS);
}
static DEVICE_ATTR_RO(on_time_reads);

static ssize_t go_past_due_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return swmb_counter_show(dev, buf, SWMB_GO_PAST_DUE);
}
static DEVICE_ATTR_RO(go_past_due);

static ssize_t go_past_due_ns_show(struct device *dev, struct device_attribute *attr,
				   char *buf)
{
	return swmb_counter_show(dev, buf, SWMB_GO_PAST_DUE_NS);
}
static DEVICE_ATTR_RO(go_past_due_ns);

static ssize_t jitter_pct_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(swmb_from_dev(dev)->jitter_pct));
}

static ssize_t jitter_pct_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t count)
{
	return swmb_store_uint(dev, buf, count, "jitter_pct", 100,
			       &swmb_from_dev(dev)->jitter_pct);
}
static DEVICE_ATTR_RW(jitter_pct);

static struct attribute *swmb_attrs[] = {
	&dev_attr_fault.attr,
	&dev_attr_sticky.attr,
	&dev_attr_delay_us.attr,
	&dev_attr_abort_us.attr,
	&dev_attr_irq_on_busy_clear.attr,
	&dev_attr_go_first.attr,
	&dev_attr_punctual.attr,
	&dev_attr_irq.attr,
	&dev_attr_exchanges.attr,
	&dev_attr_aborts.attr,
	&dev_attr_wait_reads.attr,
	&dev_attr_early_reads.attr,
	&dev_attr_on_time_reads.attr,
	&dev_attr_go_past_due.attr,
	&dev_attr_go_past_due_ns.attr,
	&dev_attr_jitter_pct.attr,
	NULL
};
ATTRIBUTE_GROUPS(swmb);

static void swmb_timer_init(struct swmb *sw)
{
#ifdef SWMB_HAVE_HRTIMER_SETUP
	hrtimer_setup(&sw->timer, swmb_timer_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL);
#else
	hrtimer_init(&sw->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	sw->timer.function = swmb_timer_fn;
#endif
}

static void swmb_destroy(struct swmb *sw)
{
	if (sw->mb) {
		/*
		 * A late interrupt (an irq_work queued before the engine polled
		 * the response, or a timer racing an abort) must not reach a
		 * mailbox the engine has freed, so interrupts stop before the
		 * removal. The removal cancels and wakes the exchange still on
		 * the registers itself; it does not need our interrupt.
		 */
		RCU_INIT_POINTER(sw->irq_mb, NULL);
		synchronize_rcu();
		msikit_doe_backend_remove(sw->mb);
	}
	hrtimer_cancel(&sw->timer);
	irq_work_sync(&sw->irq_work);

	if (sw->pdev)
		platform_device_unregister(sw->pdev);
	kvfree(sw->req);
	kvfree(sw->held);
	kfree(sw);
}

static int swmb_create(unsigned int id)
{
	struct platform_device *pdev;
	struct msikit_doe_mb *mb;
	unsigned long flags;
	struct swmb *sw;
	bool replay;
	int ret;

	sw = kzalloc(sizeof(*sw), GFP_KERNEL);
	if (!sw)
		return -ENOMEM;

	spin_lock_init(&sw->lock);
	swmb_timer_init(sw);
	init_irq_work(&sw->irq_work, swmb_irq_work_fn);
	sw->irq = swmb_irq;

	/* Ops run in atomic context, so a maximum sized object is preallocated. */
	sw->req = kvmalloc_array(SWMB_MAX_DW, sizeof(u32), GFP_KERNEL);
	sw->held = kvmalloc_array(SWMB_MAX_DW, sizeof(u32), GFP_KERNEL);
	if (!sw->req || !sw->held) {
		ret = -ENOMEM;
		goto err_free;
	}

	pdev = platform_device_alloc(SWMB_NAME, id);
	if (!pdev) {
		ret = -ENOMEM;
		goto err_free;
	}
	/* Attributes set up before the add are in place by the uevent. */
	pdev->dev.groups = swmb_groups;
	swmb_devs[id] = sw;
	ret = platform_device_add(pdev);
	if (ret) {
		platform_device_put(pdev);
		swmb_devs[id] = NULL;
		goto err_free;
	}
	sw->pdev = pdev;

	mb = msikit_doe_backend_add(&pdev->dev, &swmb_ops, sw, sw->irq);
	if (IS_ERR_OR_NULL(mb)) {
		ret = mb ? PTR_ERR(mb) : -ENOMEM;
		pr_err("%s: msikit_doe_backend_add failed: %d\n",
		       dev_name(&pdev->dev), ret);
		platform_device_unregister(pdev);
		swmb_devs[id] = NULL;
		goto err_free;
	}
	sw->mb = mb;

	/*
	 * The engine may already have run an exchange while the handle was
	 * unknown here; hand it the interrupt that could not be sent. Interrupt
	 * Status set means one was raised, with Interrupt Enable on then, and
	 * nobody took it: a later Go may have turned Enable off since (a quiet
	 * one). A trait of this double, not a device's: a device's message
	 * goes out when raised; this one is held until there is an engine to
	 * take it.
	 */
	spin_lock_irqsave(&sw->lock, flags);
	rcu_assign_pointer(sw->irq_mb, mb);
	replay = sw->int_status;
	spin_unlock_irqrestore(&sw->lock, flags);
	if (replay)
		irq_work_queue(&sw->irq_work);

	return 0;

err_free:
	hrtimer_cancel(&sw->timer);
	irq_work_sync(&sw->irq_work);
	kvfree(sw->req);
	kvfree(sw->held);
	kfree(sw);
	return ret;
}

static void swmb_destroy_all(void)
{
	int i;

	for (i = SWMB_MAX_COUNT - 1; i >= 0; i--) {
		if (swmb_devs[i]) {
			swmb_destroy(swmb_devs[i]);
			swmb_devs[i] = NULL;
		}
	}
}

static int __init swmb_init(void)
{
	unsigned int i;
	int ret;

	if (!swmb_count || swmb_count > SWMB_MAX_COUNT) {
		pr_err("count=%u is out of range 1..%u\n", swmb_count,
		       SWMB_MAX_COUNT);
		return -EINVAL;
	}

	for (i = 0; i < swmb_count; i++) {
		ret = swmb_create(i);
		if (ret) {
			swmb_destroy_all();
			return ret;
		}
	}
	return 0;
}
module_init(swmb_init);

static void __exit swmb_exit(void)
{
	swmb_destroy_all();
}
module_exit(swmb_exit);

MODULE_DESCRIPTION("msikit: software DOE mailbox responder for testing msikit_doe");
MODULE_LICENSE("GPL");
