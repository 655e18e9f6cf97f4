// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_ntb_loop_ntb: test-only. The loopback NTB of the ntb-msi suite as
 * a real struct ntb_dev of ntb.ko, so that msikit's adapter and upstream's
 * own NTB clients (ntb_pingpong, ntb_tool, unmodified) run over it. ntb.ko
 * and the clients are built out of tree from Debian's source of the same
 * kernel (scripts/ntb-core.sh); Debian itself has no NTB core.
 *
 * Two edu functions are the two sides (the first bound is port 0). Each
 * side has two memory windows per direction, 16 scratchpads and 16
 * doorbells. Its doorbells are peer interrupts of msikit_ntb_msi on window
 * 0, through a port of this module's own: ringing a peer doorbell is
 * msikit_ntb_msi_peer_trigger() with the peer's doorbell descriptor, and
 * the write arrives through the peer's inbound window 0 as a real write,
 * with the peer edu's requester ID, to its MSI controller
 * (tests/modules/ntb_loop_edu.h). The doorbell's handler then sets the bit
 * and calls ntb_db_event(), as a hardware NTB's doorbell interrupt would.
 * Window 1, the highest, is the clients': msikit's adapter and upstream's
 * ntb_msi API over it (ntb_msi_init()) take it, as upstream's ntb_msi
 * does. Neither window is memory-mapped: writes through them go to
 * ln_forward(), which this module registers as the device's writer
 * (msikit_ntb_set_mw_writer()).
 *
 * Module parameter shm: memory-mapped windows, for the clients that move
 * data (ntb_transport, ntb_perf, ntb_tool's buffers). Each side then also
 * binds an ivshmem-plain function (1af4:1110; the first bound pairs with
 * side 0), and the two functions' BAR 2 are one shared memory (two QEMU
 * memory backends on one file). Its lower half holds side 0's inbound
 * windows, its upper half side 1's, a slice per window. A side's outbound
 * window is the peer's slice seen through its own BAR 2, which clients
 * ioremap; an inbound window can only be translated to the buffer that is
 * its own slice, so the buffers clients allocate against edu come from a
 * pool of those slices (dma_map_ops on edu, test-only). A translation to
 * anything else is taken on window 1 only, as ntb_msi's: a store through
 * the peer's mapping then lands in memory, where a thread of the
 * receiving side finds it (the slice is poisoned with all-ones words) and
 * sends it as edu's MSI, with edu's requester ID, to the translated
 * address. The doorbells move to a third window the clients do not see.
 * With relay=N, ntb_msi's writes skip the mapping and the relay: they go
 * through ln_forward() at once, as without shm and as the doorbells do,
 * so that ntb_transport's MSI and doorbell modes can be compared like
 * with like (the relay polls, a bridge does not).
 * A kernel without per-device DMA ops (ARCH_HAS_DMA_OPS: riscv64's) has
 * no place for the pool: shm=1 is refused there.
 *
 * Module parameter one_port_number: both sides say they are port 0 and
 * their peer is port 0. Upstream's ntb_msi_test takes the doorbell bit a
 * peer rings, BIT(its port number), for that peer's index: on the side
 * whose peer is port 1 that index is past its one-peer array. With one
 * port number it runs unmodified; ntb_pingpong and ntb_tool run without.
 *
 * sysfs, under each edu function:
 *   db_fire   write "BIT COUNT": ring the peer's doorbell BIT COUNT times
 *	       through ntb_peer_db_set(), each waited for at the peer's
 *	       doorbell interrupt for BIT; -ETIMEDOUT if lost, -EIO if
 *	       another doorbell interrupt counted instead
 *   db_counts "BIT IRQS RINGS SEEN FAILED OVERLAPS LIVE" per doorbell of
 *	       this side: the doorbell interrupts it took, the rings the
 *	       peer sent it, the rings its latest interrupt had seen, the
 *	       rings whose write failed, and the rings sent while an earlier
 *	       one was still unseen, split by what the doorbell's CPU did
 *	       meanwhile (see ln_note_ring()): OVERLAPS while it may have had
 *	       the earlier one pending, LIVE while it provably had not (so
 *	       that one was lost). A ring is counted before its write, and an
 *	       interrupt notes the count when it runs, so once the doorbells
 *	       are quiet SEEN equals RINGS unless a ring was lost. IRQS may
 *	       be below RINGS: an MSI that arrives while the same vector is
 *	       still pending at the CPU merges with it (x86 IRR, GIC and IMSIC
 *	       pending bits alike), which a doorbell, a level, tolerates; a
 *	       merge needs an overlap, so RINGS - IRQS <= OVERLAPS.
 *   db_events the ntb_db_event() calls this side made: a client sees one
 *	       per doorbell interrupt, except for rings that arrive while it
 *	       has the doorbell masked and that it clears before unmasking
 *	       (absorbed by the level, not lost)
 *   info      the adapter's view: parent, window, doorbell interrupts
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/dma-map-ops.h>
#include <linux/interrupt.h>
#include <linux/iommu.h>
#include <linux/irq.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/ntb.h>
#include <linux/pci.h>
#include <linux/percpu.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <msikit/ntb_msi.h>

#include "ntb_loop_edu.h"

#define LN_DBS		16
#define LN_SPADS	16
#define LN_MWS		2	/* the clients' windows; 1, the highest, is ntb_msi's */
#define LN_CLIENT_MW	(LN_MWS - 1)
#define LN_ALL_MWS	(LN_MWS + 1)	/* with shm, the doorbells' hidden one */
/* what the relay reads as "nothing stored here": no MSI carries it */
#define LN_POISON	0xffffffffU

static unsigned int mw_size_max = SZ_1M;
module_param(mw_size_max, uint, 0444);
MODULE_PARM_DESC(mw_size_max, "largest inbound window (bytes)");
static bool one_port_number;
module_param(one_port_number, bool, 0444);
MODULE_PARM_DESC(one_port_number, "both sides and their peers say port 0 (for upstream's ntb_msi_test)");
static bool shm;
module_param(shm, bool, 0444);
MODULE_PARM_DESC(shm, "memory-mapped windows in a shared ivshmem-plain BAR per side (default N)");

static bool relay_stores = true;
module_param_named(relay, relay_stores, bool, 0444);
MODULE_PARM_DESC(relay, "with shm: ntb_msi's window is mapped and its stores reach the MSI through the polling relay (default Y); N: its writes go through the forwarder at once, as the doorbells' do");

/* ntb_msi's writes go through ln_forward(), not a mapped window */
static bool ln_msi_forwarded(void)
{
	return !shm || !relay_stores;
}

/* the doorbells' window: 0 without shm, past the clients' with it */
static int ln_db_mw(void)
{
	return shm ? LN_MWS : 0;
}

/*
 * The test of the test: drop_ring=N makes the Nth ring from then on a
 * loss (counted, never written), so a check that must catch a loss can be
 * shown to catch it. Each write rearms it.
 */
static atomic_t ln_drop_left = ATOMIC_INIT(0);

static int ln_drop_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int rc = kstrtouint(val, 0, &n);

	if (!rc)
		atomic_set(&ln_drop_left, n);
	return rc;
}

