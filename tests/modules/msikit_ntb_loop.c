// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_ntb_loop: a loopback NTB of two QEMU edu functions (1234:11e8)
 * for msikit_ntb_msi. Test-only: not part of the package.
 *
 * The first edu function bound is side A, the second side B; they are the
 * two ports of a back-to-back bridge, each with one peer, the other side.
 * A side's inbound window is a recorded translation {addr, size}. A write
 * the other side sends through its outbound window (peer_mw_write: the
 * port has no memory-mapped one) lands at addr + offset: the receiving
 * edu's own MSI capability, which the PCI core leaves disabled because no
 * driver enables MSI on edu, is programmed with that address and the data
 * and raised through register 0x60, so QEMU sends the write with the
 * receiving function's requester ID, as a bridge forwards a peer's write.
 * Each side also runs a client of the msikit_ntb_msi API, whose
 * descriptors reach the other side only through a "scratchpad channel":
 * published at request, republished from desc_changed.
 *
 * sysfs, in the group "ntb" under each edu function ("this side"; "the
 * peer" is the other one):
 *   side        "A" or "B"
 *   upstream    0 or 1, written while this side is not set up: 1 makes it
 *		 play a peer running upstream's drivers/ntb/msi.c, which
 *		 publishes bare offsets (format bits cleared) and triggers the
 *		 peer's descriptors with the offset word whole and unbounded
 *		 (the peer's window drops what lies beyond it: -ERANGE)
 *   setup       write N: create this side's nm if there is none, set up
 *		 its windows, request interrupts 0..N-1 and publish their
 *		 descriptors; all or nothing. "0" only creates the nm
 *   teardown    write anything: free every interrupt, exit the nm
 *   free_some   write INDEX: free one interrupt and unpublish it
 *   info        "parent P immutable I pinned P win_base B win_size S
 *		 max_irqs M nr_irqs N own_vectors V dropped D upstream_peer U
 *		 upstream W": V is the function's own MSI vector count, D
 *		 the peer's writes this side's window dropped, U the nm's
 *		 msikit_ntb_msi_info() upstream_peer, W the attribute above
 *   descs       "INDEX OFFSET DATA FORMAT WORD" per published descriptor,
 *		 decoded; FORMAT "sealed" or "plain" (include/msikit/ntb_msi.h),
 *		 or "bare" for an upstream side's; WORD the offset word as
 *		 published
 *   counts      "INDEX COUNT" per requested interrupt
 *   fire        write "INDEX COUNT": COUNT writes of the peer's interrupt
 *		 INDEX through this side's nm, each waited for; -ETIMEDOUT
 *		 if one is lost, -EIO if another interrupt counted it or it
 *		 counted twice
 *   fire_all    write COUNT: the same for every published interrupt of
 *		 the peer; fire_result: "sent S delivered D lost L
 *		 misrouted M"
 *   stress      write "WRITES CHANGES [LOSSES]": WRITES writes to the
 *		 peer's interrupts in turn, each waited for at its own
 *		 interrupt, while a thread on another CPU makes CHANGES
 *		 affinity changes of them; the writer always reads the
 *		 channel. Up to LOSSES (default 0) lost writes are counted
 *		 and the run goes on (CPUs taken offline under it)
 *   stress_stop write anything: a stress running on this side stops
 *		 after its current write
 *   stress_result  "writes W changes C ebusy E lost L misrouted M
 *		 spurious S republished R refused F failed X ns T torn N
 *		 zeroed Z overlapped O": T is the writer's elapsed time; N and
 *		 Z count the writer's triggers the seal refused (EBADMSG,
 *		 ENODATA), each followed by a fresh read of the channel: N
 *		 those whose halves were both non-zero, so of two different
 *		 descriptors, Z those with a zeroed half; O the writer's reads
 *		 of a slot that a republish was rewriting meanwhile (tear_us),
 *		 and of those the ones whose halves matched neither the old
 *		 descriptor nor the new one ("mixed", after O); with
 *		 tear_meet, "met": the reads a republish began inside and
 *		 that took their data half once it was done
 *   restore     write anything: forget the peer's published descriptors
 *		 (a peer reset), then msikit_ntb_msi_restore() on the
 *		 peer's nm; read: how many it republished
 *   cycle       write N: N times request one interrupt here, one write
 *		 from the peer, free it
 *   maxprobe    write anything: on a second nm of 2048 here (no setup),
 *		 request until msikit refuses, one write from the peer to
 *		 each; read: "COUNT ERRNO DELIVERED"
 *   bench       write N, on side A once A has 1 interrupt set up and B
 *		 an nm: N round trips of B's trigger of A's interrupt 0, N
 *		 of A's own PCI MSI vector (allocated for the run, sent by
 *		 the same loop_edu_write()) and N of interrupt 0's message
 *		 relayed without the trigger, in rotating rounds; on a
 *		 mutable, unpinned parent also max(N / 10, 10) moves of
 *		 interrupt 0 to another CPU, each timed until desc_changed
 *		 has put the new descriptor in the channel. read:
 *		 "MSIKIT_NS PLAIN_NS RATIO RATIO_MIN RATIO_MAX ROUNDS
 *		 REPUBLISH_NS KIT_WRITES OWN_WRITES OWN_COUNTED RATIO_Q1
 *		 RATIO_Q3 DIRECT_NS RATIO_DIRECT": ns per round trip (median
 *		 round), the ratio msikit/plain in thousandths (median,
 *		 extremes, quartiles of the rounds), the median move's ns
 *		 (0: not applicable), the writes sent to A's interrupt 0
 *		 (B's round trips and moves, and the relayed ones), those
 *		 A's own vector was sent and the ones it counted, ns per
 *		 relayed round trip and its ratio to plain (median round)
 *   selftest    read: API misuse cases, one "ok"/"not ok" line each;
 *		 this side must not be set up, the peer should be (its
 *		 window refuses out-of-window triggers)
 *
 * Module parameters mw_addr_align, mw_size_align and mw_size_max are what
 * the ports report; max_irqs sizes the nm setup creates. tear_us, when
 * not 0, makes the channel two scratchpads, as upstream's clients use
 * them: a republish writes the offset half, then tear_us later the data
 * half (ntb_msi_test's order; with tear_zero it zeroes both first and
 * waits tear_us, as ntb_transport does); a reader takes the offset half,
 * then the data half tear_us / 4 or 2 * tear_us later, in turn. A reader
 * can so hold the new offset with the old data and the old offset with
 * the new data. That a read and a republish meet is left to chance unless
 * tear_meet is set: then every other republish of a slot waits (about
 * NL_MEET_MAX_US at most) for a reader in a long gap there and claims it,
 * which takes its data half only once the republish is done: the reader
 * holds the old offset with the new data every time the two met (a mix
 * where the move changed both halves).
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/wait.h>
#include <msikit/ntb_msi.h>

#include "ntb_loop_edu.h"

#define NL_MAX		2048	/* interrupts per side, and the maxprobe nm's size */
#define NL_WAIT		HZ	/* a write not counted by then is lost */
#define NL_FIRE_FAILS	16	/* fire_all stops after so many, at a second each */
#define NL_ROUNDS	31	/* bench: alternating rounds, the median is the figure */
#define NL_OWN		NL_MAX	/* bench: the index A's own vector counts as */

static ulong mw_addr_align = 4096;
module_param(mw_addr_align, ulong, 0644);
MODULE_PARM_DESC(mw_addr_align, "inbound window address alignment the ports report");
static ulong mw_size_align = 4096;
module_param(mw_size_align, ulong, 0644);
MODULE_PARM_DESC(mw_size_align, "inbound window size alignment the ports report");
static ulong mw_size_max = SZ_1M;
module_param(mw_size_max, ulong, 0644);
MODULE_PARM_DESC(mw_size_max, "largest inbound window the ports report");
static uint max_irqs = 256;
module_param(max_irqs, uint, 0644);
MODULE_PARM_DESC(max_irqs, "size of the nm that setup creates");
static uint tear_us;
module_param(tear_us, uint, 0644);
MODULE_PARM_DESC(tear_us, "0, or the channel is two scratchpads written this many us apart (at most 1000)");
static bool tear_zero;
module_param(tear_zero, bool, 0644);
MODULE_PARM_DESC(tear_zero, "with tear_us: a republish zeroes both scratchpads first");
static bool tear_meet;
module_param(tear_meet, bool, 0644);
MODULE_PARM_DESC(tear_meet, "with tear_us: every other republish of a slot begins inside a read of it, which sees it whole");

#define NL_TEAR_MAX_US	1000
/* how long a tear_meet republish waits for a reader before going alone */
#define NL_MEET_MAX_US	10000
#define NL_REREADS	1000	/* a descriptor still torn after so many reads is an error */

static const char * const nl_names[] = { "ntb-loop-A", "ntb-loop-B" };

struct nl_side;

struct nl_irq {
	struct nl_side *side;
	unsigned int index;
	unsigned int irq;		/* while requested */
	bool requested;			/* under chan_lock: desc_changed copies it */
	atomic_t count;
	struct msikit_ntb_msi_desc desc;	/* the client's copy, which msikit rewrites */
	unsigned int sent, base;	/* stress: writes aimed here, count before */
	unsigned int lost;		/* stress: of those, lost and tolerated */
};

/* one scratchpad pair of the channel */
struct nl_chan {
	bool valid;
	struct msikit_ntb_msi_desc desc;
	/* tear_us, under chan_lock: */
	unsigned int gen;		/* bumped by a whole put or unpublish */
	unsigned int tear_gen;		/* the gen a half-by-half republish is for */
	struct msikit_ntb_msi_desc prev, next;	/* what it replaces, and with what */
	atomic_t seq;			/* odd while that republish is half done */
	atomic_t straddle;		/* tear_meet: 0 or one of below */
	atomic_t reads;			/* tear_us: alternates this slot's reader gap */
	unsigned int tears;		/* tear_meet: republishes, alternately met */
};

/*
 * tear_meet: a reader is in its long gap; a republish claimed that read;
 * that republish is done (the reader puts 0 back)
 */
enum { NL_READING = 1, NL_CLAIMED, NL_DONE };

struct nl_fire {
	unsigned long sent, delivered, lost, misrouted;
};

struct nl_stress {
	unsigned long writes, changes, ebusy, lost, misrouted, spurious, republished;
	unsigned long refused, failed;
	u64 ns;
	unsigned long torn, zeroed;	/* rereads: two descriptors' halves, a zeroed half */
	unsigned long overlapped;	/* reads a republish overlapped */
	unsigned long mixed;		/* of those, halves of two descriptors */
	unsigned long met;		/* tear_meet: reads that waited out a republish */
};

struct nl_bench {
	u64 kit_ns, own_ns, ratio, ratio_min, ratio_max, ratio_q1, ratio_q3, republish_ns;
	u64 direct_ns, ratio_direct;	/* msikit's message without its trigger */
	unsigned int rounds;
	/* writes sent to interrupt 0 and to the own vector, and what the latter counted */
	unsigned long kit_writes, own_writes, own_counted;
};

struct nl_side {
	struct pci_dev *pdev;
	struct loop_edu edu;
	unsigned int index;		/* 0: A, 1: B */
	struct msikit_ntb_port port;
	atomic_t users;			/* references of the other side's paths */
	bool dying;			/* remove() has begun */
	bool stop;			/* stress_stop: end the running stress */
	/*
	 * upstream: this side plays a peer running upstream's
	 * drivers/ntb/msi.c: it publishes bare offsets (its descriptors
	 * without msikit's format bits) and triggers the other side's
	 * descriptors as upstream does, the offset word taken whole
	 */
	bool upstream;
	struct mutex lock;		/* nm, irqs[].irq; held by every store */
	struct msikit_ntb_msi *nm;
	struct nl_irq *irqs;		/* NL_MAX */
	atomic_t total;			/* interrupts this side counted, any index */
	unsigned int last;		/* the index that counted last */
	wait_queue_head_t wq;
	raw_spinlock_t win_lock;	/* win_addr, win_size, dropped; held over a raise */
	u64 win_addr, win_size;		/* inbound translation, size 0 when clear */
	unsigned long dropped;
	spinlock_t chan_lock;		/* chan, irqs[].requested, republished, chan_ns */
	struct nl_chan *chan;		/* NL_MAX: what the other side reads */
	unsigned long republished;
	u64 chan_ns;			/* when desc_changed last changed the channel */
	atomic_long_t overlaps;		/* tear_us: reads a republish overlapped */
	atomic_long_t mixes;		/* of those, halves of two descriptors */
	atomic_long_t meets;		/* tear_meet: reads that waited out a republish */
	DECLARE_BITMAP(tearing, NL_MAX);	/* desc_changed's: slots to tear */
	struct nl_fire fr;
	struct nl_stress st;
	struct nl_bench bench;
	long restored;
	int max_count, max_errno, max_delivered;
};

/*
 * The two sides: a slot is taken from probe to the end of remove, the
 * lookup pointer only while the side may be used by the other one.
 */
static DEFINE_MUTEX(nl_bind_lock);	/* nl_slot_used */
static bool nl_slot_used[2];
static DEFINE_RAW_SPINLOCK(nl_sides_lock);	/* nl_sides, taking a reference */
static struct nl_side *nl_sides[2];
static DECLARE_WAIT_QUEUE_HEAD(nl_release_wq);
/* one lock class per side: A's lock is always taken before B's */
static struct lock_class_key nl_lock_keys[2];

static __printf(3, 4) int nl_refuse(struct nl_side *s, int rc, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_warn(&s->pdev->dev, "%pV", &vaf);
	va_end(args);
	return rc;
}

/* May be called in atomic context (peer_mw_write). */
static struct nl_side *nl_get(unsigned int index)
{
	struct nl_side *s;
	unsigned long flags;

	raw_spin_lock_irqsave(&nl_sides_lock, flags);
	s = nl_sides[index];
	if (s)
		atomic_inc(&s->users);
	raw_spin_unlock_irqrestore(&nl_sides_lock, flags);
	return s;
}

/* The wait queue is global: @s may be freed as soon as users reaches 0. */
static void nl_put(struct nl_side *s)
{
	if (atomic_dec_and_test(&s->users))
		wake_up(&nl_release_wq);
}

static bool nl_gone(struct nl_side *a, struct nl_side *b)
{
	return READ_ONCE(a->dying) || READ_ONCE(b->dying);
}

/*
 * Both sides' locks, A's first, so stores running in opposite directions
 * cannot deadlock; the reference keeps the peer's memory while its
 * remove() waits for us. A side being removed is never used again.
 */
static struct nl_side *nl_lock_pair(struct nl_side *s)
{
	struct nl_side *peer = nl_get(s->index ^ 1);

	if (!peer)
		return ERR_PTR(-ENODEV);
	mutex_lock(s->index ? &peer->lock : &s->lock);
	mutex_lock(s->index ? &s->lock : &peer->lock);
	if (nl_gone(s, peer)) {
		mutex_unlock(&s->lock);
		mutex_unlock(&peer->lock);
		nl_put(peer);
		return ERR_PTR(-ENODEV);
	}
	return peer;
}

static void nl_unlock_pair(struct nl_side *s, struct nl_side *peer)
{
	mutex_unlock(&s->lock);
	mutex_unlock(&peer->lock);
	nl_put(peer);
}

static struct nl_side *port_side(struct msikit_ntb_port *port)
{
	return container_of(port, struct nl_side, port);
}

/* Parameters as they are: refusing bad ones is msikit's job, under test. */
static int nl_mw_get_align(struct msikit_ntb_port *port, int peer, resource_size_t *addr_align,
			   resource_size_t *size_align, resource_size_t *size_max)
{
	if (peer)
		return -EINVAL;
	*addr_align = READ_ONCE(mw_addr_align);
	*size_align = READ_ONCE(mw_size_align);
	*size_max = READ_ONCE(mw_size_max);
	return 0;
}

static bool nl_aligned(u64 v, u64 align)
{
	u64 rem;

	if (!align)
		return false;
	div64_u64_rem(v, align, &rem);
	return !rem;
}

/* Like hardware: a window the port cannot translate is refused. */
static int nl_mw_set_trans(struct msikit_ntb_port *port, int peer, dma_addr_t addr,
			   resource_size_t size)
{
	struct nl_side *s = port_side(port);
	unsigned long flags;

	if (peer)
		return -EINVAL;
	if (!nl_aligned(addr, READ_ONCE(mw_addr_align)) ||
	    !size || !nl_aligned(size, READ_ONCE(mw_size_align)) || size > READ_ONCE(mw_size_max)) {
		dev_warn(&s->pdev->dev,
			 "inbound window %#llx+%#llx refused: align %#lx, size align %#lx, max %#lx\n",
			 (u64)addr, (u64)size, READ_ONCE(mw_addr_align),
			 READ_ONCE(mw_size_align), READ_ONCE(mw_size_max));
		return -EINVAL;
	}
	raw_spin_lock_irqsave(&s->win_lock, flags);
	s->win_addr = addr;
	s->win_size = size;
	raw_spin_unlock_irqrestore(&s->win_lock, flags);
	return 0;
}

/* The other side's write path holds win_lock over the whole raise. */
static void nl_mw_clear_trans(struct msikit_ntb_port *port, int peer)
{
	struct nl_side *s = port_side(port);
	unsigned long flags;

	if (peer)
		return;
	raw_spin_lock_irqsave(&s->win_lock, flags);
	s->win_addr = 0;
	s->win_size = 0;
	raw_spin_unlock_irqrestore(&s->win_lock, flags);
}

static int nl_peer_mw_get_addr(struct msikit_ntb_port *port, int peer, phys_addr_t *base,
			       resource_size_t *size)
{
	return -EOPNOTSUPP;
}

/*
 * One store relayed into side @to's window: the side looked up and held,
 * its window lock, one edu write. With @msg the store is the bench's own
 * MSI message of that side (nl_raise_own()), sent through every step a
 * peer's store takes, so that the bench's two paths differ by msikit
 * alone; without, it is a peer's store at @offset into the window.
 */
static int nl_relay(unsigned int to, const struct msi_msg *msg, u32 offset, u32 data)
{
	struct nl_side *rx;
	unsigned long flags;
	int rc;

	rx = nl_get(to);
	if (!rx)
		return -ENODEV;
	raw_spin_lock_irqsave(&rx->win_lock, flags);
	if (!rx->win_size)
		rc = -ENOLINK;
	else if (msg)
		rc = loop_edu_write(&rx->edu, (u64)msg->address_hi << 32 | msg->address_lo,
				    msg->data);
	else if ((u64)offset + 4 > rx->win_size || offset % 4)
		rc = -ERANGE;
	else
		/*
		 * QEMU sends the message within the trapped register write:
		 * none is in flight once win_lock is dropped
		 */
		rc = loop_edu_write(&rx->edu, rx->win_addr + offset, data);
	if (rc && !msg)
		rx->dropped++;
	raw_spin_unlock_irqrestore(&rx->win_lock, flags);
	nl_put(rx);
	return rc;
}

/* A write through this side's outbound window: it lands in the other side's. */
static int nl_peer_mw_write(struct msikit_ntb_port *port, int peer, u32 offset, u32 data)
{
	if (peer)
		return -EINVAL;
	return nl_relay(port_side(port)->index ^ 1, NULL, offset, data);
}

static const struct msikit_ntb_port_ops nl_port_ops = {
	.mw_get_align = nl_mw_get_align,
	.mw_set_trans = nl_mw_set_trans,
	.mw_clear_trans = nl_mw_clear_trans,
	.peer_mw_get_addr = nl_peer_mw_get_addr,
	.peer_mw_write = nl_peer_mw_write,
};

static irqreturn_t nl_handler(int irq, void *data)
{
	struct nl_irq *ni = data;
	struct nl_side *s = ni->side;

	atomic_inc(&ni->count);
	WRITE_ONCE(s->last, ni->index);
	/* a waiter that sees total grow sees count and last with it */
	smp_mb__before_atomic();
	atomic_inc(&s->total);
	wake_up(&s->wq);
	return IRQ_HANDLED;
}

/* tear_us as the channel's writers and readers use it, capped */
static unsigned int nl_tear_us(void)
{
	return min(READ_ONCE(tear_us), NL_TEAR_MAX_US);
}

/*
 * What side @s puts on the channel for its descriptor @d: @d itself, or
 * as an upstream peer publishes it, the bare offset msikit's decoder
 * reads from it (a sealed word's seal is not part of the offset). One
 * that does not decode goes out as it is, for the peer to refuse.
 */
static struct msikit_ntb_msi_desc nl_wire(const struct nl_side *s,
					  const struct msikit_ntb_msi_desc *d)
{
	struct msikit_ntb_msi_desc w;
	u64 v = READ_ONCE(*(const u64 *)d);	/* msikit rewrites it whole */
	u32 off;

	memcpy(&w, &v, sizeof(w));
	if (READ_ONCE(s->upstream) && !msikit_ntb_msi_desc_decode(&w, &off, NULL))
		w.addr_offset = cpu_to_le32(off);
	return w;
}

/* Put @d in the channel slot @c whole, under chan_lock. */
static void nl_chan_put(struct nl_chan *c, const struct msikit_ntb_msi_desc *d)
{
	c->gen++;
	c->desc = *d;
	/* a lockless reader that sees it valid sees the descriptor */
	smp_store_release(&c->valid, true);
}

/*
 * One half of a half-by-half republish, under chan_lock: none if the slot
 * was unpublished or published whole since (a free and a new request).
 */
static bool nl_chan_half(struct nl_side *s, struct nl_chan *c, __le32 *half, __le32 val)
{
	bool ok;

	spin_lock(&s->chan_lock);
	ok = c->valid && c->gen == c->tear_gen;
	if (ok)
		WRITE_ONCE(*half, val);
	spin_unlock(&s->chan_lock);
	return ok;
}

/*
 * tear_meet: wait for a reader in its long gap on @c and claim its read,
 * which then waits for this republish to say it is done before taking
 * its data half. False if none came within about NL_MEET_MAX_US (sleeps
 * of a quarter gap, counted, not timed).
 */
static bool nl_meet_reader(struct nl_chan *c, unsigned int us)
{
	unsigned int waited = 0, step = max(us / 4, 1U);

	while (atomic_cmpxchg(&c->straddle, NL_READING, NL_CLAIMED) != NL_READING) {
		if (waited >= NL_MEET_MAX_US)
			return false;
		usleep_range(step, step + 1);
		waited += step;
	}
	return true;
}

/*
 * Republish slot @i half by half, as two scratchpads: the offset, then
 * tear_us later the data (with tear_zero both zeroed first, as
 * ntb_transport does), sleeping in between, so that a reader on this very
 * CPU runs in the gaps too. desc_changed alone calls it, and msikit calls
 * that for one context at a time; each side has one context with a
 * channel.
 */
static void nl_chan_tear(struct nl_side *s, unsigned int i, unsigned int us)
{
	struct nl_chan *c = &s->chan[i];
	__le32 off = c->next.addr_offset, data = c->next.data;
	bool ok = true, met = false;

	/*
	 * Every other republish of the slot, up to about NL_MEET_MAX_US in
	 * this work item; the others go alone, for readers to meet by chance
	 * (a claimed read waits a republish out, and so never holds a zeroed
	 * half)
	 */
	if (READ_ONCE(tear_meet) && c->tears++ % 2 == 0)
		met = nl_meet_reader(c, us);
	atomic_inc(&c->seq);
	/* the count before the halves: a reader that sees it even saw no half */
	smp_mb__after_atomic();
	if (READ_ONCE(tear_zero)) {
		ok = nl_chan_half(s, c, &c->desc.addr_offset, 0) &&
		     nl_chan_half(s, c, &c->desc.data, 0);
		usleep_range(us, us + us / 4 + 1);
	}
	if (ok && nl_chan_half(s, c, &c->desc.addr_offset, off)) {
		usleep_range(us, us + us / 4 + 1);
		nl_chan_half(s, c, &c->desc.data, data);
	}
	/* both halves before the count says the republish is done */
	smp_mb__before_atomic();
	atomic_inc(&c->seq);
	/* and before the reader it claimed takes its data half (unless it gave up) */
	if (met)
		atomic_cmpxchg_release(&c->straddle, NL_CLAIMED, NL_DONE);
}

/*
 * msikit rewrote descriptors (an x86 vector move, a restore): republish
 * every requested one on the channel, which is all the other side reads.
 * Only what differs from the published copy counts as republished.
 */
static void nl_desc_changed(void *ctx)
{
	struct nl_side *s = ctx;
	unsigned int i, us = nl_tear_us();
	struct msikit_ntb_msi_desc w;
	bool changed = false;
	struct nl_chan *c;

	spin_lock(&s->chan_lock);
	for (i = 0; i < NL_MAX; i++) {
		if (!s->irqs[i].requested)
			continue;
		c = &s->chan[i];
		w = nl_wire(s, &s->irqs[i].desc);
		if (c->valid && !memcmp(&c->desc, &w, sizeof(c->desc)))
			continue;
		if (us && c->valid) {
			/* below, without the lock, unless the slot changes hands */
			c->prev = c->desc;
			c->next = w;
			c->tear_gen = c->gen;
			__set_bit(i, s->tearing);
		} else {
			nl_chan_put(c, &w);
		}
		s->republished++;
		changed = true;
	}
	spin_unlock(&s->chan_lock);
	for_each_set_bit(i, s->tearing, NL_MAX) {
		nl_chan_tear(s, i, us);
		__clear_bit(i, s->tearing);
	}
	if (changed) {
		/* the bench times a move up to here: from now on the peer writes the new one */
		WRITE_ONCE(s->chan_ns, ktime_get_ns());
		wake_up(&s->wq);
	}
}

/* The maxprobe and selftest nms publish nothing: their interrupts never move. */
static void nl_no_channel(void *ctx)
{
}

/*
 * tear_meet: the end of a read's long gap. If a republish claimed the read,
 * wait until it is done, so that the data half read next is the new one:
 * about NL_MEET_MAX_US at most (in sleeps of a quarter gap), far more than
 * the longest republish (two gaps of NL_TEAR_MAX_US), then the read goes
 * on alone and the claim is dropped. True if the republish was waited out.
 */
static bool nl_read_claimed(struct nl_chan *c, unsigned int us)
{
	unsigned int waited = 0, step = max(us / 4, 1U);
	int st;

	if (atomic_cmpxchg(&c->straddle, NL_READING, 0) == NL_READING)
		return false;
	/* the halves before the republish said it was done */
	while ((st = atomic_read_acquire(&c->straddle)) == NL_CLAIMED && waited < NL_MEET_MAX_US) {
		usleep_range(step, step + 1);
		waited += step;
	}
	atomic_set(&c->straddle, 0);
	return st == NL_DONE;
}

static int nl_chan_read(struct nl_side *s, unsigned int i, struct msikit_ntb_msi_desc *d)
{
	struct nl_chan *c = &s->chan[i];
	unsigned int us = nl_tear_us();
	int rc = -ENOENT;

	if (us) {
		/*
		 * One half, then the other, as a reader of two scratchpads: a
		 * short gap catches a writer between its halves (new offset,
		 * old data), a long one straddles both (old offset, new data).
		 */
		unsigned int seq, gap;
		bool straddle;

		/* valid before the halves: nl_chan_put()'s release */
		if (!smp_load_acquire(&c->valid))
			return -ENOENT;
		seq = atomic_read(&c->seq);
		/* the count before the halves, pairing with the republish's */
		smp_rmb();
		d->addr_offset = READ_ONCE(c->desc.addr_offset);
		/* per slot: a writer of two in turn would give each one gap only */
		gap = atomic_inc_return(&c->reads) & 1 ? 2 * us : max(us / 4, 1U);
		straddle = gap > us && READ_ONCE(tear_meet) &&
			   atomic_cmpxchg(&c->straddle, 0, NL_READING) == 0;
		usleep_range(gap, gap + gap / 4 + 1);
		if (straddle && nl_read_claimed(c, us))
			atomic_long_inc(&s->meets);
		d->data = READ_ONCE(c->desc.data);
		/* the halves before the count again */
		smp_rmb();
		/* a republish was under way at some point of this read */
		if ((seq & 1) || atomic_read(&c->seq) != seq) {
			atomic_long_inc(&s->overlaps);
			/* halves of the two descriptors, neither zeroed: a mix */
			if (d->addr_offset && d->data &&
			    memcmp(d, &c->prev, sizeof(*d)) && memcmp(d, &c->next, sizeof(*d)))
				atomic_long_inc(&s->mixes);
		}
		return 0;
	}
	spin_lock(&s->chan_lock);
	if (s->chan[i].valid) {
		*d = s->chan[i].desc;
		rc = 0;
	}
	spin_unlock(&s->chan_lock);
	return rc;
}

/* Empty the channel slot @c, under chan_lock: a republish under way stops. */
static void nl_chan_clear(struct nl_chan *c)
{
	WRITE_ONCE(c->valid, false);
	c->gen++;
	memset(&c->desc, 0, sizeof(c->desc));
}

static void nl_unpublish(struct nl_side *s, unsigned int i)
{
	spin_lock(&s->chan_lock);
	s->irqs[i].requested = false;
	nl_chan_clear(&s->chan[i]);
	spin_unlock(&s->chan_lock);
}

static void nl_unpublish_all(struct nl_side *s)
{
	unsigned int i;

	for (i = 0; i < NL_MAX; i++)
		nl_unpublish(s, i);
}

/* Request interrupt @i of this side's nm and publish its descriptor. */
static int nl_request(struct nl_side *s, unsigned int i)
{
	struct nl_irq *ni = &s->irqs[i];
	struct msikit_ntb_msi_desc w;
	int irq;

	atomic_set(&ni->count, 0);
	memset(&ni->desc, 0, sizeof(ni->desc));
	irq = msikit_ntb_msi_request_threaded_irq(s->nm, nl_handler, NULL, nl_names[s->index],
						  ni, &ni->desc);
	if (irq < 0)
		return irq;
	ni->irq = irq;
	w = nl_wire(s, &ni->desc);
	spin_lock(&s->chan_lock);
	ni->requested = true;
	nl_chan_put(&s->chan[i], &w);
	spin_unlock(&s->chan_lock);
	return 0;
}

/* Unpublish first: the peer must stop using it before it goes. */
static int nl_free(struct nl_side *s, unsigned int i)
{
	struct nl_irq *ni = &s->irqs[i];
	int rc;

	nl_unpublish(s, i);
	rc = msikit_ntb_msi_free_irq(s->nm, ni->irq, ni);
	if (rc)
		dev_err(&s->pdev->dev, "free of interrupt %u (irq %u): %d\n", i, ni->irq, rc);
	ni->irq = 0;
	return rc;
}

static int nl_teardown(struct nl_side *s)
{
	unsigned int i;

	if (!s->nm)
		return nl_refuse(s, -ENOTCONN, "teardown: nothing set up\n");
	for (i = 0; i < NL_MAX; i++)
		if (s->irqs[i].irq)
			nl_free(s, i);
	msikit_ntb_msi_exit(s->nm);
	s->nm = NULL;
	nl_unpublish_all(s);
	return 0;
}

struct nl_shot {
	bool sent;		/* the trigger went out */
	unsigned int landed;	/* misrouted: the index that counted it */
};

/* Log lines name the bench's own vector by the index no interrupt of an nm has. */
static const char *nl_own_note(const struct nl_irq *ni)
{
	return ni->index == NL_OWN ? " (A's own MSI vector)" : "";
}

/*
 * Wait for the write sent to @ni once its count was @want - 1 and @rx's
 * total @total - 1. Return: 0 once @ni alone counted it; -ETIMEDOUT if
 * nothing counted (lost); -EIO if another interrupt counted instead
 * (misrouted) or @ni counted twice; -ENODEV if a side is going away.
 */
static int nl_counted(struct nl_side *tx, struct nl_side *rx, struct nl_irq *ni, int want,
		      int total, struct nl_shot *shot)
{
	int got;

	wait_event_timeout(rx->wq, atomic_read(&rx->total) >= total || nl_gone(tx, rx), NL_WAIT);
	if (nl_gone(tx, rx))
		return -ENODEV;
	if (atomic_read(&rx->total) < total) {
		dev_err(&rx->pdev->dev, "write to interrupt %u%s lost\n", ni->index,
			nl_own_note(ni));
		return -ETIMEDOUT;
	}
	smp_rmb();	/* total before count and last, as the handler wrote them */
	got = atomic_read(&ni->count);
	if (got == want && atomic_read(&rx->total) == total)
		return 0;
	shot->landed = got > want ? ni->index : READ_ONCE(rx->last);
	dev_err(&rx->pdev->dev, "write to interrupt %u%s misrouted: %d counts there, last one at %u\n",
		ni->index, nl_own_note(ni), got - want + 1, READ_ONCE(rx->last));
	return -EIO;
}

/*
 * @tx triggers @d as upstream's ntb_msi_peer_trigger() does: the offset
 * word taken whole as a byte offset (its word index drops the two low
 * bits), with no bound of its own. Where upstream's store would land past
 * its mapping of the window, the double's window drops it: -ERANGE, and
 * the receiving side counts it in "dropped".
 */
static int nl_upstream_trigger(struct nl_side *tx, const struct msikit_ntb_msi_desc *d)
{
	u32 off = le32_to_cpu(d->addr_offset) & ~3U;
	int rc;

	rc = nl_peer_mw_write(&tx->port, 0, off, le32_to_cpu(d->data));
	if (rc == -ERANGE)
		dev_warn(&tx->pdev->dev, "upstream trigger: offset %#x lies beyond the peer's window: upstream's store would land past its mapping\n",
			 off);
	return rc;
}

/*
 * One write of @d through @tx's outbound window into @rx's, waited for at
 * @ni: nl_counted()'s return, or the trigger's error.
 */
static int nl_deliver(struct nl_side *tx, struct nl_side *rx, struct nl_irq *ni,
		      const struct msikit_ntb_msi_desc *d, struct nl_shot *shot)
{
	int want = atomic_read(&ni->count) + 1;
	int total = atomic_read(&rx->total) + 1;
	int rc;

	shot->sent = false;
	shot->landed = NL_MAX;
	if (nl_gone(tx, rx))
		return -ENODEV;
	if (READ_ONCE(tx->upstream))
		rc = nl_upstream_trigger(tx, d);
	else
		rc = msikit_ntb_msi_peer_trigger(tx->nm, 0, d);
	if (rc) {
		/* a torn or unpublished descriptor is read again by the caller */
		if (rc != -EBADMSG && rc != -ENODATA)
			dev_warn(&tx->pdev->dev, "trigger of interrupt %u (descriptor %#x:%#x): %d\n",
				 ni->index, le32_to_cpu(d->addr_offset), le32_to_cpu(d->data), rc);
		return rc;
	}
	shot->sent = true;
	return nl_counted(tx, rx, ni, want, total, shot);
}

/* One write to @rx's interrupt @i with the descriptor @rx published. */
static int nl_deliver_chan(struct nl_side *tx, struct nl_side *rx, unsigned int i,
			   struct nl_shot *shot)
{
	struct msikit_ntb_msi_desc d;
	unsigned int n;
	int rc;

	for (n = 0; n < NL_REREADS; n++) {
		shot->sent = false;
		shot->landed = NL_MAX;
		if (nl_chan_read(rx, i, &d))
			return -ENOENT;
		rc = nl_deliver(tx, rx, &rx->irqs[i], &d, shot);
		if (rc != -EBADMSG && rc != -ENODATA)
			return rc;
		if (d.addr_offset && d.data)
			tx->st.torn++;
		else
			tx->st.zeroed++;
	}
	dev_err(&tx->pdev->dev, "interrupt %u: descriptor still refused after %u reads (%d)\n",
		i, NL_REREADS, rc);
	return rc;
}

/*
 * A setup that fails undoes what it did: the interrupts it requested, and
 * the context if it made it (the fault suite holds it to that).
 */
static int nl_setup(struct nl_side *s, unsigned int n)
{
	struct msikit_ntb_msi *nm;
	bool made = false;
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++)
		if (s->irqs[i].irq)
			return nl_refuse(s, -EBUSY,
					 "setup: interrupt %u is requested: teardown first\n", i);
	if (!s->nm) {
		nm = msikit_ntb_msi_init(&s->port, READ_ONCE(max_irqs), nl_desc_changed, s);
		if (IS_ERR(nm))
			return nl_refuse(s, PTR_ERR(nm), "setup: msikit_ntb_msi_init: %ld\n",
					 PTR_ERR(nm));
		s->nm = nm;
		made = true;
	}
	rc = msikit_ntb_msi_setup_mws(s->nm);
	if (rc) {
		nl_refuse(s, rc, "setup: msikit_ntb_msi_setup_mws: %d\n", rc);
		goto undo;
	}
	for (i = 0; i < n; i++) {
		rc = nl_request(s, i);
		if (rc) {
			nl_refuse(s, rc, "setup: request of interrupt %u: %d\n", i, rc);
			while (i-- > 0)
				nl_free(s, i);
			goto undo;
		}
	}
	return 0;
undo:
	if (made) {
		msikit_ntb_msi_exit(s->nm);
		s->nm = NULL;
	}
	return rc;
}