static int ln_drop_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&ln_drop_left));
}

static const struct kernel_param_ops ln_drop_ops = {
	.set = ln_drop_set,
	.get = ln_drop_get,
};
module_param_cb(drop_ring, &ln_drop_ops, NULL, 0644);
MODULE_PARM_DESC(drop_ring, "test of the test: the Nth ring from now is lost (0: none)");

/* the ring to drop: the one whose decrement reaches 0, exactly one */
static bool ln_drop_this(void)
{
	return atomic_dec_if_positive(&ln_drop_left) == 0;
}

/*
 * An ivshmem-plain function: its BAR 2 is the memory both sides share.
 * Only the half that holds this side's inbound windows is mapped here
 * (write-back, as the RAM it is): the other half is the clients', who
 * ioremap their outbound windows in it, and x86 refuses one physical
 * range in two cache modes.
 */
struct ln_shm {
	struct pci_dev *pdev;
	phys_addr_t phys;		/* BAR 2, CPU address */
	dma_addr_t bus;			/* BAR 2, bus address */
	resource_size_t size;		/* a power of two: both halves */
};

static struct ln_shm *ln_shms[2];	/* in the order they bound; under ln_lock */

struct ln_side {
	struct ntb_dev ntb;
	struct loop_edu edu;
	int index;
	bool registered;		/* ntb.ko has it: written under ln_lock */
	/* the inbound windows' translations; held across a forwarded write */
	spinlock_t trans_lock;
	u64 trans_addr[LN_ALL_MWS], trans_size[LN_ALL_MWS];
	/* shm: this side's inbound half, its slices, the pool and the relay */
	struct ln_shm *shm;
	void *in_va;
	dma_addr_t in_bus;
	resource_size_t slice;
	unsigned long slice_used;	/* under trans_lock */
	bool relay_on;			/* window 1 goes to an MSI: under trans_lock */
	unsigned int trans_gen;		/* window 1's translations set or cleared: ditto */
	wait_queue_head_t relay_wq;	/* the relay sleeps here while it is off */
	struct task_struct *relay;
	atomic_t relayed, dropped;
	atomic_t together;		/* stores sent in a burst of several */
	atomic_t unordered;		/* passes sent without the order kept */
	const struct dma_map_ops *old_dma_ops;
	/* doorbell register and mask */
	spinlock_t db_lock;
	u64 db, db_mask;
	u32 spad[LN_SPADS];
	/* the doorbells' port, on window 0 */
	struct msikit_ntb_port port;
	struct msikit_ntb_msi *nm;
	/* this side's doorbell interrupts; the peer rings them with db_desc */
	struct msikit_ntb_msi_desc db_desc[LN_DBS];
	int db_irq[LN_DBS];
	atomic_t db_count[LN_DBS];
	atomic_t db_rings[LN_DBS];
	atomic_t db_seen[LN_DBS];
	atomic_t db_failed[LN_DBS];
	atomic_t db_overlaps[LN_DBS];
	atomic_t db_live[LN_DBS];
	/* at the last ring, after its write: its doorbell's CPU and heartbeat */
	unsigned int db_hb_cpu[LN_DBS];
	long db_hb[LN_DBS];
	atomic_t db_events;
	atomic_t db_last;
	wait_queue_head_t wq;
	bool link_on;			/* a client enabled the link */
	struct work_struct link_work;	/* link events after link_enable/disable() */
};

/*
 * The two sides. A side's ntb_dev callbacks reach the other side under
 * rcu_read_lock() (a doorbell may ring from any context); a side going
 * away unpublishes itself and waits for them before it is freed.
 */
static DEFINE_MUTEX(ln_lock);
static struct ln_side __rcu *ln_sides[2];

static struct ln_side *to_side(struct ntb_dev *ntb)
{
	return container_of(ntb, struct ln_side, ntb);
}

/* The other side, or NULL while it is not bound; under rcu_read_lock(). */
static struct ln_side *ln_peer(struct ln_side *s)
{
	return rcu_dereference(ln_sides[!s->index]);
}

static u64 ln_link_is_up(struct ntb_dev *ntb, enum ntb_speed *speed, enum ntb_width *width)
{
	struct ln_side *s = to_side(ntb), *p;
	u64 up;

	if (speed)
		*speed = NTB_SPEED_GEN3;
	if (width)
		*width = NTB_WIDTH_1;
	/* up while both sides are bound and a client of each enabled it */
	rcu_read_lock();
	p = ln_peer(s);
	up = p && READ_ONCE(s->link_on) && READ_ONCE(p->link_on) ? BIT_ULL(0) : 0;
	rcu_read_unlock();
	return up;
}

/* Clients' link handlers may sleep: the sides are held by ln_lock here. */
static void ln_link_events(struct ln_side *s)
{
	struct ln_side *p;

	mutex_lock(&ln_lock);
	p = rcu_dereference_protected(ln_sides[!s->index], lockdep_is_held(&ln_lock));
	if (s->registered)
		ntb_link_event(&s->ntb);
	if (p && p->registered)
		ntb_link_event(&p->ntb);
	mutex_unlock(&ln_lock);
}

static void ln_link_work(struct work_struct *work)
{
	ln_link_events(container_of(work, struct ln_side, link_work));
}

/*
 * As a hardware link trains: up once both sides' clients enabled it, and
 * both sides hear of each change, later. A client that rings its peer on
 * link up (ntb_msi_test) so finds the peer's client bound.
 */
static int ln_link_enable(struct ntb_dev *ntb, enum ntb_speed speed, enum ntb_width width)
{
	struct ln_side *s = to_side(ntb);

	WRITE_ONCE(s->link_on, true);
	schedule_work(&s->link_work);
	return 0;
}

static int ln_link_disable(struct ntb_dev *ntb)
{
	struct ln_side *s = to_side(ntb);

	WRITE_ONCE(s->link_on, false);
	schedule_work(&s->link_work);
	return 0;
}

static int ln_mw_count(struct ntb_dev *ntb, int pidx)
{
	return LN_MWS;
}

/* the largest window: with shm, a window is its slice of the shared memory */
static resource_size_t ln_mw_max(struct ln_side *s)
{
	return s->shm ? s->slice : mw_size_max;
}

static int ln_get_align(struct ln_side *s, int pidx, int widx, resource_size_t *addr_align,
			resource_size_t *size_align, resource_size_t *size_max)
{
	if (pidx || widx < 0 || widx >= LN_ALL_MWS)
		return -EINVAL;
	if (addr_align)
		*addr_align = SZ_4K;
	if (size_align)
		*size_align = SZ_4K;
	if (size_max)
		*size_max = ln_mw_max(s);
	return 0;
}

static int ln_mw_get_align(struct ntb_dev *ntb, int pidx, int widx, resource_size_t *addr_align,
			   resource_size_t *size_align, resource_size_t *size_max)
{
	if (widx >= LN_MWS)
		return -EINVAL;
	return ln_get_align(to_side(ntb), pidx, widx, addr_align, size_align, size_max);
}

/* the bus address of inbound window @widx's slice; with shm only */
static dma_addr_t ln_slice_bus(struct ln_side *s, int widx)
{
	return s->in_bus + widx * s->slice;
}

static u32 *ln_slice_va(struct ln_side *s, int widx)
{
	return s->in_va + widx * s->slice;
}

/* under trans_lock: window 1's slice reads as nothing stored */
static void ln_poison(struct ln_side *s, resource_size_t size)
{
	memset(ln_slice_va(s, LN_CLIENT_MW), 0xff, size);
}

static int ln_set_trans(struct ln_side *s, int widx, dma_addr_t addr, resource_size_t size)
{
	bool mem = false, relay;

	if (widx < 0 || widx >= LN_ALL_MWS || !IS_ALIGNED(addr, SZ_4K) ||
	    !IS_ALIGNED(size, SZ_4K) || size > ln_mw_max(s))
		return -EINVAL;
	/*
	 * With shm, a store through the peer's window lands in this window's
	 * slice and nowhere else: memory must be that slice, and anything
	 * else an MSI target the relay can reach (window 1, ntb_msi's).
	 */
	if (s->shm && widx < LN_MWS) {
		mem = addr + size > s->in_bus && addr < s->in_bus + LN_MWS * s->slice;
		if (mem ? addr != ln_slice_bus(s, widx) : widx != LN_CLIENT_MW) {
			dev_warn(&s->ntb.pdev->dev,
				 "window %d: translation to %pad refused: %s\n", widx, &addr,
				 mem ? "not the window's own slice of the shared memory" :
				 "only window 1 may target an MSI controller");
			return -EINVAL;
		}
	}
	/* an MSI target on window 1: the relay sends what lands in its slice */
	relay = s->shm && relay_stores && widx == LN_CLIENT_MW && !mem;
	spin_lock_irq(&s->trans_lock);
	/* the slice is a client's buffer, or the relay's: never both */
	if (relay && (s->slice_used & BIT(LN_CLIENT_MW))) {
		spin_unlock_irq(&s->trans_lock);
		dev_warn(&s->ntb.pdev->dev,
			 "window 1: translation to %pad refused: its slice is a client's buffer\n",
			 &addr);
		return -EBUSY;
	}
	s->trans_addr[widx] = addr;
	s->trans_size[widx] = size;
	if (relay)
		ln_poison(s, size);
	if (s->shm && widx == LN_CLIENT_MW) {
		s->relay_on = relay;
		s->trans_gen++;
	}
	spin_unlock_irq(&s->trans_lock);
	if (relay)
		wake_up(&s->relay_wq);
	return 0;
}

static void ln_clear_trans(struct ln_side *s, int widx)
{
	spin_lock_irq(&s->trans_lock);
	s->trans_size[widx] = 0;
	if (widx == LN_CLIENT_MW) {
		s->relay_on = false;
		s->trans_gen++;
	}
	spin_unlock_irq(&s->trans_lock);
}

static int ln_mw_set_trans(struct ntb_dev *ntb, int pidx, int widx, dma_addr_t addr,
			   resource_size_t size)
{
	if (pidx || widx >= LN_MWS)
		return -EINVAL;
	return ln_set_trans(to_side(ntb), widx, addr, size);
}

static int ln_mw_clear_trans(struct ntb_dev *ntb, int pidx, int widx)
{
	if (pidx || widx < 0 || widx >= LN_MWS)
		return -EINVAL;
	ln_clear_trans(to_side(ntb), widx);
	return 0;
}

static int ln_peer_mw_count(struct ntb_dev *ntb)
{
	return LN_MWS;
}

/*
 * Without shm no outbound window is memory-mapped: writes go through
 * ln_forward_mw(). With it, outbound window @widx is the peer's slice of
 * the shared memory seen through this side's own BAR 2.
 */
static int ln_peer_mw_get_addr(struct ntb_dev *ntb, int widx, phys_addr_t *base,
			       resource_size_t *size)
{
	struct ln_side *s = to_side(ntb);

	if (widx < 0 || widx >= LN_MWS)
		return -EINVAL;
	if (!s->shm)
		return -EOPNOTSUPP;
	if (base)
		*base = s->shm->phys + !s->index * (s->shm->size / 2) + widx * s->slice;
	if (size)
		*size = s->slice;
	return 0;
}

/* A write through @s's outbound window @widx arrives at the peer's inbound one. */
static int ln_forward_mw(struct ln_side *s, int widx, u32 offset, u32 data)
{
	struct ln_side *p;
	unsigned long flags;
	u64 size;
	int rc = -ENODEV;

	rcu_read_lock();
	p = ln_peer(s);
	if (p) {
		spin_lock_irqsave(&p->trans_lock, flags);
		size = p->trans_size[widx];
		rc = -ENOLINK;
		if (size && offset <= size - sizeof(u32))
			rc = loop_edu_write(&p->edu, p->trans_addr[widx] + offset, data);
		else if (size)
			rc = -ERANGE;
		spin_unlock_irqrestore(&p->trans_lock, flags);
	}
	rcu_read_unlock();
	return rc;
}

/* The clients' writer: upstream's ntb_msi takes the last outbound window. */
static int ln_forward(struct ntb_dev *ntb, int peer, u32 offset, u32 data)
{
	return peer ? -EINVAL : ln_forward_mw(to_side(ntb), LN_CLIENT_MW, offset, data);
}

/* Port numbers: by topology (USD 0, DSD 1), or 0 for both with one_port_number. */
static int ln_port_number(struct ntb_dev *ntb)
{
	return one_port_number ? 0 : to_side(ntb)->index;
}

static int ln_peer_port_count(struct ntb_dev *ntb)
{
	return 1;
}

static int ln_peer_port_number(struct ntb_dev *ntb, int pidx)
{
	if (pidx)
		return -EINVAL;
	return one_port_number ? 0 : !to_side(ntb)->index;
}

static int ln_peer_port_idx(struct ntb_dev *ntb, int port)
{
	return port == ln_peer_port_number(ntb, 0) ? 0 : -EINVAL;
}

static u64 ln_db_valid_mask(struct ntb_dev *ntb)
{
	return GENMASK_ULL(LN_DBS - 1, 0);
}

static u64 ln_db_read(struct ntb_dev *ntb)
{
	return READ_ONCE(to_side(ntb)->db);
}

static int ln_db_clear(struct ntb_dev *ntb, u64 bits)
{
	struct ln_side *s = to_side(ntb);
	unsigned long flags;

	spin_lock_irqsave(&s->db_lock, flags);
	s->db &= ~bits;
	spin_unlock_irqrestore(&s->db_lock, flags);
	return 0;
}

static u64 ln_db_read_mask(struct ntb_dev *ntb)
{
	return READ_ONCE(to_side(ntb)->db_mask);
}

static int ln_db_set_mask(struct ntb_dev *ntb, u64 bits)
{
	struct ln_side *s = to_side(ntb);
	unsigned long flags;

	spin_lock_irqsave(&s->db_lock, flags);
	s->db_mask |= bits;
	spin_unlock_irqrestore(&s->db_lock, flags);
	return 0;
}