static ssize_t side_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct nl_side *s = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%c\n", 'A' + s->index);
}
static DEVICE_ATTR_RO(side);

static ssize_t upstream_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct nl_side *s = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(s->upstream));
}

/* Only while nothing is published: a channel never holds both forms. */
static ssize_t upstream_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev);
	bool on;
	int rc = 0;

	if (kstrtobool(buf, &on))
		return nl_refuse(s, -EINVAL, "upstream: want 0 or 1\n");
	mutex_lock(&s->lock);
	if (s->nm)
		rc = nl_refuse(s, -EBUSY, "upstream: this side is set up: teardown first\n");
	else
		WRITE_ONCE(s->upstream, on);
	mutex_unlock(&s->lock);
	return rc ?: len;
}
static DEVICE_ATTR_RW(upstream);

static ssize_t setup_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev);
	unsigned int n;
	int rc;

	if (kstrtouint(buf, 0, &n) || n > NL_MAX)
		return nl_refuse(s, -EINVAL, "setup: want N, 0..%u\n", NL_MAX);
	mutex_lock(&s->lock);
	rc = READ_ONCE(s->dying) ? -ENODEV : nl_setup(s, n);
	mutex_unlock(&s->lock);
	return rc ?: len;
}
static DEVICE_ATTR_WO(setup);