static void ln_db_event(struct ln_side *s)
{
	atomic_inc(&s->db_events);
	ntb_db_event(&s->ntb, 0);
}

static int ln_db_clear_mask(struct ntb_dev *ntb, u64 bits)
{
	struct ln_side *s = to_side(ntb);
	unsigned long flags;
	bool pending;

	spin_lock_irqsave(&s->db_lock, flags);
	s->db_mask &= ~bits;
	pending = s->db & bits;
	spin_unlock_irqrestore(&s->db_lock, flags);
	/* a doorbell that rang while masked is delivered on unmask */
	if (pending && READ_ONCE(s->registered))
		ln_db_event(s);
	return 0;
}

/*
 * A heartbeat per CPU, a pinned timer each jiffy. Timers run in softirq
 * context with interrupts enabled, so a CPU that runs its heartbeat takes
 * every MSI pending there too, at the latest before its next heartbeat:
 * a doorbell ring that is still unseen after two heartbeats of its CPU,
 * counted from when its write returned (QEMU raises the MSI inside the
 * write), was never pending there.
 */
struct ln_hb {
	struct timer_list timer;
	atomic_long_t count;
	bool on;
};

static DEFINE_PER_CPU(struct ln_hb, ln_hb);

static void ln_hb_fn(struct timer_list *t)
{
	struct ln_hb *hb = container_of(t, struct ln_hb, timer);

	/* a doorbell handler that ran here before is visible with the count */
	smp_mb__before_atomic();
	atomic_long_inc(&hb->count);
	mod_timer(t, jiffies + 1);
}

static void ln_hb_start(void)
{
	struct ln_hb *hb;
	unsigned int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		hb = per_cpu_ptr(&ln_hb, cpu);
		timer_setup(&hb->timer, ln_hb_fn, TIMER_PINNED);
		hb->timer.expires = jiffies + 1;
		add_timer_on(&hb->timer, cpu);
		hb->on = true;
	}
	cpus_read_unlock();
}

static void ln_hb_stop(void)
{
	struct ln_hb *hb;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		hb = per_cpu_ptr(&ln_hb, cpu);
		if (hb->on)
			timer_shutdown_sync(&hb->timer);
		hb->on = false;
	}
}

/* The CPU @irq is delivered to, or nr_cpu_ids; and its heartbeat count. */
static unsigned int ln_irq_cpu(int irq, long *hb)
{
	struct irq_data *irqd = irq > 0 ? irq_get_irq_data(irq) : NULL;
	unsigned int cpu = irqd ? cpumask_first(irq_data_get_effective_affinity_mask(irqd)) :
			   nr_cpu_ids;

	*hb = cpu < nr_cpu_ids ? atomic_long_read(&per_cpu_ptr(&ln_hb, cpu)->count) : 0;
	/* the count before the doorbell state it vouches for */
	smp_rmb();
	return cpu;
}

/*
 * Before a ring of @p's doorbell @bit is counted: an earlier ring still
 * unseen is either pending at the doorbell's CPU, and this ring may merge
 * with it, or lost. If that CPU ran two heartbeats since the earlier
 * ring's write returned, it would have taken a pending one: lost (LIVE).
 * Otherwise the CPU may have stalled all along: a possible merge. A loss
 * the next ring covers while the CPU stalls still reads as a merge.
 */
static void ln_note_ring(struct ln_side *p, int bit)
{
	long hb;
	unsigned int cpu = ln_irq_cpu(p->db_irq[bit], &hb);

	if (atomic_read(&p->db_seen[bit]) >= atomic_read(&p->db_rings[bit]))
		return;
	if (cpu < nr_cpu_ids && cpu == p->db_hb_cpu[bit] && hb - p->db_hb[bit] >= 2)
		atomic_inc(&p->db_live[bit]);
	else
		atomic_inc(&p->db_overlaps[bit]);
}

/* Ring the peer's doorbells: one peer interrupt per bit. */
static int ln_peer_db_set(struct ntb_dev *ntb, u64 bits)
{
	struct ln_side *s = to_side(ntb), *p;
	struct msikit_ntb_msi_desc desc;
	int bit, rc = 0;

	if (bits & ~ln_db_valid_mask(ntb))
		return -EINVAL;
	for_each_set_bit(bit, (unsigned long *)&bits, LN_DBS) {
		rcu_read_lock();
		p = ln_peer(s);
		if (p) {
			desc = READ_ONCE(p->db_desc[bit]);
			ln_note_ring(p, bit);
			atomic_inc(&p->db_rings[bit]);
			/* counted before the write: the interrupt it raises sees it */
			smp_mb__after_atomic();
		}
		/* the write itself finds the peer again, or not */
		if (p && ln_drop_this())
			rc = 0;
		else
			rc = p ? msikit_ntb_msi_peer_trigger(READ_ONCE(s->nm), 0, &desc) : -ENOLINK;
		if (p && rc)
			atomic_inc(&p->db_failed[bit]);
		/* the MSI is raised inside the write: heartbeats from here on count */
		if (p && !rc)
			p->db_hb_cpu[bit] = ln_irq_cpu(p->db_irq[bit], &p->db_hb[bit]);
		rcu_read_unlock();
		if (rc)
			break;
	}
	return rc;
}

static int ln_spad_count(struct ntb_dev *ntb)
{
	return LN_SPADS;
}

static u32 ln_spad_read(struct ntb_dev *ntb, int sidx)
{
	return sidx >= 0 && sidx < LN_SPADS ? READ_ONCE(to_side(ntb)->spad[sidx]) : 0;
}

static int ln_spad_write(struct ntb_dev *ntb, int sidx, u32 val)
{
	if (sidx < 0 || sidx >= LN_SPADS)
		return -EINVAL;
	WRITE_ONCE(to_side(ntb)->spad[sidx], val);
	return 0;
}

static u32 ln_peer_spad_read(struct ntb_dev *ntb, int pidx, int sidx)
{
	struct ln_side *p;
	u32 v = 0;

	rcu_read_lock();
	p = ln_peer(to_side(ntb));
	if (p && !pidx && sidx >= 0 && sidx < LN_SPADS)
		v = READ_ONCE(p->spad[sidx]);
	rcu_read_unlock();
	return v;
}

static int ln_peer_spad_write(struct ntb_dev *ntb, int pidx, int sidx, u32 val)
{
	struct ln_side *p;
	int rc = -ENOLINK;

	if (pidx || sidx < 0 || sidx >= LN_SPADS)
		return -EINVAL;
	rcu_read_lock();
	p = ln_peer(to_side(ntb));
	if (p) {
		WRITE_ONCE(p->spad[sidx], val);
		rc = 0;
	}
	rcu_read_unlock();
	return rc;
}

static const struct ntb_dev_ops ln_ops = {
	.port_number = ln_port_number,
	.peer_port_count = ln_peer_port_count,
	.peer_port_number = ln_peer_port_number,
	.peer_port_idx = ln_peer_port_idx,
	.link_is_up = ln_link_is_up,
	.link_enable = ln_link_enable,
	.link_disable = ln_link_disable,
	.mw_count = ln_mw_count,
	.mw_get_align = ln_mw_get_align,
	.mw_set_trans = ln_mw_set_trans,
	.mw_clear_trans = ln_mw_clear_trans,
	.peer_mw_count = ln_peer_mw_count,
	.peer_mw_get_addr = ln_peer_mw_get_addr,
	.db_valid_mask = ln_db_valid_mask,
	.db_read = ln_db_read,
	.db_clear = ln_db_clear,
	.db_read_mask = ln_db_read_mask,
	.db_set_mask = ln_db_set_mask,
	.db_clear_mask = ln_db_clear_mask,
	.peer_db_set = ln_peer_db_set,
	.spad_count = ln_spad_count,
	.spad_read = ln_spad_read,
	.spad_write = ln_spad_write,
	.peer_spad_read = ln_peer_spad_read,
	.peer_spad_write = ln_peer_spad_write,
};

/* A doorbell interrupt: what a hardware NTB's doorbell vector does. */
static irqreturn_t ln_db_irq(int irq, void *data)
{
	struct ln_side *s = data;
	unsigned long flags;
	bool deliver;
	int bit;

	for (bit = 0; bit < LN_DBS; bit++)
		if (s->db_irq[bit] == irq)
			break;
	if (bit == LN_DBS)
		return IRQ_NONE;
	atomic_inc(&s->db_count[bit]);
	atomic_set(&s->db_last, bit);
	/* pairs with the ringer's barrier between its count and its write */
	smp_rmb();
	atomic_set(&s->db_seen[bit], atomic_read(&s->db_rings[bit]));
	spin_lock_irqsave(&s->db_lock, flags);
	s->db |= BIT_ULL(bit);
	deliver = !(s->db_mask & BIT_ULL(bit));
	spin_unlock_irqrestore(&s->db_lock, flags);
	wake_up(&s->wq);
	if (deliver && READ_ONCE(s->registered))
		ln_db_event(s);
	return IRQ_HANDLED;
}

static void ln_free_dbs(struct ln_side *s)
{
	struct msikit_ntb_msi *nm = s->nm;

	WRITE_ONCE(s->nm, NULL);
	msikit_ntb_msi_exit(nm);
}

/* The doorbells' port: window 0 of this side, for msikit_ntb_msi. */
static struct ln_side *port_side(struct msikit_ntb_port *port)
{
	return container_of(port, struct ln_side, port);
}

static int ln_db_mw_get_align(struct msikit_ntb_port *port, int peer, resource_size_t *addr_align,
			      resource_size_t *size_align, resource_size_t *size_max)
{
	return ln_get_align(port_side(port), peer, ln_db_mw(), addr_align, size_align, size_max);
}

static int ln_db_mw_set_trans(struct msikit_ntb_port *port, int peer, dma_addr_t addr,
			      resource_size_t size)
{
	return peer ? -EINVAL : ln_set_trans(port_side(port), ln_db_mw(), addr, size);
}

static void ln_db_mw_clear_trans(struct msikit_ntb_port *port, int peer)
{
	if (!peer)
		ln_clear_trans(port_side(port), ln_db_mw());
}

static int ln_db_peer_mw_get_addr(struct msikit_ntb_port *port, int peer, phys_addr_t *base,
				  resource_size_t *size)
{
	return -EOPNOTSUPP;
}

static int ln_db_peer_mw_write(struct msikit_ntb_port *port, int peer, u32 offset, u32 data)
{
	return peer ? -EINVAL : ln_forward_mw(port_side(port), ln_db_mw(), offset, data);
}

static const struct msikit_ntb_port_ops ln_db_port_ops = {
	.mw_get_align = ln_db_mw_get_align,
	.mw_set_trans = ln_db_mw_set_trans,
	.mw_clear_trans = ln_db_mw_clear_trans,
	.peer_mw_get_addr = ln_db_peer_mw_get_addr,
	.peer_mw_write = ln_db_peer_mw_write,
};

/*
 * The peer reads db_desc itself at every ring, and msikit rewrites it in
 * one store: there is nothing to republish.
 */
static void ln_desc_changed(void *ctx)
{
}

/*
 * Doorbell interrupts through the port on window 0. A hardware NTB's
 * windows answer only with the link up, so each side gets them when the
 * second side binds, as before the clients' ntb_mw_get_align() would.
 */
static int ln_setup_dbs(struct ln_side *s)
{
	struct msikit_ntb_msi *nm;
	int bit, irq, rc;

	if (s->nm)
		return 0;
	s->port.dev = &s->ntb.pdev->dev;
	s->port.ops = &ln_db_port_ops;
	s->port.peers = 1;
	nm = msikit_ntb_msi_init(&s->port, LN_DBS, ln_desc_changed, s);
	if (IS_ERR(nm))
		return PTR_ERR(nm);
	rc = msikit_ntb_msi_setup_mws(nm);
	for (bit = 0; !rc && bit < LN_DBS; bit++) {
		irq = msikit_ntb_msi_request_threaded_irq(nm, ln_db_irq, NULL, "ntb-loop-db",
							  s, &s->db_desc[bit]);
		if (irq < 0)
			rc = irq;
		else
			s->db_irq[bit] = irq;
	}
	if (rc) {
		msikit_ntb_msi_exit(nm);
		return rc;
	}
	/* the peer's doorbell writes may use it from here on */
	smp_store_release(&s->nm, nm);
	return 0;
}

/*
 * The relay (shm): a store through the peer's mapping of window 1 lands in
 * this side's slice (poisoned with all-ones words), and is sent by edu to
 * the translated address plus its offset, as a bridge forwards an inbound
 * write. Scans read without the lock; what they found is sent under it,
 * the translation read again there: one set or cleared since the pass
 * began drops what the pass found (stores made to the old one; any made
 * since stay in the slice for the next pass). The doorbell writes, which
 * program the same edu, take the lock too.
 *
 * A bridge forwards one writer's stores in the order they were made; a
 * scan meets them in the order of their offsets. After an affinity move
 * on the x86 vector, a peer's last store with the old message and its
 * first with the new one land at two offsets (the APIC ID is in the
 * address). Sent new first, the new vector's first interrupt starts the
 * release of the old one (a timer on the old CPU at the next jiffy, which
 * may be microseconds away), and the old store, sent after it, can find
 * its vector gone: "No irq handler", an interrupt lost that a bridge
 * would have delivered. So a pass sends nothing while it scans. It
 * scans the whole slice again until a scan finds nothing new: a store
 * the same writer made before one that was found is found by then,
 * wherever it lies, and a word found holding another value than the
 * last it was seen with is a store of its own. Then it sends all it
 * found at once, interrupts off on this CPU; a word stored again after
 * its last scan stays for the next pass, unless with the value that scan
 * saw (two stores, one interrupt). A store overwritten before any scan
 * saw it is lost, as two interrupts aimed at one CPU share a word.
 * Given two online CPUs, one writer per interrupt storing in
 * order, and no resend of an interrupt on its new vector (which would
 * end the move without any store), that is enough for any order inside
 * the burst: if this CPU is the new target, the new vector is not taken
 * before the old store is sent, so the move has not ended; if it is the
 * old one, the release cannot run here before the old store is pending,
 * and a pending old vector is not released. A pass that found more than
 * a burst, kept finding new stores, or sent several on a kernel where
 * that argument does not hold (more CPUs, PREEMPT_RT's spinlocks that
 * leave interrupts on) is counted in "unordered".
 */