static ssize_t teardown_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev);
	int rc;

	mutex_lock(&s->lock);
	rc = nl_teardown(s);
	mutex_unlock(&s->lock);
	return rc ?: len;
}
static DEVICE_ATTR_WO(teardown);

static ssize_t free_some_store(struct device *dev, struct device_attribute *attr,
			       const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev);
	unsigned int i;
	int rc;

	if (kstrtouint(buf, 0, &i) || i >= NL_MAX)
		return nl_refuse(s, -EINVAL, "free_some: want INDEX below %u\n", NL_MAX);
	mutex_lock(&s->lock);
	if (!s->nm || !s->irqs[i].irq)
		rc = nl_refuse(s, -ENOENT, "free_some: interrupt %u is not requested\n", i);
	else
		rc = nl_free(s, i);
	mutex_unlock(&s->lock);
	return rc ?: len;
}
static DEVICE_ATTR_WO(free_some);

static ssize_t info_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct nl_side *s = dev_get_drvdata(dev);
	struct msikit_ntb_msi_info info = { .parent = "none" };
	int rc = 0, own;

	mutex_lock(&s->lock);
	if (s->nm)
		rc = msikit_ntb_msi_info(s->nm, &info);
	mutex_unlock(&s->lock);
	if (rc)
		return rc;
	/* the function's own vectors, beside the peer interrupts it holds */
	own = pci_msi_vec_count(s->pdev);
	return sysfs_emit(buf,
			  "parent %s immutable %d pinned %d win_base 0x%llx win_size 0x%llx max_irqs %u nr_irqs %u own_vectors %d dropped %lu upstream_peer %d upstream %d\n",
			  info.parent ?: "unknown", info.immutable, info.pinned, info.win_base,
			  info.win_size, info.max_irqs, info.nr_irqs, max(own, 0),
			  READ_ONCE(s->dropped), info.upstream_peer, READ_ONCE(s->upstream));
}
static DEVICE_ATTR_RO(info);