#define LN_BURST	32	/* stores one burst sends */
#define LN_RESCANS	4	/* scans after the first, at most, per pass */

struct ln_burst {
	unsigned int n;
	struct {
		u32 idx, val;
	} st[LN_BURST];
};

/* add the stores of @w[0, end) that @b lacks; false if it is full */
static bool ln_relay_scan(const u32 *w, u32 end, struct ln_burst *b, bool *found)
{
	u32 i, v;
	int k;

	for (i = 0; i < end; i++) {
		v = READ_ONCE(w[i]);
		if (v == LN_POISON)
			continue;
		/* the last value seen there: A, then B, then A again is three */
		for (k = (int)b->n - 1; k >= 0 && b->st[k].idx != i; k--)
			;
		if (k >= 0 && b->st[k].val == v)
			continue;
		if (b->n == LN_BURST)
			return false;
		b->st[b->n].idx = i;
		b->st[b->n++].val = v;
		*found = true;
	}
	return true;
}

/* whether store @k is the last @b holds for its word */
static bool ln_burst_last(const struct ln_burst *b, unsigned int k)
{
	unsigned int j;

	for (j = k + 1; j < b->n; j++)
		if (b->st[j].idx == b->st[k].idx)
			return false;
	return true;
}

static void ln_relay_send(struct ln_side *s, u32 *w, const struct ln_burst *b,
			  unsigned int gen, bool settled)
{
	unsigned int k, sent = 0;
	unsigned long flags;
	u64 addr;

	spin_lock_irqsave(&s->trans_lock, flags);
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		lockdep_assert_irqs_disabled();
	if (!s->relay_on || s->trans_gen != gen) {
		spin_unlock_irqrestore(&s->trans_lock, flags);
		return;
	}
	if (!settled)
		atomic_inc(&s->unordered);
	for (k = 0; k < b->n; k++) {
		/*
		 * Take the word only if it still holds what the scan saw:
		 * a later store there belongs to the next pass, with
		 * whatever else that writer stored before it.
		 */
		if (ln_burst_last(b, k))
			cmpxchg(&w[b->st[k].idx], b->st[k].val, LN_POISON);
		addr = s->trans_addr[LN_CLIENT_MW] + (u64)b->st[k].idx * sizeof(u32);
		if (!loop_edu_write(&s->edu, addr, b->st[k].val)) {
			atomic_inc(&s->relayed);
			sent++;
		} else {
			atomic_inc(&s->dropped);
		}
	}
	spin_unlock_irqrestore(&s->trans_lock, flags);
	if (sent > 1) {
		atomic_add(sent, &s->together);
		if (num_online_cpus() > 2 || IS_ENABLED(CONFIG_PREEMPT_RT))
			atomic_inc(&s->unordered);
	}
}

static void ln_relay_pass(struct ln_side *s)
{
	u32 *w = ln_slice_va(s, LN_CLIENT_MW);
	struct ln_burst b = { .n = 0 };
	unsigned int gen;
	bool found = false, fit;
	int scans;
	u32 n;

	spin_lock_irq(&s->trans_lock);
	gen = s->trans_gen;
	n = s->relay_on ? s->trans_size[LN_CLIENT_MW] / sizeof(u32) : 0;
	spin_unlock_irq(&s->trans_lock);
	fit = ln_relay_scan(w, n, &b, &found);
	for (scans = 0; fit && found && scans < LN_RESCANS; scans++) {
		found = false;
		fit = ln_relay_scan(w, n, &b, &found);
	}
	if (b.n)
		ln_relay_send(s, w, &b, gen, fit && !found);
}

static bool ln_relay_wait(struct ln_side *s)
{
	return READ_ONCE(s->relay_on) || kthread_should_stop();
}

static int ln_relay(void *data)
{
	struct ln_side *s = data;

	while (!kthread_should_stop()) {
		wait_event_interruptible(s->relay_wq, ln_relay_wait(s));
		ln_relay_pass(s);
		usleep_range(50, 100);
	}
	return 0;
}

/*
 * The buffers clients allocate against edu for their inbound windows
 * (ntb_transport, ntb_perf, ntb_tool all do) must be the windows' slices:
 * nothing else is what the peer's stores reach. Slices are handed out
 * first free first; a client that translates window N must have been
 * given slice N (ln_set_trans() checks). Nothing else is offered: edu is
 * never a DMA master here.
 */
static struct ln_side *dma_side(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

static void *ln_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle, gfp_t gfp,
			  unsigned long attrs)
{
	struct ln_side *s = dma_side(dev);
	void *va = NULL;
	int i;

	if (size > s->slice) {
		dev_warn(dev, "no buffer of %zu bytes: the windows' slices are %pa bytes\n",
			 size, &s->slice);
		return NULL;
	}
	spin_lock_irq(&s->trans_lock);
	for (i = 0; i < LN_MWS; i++)
		if (!(s->slice_used & BIT(i)) && !(i == LN_CLIENT_MW && s->relay_on))
			break;
	if (i < LN_MWS) {
		s->slice_used |= BIT(i);
		va = ln_slice_va(s, i);
		*handle = ln_slice_bus(s, i);
	}
	spin_unlock_irq(&s->trans_lock);
	if (!va)
		dev_warn(dev, "no buffer: the windows' slices are taken\n");
	else
		memset(va, 0, size);
	return va;
}

static void ln_dma_free(struct device *dev, size_t size, void *va, dma_addr_t handle,
			unsigned long attrs)
{
	struct ln_side *s = dma_side(dev);
	int i;

	spin_lock_irq(&s->trans_lock);
	for (i = 0; i < LN_MWS; i++)
		if (va == ln_slice_va(s, i) && handle == ln_slice_bus(s, i))
			break;
	if (i < LN_MWS)
		s->slice_used &= ~BIT(i);
	spin_unlock_irq(&s->trans_lock);
	if (i == LN_MWS)
		dev_warn(dev, "freeing %pad, which is no window's slice\n", &handle);
}

/* edu never masters DMA here: a streaming mapping is refused, not mapped */
#ifdef LN_HAVE_MAP_PHYS
static dma_addr_t ln_dma_map_phys(struct device *dev, phys_addr_t phys, size_t size,
				  enum dma_data_direction dir, unsigned long attrs)
{
	return DMA_MAPPING_ERROR;
}
#else
static dma_addr_t ln_dma_map_page(struct device *dev, struct page *page, unsigned long offset,
				  size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	return DMA_MAPPING_ERROR;
}
#endif