/* As many lines as fit in the page. */
static ssize_t descs_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct nl_side *s = dev_get_drvdata(dev);
	u32 off, data, word;
	unsigned int i;
	int len = 0, rc;

	spin_lock(&s->chan_lock);
	for (i = 0; i < NL_MAX && len < PAGE_SIZE - 64; i++) {
		if (!s->chan[i].valid)
			continue;
		/* whole under chan_lock: one that does not decode is shown raw */
		word = le32_to_cpu(s->chan[i].desc.addr_offset);
		rc = msikit_ntb_msi_desc_decode(&s->chan[i].desc, &off, &data);
		if (rc == -ENODATA && READ_ONCE(s->upstream) && (word || s->chan[i].desc.data)) {
			/* an upstream peer's bare offset */
			len += sysfs_emit_at(buf, len, "%u 0x%x 0x%x bare 0x%x\n", i, word,
					     le32_to_cpu(s->chan[i].desc.data), word);
			continue;
		}
		if (rc) {
			len += sysfs_emit_at(buf, len, "%u 0x%x 0x%x bad(%d) 0x%x\n", i, word,
					     le32_to_cpu(s->chan[i].desc.data), rc, word);
			continue;
		}
		len += sysfs_emit_at(buf, len, "%u 0x%x 0x%x %s 0x%x\n", i, off, data,
				     word & 1 ? "sealed" : "plain", word);
	}
	spin_unlock(&s->chan_lock);
	return len;
}
static DEVICE_ATTR_RO(descs);

static ssize_t counts_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct nl_side *s = dev_get_drvdata(dev);
	unsigned int i;
	int len = 0;

	spin_lock(&s->chan_lock);
	for (i = 0; i < NL_MAX && len < PAGE_SIZE - 24; i++)
		if (s->irqs[i].requested)
			len += sysfs_emit_at(buf, len, "%u %d\n", i,
					     atomic_read(&s->irqs[i].count));
	spin_unlock(&s->chan_lock);
	return len;
}
static DEVICE_ATTR_RO(counts);

static ssize_t fire_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev), *peer;
	struct msikit_ntb_msi_desc d;
	unsigned int index, n, k;
	struct nl_shot shot;
	int rc = 0;

	if (sscanf(buf, "%u %u", &index, &n) != 2 || index >= NL_MAX || !n || n > 1000000)
		return nl_refuse(s, -EINVAL,
				 "fire: want \"INDEX COUNT\", INDEX below %u, COUNT 1..1000000\n",
				 NL_MAX);
	peer = nl_lock_pair(s);
	if (IS_ERR(peer))
		return nl_refuse(s, PTR_ERR(peer), "fire: no peer side\n");
	if (!s->nm)
		rc = nl_refuse(s, -ENOTCONN, "fire: this side is not set up (write 0 to setup)\n");
	else if (nl_chan_read(peer, index, &d))
		rc = nl_refuse(s, -ENOENT, "fire: the peer has not published interrupt %u\n",
			       index);
	for (k = 0; k < n && !rc; k++)
		rc = nl_deliver_chan(s, peer, index, &shot);
	nl_unlock_pair(s, peer);
	return rc ?: len;
}
static DEVICE_ATTR_WO(fire);

static int nl_fire_all(struct nl_side *tx, struct nl_side *rx, unsigned int n)
{
	struct nl_fire *fr = &tx->fr;
	struct msikit_ntb_msi_desc d;
	struct nl_shot shot;
	unsigned int i, k;
	int rc;

	memset(fr, 0, sizeof(*fr));
	for (i = 0; i < NL_MAX; i++) {
		if (nl_chan_read(rx, i, &d))
			continue;
		for (k = 0; k < n; k++) {
			rc = nl_deliver_chan(tx, rx, i, &shot);
			fr->sent += shot.sent;
			if (!rc)
				fr->delivered++;
			else if (rc == -ETIMEDOUT)
				fr->lost++;
			else if (rc == -EIO)
				fr->misrouted++;
			else
				return rc;
			if (fr->lost + fr->misrouted >= NL_FIRE_FAILS)
				return -EIO;
		}
	}
	if (fr->lost || fr->misrouted)
		return -EIO;
	return fr->sent ? 0 : nl_refuse(tx, -ENOENT, "fire_all: the peer published nothing\n");
}

static ssize_t fire_all_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev), *peer;
	unsigned int n;
	int rc;

	if (kstrtouint(buf, 0, &n) || !n || n > 1000000)
		return nl_refuse(s, -EINVAL, "fire_all: want COUNT, 1..1000000\n");
	peer = nl_lock_pair(s);
	if (IS_ERR(peer))
		return nl_refuse(s, PTR_ERR(peer), "fire_all: no peer side\n");
	if (!s->nm)
		rc = nl_refuse(s, -ENOTCONN,
			       "fire_all: this side is not set up (write 0 to setup)\n");
	else
		rc = nl_fire_all(s, peer, n);
	nl_unlock_pair(s, peer);
	return rc ?: len;
}
static DEVICE_ATTR_WO(fire_all);

static ssize_t fire_result_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct nl_side *s = dev_get_drvdata(dev);

	return sysfs_emit(buf, "sent %lu delivered %lu lost %lu misrouted %lu\n", s->fr.sent,
			  s->fr.delivered, s->fr.lost, s->fr.misrouted);
}
static DEVICE_ATTR_RO(fire_result);

struct nl_changer {
	struct nl_side *rx;
	const unsigned int *idx;	/* rx's published interrupts */
	unsigned int n;
	unsigned int cpu[2];		/* the two CPUs they alternate between */
	unsigned long every, wanted;	/* writes between two changes; changes */
	atomic_long_t progress;		/* writes done */
	struct nl_stress *st;
};

/* Move the peer's interrupts between two CPUs, paced by the writer. */
static int nl_change_thread(void *data)
{
	struct nl_changer *ch = data;
	struct nl_stress *st = ch->st;
	unsigned long next = ch->every;
	const struct cpumask *eff;
	struct irq_data *irqd;
	unsigned int irq, cpu;
	int rc;

	while (!kthread_should_stop()) {
		if (st->changes + st->refused + st->failed >= ch->wanted ||
		    atomic_long_read(&ch->progress) < next) {
			usleep_range(20, 50);
			continue;
		}
		/*
		 * The interrupt the writer aims at next: it reads that one's
		 * descriptor right after the move, while the republish may be
		 * under way (a fixed order would let the writer come back to a
		 * moved interrupt only once its republish is long done).
		 */
		irq = ch->rx->irqs[ch->idx[(atomic_long_read(&ch->progress) + 1) % ch->n]].irq;
		irqd = irq_get_irq_data(irq);
		eff = irqd ? irq_data_get_effective_affinity_mask(irqd) : NULL;
		cpu = (eff && cpumask_test_cpu(ch->cpu[0], eff)) ? ch->cpu[1] : ch->cpu[0];
		rc = irq_set_affinity(irq, cpumask_of(cpu));
		if (!rc) {
			st->changes++;
			next += ch->every;
		} else if (rc == -EBUSY) {
			/* the last move waits for a first interrupt on its new CPU */
			st->ebusy++;
			usleep_range(20, 50);
		} else if (rc == -EPERM) {
			/* a pinned parent refuses: counted, and the run goes on */
			st->refused++;
			next += ch->every;
		} else {
			st->failed++;
			next += ch->every;
		}
	}
	return 0;
}

/*
 * @tx writes @rx's published interrupts in turn, reading each descriptor
 * from @rx's channel at every write, so a republish is used from the next
 * write on. A write that lands on a sibling is misrouted, not delivered.
 */