static int ln_dma_map_sg(struct device *dev, struct scatterlist *sg, int nents,
			 enum dma_data_direction dir, unsigned long attrs)
{
	return -EINVAL;
}

static const struct dma_map_ops ln_dma_ops = {
	.alloc = ln_dma_alloc,
	.free = ln_dma_free,
#ifdef LN_HAVE_MAP_PHYS
	.map_phys = ln_dma_map_phys,
#else
	.map_page = ln_dma_map_page,
#endif
	.map_sg = ln_dma_map_sg,
};

static ssize_t db_fire_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct ln_side *s = dev_get_drvdata(dev), *p;
	unsigned int bit, n, i, before;
	int rc = 0;

	if (sscanf(buf, "%u %u", &bit, &n) != 2 || bit >= LN_DBS || !n) {
		dev_warn(dev, "db_fire: \"BIT COUNT\", BIT below %d\n", LN_DBS);
		return -EINVAL;
	}
	mutex_lock(&ln_lock);
	p = rcu_dereference_protected(ln_sides[!s->index], lockdep_is_held(&ln_lock));
	for (i = 0; p && !rc && i < n; i++) {
		before = atomic_read(&p->db_count[bit]);
		rc = ntb_peer_db_set(&s->ntb, BIT_ULL(bit));
		if (!rc && !wait_event_timeout(p->wq, atomic_read(&p->db_count[bit]) != before, HZ))
			rc = -ETIMEDOUT;
		if (!rc && (atomic_read(&p->db_count[bit]) != before + 1 ||
			    atomic_read(&p->db_last) != bit))
			rc = -EIO;
		ln_db_clear(&p->ntb, BIT_ULL(bit));
	}
	mutex_unlock(&ln_lock);
	if (!p)
		rc = -ENODEV;
	if (rc)
		dev_warn(dev, "db_fire: doorbell %u, ring %u: %d\n", bit, i, rc);
	return rc ?: count;
}
static DEVICE_ATTR_WO(db_fire);

static ssize_t db_counts_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ln_side *s = dev_get_drvdata(dev);
	int bit, len = 0;

	for (bit = 0; bit < LN_DBS; bit++)
		len += sysfs_emit_at(buf, len, "%d %d %d %d %d %d %d\n", bit,
				     atomic_read(&s->db_count[bit]),
				     atomic_read(&s->db_rings[bit]),
				     atomic_read(&s->db_seen[bit]),
				     atomic_read(&s->db_failed[bit]),
				     atomic_read(&s->db_overlaps[bit]),
				     atomic_read(&s->db_live[bit]));
	return len;
}
static DEVICE_ATTR_RO(db_counts);

static ssize_t db_events_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ln_side *s = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&s->db_events));
}
static DEVICE_ATTR_RO(db_events);

static ssize_t info_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ln_side *s = dev_get_drvdata(dev);
	struct msikit_ntb_msi_info info;
	int rc;

	rc = msikit_ntb_msi_info(s->nm, &info);
	if (rc)
		return rc;
	return sysfs_emit(buf, "parent %s win_base %#llx win_size %#llx doorbells %u\n",
			  info.parent, info.win_base, info.win_size, info.nr_irqs);
}
static DEVICE_ATTR_RO(info);

/*
 * with shm: "inbound BUS SIZE slices USED relayed N dropped N together N
 * unordered N", USED a mask (the relay's counts: ln_relay_pass())
 */
static ssize_t shm_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ln_side *s = dev_get_drvdata(dev);

	if (!s->shm)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf,
			  "inbound %pad %#llx slices %lu relayed %d dropped %d together %d unordered %d\n",
			  &s->in_bus, (u64)(LN_MWS * s->slice), READ_ONCE(s->slice_used),
			  atomic_read(&s->relayed), atomic_read(&s->dropped),
			  atomic_read(&s->together), atomic_read(&s->unordered));
}
static DEVICE_ATTR_RO(shm);

static struct attribute *ln_attrs[] = {
	&dev_attr_db_fire.attr,
	&dev_attr_db_counts.attr,
	&dev_attr_db_events.attr,
	&dev_attr_info.attr,
	&dev_attr_shm.attr,
	NULL
};
ATTRIBUTE_GROUPS(ln);

/*
 * dev->dma_ops itself (get_dma_ops() would give the arch's for NULL); a
 * kernel without the field never gets here, as shm=1 is refused there.
 */
static const struct dma_map_ops *ln_own_dma_ops(struct device *dev)
{
#ifdef CONFIG_ARCH_HAS_DMA_OPS
	return dev->dma_ops;
#else
	return NULL;
#endif
}

/*
 * shm: take this side's ivshmem function (the one bound in the same
 * order), map its inbound half and put the pool on edu. The function
 * stays bound while this side is: a device link unbinds the side first.
 * Under ln_lock, before the side is published.
 */
static int ln_shm_attach(struct ln_side *s)
{
	struct device *dev = &s->ntb.pdev->dev;
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);
	struct ln_shm *m = ln_shms[s->index];
	resource_size_t half;

	lockdep_assert_held(&ln_lock);
	if (!m)
		return -EPROBE_DEFER;
	/* dma_map_ops are bypassed for a device in an IOMMU DMA domain */
	if (dom && iommu_is_dma_domain(dom)) {
		dev_warn(dev, "shm: %s is in an IOMMU DMA domain: its buffers cannot be the shared memory\n",
			 dev_name(dev));
		return -EOPNOTSUPP;
	}
	if (!device_link_add(dev, &m->pdev->dev, DL_FLAG_AUTOREMOVE_CONSUMER)) {
		dev_warn(dev, "shm: no device link to %s\n", pci_name(m->pdev));
		return -EINVAL;
	}
	/* this side's inbound half */
	half = m->size / 2;
	s->slice = half / LN_MWS;
	s->in_bus = m->bus + s->index * half;
	s->in_va = devm_memremap(dev, m->phys + s->index * half, half, MEMREMAP_WB);
	if (IS_ERR(s->in_va))
		return PTR_ERR(s->in_va);
	/* what an earlier boot or side left there is nobody's */
	memset(s->in_va, 0, half);
	s->relay = kthread_create(ln_relay, s, "ntb-loop-relay%d", s->index);
	if (IS_ERR(s->relay))
		return PTR_ERR(s->relay);
	s->shm = m;
	s->old_dma_ops = ln_own_dma_ops(dev);
	set_dma_ops(dev, &ln_dma_ops);
	wake_up_process(s->relay);
	dev_info(dev, "shm: windows of %pa bytes in %s's BAR 2, inbound at %pad\n",
		 &s->slice, pci_name(m->pdev), &s->in_bus);
	return 0;
}

static void ln_shm_detach(struct ln_side *s)
{
	if (!s->shm)
		return;
	kthread_stop(s->relay);
	set_dma_ops(&s->ntb.pdev->dev, s->old_dma_ops);
}