static int nl_stress(struct nl_side *tx, struct nl_side *rx, const unsigned int *idx,
		     unsigned int n, unsigned long writes, unsigned long changes,
		     unsigned long losses)
{
	struct nl_stress *st = &tx->st;
	struct nl_changer ch = {
		.rx = rx, .idx = idx, .n = n, .wanted = changes, .st = st,
		.every = changes ? max(writes / (changes + 1), 1UL) : ULONG_MAX,
		.progress = ATOMIC_LONG_INIT(0),
	};
	struct task_struct *task = NULL;
	unsigned int j, got;
	unsigned long w, rep0, ov0, mx0, mt0;
	struct nl_shot shot;
	struct nl_irq *ni;
	int rc = 0;
	u64 t0;

	memset(st, 0, sizeof(*st));
	WRITE_ONCE(tx->stop, false);
	ch.cpu[0] = cpumask_first(cpu_online_mask);
	ch.cpu[1] = cpumask_next(ch.cpu[0], cpu_online_mask);
	for (j = 0; j < n; j++) {
		ni = &rx->irqs[idx[j]];
		ni->sent = 0;
		ni->lost = 0;
		ni->base = atomic_read(&ni->count);
	}
	spin_lock(&rx->chan_lock);
	rep0 = rx->republished;
	ov0 = atomic_long_read(&rx->overlaps);
	mx0 = atomic_long_read(&rx->mixes);
	mt0 = atomic_long_read(&rx->meets);
	spin_unlock(&rx->chan_lock);
	if (changes) {
		task = kthread_create(nl_change_thread, &ch, "ntb-loop-changer");
		if (IS_ERR(task))
			return PTR_ERR(task);
		kthread_bind(task, cpumask_any_but(cpu_online_mask, raw_smp_processor_id()));
		wake_up_process(task);
	}

	t0 = ktime_get_ns();
	for (w = 0; w < writes && !READ_ONCE(tx->stop); w++) {
		j = idx[w % n];
		ni = &rx->irqs[j];
		rc = nl_deliver_chan(tx, rx, j, &shot);
		if (shot.sent) {
			st->writes++;
			ni->sent++;
		}
		if (rc == -ETIMEDOUT) {
			st->lost++;
			ni->lost++;
			if (st->lost <= losses)
				rc = 0;
		} else if (rc == -EIO) {
			st->misrouted++;
			/* where it landed it is misrouted, not spurious */
			if (shot.landed < NL_MAX)
				rx->irqs[shot.landed].sent++;
		}
		if (rc)
			break;
		atomic_long_inc(&ch.progress);
		if (!(w & 1023))
			cond_resched();
	}
	st->ns = ktime_get_ns() - t0;
	if (task)
		kthread_stop(task);
	/* let stragglers land, then every interrupt must hold exactly its own */
	msleep(20);
	for (j = 0; j < n; j++) {
		ni = &rx->irqs[idx[j]];
		got = atomic_read(&ni->count) - ni->base;
		/* a write counted lost that arrived after all is spurious here */
		if (got > ni->sent - ni->lost)
			st->spurious += got - (ni->sent - ni->lost);
		else if (got < ni->sent - ni->lost && !rc)
			st->lost += ni->sent - ni->lost - got;
	}
	spin_lock(&rx->chan_lock);
	st->republished = rx->republished - rep0;
	st->overlapped = atomic_long_read(&rx->overlaps) - ov0;
	st->mixed = atomic_long_read(&rx->mixes) - mx0;
	st->met = atomic_long_read(&rx->meets) - mt0;
	spin_unlock(&rx->chan_lock);
	if (!rc && (st->lost > losses || st->misrouted || st->spurious || !st->writes))
		rc = -EIO;
	return rc;
}

static ssize_t stress_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev), *peer;
	unsigned long writes, changes, losses = 0;
	unsigned int *idx, i, n = 0;
	int rc;

	rc = sscanf(buf, "%lu %lu %lu", &writes, &changes, &losses);
	if (rc < 2 || !writes || writes > 100000000UL || changes > writes || losses > writes)
		return nl_refuse(s, -EINVAL,
				 "stress: want \"WRITES CHANGES [LOSSES]\", CHANGES and LOSSES <= WRITES <= 10^8\n");
	if (changes && num_online_cpus() < 2)
		return nl_refuse(s, -EOPNOTSUPP, "stress: affinity changes need two online CPUs\n");
	idx = kvmalloc_array(NL_MAX, sizeof(*idx), GFP_KERNEL);
	if (!idx)
		return -ENOMEM;
	peer = nl_lock_pair(s);
	if (IS_ERR(peer)) {
		kvfree(idx);
		return nl_refuse(s, PTR_ERR(peer), "stress: no peer side\n");
	}
	spin_lock(&peer->chan_lock);
	for (i = 0; i < NL_MAX; i++)
		if (peer->chan[i].valid)
			idx[n++] = i;
	spin_unlock(&peer->chan_lock);
	if (!s->nm)
		rc = nl_refuse(s, -ENOTCONN,
			       "stress: this side is not set up (write 0 to setup)\n");
	else if (!n)
		rc = nl_refuse(s, -ENOENT, "stress: the peer published nothing\n");
	else
		rc = nl_stress(s, peer, idx, n, writes, changes, losses);
	nl_unlock_pair(s, peer);
	kvfree(idx);
	return rc ?: len;
}
static DEVICE_ATTR_WO(stress);

static ssize_t stress_result_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct nl_stress *st = &((struct nl_side *)dev_get_drvdata(dev))->st;

	return sysfs_emit(buf,
			  "writes %lu changes %lu ebusy %lu lost %lu misrouted %lu spurious %lu republished %lu refused %lu failed %lu ns %llu torn %lu zeroed %lu overlapped %lu mixed %lu met %lu\n",
			  st->writes, st->changes, st->ebusy, st->lost, st->misrouted,
			  st->spurious, st->republished, st->refused, st->failed, st->ns,
			  st->torn, st->zeroed, st->overlapped, st->mixed, st->met);
}
static DEVICE_ATTR_RO(stress_result);

/* No lock: the stress it stops holds them all. */
static ssize_t stress_stop_store(struct device *dev, struct device_attribute *attr,
				 const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev);

	WRITE_ONCE(s->stop, true);
	return len;
}
static DEVICE_ATTR_WO(stress_stop);

/*
 * A peer reset: its published descriptors, as this side sees them, are
 * forgotten; msikit_ntb_msi_restore() on the peer must republish them all.
 */
static ssize_t restore_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev), *peer;
	unsigned long rep0;
	unsigned int i;
	int rc;

	peer = nl_lock_pair(s);
	if (IS_ERR(peer))
		return nl_refuse(s, PTR_ERR(peer), "restore: no peer side\n");
	if (!peer->nm) {
		rc = nl_refuse(s, -ENOTCONN, "restore: the peer is not set up\n");
		goto out;
	}
	spin_lock(&peer->chan_lock);
	for (i = 0; i < NL_MAX; i++)
		nl_chan_clear(&peer->chan[i]);
	rep0 = peer->republished;
	spin_unlock(&peer->chan_lock);
	rc = msikit_ntb_msi_restore(peer->nm);
	spin_lock(&peer->chan_lock);
	s->restored = peer->republished - rep0;
	spin_unlock(&peer->chan_lock);
	if (rc < 0)
		nl_refuse(s, rc, "restore: msikit_ntb_msi_restore: %d\n", rc);
out:
	nl_unlock_pair(s, peer);
	return rc < 0 ? rc : len;
}

static ssize_t restore_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", ((struct nl_side *)dev_get_drvdata(dev))->restored);
}
static DEVICE_ATTR_RW(restore);

/* One round of cycle: request on @s, a write from @peer, free. */
static int nl_cycle_one(struct nl_side *s, struct nl_side *peer)
{
	struct nl_shot shot;
	unsigned int i;
	int rc, rc2;

	i = 0;
	while (i < NL_MAX && s->irqs[i].irq)
		i++;
	if (i == NL_MAX)
		return -ENOSPC;
	rc = nl_request(s, i);
	if (rc)
		return rc;
	rc = nl_deliver_chan(peer, s, i, &shot);
	rc2 = nl_free(s, i);
	return rc ?: rc2;
}

static ssize_t cycle_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev), *peer;
	unsigned int n, k;
	int rc = 0;

	if (kstrtouint(buf, 0, &n) || !n || n > 100000)
		return nl_refuse(s, -EINVAL, "cycle: want N, 1..100000\n");
	peer = nl_lock_pair(s);
	if (IS_ERR(peer))
		return nl_refuse(s, PTR_ERR(peer), "cycle: no peer side\n");
	if (!s->nm || !peer->nm) {
		rc = nl_refuse(s, -ENOTCONN,
			       "cycle: both sides must be set up (write 0 to setup)\n");
		goto out;
	}
	for (k = 0; k < n && !rc; k++)
		rc = nl_cycle_one(s, peer);
	if (rc)
		rc = nl_refuse(s, -EIO, "cycle %u of %u: %d\n", k, n, rc);
out:
	nl_unlock_pair(s, peer);
	return rc ?: len;
}
static DEVICE_ATTR_WO(cycle);

/*
 * On a second nm of @rx's port, request until msikit refuses, then one
 * write from @tx to each, checked at its own interrupt. The descriptors
 * are used from the private copies: nothing moves these interrupts.
 */
static int nl_maxprobe(struct nl_side *rx, struct nl_side *tx)
{
	struct msikit_ntb_msi *nm;
	struct nl_irq *pirqs;
	struct nl_shot shot;
	int n, i, irq, rc;

	rx->max_count = 0;
	rx->max_errno = 0;
	rx->max_delivered = 0;
	pirqs = kvcalloc(NL_MAX, sizeof(*pirqs), GFP_KERNEL);
	if (!pirqs)
		return -ENOMEM;
	nm = msikit_ntb_msi_init(&rx->port, NL_MAX, nl_no_channel, rx);
	if (IS_ERR(nm)) {
		kvfree(pirqs);
		return nl_refuse(rx, PTR_ERR(nm), "maxprobe: msikit_ntb_msi_init: %ld\n",
				 PTR_ERR(nm));
	}
	rc = msikit_ntb_msi_setup_mws(nm);
	if (rc) {
		nl_refuse(rx, rc, "maxprobe: msikit_ntb_msi_setup_mws: %d\n", rc);
		goto out;
	}
	for (n = 0; n < NL_MAX; n++) {
		pirqs[n].side = rx;
		pirqs[n].index = n;
		irq = msikit_ntb_msi_request_threaded_irq(nm, nl_handler, NULL,
							  nl_names[rx->index], &pirqs[n],
							  &pirqs[n].desc);
		if (irq < 0) {
			rx->max_errno = irq;
			break;
		}
		pirqs[n].irq = irq;
	}
	rx->max_count = n;
	for (i = 0; i < n && !rc; i++)
		rc = nl_deliver(tx, rx, &pirqs[i], &pirqs[i].desc, &shot);
	rx->max_delivered = 0;
	for (i = 0; i < n; i++) {
		rx->max_delivered += atomic_read(&pirqs[i].count) == 1;
		msikit_ntb_msi_free_irq(nm, pirqs[i].irq, &pirqs[i]);
	}
out:
	msikit_ntb_msi_exit(nm);
	kvfree(pirqs);
	return rc;
}

static ssize_t maxprobe_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev), *peer;
	int rc;

	peer = nl_lock_pair(s);
	if (IS_ERR(peer))
		return nl_refuse(s, PTR_ERR(peer), "maxprobe: no peer side\n");
	if (s->nm)
		rc = nl_refuse(s, -EBUSY, "maxprobe: this side is set up: teardown first\n");
	else if (!peer->nm)
		rc = nl_refuse(s, -ENOTCONN, "maxprobe: the peer writes: write 0 to its setup\n");
	else
		rc = nl_maxprobe(s, peer);
	nl_unlock_pair(s, peer);
	return rc ?: len;
}

static ssize_t maxprobe_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct nl_side *s = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d %d %d\n", s->max_count, s->max_errno, s->max_delivered);
}
static DEVICE_ATTR_RW(maxprobe);

static int nl_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* sorts @v */
static u64 nl_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), nl_cmp_u64, NULL);
	return v[n / 2];
}

/* The CPU @irq is delivered to; this one if the parent does not say. */
static unsigned int nl_irq_cpu(unsigned int irq)
{
	struct irq_data *irqd = irq_get_irq_data(irq);
	unsigned int cpu = nr_cpu_ids;

	if (irqd)
		cpu = cpumask_first(irq_data_get_effective_affinity_mask(irqd));
	return cpu < nr_cpu_ids && cpu_online(cpu) ? cpu : raw_smp_processor_id();
}

static void nl_edu_read_msg(struct nl_side *s, struct msi_msg *msg)
{
	u8 cap = s->edu.msi_cap;
	u16 data;

	pci_read_config_dword(s->pdev, cap + PCI_MSI_ADDRESS_LO, &msg->address_lo);
	pci_read_config_dword(s->pdev, cap + PCI_MSI_ADDRESS_HI, &msg->address_hi);
	pci_read_config_word(s->pdev, cap + PCI_MSI_DATA_64, &data);
	msg->data = data;
}

static void nl_edu_put_msg(struct nl_side *s, const struct msi_msg *msg)
{
	u8 cap = s->edu.msi_cap;

	pci_write_config_dword(s->pdev, cap + PCI_MSI_ADDRESS_LO, msg->address_lo);
	pci_write_config_dword(s->pdev, cap + PCI_MSI_ADDRESS_HI, msg->address_hi);
	pci_write_config_word(s->pdev, cap + PCI_MSI_DATA_64, msg->data);
}

struct nl_bench_run {
	struct nl_side *tx, *rx;		/* B, A */
	struct msikit_ntb_msi_desc d;		/* A's interrupt 0, as A's channel has it */
	u32 off, data;				/* the same, decoded once */
	struct nl_irq own;			/* A's own PCI MSI vector */
	struct msi_msg msg;			/* its message, as the PCI core programmed it */
};

/*
 * One write of A's own vector, relayed as a peer's store is (nl_relay())
 * and waited for the same way, so the two paths differ only by msikit's
 * trigger and domain.
 */
static int nl_raise_own(struct nl_bench_run *b)
{
	struct nl_side *rx = b->rx;
	int want = atomic_read(&b->own.count) + 1;
	int total = atomic_read(&rx->total) + 1;
	struct nl_shot shot;
	int rc;

	if (nl_gone(b->tx, rx))
		return -ENODEV;
	rc = nl_relay(rx->index, &b->msg, 0, 0);
	if (rc)
		return rc;
	rx->bench.own_writes++;
	return nl_counted(b->tx, rx, &b->own, want, total, &shot);
}

/*
 * A's interrupt 0 raised with the message msikit published, relayed as
 * the peer's window would relay it but without msikit_ntb_msi_peer_trigger():
 * what is left of the trigger's cost when its own code is taken out is
 * the domain's (the message, the chip, the parent's remapping).
 */
static int nl_raise_direct(struct nl_bench_run *b)
{
	struct nl_side *rx = b->rx;
	struct nl_irq *ni = &rx->irqs[0];
	int want = atomic_read(&ni->count) + 1;
	int total = atomic_read(&rx->total) + 1;
	struct nl_shot shot;
	int rc;

	if (nl_gone(b->tx, rx))
		return -ENODEV;
	rc = nl_relay(rx->index, NULL, b->off, b->data);
	if (rc)
		return rc;
	rx->bench.kit_writes++;
	return nl_counted(b->tx, rx, ni, want, total, &shot);
}

enum nl_path { NL_PATH_KIT, NL_PATH_OWN, NL_PATH_DIRECT, NL_PATHS };

/* @n round trips through one path; ns each */
static int nl_round_trips(struct nl_bench_run *b, enum nl_path path, unsigned int n, u64 *ns)
{
	struct nl_shot shot = { };
	unsigned int k;
	int rc = 0;
	u64 t0;

	t0 = ktime_get_ns();
	for (k = 0; k < n && !rc; k++) {
		switch (path) {
		case NL_PATH_OWN:
			rc = nl_raise_own(b);
			break;
		case NL_PATH_DIRECT:
			rc = nl_raise_direct(b);
			break;
		default:
			rc = nl_deliver(b->tx, b->rx, &b->rx->irqs[0], &b->d, &shot);
			if (shot.sent)
				b->rx->bench.kit_writes++;
		}
	}
	*ns = div_u64(ktime_get_ns() - t0, n);
	return rc;
}

/* One round of a path: a round trip off the clock, as another path ran last, then @n timed. */
static int nl_bench_round(struct nl_bench_run *b, enum nl_path path, unsigned int n, u64 *ns)
{
	u64 warm;

	return nl_round_trips(b, path, 1, &warm) ?: nl_round_trips(b, path, n, ns);
}

/*
 * B's trigger of A's interrupt 0 against A's own PCI MSI vector, both on
 * A's parent and sent by A's edu, and between the two msikit's message
 * sent without the trigger (nl_raise_direct()). Each round runs the three
 * paths, the one going first rotating, so the emulator's drift lands on
 * all; the median round is the figure. The vector, the interrupt and the
 * waiter share a CPU: a round trip to another vCPU costs tens of us on
 * TCG, which would swamp the difference being measured.
 */
static int nl_bench_delivery(struct nl_side *s, struct nl_side *peer,
			     const struct msikit_ntb_msi_desc *d, unsigned int n)
{
	struct nl_bench_run b = {
		.tx = peer, .rx = s, .d = *d, .own = { .side = s, .index = NL_OWN },
	};
	unsigned int i, k, per = max(n / NL_ROUNDS, 1U), cpu = nl_irq_cpu(s->irqs[0].irq);
	struct {
		u64 t[NL_PATHS][NL_ROUNDS], ratio[NL_ROUNDS], direct[NL_ROUNDS];
	} *r;
	int rc, virq;
	u64 warm;

	rc = msikit_ntb_msi_desc_decode(d, &b.off, &b.data);
	if (rc)
		return nl_refuse(s, rc, "bench: descriptor of interrupt 0: %d\n", rc);
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	rc = set_cpus_allowed_ptr(current, cpumask_of(cpu));
	if (rc) {
		nl_refuse(s, rc, "bench: cannot run on interrupt 0's CPU %u: %d\n", cpu, rc);
		goto out_free;
	}
	rc = pci_alloc_irq_vectors(s->pdev, 1, 1, PCI_IRQ_MSI);
	if (rc < 0) {
		nl_refuse(s, rc, "bench: pci_alloc_irq_vectors: %d\n", rc);
		goto out;
	}
	virq = pci_irq_vector(s->pdev, 0);
	rc = irq_set_affinity(virq, cpumask_of(cpu)) ?:
	     request_irq(virq, nl_handler, 0, "ntb-loop-own", &b.own);
	if (rc) {
		nl_refuse(s, rc, "bench: own vector (irq %d) on CPU %u: %d\n", virq, cpu, rc);
		goto out_vec;
	}
	/*
	 * Off the clock, the message read afresh before each write: a kernel
	 * that applies the affinity change at the first interrupt rewrites it
	 * then, and the next write retires the old vector
	 */
	for (i = 0; i < 10 && !rc; i++) {
		nl_edu_read_msg(s, &b.msg);
		rc = nl_raise_own(&b);
	}
	nl_edu_read_msg(s, &b.msg);
	rc = rc ?: nl_round_trips(&b, NL_PATH_KIT, 10, &warm) ?:
	     nl_round_trips(&b, NL_PATH_DIRECT, 10, &warm);
	for (i = 0; i < NL_ROUNDS && !rc; i++) {
		for (k = 0; k < NL_PATHS && !rc; k++) {
			enum nl_path path = (i + k) % NL_PATHS;

			rc = nl_bench_round(&b, path, per, &r->t[path][i]);
		}
		if (rc)
			break;
		r->ratio[i] = div64_u64(r->t[NL_PATH_KIT][i] * 1000,
					max(r->t[NL_PATH_OWN][i], 1ULL));
		r->direct[i] = div64_u64(r->t[NL_PATH_DIRECT][i] * 1000,
					 max(r->t[NL_PATH_OWN][i], 1ULL));
	}
	/* the core's own message back before it tears its vector down */
	nl_edu_put_msg(s, &b.msg);
	s->bench.own_counted = atomic_read(&b.own.count);
	if (!rc) {
		s->bench.kit_ns = nl_median(r->t[NL_PATH_KIT], NL_ROUNDS);
		s->bench.own_ns = nl_median(r->t[NL_PATH_OWN], NL_ROUNDS);
		s->bench.direct_ns = nl_median(r->t[NL_PATH_DIRECT], NL_ROUNDS);
		s->bench.ratio_direct = nl_median(r->direct, NL_ROUNDS);
		s->bench.ratio = nl_median(r->ratio, NL_ROUNDS);
		s->bench.ratio_min = r->ratio[0];
		s->bench.ratio_max = r->ratio[NL_ROUNDS - 1];
		s->bench.ratio_q1 = r->ratio[NL_ROUNDS / 4];
		s->bench.ratio_q3 = r->ratio[NL_ROUNDS - 1 - NL_ROUNDS / 4];
		s->bench.rounds = NL_ROUNDS;
	} else {
		nl_refuse(s, rc, "bench: round %u of %u (0: the warm-up): %d\n", i, NL_ROUNDS, rc);
	}
	free_irq(virq, &b.own);
out_vec:
	pci_free_irq_vectors(s->pdev);
	/* loop_edu_write() owns the capability again, and it starts disabled */
	loop_edu_quiesce(&s->edu);
out:
	set_cpus_allowed_ptr(current, cpu_possible_mask);
out_free:
	kfree(r);
	return rc;
}

/*
 * Move A's interrupt 0 to @cpu and time it until desc_changed has put the
 * new descriptor in the channel: *@ns. @deferred counts moves that needed
 * a write to happen at all.
 */
static int nl_republish_one(struct nl_side *s, struct nl_side *peer, struct irq_data *irqd,
			    unsigned int cpu, u64 *ns, unsigned int *deferred)
{
	unsigned long deadline = jiffies + NL_WAIT;
	struct nl_shot shot;
	bool wrote = false;
	u64 t0;
	int rc;

	for (;;) {
		t0 = ktime_get_ns();
		rc = irq_set_affinity(irqd->irq, cpumask_of(cpu));
		if (rc != -EBUSY || time_after(jiffies, deadline))
			break;
		/* the last move waits for a first interrupt on its new vector */
		rc = nl_deliver_chan(peer, s, 0, &shot);
		s->bench.kit_writes += shot.sent;
		if (rc)
			return rc;
		usleep_range(20, 50);
	}
	if (rc)
		return nl_refuse(s, rc, "bench: move of interrupt 0 to CPU %u: %d\n", cpu, rc);
	deadline = jiffies + NL_WAIT;
	while (READ_ONCE(s->chan_ns) < t0) {
		if (nl_gone(peer, s))
			return -ENODEV;
		if (time_after(jiffies, deadline))
			return nl_refuse(s, -ETIMEDOUT,
					 "bench: move of interrupt 0 to CPU %u not republished within a second\n",
					 cpu);
		/*
		 * A kernel that applies moves when the interrupt next arrives
		 * needs the peer's write for it: part of what the peer waits
		 */
		if (irqd_is_setaffinity_pending(irqd)) {
			rc = nl_deliver_chan(peer, s, 0, &shot);
			s->bench.kit_writes += shot.sent;
			if (rc)
				return rc;
			wrote = true;
		}
		wait_event_timeout(s->wq, READ_ONCE(s->chan_ns) >= t0 || nl_gone(peer, s),
				   msecs_to_jiffies(1));
	}
	spin_lock(&s->chan_lock);
	*ns = s->chan_ns - t0;
	spin_unlock(&s->chan_lock);
	*deferred += wrote;
	/* B writes the new descriptor: it must deliver, and it retires the old vector */
	rc = nl_deliver_chan(peer, s, 0, &shot);
	s->bench.kit_writes += shot.sent;
	return rc;
}

/* @r moves of A's interrupt 0 between the first two online CPUs; the median's ns. */
static int nl_bench_republish(struct nl_side *s, struct nl_side *peer, unsigned int r, u64 *ns)
{
	struct irq_data *irqd = irq_get_irq_data(s->irqs[0].irq);
	unsigned int cpu[2], k, deferred = 0;
	const struct cpumask *eff;
	int rc = 0;
	u64 *lat;

	if (!irqd)
		return -ENOENT;
	lat = kvmalloc_array(r, sizeof(*lat), GFP_KERNEL);
	if (!lat)
		return -ENOMEM;
	cpu[0] = cpumask_first(cpu_online_mask);
	cpu[1] = cpumask_next(cpu[0], cpu_online_mask);
	for (k = 0; k < r && !rc; k++) {
		eff = irq_data_get_effective_affinity_mask(irqd);
		rc = nl_republish_one(s, peer, irqd,
				      cpumask_test_cpu(cpu[0], eff) ? cpu[1] : cpu[0], &lat[k],
				      &deferred);
	}
	if (!rc)
		*ns = nl_median(lat, r);
	if (deferred)
		dev_info(&s->pdev->dev,
			 "bench: %u of %u moves waited for the interrupt's next arrival: their times include the peer's writes that made them\n",
			 deferred, k);
	kvfree(lat);
	return rc;
}