static int ln_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ln_side *s, *p;
	int index, rc;

	s = devm_kzalloc(&pdev->dev, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	rc = loop_edu_init(&s->edu, pdev);
	if (rc)
		return rc;
	spin_lock_init(&s->trans_lock);
	spin_lock_init(&s->db_lock);
	init_waitqueue_head(&s->wq);
	init_waitqueue_head(&s->relay_wq);
	INIT_WORK(&s->link_work, ln_link_work);
	s->ntb.pdev = pdev;
	s->ntb.ops = &ln_ops;
	pci_set_drvdata(pdev, s);

	mutex_lock(&ln_lock);
	index = !rcu_access_pointer(ln_sides[0]) ? 0 : !rcu_access_pointer(ln_sides[1]) ? 1 : -1;
	if (index < 0) {
		mutex_unlock(&ln_lock);
		dev_warn(&pdev->dev, "a loopback NTB has two sides: both are bound\n");
		return -EBUSY;
	}
	s->index = index;
	s->ntb.topo = index ? NTB_TOPO_B2B_DSD : NTB_TOPO_B2B_USD;
	rc = shm ? ln_shm_attach(s) : 0;
	if (rc) {
		mutex_unlock(&ln_lock);
		return rc;
	}
	rcu_assign_pointer(ln_sides[index], s);
	/* the link is up with both sides: both get their doorbells now */
	p = rcu_dereference_protected(ln_sides[!index], lockdep_is_held(&ln_lock));
	rc = p ? ln_setup_dbs(p) ?: ln_setup_dbs(s) : 0;
	mutex_unlock(&ln_lock);
	/*
	 * before any client binds: ntb_msi_init() looks it up. With shm the
	 * clients' windows are mapped, and msikit's adapter ioremaps them,
	 * unless relay=N keeps ntb_msi's writes on the forwarder.
	 */
	if (!rc && ln_msi_forwarded())
		rc = msikit_ntb_set_mw_writer(&s->ntb, ln_forward);
	if (!rc) {
		rc = ntb_register_device(&s->ntb);
		if (rc && ln_msi_forwarded())
			msikit_ntb_set_mw_writer(&s->ntb, NULL);
	}
	if (rc) {
		mutex_lock(&ln_lock);
		RCU_INIT_POINTER(ln_sides[index], NULL);
		mutex_unlock(&ln_lock);
		synchronize_rcu();
		cancel_work_sync(&s->link_work);
		ln_free_dbs(s);
		ln_shm_detach(s);
		return rc;
	}
	/* under ln_lock for ln_link_events(), once for the doorbell paths */
	mutex_lock(&ln_lock);
	WRITE_ONCE(s->registered, true);
	mutex_unlock(&ln_lock);
	ln_link_events(s);
	return 0;
}

static void ln_remove(struct pci_dev *pdev)
{
	struct ln_side *s = pci_get_drvdata(pdev);

	mutex_lock(&ln_lock);
	WRITE_ONCE(s->registered, false);
	mutex_unlock(&ln_lock);
	ntb_unregister_device(&s->ntb);
	cancel_work_sync(&s->link_work);
	if (ln_msi_forwarded())
		msikit_ntb_set_mw_writer(&s->ntb, NULL);
	mutex_lock(&ln_lock);
	RCU_INIT_POINTER(ln_sides[s->index], NULL);
	mutex_unlock(&ln_lock);
	/* the peer's doorbell writes that found us are done */
	synchronize_rcu();
	ln_link_events(s);
	/* the windows close first: a peer still ringing reaches nothing */
	ln_free_dbs(s);
	ln_shm_detach(s);
	loop_edu_quiesce(&s->edu);
}

static const struct pci_device_id ln_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, ln_ids);

static struct pci_driver ln_driver = {
	.name = "msikit_ntb_loop_ntb",
	.id_table = ln_ids,
	.probe = ln_probe,
	.remove = ln_remove,
	.dev_groups = ln_groups,
};

/* shm: an ivshmem-plain function, whose BAR 2 both sides share */
static int ln_shm_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ln_shm *m;
	int i, rc;

	m = devm_kzalloc(&pdev->dev, sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	m->pdev = pdev;
	m->size = pci_resource_len(pdev, 2);
	m->phys = pci_resource_start(pdev, 2);
	m->bus = pci_bus_address(pdev, 2);
	/* two halves of LN_MWS slices, each a whole number of pages */
	if (!is_power_of_2(m->size) || m->size < 2 * LN_MWS * SZ_4K) {
		dev_warn(&pdev->dev, "shm: BAR 2 of %pa bytes cannot hold two sides' windows\n",
			 &m->size);
		return -EINVAL;
	}
	rc = pcim_request_region(pdev, 2, KBUILD_MODNAME);
	if (rc)
		return rc;
	mutex_lock(&ln_lock);
	i = !ln_shms[0] ? 0 : !ln_shms[1] ? 1 : -1;
	if (i >= 0)
		ln_shms[i] = m;
	mutex_unlock(&ln_lock);
	if (i < 0) {
		dev_warn(&pdev->dev, "shm: a loopback NTB has two sides: both have their memory\n");
		return -EBUSY;
	}
	pci_set_drvdata(pdev, m);
	dev_info(&pdev->dev, "shm: side %d's shared memory, %pa bytes\n", i, &m->size);
	return 0;
}

static void ln_shm_remove(struct pci_dev *pdev)
{
	struct ln_shm *m = pci_get_drvdata(pdev);

	mutex_lock(&ln_lock);
	ln_shms[ln_shms[1] == m] = NULL;
	mutex_unlock(&ln_lock);
}

static const struct pci_device_id ln_shm_ids[] = {
	{ PCI_DEVICE(0x1af4, 0x1110) },
	{ }
};

static struct pci_driver ln_shm_driver = {
	.name = "msikit_ntb_loop_shm",
	.id_table = ln_shm_ids,
	.probe = ln_shm_probe,
	.remove = ln_shm_remove,
};

/*
 * The heartbeats run from before the first side binds until after the
 * last goes; the shared memory binds before the sides that use it.
 */
static int __init ln_init(void)
{
	int rc;

	/*
	 * The pool lives in edu's dma_map_ops; without per-device DMA ops
	 * (riscv64's kernels) set_dma_ops() does nothing and clients' buffers
	 * would be plain RAM no peer store reaches.
	 */
	if (shm && !IS_ENABLED(CONFIG_ARCH_HAS_DMA_OPS)) {
		pr_err("shm=1 needs per-device DMA ops, which this kernel lacks (ARCH_HAS_DMA_OPS unset)\n");
		return -EOPNOTSUPP;
	}
	if (shm) {
		rc = pci_register_driver(&ln_shm_driver);
		if (rc)
			return rc;
	}
	ln_hb_start();
	rc = pci_register_driver(&ln_driver);
	if (rc) {
		ln_hb_stop();
		if (shm)
			pci_unregister_driver(&ln_shm_driver);
	}
	return rc;
}
module_init(ln_init);

static void __exit ln_exit(void)
{
	pci_unregister_driver(&ln_driver);
	ln_hb_stop();
	if (shm)
		pci_unregister_driver(&ln_shm_driver);
}
module_exit(ln_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msikit test-only: loopback NTB over two edu functions as an ntb.ko device");