static int nl_bench(struct nl_side *s, struct nl_side *peer, const struct msikit_ntb_msi_desc *d,
		    unsigned int n)
{
	struct msikit_ntb_msi_info info = { };
	int rc;

	memset(&s->bench, 0, sizeof(s->bench));
	rc = msikit_ntb_msi_info(s->nm, &info);
	if (rc)
		return nl_refuse(s, rc, "bench: msikit_ntb_msi_info: %d\n", rc);
	rc = nl_bench_delivery(s, peer, d, n);
	if (rc)
		return rc;
	/* elsewhere a move changes no descriptor (or is refused): nothing to republish */
	if (info.immutable || info.pinned) {
		dev_info(&s->pdev->dev, "bench: republish n/a on %s (%s)\n", info.parent,
			 info.pinned ? "pinned" : "immutable");
		return 0;
	}
	if (num_online_cpus() < 2) {
		dev_info(&s->pdev->dev, "bench: republish n/a: one CPU online\n");
		return 0;
	}
	return nl_bench_republish(s, peer, max(n / 10, 10U), &s->bench.republish_ns);
}

static ssize_t bench_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	struct nl_side *s = dev_get_drvdata(dev), *peer;
	struct msikit_ntb_msi_desc d;
	unsigned int n;
	int rc;

	if (s->index)
		return nl_refuse(s, -EINVAL,
				 "bench: write it on side A, whose interrupt 0 B triggers\n");
	if (kstrtouint(buf, 0, &n) || !n || n > 10000000)
		return nl_refuse(s, -EINVAL, "bench: want N, 1..10000000\n");
	peer = nl_lock_pair(s);
	if (IS_ERR(peer))
		return nl_refuse(s, PTR_ERR(peer), "bench: no peer side\n");
	if (!s->nm || !peer->nm || !s->irqs[0].irq || nl_chan_read(s, 0, &d))
		rc = nl_refuse(s, -ENOTCONN, "bench: write 1 to A's setup and 0 to B's first\n");
	else
		rc = nl_bench(s, peer, &d, n);
	nl_unlock_pair(s, peer);
	return rc ?: len;
}

static ssize_t bench_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct nl_bench *b = &((struct nl_side *)dev_get_drvdata(dev))->bench;

	return sysfs_emit(buf, "%llu %llu %llu %llu %llu %u %llu %lu %lu %lu %llu %llu %llu %llu\n",
			  b->kit_ns, b->own_ns, b->ratio, b->ratio_min, b->ratio_max,
			  b->rounds, b->republish_ns, b->kit_writes, b->own_writes,
			  b->own_counted, b->ratio_q1, b->ratio_q3, b->direct_ns,
			  b->ratio_direct);
}
static DEVICE_ATTR_RW(bench);

/*
 * The selftest's invalid ports get these: were msikit to accept one and
 * call back, nothing reaches a side through container_of().
 */
static int nl_inert_get_align(struct msikit_ntb_port *port, int peer,
			      resource_size_t *addr_align, resource_size_t *size_align,
			      resource_size_t *size_max)
{
	return -EINVAL;
}

static int nl_inert_set_trans(struct msikit_ntb_port *port, int peer, dma_addr_t addr,
			      resource_size_t size)
{
	return -EINVAL;
}

static void nl_inert_clear_trans(struct msikit_ntb_port *port, int peer)
{
}

static const struct msikit_ntb_port_ops nl_inert_ops = {
	.mw_get_align = nl_inert_get_align,
	.mw_set_trans = nl_inert_set_trans,
	.mw_clear_trans = nl_inert_clear_trans,
	.peer_mw_get_addr = nl_peer_mw_get_addr,
};

/* init must fail; should it not, the nm is exited again at once. */
static long nl_init_err(struct msikit_ntb_port *port, unsigned int max, void *ctx)
{
	struct msikit_ntb_msi *nm = msikit_ntb_msi_init(port, max, nl_no_channel, ctx);

	if (IS_ERR(nm))
		return PTR_ERR(nm);
	msikit_ntb_msi_exit(nm);
	return 0;
}

static unsigned int nl_nr_irqs(struct msikit_ntb_msi *nm)
{
	struct msikit_ntb_msi_info info = { };

	return msikit_ntb_msi_info(nm, &info) ? ~0U : info.nr_irqs;
}

struct nl_tap {
	char *buf;
	int len, n;
};

static void nl_check(struct nl_tap *t, bool ok, const char *what)
{
	t->len += sysfs_emit_at(t->buf, t->len, "%s %d - %s\n", ok ? "ok" : "not ok", ++t->n,
				what);
}

static void nl_skip(struct nl_tap *t, const char *what, const char *why)
{
	t->len += sysfs_emit_at(t->buf, t->len, "ok %d - %s # SKIP %s\n", ++t->n, what, why);
}

/* The size of the other side's inbound window, 0 if it has none. */
static u64 nl_peer_window(struct nl_side *s)
{
	struct nl_side *peer = nl_get(s->index ^ 1);
	unsigned long flags;
	u64 size = 0;

	if (peer) {
		raw_spin_lock_irqsave(&peer->win_lock, flags);
		size = peer->win_size;
		raw_spin_unlock_irqrestore(&peer->win_lock, flags);
		nl_put(peer);
	}
	return size;
}

/* a threaded handler that calls back into its context */
struct nl_thread_probe {
	struct msikit_ntb_msi *nm;
	struct msikit_ntb_msi_desc desc;
	struct completion entered;
	int info_rc;
};

static irqreturn_t nl_thread_info(int irq, void *data)
{
	unsigned long limit = jiffies + HZ;
	struct nl_thread_probe *p = data;
	struct msikit_ntb_msi_info info;

	complete(&p->entered);
	/* free_irq() unlinks the action before it waits for this thread */
	while (irq_has_action(irq) && time_before(jiffies, limit))
		usleep_range(100, 200);
	p->info_rc = msikit_ntb_msi_info(p->nm, &info);
	return IRQ_HANDLED;
}

#define NL_SEALED	1
#define NL_PLAIN	2

/*
 * A descriptor made by hand, in the format of include/msikit/ntb_msi.h;
 * a sealed one gets its seal, the xor of its other seven bytes.
 */
static struct msikit_ntb_msi_desc nl_desc(u32 format, u32 offset, u32 data)
{
	struct msikit_ntb_msi_desc d;
	u32 word = offset | format, x;

	if (format == NL_SEALED) {
		x = (word & 0xffffff) ^ data;
		x ^= x >> 16;
		x ^= x >> 8;
		word |= (x & 0xff) << 24;
	}
	d.addr_offset = cpu_to_le32(word);
	d.data = cpu_to_le32(data);
	return d;
}

/*
 * Free an interrupt while its threaded handler runs and calls
 * msikit_ntb_msi_info(): free_irq() waits for the handler, so a free
 * that held the context's lock across it would never return.
 */
static void nl_selftest_thread(struct msikit_ntb_msi *nm, struct nl_tap *t)
{
	struct nl_thread_probe p = { .nm = nm, .info_rc = 1 };
	int irq, rc;

	init_completion(&p.entered);
	irq = msikit_ntb_msi_request_threaded_irq(nm, NULL, nl_thread_info, "ntb-loop-selftest",
						  &p, &p.desc);
	nl_check(t, irq > 0, "request of a threaded-only interrupt");
	if (irq <= 0)
		return;
	irq_wake_thread(irq, &p);
	if (!wait_for_completion_timeout(&p.entered, HZ)) {
		nl_check(t, false, "its threaded handler ran");
		msikit_ntb_msi_free_irq(nm, irq, &p);
		return;
	}
	rc = msikit_ntb_msi_free_irq(nm, irq, &p);
	nl_check(t, !rc && !p.info_rc,
		 "free while its threaded handler calls msikit_ntb_msi_info(): both return");
}

/*
 * An upstream peer's bare offsets (format 00), which only a context made
 * for such peers (@upstream) takes. None of these may reach a message: a
 * bare offset taken inside the window raises whatever lies there. The two
 * beyond the window are taken by msikit, which has no mapped window here
 * to check them against, and dropped by the port (the peer side's
 * inbound window, @size bytes, 0 if it has none).
 */
static void nl_selftest_bare(struct msikit_ntb_msi *nm, struct nl_tap *t, u64 size,
			     bool upstream)
{
	struct msikit_ntb_msi_desc d;
	u32 off;

	d = nl_desc(0, 0x1000, 0x41);
	if (!upstream) {
		nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, &d) == -ENODATA,
			 "without upstream_peer: peer_trigger bare offset 0x1000 -> ENODATA");
		return;
	}
	nl_check(t, msikit_ntb_msi_desc_decode(&d, &off, NULL) == -ENODATA,
		 "upstream_peer: desc_decode, which knows no context, of bare offset 0x1000 -> ENODATA");
	d = nl_desc(0, 0, 0);
	nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, &d) == -ENODATA,
		 "upstream_peer: peer_trigger bare offset 0 with data 0 (a zeroed channel) -> ENODATA");
	if (!size || size > 0xfffffffc) {
		nl_skip(t, "upstream_peer: bare offsets beyond the window, dropped by the port",
			"the peer side has no inbound window: write 0 to its setup");
		return;
	}
	d = nl_desc(0, (u32)size, 0x41);
	nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, &d) == -ERANGE,
		 "upstream_peer: bare offset at the window's end: taken, the port drops it -> ERANGE");
	d = nl_desc(0, 0xfffffffc, 0x41);
	nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, &d) == -ERANGE,
		 "upstream_peer: bare offset 0xfffffffc: taken, the port drops it -> ERANGE");
}

/* Misuse of one requested interrupt and of peer_trigger, on scratch nm @nm. */
static void nl_selftest_nm(struct nl_side *s, struct msikit_ntb_msi *nm, struct nl_tap *t)
{
	struct nl_irq tmp = { .side = s };
	struct msikit_ntb_msi_desc d = { };
	struct msikit_ntb_msi_info info;
	bool upstream;
	u32 off, data;
	phys_addr_t pa;
	u64 size;
	int irq, rc;

	rc = msikit_ntb_msi_info(nm, &info);
	nl_check(t, !rc, "info of the scratch nm");
	upstream = !rc && info.upstream_peer;

	irq = msikit_ntb_msi_request_threaded_irq(nm, nl_handler, NULL, "ntb-loop-selftest",
						  &tmp, NULL);
	nl_check(t, irq == -EINVAL, "request with NULL desc -> EINVAL");
	if (irq > 0)
		msikit_ntb_msi_free_irq(nm, irq, &tmp);
	irq = msikit_ntb_msi_request_threaded_irq(nm, NULL, NULL, "ntb-loop-selftest", &tmp,
						  &tmp.desc);
	nl_check(t, irq == -EINVAL, "request with NULL handler and thread_fn -> EINVAL");
	if (irq > 0)
		msikit_ntb_msi_free_irq(nm, irq, &tmp);
	nl_check(t, nl_nr_irqs(nm) == 0, "the refused requests requested nothing");

	irq = msikit_ntb_msi_request_threaded_irq(nm, nl_handler, NULL, "ntb-loop-selftest",
						  &tmp, &tmp.desc);
	nl_check(t, irq > 0, "request");
	if (irq > 0) {
		rc = msikit_ntb_msi_free_irq(nm, 0, &tmp);
		nl_check(t, rc == -EINVAL || rc == -ENOENT, "free of irq 0 -> EINVAL/ENOENT");
		/* a live irq of another domain: msikit must not hand it to free_irq() */
		if (s->pdev->irq && s->pdev->irq != (unsigned int)irq) {
			rc = msikit_ntb_msi_free_irq(nm, s->pdev->irq, &tmp);
			nl_check(t, rc == -EINVAL || rc == -ENOENT,
				 "free of the function's INTx irq, not from this nm -> EINVAL/ENOENT");
		}
		rc = msikit_ntb_msi_free_irq(nm, irq, s);
		nl_check(t, rc == -EINVAL, "free with another dev_id -> EINVAL");
		nl_check(t, nl_nr_irqs(nm) == 1, "the refused frees left the interrupt requested");
		nl_check(t, !msikit_ntb_msi_free_irq(nm, irq, &tmp), "free");
		rc = msikit_ntb_msi_free_irq(nm, irq, &tmp);
		nl_check(t, rc == -EINVAL || rc == -ENOENT, "double free -> EINVAL/ENOENT");
		nl_check(t, nl_nr_irqs(nm) == 0, "nothing requested after the free");
	}
	irq = msikit_ntb_msi_request_irq_flags(nm, nl_handler, NULL, IRQF_SHARED,
					       "ntb-loop-selftest", &tmp, &tmp.desc);
	nl_check(t, irq == -EINVAL, "request with IRQF_SHARED -> EINVAL");
	if (irq > 0)
		msikit_ntb_msi_free_irq(nm, irq, &tmp);
	irq = msikit_ntb_msi_request_irq_flags(nm, nl_handler, NULL, IRQF_NOBALANCING,
					       "ntb-loop-selftest", &tmp, &tmp.desc);
	nl_check(t, irq > 0 && !irqd_can_balance(irq_get_irq_data(irq)),
		 "request with IRQF_NOBALANCING: nobody may move the interrupt");
	if (irq > 0)
		msikit_ntb_msi_free_irq(nm, irq, &tmp);
	nl_selftest_thread(nm, t);
	nl_check(t, nl_nr_irqs(nm) == 0, "nothing requested after the threaded handler's free");

	nl_check(t, msikit_ntb_msi_peer_trigger(nm, -1, &d) == -EINVAL,
		 "peer_trigger peer -1 -> EINVAL");
	nl_check(t, msikit_ntb_msi_peer_trigger(nm, 5, &d) == -EINVAL,
		 "peer_trigger peer 5 of 1 -> EINVAL");
	nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, NULL) == -EINVAL,
		 "peer_trigger NULL desc -> EINVAL");
	/*
	 * With no mapped outbound window msikit cannot know its size: the
	 * offset reaches the port, which checks it against the peer's inbound
	 * window and drops the write. That window must exist for the case.
	 */
	size = nl_peer_window(s);
	if (!size || size > 0xfffffffc) {
		nl_skip(t, "peer_trigger offsets outside the window -> ERANGE",
			"the peer side has no inbound window: write 0 to its setup");
	} else {
		d = nl_desc(NL_PLAIN, (u32)size, 0);
		nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, &d) == -ERANGE,
			 "peer_trigger offset at the end of the peer's window -> ERANGE");
		d = nl_desc(NL_PLAIN, 0xfffffffc, 0);
		nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, &d) == -ERANGE,
			 "peer_trigger offset 0xfffffffc -> ERANGE");
	}
	d = nl_desc(3, 0, 0x41);
	nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, &d) == -EINVAL,
		 "peer_trigger descriptor of the reserved format 11 -> EINVAL");
	d = nl_desc(0, 0, 0);
	nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, &d) == -ENODATA,
		 "peer_trigger zeroed descriptor -> ENODATA");
	/*
	 * ntb_transport's republish zeroes both scratchpads first: (0, data).
	 * A context made for upstream peers takes that as a bare offset 0 and
	 * writes it: not a case to run there.
	 */
	if (!upstream) {
		d = nl_desc(0, 0, 0xa5);
		nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, &d) == -ENODATA,
			 "peer_trigger zeroed offset half with data 0xa5 -> ENODATA");
	}
	d = nl_desc(NL_SEALED, 0x1000, 0x41);
	d.data = cpu_to_le32(0x42);
	nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, &d) == -EBADMSG,
		 "peer_trigger sealed offset of vector 0x41 with the data of 0x42 -> EBADMSG");
	d = nl_desc(NL_SEALED, 0x1000, 0x41);
	d.addr_offset = cpu_to_le32(le32_to_cpu(d.addr_offset) ^ 0x2000);
	nl_check(t, msikit_ntb_msi_peer_trigger(nm, 0, &d) == -EBADMSG,
		 "peer_trigger sealed data of 0x1000 with offset 0x3000 -> EBADMSG");
	/* the seal worked out by hand: 0x6b is the xor of ab cd 05 12 34 56 78 */
	d.addr_offset = cpu_to_le32(0x6babcd05);
	d.data = cpu_to_le32(0x12345678);
	nl_check(t, !msikit_ntb_msi_desc_decode(&d, &off, &data) && off == 0xabcd04 &&
		 data == 0x12345678,
		 "desc_decode 0x6babcd05:0x12345678 (sealed by hand): offset 0xabcd04");
	d.data = cpu_to_le32(0x12345679);
	nl_check(t, msikit_ntb_msi_desc_decode(&d, &off, &data) == -EBADMSG,
		 "desc_decode of it with one data bit flipped -> EBADMSG");
	nl_check(t, msikit_ntb_msi_desc_decode(NULL, &off, &data) == -EINVAL,
		 "desc_decode NULL -> EINVAL");
	d = nl_desc(NL_PLAIN, 0, 0);
	nl_check(t, msikit_ntb_msi_peer_addr(nm, 0, &d, &pa) == -EOPNOTSUPP,
		 "peer_addr on a port without a mapped window -> EOPNOTSUPP");
	nl_selftest_bare(nm, t, size, upstream);
}

/* Each case must get a clean errno and change nothing. */
static int nl_selftest(struct nl_side *s, char *buf)
{
	struct nl_tap t = { .buf = buf };
	struct msikit_ntb_port port;
	struct msikit_ntb_msi *nm;
	int rc;

	nl_check(&t, nl_init_err(NULL, 4, s) == -EINVAL, "init with NULL port -> EINVAL");
	port = s->port;
	port.ops = NULL;
	nl_check(&t, nl_init_err(&port, 4, s) == -EINVAL, "port with NULL ops -> EINVAL");
	port.ops = &nl_inert_ops;
	port.dev = NULL;
	nl_check(&t, nl_init_err(&port, 4, s) == -EINVAL, "port with NULL dev -> EINVAL");
	port.dev = &s->pdev->dev;
	port.peers = 0;
	nl_check(&t, nl_init_err(&port, 4, s) == -EINVAL, "port with 0 peers -> EINVAL");
	port.peers = MSIKIT_NTB_MAX_PEERS + 1;
	nl_check(&t, nl_init_err(&port, 4, s) == -EINVAL,
		 "port with MSIKIT_NTB_MAX_PEERS + 1 peers -> EINVAL");
	nl_check(&t, nl_init_err(&s->port, 0, s) == -EINVAL, "max_irqs 0 -> EINVAL");
	nl_check(&t, nl_init_err(&s->port, 4096, s) == -EINVAL, "max_irqs 4096 -> EINVAL");

	nm = msikit_ntb_msi_init(&s->port, 4, nl_no_channel, s);
	nl_check(&t, !IS_ERR(nm), "scratch nm of 4");
	if (!IS_ERR(nm)) {
		rc = msikit_ntb_msi_setup_mws(nm);
		nl_check(&t, !rc, "scratch nm: setup_mws");
		if (!rc)
			nl_selftest_nm(s, nm, &t);
		msikit_ntb_msi_exit(nm);
	}
	msikit_ntb_msi_exit(NULL);
	msikit_ntb_msi_exit(ERR_PTR(-EINVAL));
	/* getting here is the check: neither may touch what it is given */
	nl_check(&t, true, "exit(NULL) and exit(ERR_PTR) do nothing");
	return t.len;
}

static ssize_t selftest_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct nl_side *s = dev_get_drvdata(dev);
	int rc;

	mutex_lock(&s->lock);
	if (s->nm)
		rc = nl_refuse(s, -EBUSY, "selftest: this side is set up: teardown first\n");
	else
		rc = nl_selftest(s, buf);
	mutex_unlock(&s->lock);
	return rc;
}
static DEVICE_ATTR_RO(selftest);

static struct attribute *nl_attrs[] = {
	&dev_attr_side.attr,
	&dev_attr_upstream.attr,
	&dev_attr_setup.attr,
	&dev_attr_teardown.attr,
	&dev_attr_free_some.attr,
	&dev_attr_info.attr,
	&dev_attr_descs.attr,
	&dev_attr_stress_stop.attr,
	&dev_attr_counts.attr,
	&dev_attr_fire.attr,
	&dev_attr_fire_all.attr,
	&dev_attr_fire_result.attr,
	&dev_attr_stress.attr,
	&dev_attr_stress_result.attr,
	&dev_attr_restore.attr,
	&dev_attr_cycle.attr,
	&dev_attr_maxprobe.attr,
	&dev_attr_bench.attr,
	&dev_attr_selftest.attr,
	NULL
};

/*
 * Created and removed by hand, not as dev_groups: remove() marks the side
 * dying before the group goes, so stores under way stop instead of being
 * waited for.
 */
static const struct attribute_group nl_group = {
	.name = "ntb",
	.attrs = nl_attrs,
};

static int nl_claim_slot(void)
{
	int i;

	mutex_lock(&nl_bind_lock);
	for (i = 0; i < 2; i++) {
		if (!nl_slot_used[i]) {
			nl_slot_used[i] = true;
			break;
		}
	}
	mutex_unlock(&nl_bind_lock);
	return i < 2 ? i : -EBUSY;
}

static void nl_release_slot(unsigned int i)
{
	mutex_lock(&nl_bind_lock);
	nl_slot_used[i] = false;
	mutex_unlock(&nl_bind_lock);
}

static void nl_side_free(struct nl_side *s)
{
	nl_release_slot(s->index);
	kvfree(s->chan);
	kvfree(s->irqs);
	kfree(s);
}

static struct nl_side *nl_side_alloc(struct pci_dev *pdev, unsigned int index)
{
	struct nl_side *s;
	unsigned int i;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->irqs = kvcalloc(NL_MAX, sizeof(*s->irqs), GFP_KERNEL);
	s->chan = kvcalloc(NL_MAX, sizeof(*s->chan), GFP_KERNEL);
	if (!s->irqs || !s->chan) {
		kvfree(s->chan);
		kvfree(s->irqs);
		kfree(s);
		return NULL;
	}
	s->pdev = pdev;
	s->index = index;
	s->port.dev = &pdev->dev;
	s->port.ops = &nl_port_ops;
	s->port.peers = 1;
	mutex_init(&s->lock);
	lockdep_set_class(&s->lock, &nl_lock_keys[index]);
	init_waitqueue_head(&s->wq);
	raw_spin_lock_init(&s->win_lock);
	spin_lock_init(&s->chan_lock);
	for (i = 0; i < NL_MAX; i++) {
		s->irqs[i].side = s;
		s->irqs[i].index = i;
	}
	return s;
}

static int nl_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct nl_side *s;
	int index, rc;

	index = nl_claim_slot();
	if (index < 0) {
		dev_info(&pdev->dev, "not bound: the loopback NTB has two sides, A and B, both taken\n");
		return index;
	}
	s = nl_side_alloc(pdev, index);
	if (!s) {
		nl_release_slot(index);
		return -ENOMEM;
	}
	rc = loop_edu_init(&s->edu, pdev);
	if (rc)
		goto err;
	pci_set_drvdata(pdev, s);
	rc = sysfs_create_group(&pdev->dev.kobj, &nl_group);
	if (rc)
		goto err;
	raw_spin_lock_irq(&nl_sides_lock);
	nl_sides[index] = s;
	raw_spin_unlock_irq(&nl_sides_lock);
	dev_info(&pdev->dev, "loopback NTB side %c\n", 'A' + index);
	return 0;
err:
	nl_side_free(s);
	return rc;
}

static void nl_remove(struct pci_dev *pdev)
{
	struct nl_side *s = pci_get_drvdata(pdev), *peer;

	/* the other side's paths find nothing from here on (-ENODEV)... */
	raw_spin_lock_irq(&nl_sides_lock);
	WRITE_ONCE(s->dying, true);
	nl_sides[s->index] = NULL;
	raw_spin_unlock_irq(&nl_sides_lock);
	/* ...and those under way, in either direction, stop waiting */
	wake_up_all(&s->wq);
	peer = nl_get(s->index ^ 1);
	if (peer) {
		wake_up_all(&peer->wq);
		nl_put(peer);
	}
	sysfs_remove_group(&pdev->dev.kobj, &nl_group);

	mutex_lock(&s->lock);
	nl_unpublish_all(s);
	/*
	 * exit clears the window before it frees what is still requested:
	 * the other side's writes are dropped, never sent to a freed vector
	 */
	msikit_ntb_msi_exit(s->nm);
	s->nm = NULL;
	mutex_unlock(&s->lock);
	/* peer_mw_write of the other side may be raising this edu right now */
	wait_event(nl_release_wq, !atomic_read(&s->users));
	loop_edu_quiesce(&s->edu);
	nl_side_free(s);
}

static const struct pci_device_id nl_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, nl_ids);

static struct pci_driver nl_driver = {
	.name = "msikit_ntb_loop",
	.id_table = nl_ids,
	.probe = nl_probe,
	.remove = nl_remove,
};
module_pci_driver(nl_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msikit: test-only loopback NTB of two QEMU edu functions for msikit_ntb_msi");
