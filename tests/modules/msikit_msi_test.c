// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_msi_test: drives msikit_msi on QEMU's edu device (1234:11e8).
 *
 * edu plays the third party. Its own MSI capability, which the PCI core
 * leaves disabled because no driver enables MSI on edu, is programmed with
 * the message of one msikit interrupt; a write to edu's "raise interrupt"
 * register then makes QEMU send that message with edu's requester ID, so
 * VT-d checks the source ID our domain programmed, as it would for a peer.
 *
 * sysfs, under the edu function:
 *   alloc       write N: allocate N interrupts and request them
 *   free_all    write anything: free them
 *   fire        write "INDEX COUNT": COUNT writes of INDEX's message, each
 *		 waited for; fails with -ETIMEDOUT on a lost interrupt and
 *		 -EIO if another interrupt counted instead (spurious)
 *   dma_fire    the same, but the write is edu's DMA engine storing the
 *		 message data at the message address: a bus-master write
 *		 that QEMU sends with no requester ID (100 ms each)
 *   dma_dev0    write "N W": on a domain of the function at 00:00.0,
 *		 whose requester ID (0) is what edu's DMA carries, N
 *		 interrupts get W DMA writes each, exactly once each;
 *		 behind an IOMMU edu's DMA targets its own mapping of
 *		 that function's doorbell page
 *   send        write "ADDRESS DATA" (hex): edu sends that message once
 *		 as its MSI, with its requester ID, to whatever it targets
 *   dma_send    the same, by edu's DMA engine (no requester ID), waited
 *		 for the engine to finish
 *   dma_copy    write "SRC DST" (hex): edu's DMA engine copies a 32-bit
 *		 word from bus address SRC to DST, waited for
 *   bench_ext   write "N ADDRESS DATA COUNTER" (hex but N): N round trips
 *		 of edu sending ADDRESS/DATA, each waited for at the 32-bit
 *		 counter at physical COUNTER, against as many of edu's own
 *		 PCI MSI vector waited for the same way; bench reads them
 *   counts      "INDEX COUNT" per allocated interrupt
 *   msgs        "INDEX ADDRESS DATA" per allocated interrupt
 *   window      msikit_msi_msg_window(): "BASE SIZE phys", or behind an
 *		 IOMMU "BASE SIZE iova PHYS", PHYS what BASE maps to
 *   parent      MSI parent, "immutable"/"mutable", and "pinned" where
 *		 affinity is fixed once requested
 *   selftest    read: API misuse cases, one "ok"/"not ok" line each
 *   selftest_handlers  read: the same for a consumer that forgets
 *		 free_irq(); msikit WARNs once, by design
 *   stress      write "WRITES CHANGES": WRITES writes spread over the
 *		 allocated interrupts, each waited for at its own interrupt
 *		 (one that lands on a sibling is misrouted, a failure), while
 *		 a thread on another CPU makes
 *		 CHANGES affinity changes; the writer only ever uses the
 *		 published copy of each message, which a work item updates
 *		 after msikit reports a change, as a real consumer would
 *   stress_result  the figures of the last stress run
 *   restore     write anything: forget every published message (what a
 *		 peer reset does to its copy), then msikit_msi_restore();
 *		 read: how many messages the last restore handed back
 *   maxprobe    write anything: on a second domain of 2048, allocate and
 *		 request interrupts until the parent refuses, deliver one
 *		 write to every one of them, free all; read: the count, the
 *		 errno that stopped it and how many delivered exactly once
 *   range_all   write anything: msikit_msi_alloc_range() of a whole
 *		 2048 domain; read: "RC ALLOCATED" (all or nothing)
 *   capprobe    write anything: two more domains of 2048 on the function,
 *		 the first allocated until refused, then the second; then
 *		 one freed in the first and the second tried twice more.
 *		 Allocation only (no vector is assigned before request_irq).
 *		 read: "N1 ERR1 N2 ERR2 SWAP OWN": how many each took and the
 *		 errno that stopped it, SWAP 1 when the free let the second
 *		 take exactly one more, OWN the function's own MSI/MSI-X
 *		 vector count. Where a parent's cap is per function (AMD-Vi)
 *		 N1 is the cap, N2 0 and SWAP 1
 *   restore_race  write N: N rounds of a write and msikit_msi_restore()
 *		 while the stress changer moves interrupts; read: "ROUNDS
 *		 CHANGES REFUSED STALE", STALE counting interrupts whose last
 *		 reported message is not the current one
 *   movefree    write N: N times allocate an interrupt, move it to another
 *		 CPU, request it, free it at once, from CPU 0; read: "N CROSS",
 *		 where CROSS counts the moves made from a CPU other than the
 *		 interrupt's old one (the old CPU then retires its target
 *		 lazily, after the free: what crashed 7.x's IMSIC driver)
 *   bench       write "N A": N round trips (raise, handler, wake) through
 *		 msikit interrupt 0 and N through a plain PCI MSI vector of
 *		 edu on the same parent, in alternating rounds; also A
 *		 msikit allocate+free cycles. read: "MSIKIT_NS PLAIN_NS
 *		 ALLOC_FREE_NS RATIO RATIO_MIN RATIO_MAX ROUNDS", the times
 *		 per operation (median round), the ratios in thousandths
 *
 * On an unbound e1000e (8086:10d3) the driver only serves the reference
 * for allocation cost: msix_bench (write N, read ns per
 * pci_msix_alloc_irq_at() + pci_msix_free_irq()).
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/iommu.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/wait.h>
#include <msikit/msi.h>

#define EDU_RAISE_IRQ	0x60
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x01
/*
 * bare: no msikit domain on edu. Its only use is then "send" and
 * "dma_send", writes for somebody else's interrupts: with a domain, edu's
 * requester ID would be one more user of whatever the MSI parent keeps
 * per ID (the ITS DeviceID), which an endpoint function given the same ID
 * would then share.
 */
static bool bare;
module_param(bare, bool, 0444);
MODULE_PARM_DESC(bare, "only send and dma_send: no msikit domain on edu (default N)");

#define EDU_DMA_TO_BUS	0x02		/* from edu's buffer to a bus address */
#define EDU_DMA_BUF	0x40000		/* edu's buffer, as its DMA engine sees it */
#define MT_SIZE		256
#define MT_ROUNDS	11

struct mt_dev;

struct mt_irq {
	struct mt_dev *mt;
	atomic_t count;
	unsigned int sent, base;	/* stress: writes aimed here, count before */
	struct msi_msg latest;		/* as msikit reported it, under pub_lock */
	struct msi_msg pub;		/* what the writer uses, under pub_lock */
	bool dirty;
};

struct mt_stress {
	unsigned long writes, changes, ebusy, failed, republished, lost, spurious, refused;
	unsigned long misrouted;
	u64 ns;
};

struct mt_dev {
	struct pci_dev *pdev;
	void __iomem *bar;
	u8 msi_cap;
	__le32 *dma_buf;		/* what edu's DMA engine fetches */
	dma_addr_t dma_addr;
	/* another device's doorbell page, as edu's own IOMMU mapping of it */
	u64 remap_from, remap_size;
	dma_addr_t remap_to;
	struct msikit_msi_domain *dom;
	struct mutex lock;		/* alloc/free/fire */
	unsigned int nirqs;
	struct mt_irq irqs[MT_SIZE];
	atomic_t writes;		/* write_msg callbacks */
	wait_queue_head_t wq;
	raw_spinlock_t pub_lock;		/* latest, pub, dirty of every irq */
	struct work_struct pub_work;
	atomic_long_t republished;
	/* stress */
	atomic_long_t progress;
	unsigned long change_every, changes_wanted;
	struct mt_stress st;
	int restored;
	u64 bench_msikit, bench_plain, bench_alloc;
	u64 bench_ratio, bench_ratio_min, bench_ratio_max;
	int max_count, max_errno, max_delivered;
	int range_rc, range_left;
	int cap_n[2], cap_err[2], cap_swap, cap_own;
	unsigned int movefree_n, movefree_cross;
	unsigned long race_rounds;
	unsigned int race_stale;
};

#define MT_PROBE	2048

static irqreturn_t mt_handler(int irq, void *data)
{
	struct mt_irq *mi = data;

	atomic_inc(&mi->count);
	wake_up(&mi->mt->wq);
	return IRQ_HANDLED;
}

/* msikit may call this in hard irq context: record, publish later. */
static void mt_write_msg(struct msikit_msi_domain *dom, unsigned int index,
			 const struct msi_msg *msg, void *data)
{
	struct mt_dev *mt = data;
	unsigned long flags;

	atomic_inc(&mt->writes);
	if (index >= MT_SIZE)
		return;
	raw_spin_lock_irqsave(&mt->pub_lock, flags);
	mt->irqs[index].latest = *msg;
	mt->irqs[index].dirty = true;
	raw_spin_unlock_irqrestore(&mt->pub_lock, flags);
	schedule_work(&mt->pub_work);
}

static void mt_publish(struct work_struct *work)
{
	struct mt_dev *mt = container_of(work, struct mt_dev, pub_work);
	unsigned int i;

	raw_spin_lock_irq(&mt->pub_lock);
	for (i = 0; i < MT_SIZE; i++) {
		if (mt->irqs[i].dirty) {
			mt->irqs[i].pub = mt->irqs[i].latest;
			mt->irqs[i].dirty = false;
			atomic_long_inc(&mt->republished);
		}
	}
	raw_spin_unlock_irq(&mt->pub_lock);
}

static const struct msikit_msi_ops mt_ops = {
	.write_msg = mt_write_msg,
};

static void mt_free_all(struct mt_dev *mt)
{
	unsigned int i;

	for (i = 0; i < mt->nirqs; i++) {
		free_irq(msikit_msi_virq(mt->dom, i), &mt->irqs[i]);
		msikit_msi_free(mt->dom, i);
	}
	mt->nirqs = 0;
}

/*
 * Allocate and request @n interrupts; @cpu >= 0 places them there first,
 * which is the only time a pinned parent (IMSIC) lets them move.
 */
static int mt_alloc(struct mt_dev *mt, unsigned int n, int cpu)
{
	int first, rc, virq;
	unsigned int i;

	if (mt->nirqs)
		return -EBUSY;
	first = msikit_msi_alloc_range(mt->dom, n);
	if (first < 0)
		return first;
	for (i = 0; i < n; i++) {
		mt->irqs[i].mt = mt;
		atomic_set(&mt->irqs[i].count, 0);
		virq = msikit_msi_virq(mt->dom, first + i);
		rc = cpu >= 0 ? irq_set_affinity(virq, cpumask_of(cpu)) : 0;
		if (!rc)
			rc = request_irq(virq, mt_handler, 0, "msikit-test", &mt->irqs[i]);
		if (rc) {
			while (i-- > 0)
				free_irq(msikit_msi_virq(mt->dom, first + i), &mt->irqs[i]);
			for (i = 0; i < n; i++)
				msikit_msi_free(mt->dom, first + i);
			return rc;
		}
	}
	mt->nirqs = n;
	return 0;
}

/*
 * Put @msg in edu's MSI capability. MSI Enable is set behind the PCI
 * core's back: it never enables MSI on edu here, except for the benchmark's
 * reference vector, whose message the benchmark puts back.
 */
static void mt_edu_program(struct mt_dev *mt, const struct msi_msg *msg)
{
	u16 flags;

	pci_write_config_dword(mt->pdev, mt->msi_cap + PCI_MSI_ADDRESS_LO, msg->address_lo);
	pci_write_config_dword(mt->pdev, mt->msi_cap + PCI_MSI_ADDRESS_HI, msg->address_hi);
	pci_write_config_word(mt->pdev, mt->msi_cap + PCI_MSI_DATA_64, msg->data);
	pci_read_config_word(mt->pdev, mt->msi_cap + PCI_MSI_FLAGS, &flags);
	if (!(flags & PCI_MSI_FLAGS_ENABLE))
		pci_write_config_word(mt->pdev, mt->msi_cap + PCI_MSI_FLAGS,
				      flags | PCI_MSI_FLAGS_ENABLE);
}

/* Have edu send @msg with its requester ID. */
static void mt_edu_send(struct mt_dev *mt, const struct msi_msg *msg)
{
	mt_edu_program(mt, msg);
	iowrite32(1, mt->bar + EDU_RAISE_IRQ);
}

/* One transfer of edu's DMA engine, waited for (100 ms of virtual time). */
static int mt_edu_dma(struct mt_dev *mt, u32 src, u32 dst, u32 cmd)
{
	u32 v;

	iowrite32(src, mt->bar + EDU_DMA_SRC);
	iowrite32(dst, mt->bar + EDU_DMA_DST);
	iowrite32(sizeof(u32), mt->bar + EDU_DMA_COUNT);
	iowrite32(cmd | EDU_DMA_RUN, mt->bar + EDU_DMA_CMD);
	return read_poll_timeout(ioread32, v, !(v & EDU_DMA_RUN), 1000, 2 * USEC_PER_SEC,
				 false, mt->bar + EDU_DMA_CMD);
}

/* edu's DMA engine copies a 32-bit word from bus address @src to @dst, via its buffer */
static int mt_edu_dma_copy(struct mt_dev *mt, u32 src, u32 dst)
{
	return mt_edu_dma(mt, src, EDU_DMA_BUF, 0) ?:
	       mt_edu_dma(mt, EDU_DMA_BUF, dst, EDU_DMA_TO_BUS);
}

/*
 * The other writer: edu's DMA engine stores the data at the address, as
 * a peer's write through a window would arrive. The data reaches edu's
 * buffer by a first DMA, since edu cannot be written there directly.
 */
static int mt_edu_dma_send(struct mt_dev *mt, const struct msi_msg *msg)
{
	u64 addr = (u64)msg->address_hi << 32 | msg->address_lo;

	if (mt->remap_size && addr >= mt->remap_from && addr < mt->remap_from + mt->remap_size)
		addr = addr - mt->remap_from + mt->remap_to;
	if (upper_32_bits(addr))
		return -EOPNOTSUPP;	/* edu's DMA addresses are 32 bits here */
	WRITE_ONCE(*mt->dma_buf, cpu_to_le32(msg->data));
	return mt_edu_dma_copy(mt, mt->dma_addr, addr);
}

/* Have edu send the published message of @index, by MSI or by DMA. */
static int mt_fire_one(struct mt_dev *mt, unsigned int index, bool dma)
{
	struct msi_msg msg;

	raw_spin_lock_irq(&mt->pub_lock);
	msg = mt->irqs[index].pub;
	raw_spin_unlock_irq(&mt->pub_lock);
	if (!msg.address_lo)
		return -EAGAIN;
	if (dma)
		return mt_edu_dma_send(mt, &msg);
	mt_edu_send(mt, &msg);
	return 0;
}

static unsigned int mt_total(struct mt_dev *mt)
{
	unsigned int i, sum = 0;

	for (i = 0; i < mt->nirqs; i++)
		sum += atomic_read(&mt->irqs[i].count);
	return sum;
}

static int mt_fire(struct mt_dev *mt, unsigned int index, unsigned int n, bool dma)
{
	unsigned int i, want, total;
	int rc;

	if (index >= mt->nirqs)
		return -EINVAL;
	flush_work(&mt->pub_work);
	for (i = 0; i < n; i++) {
		want = atomic_read(&mt->irqs[index].count) + 1;
		total = mt_total(mt) + 1;
		rc = mt_fire_one(mt, index, dma);
		if (rc)
			return rc;
		if (!wait_event_timeout(mt->wq, atomic_read(&mt->irqs[index].count) >= want, HZ)) {
			dev_err(&mt->pdev->dev, "interrupt %u lost at write %u\n", index, i);
			return -ETIMEDOUT;
		}
		if (mt_total(mt) != total) {
			dev_err(&mt->pdev->dev, "write %u of %u counted %u interrupts\n",
				i, index, mt_total(mt) - total + 1);
			return -EIO;
		}
	}
	return 0;
}

/* Move one random interrupt to the other CPU, paced by the writer. */
static int mt_changer(void *data)
{
	struct mt_dev *mt = data;
	unsigned long next = mt->change_every;
	const struct cpumask *eff;
	unsigned int i, cpu;
	int rc, virq;

	while (!kthread_should_stop()) {
		if (mt->st.changes + mt->st.refused >= mt->changes_wanted ||
		    atomic_long_read(&mt->progress) < next) {
			usleep_range(20, 50);
			continue;
		}
		i = get_random_u32_below(mt->nirqs);
		virq = msikit_msi_virq(mt->dom, i);
		eff = irq_data_get_effective_affinity_mask(irq_get_irq_data(virq));
		cpu = cpumask_next(cpumask_first(eff), cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		rc = irq_set_affinity(virq, cpumask_of(cpu));
		if (!rc) {
			mt->st.changes++;
			next += mt->change_every;
		} else if (rc == -EBUSY) {
			/* the previous move waits for an interrupt on its new CPU */
			mt->st.ebusy++;
		} else if (rc == -EPERM) {
			/* a pinned parent refuses: counted, and the run goes on */
			mt->st.refused++;
			next += mt->change_every;
		} else {
			mt->st.failed++;
			next += mt->change_every;
		}
	}
	return 0;
}

/*
 * One write, waited for at the interrupt it was aimed at. A write that
 * lands on a sibling is misrouted, not delivered: exactly what the x86
 * vector's message-change protocol must rule out.
 */
static int mt_stress_write(struct mt_dev *mt, unsigned long w, unsigned int i)
{
	struct mt_irq *mi = &mt->irqs[i];
	unsigned int want = atomic_read(&mi->count) + 1;
	unsigned int total = mt_total(mt) + 1;
	int rc;

	rc = mt_fire_one(mt, i, false);
	if (rc)
		return rc;
	mt->st.writes++;
	mi->sent++;
	if (wait_event_timeout(mt->wq, atomic_read(&mi->count) >= want, HZ))
		return 0;
	if (mt_total(mt) >= total) {
		mt->st.misrouted++;
		dev_err(&mt->pdev->dev, "stress: write %lu to interrupt %u landed on another interrupt\n",
			w, i);
		return -EIO;
	}
	mt->st.lost++;
	dev_err(&mt->pdev->dev, "stress: write %lu to interrupt %u lost\n", w, i);
	return -ETIMEDOUT;
}

static int mt_stress(struct mt_dev *mt, unsigned long writes, unsigned long changes)
{
	struct task_struct *changer;
	unsigned int i, got;
	unsigned long w;
	u64 t0;
	int rc = 0;

	if (!mt->nirqs || !writes)
		return -EINVAL;
	memset(&mt->st, 0, sizeof(mt->st));
	atomic_long_set(&mt->progress, 0);
	atomic_long_set(&mt->republished, 0);
	mt->changes_wanted = changes;
	mt->change_every = changes ? max(writes / (changes + 1), 1UL) : ULONG_MAX;
	flush_work(&mt->pub_work);
	for (i = 0; i < mt->nirqs; i++) {
		mt->irqs[i].sent = 0;
		mt->irqs[i].base = atomic_read(&mt->irqs[i].count);
	}
	changer = kthread_run(mt_changer, mt, "msikit-mt-affinity");
	if (IS_ERR(changer))
		return PTR_ERR(changer);

	t0 = ktime_get_ns();
	for (w = 0; w < writes; w++) {
		rc = mt_stress_write(mt, w, w % mt->nirqs);
		if (rc)
			break;
		atomic_long_inc(&mt->progress);
		if (!(w & 1023))
			cond_resched();
	}
	mt->st.ns = ktime_get_ns() - t0;
	kthread_stop(changer);
	/* let stragglers land, then every interrupt must have exactly its own */
	msleep(20);
	for (i = 0; i < mt->nirqs; i++) {
		got = atomic_read(&mt->irqs[i].count) - mt->irqs[i].base;
		if (got > mt->irqs[i].sent)
			mt->st.spurious += got - mt->irqs[i].sent;
		else if (got < mt->irqs[i].sent && !rc)
			mt->st.lost += mt->irqs[i].sent - got;
	}
	if (!rc && (mt->st.spurious || mt->st.lost))
		rc = -EIO;
	mt->st.republished = atomic_long_read(&mt->republished);
	return rc;
}

static ssize_t stress_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	unsigned long writes, changes;
	int rc;

	if (sscanf(buf, "%lu %lu", &writes, &changes) != 2 || writes > 100000000UL ||
	    changes > writes)
		return -EINVAL;
	mutex_lock(&mt->lock);
	rc = mt_stress(mt, writes, changes);
	mutex_unlock(&mt->lock);
	return rc ?: len;
}
static DEVICE_ATTR_WO(stress);

static ssize_t stress_result_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	struct mt_stress *st = &mt->st;

	return sysfs_emit(buf,
			  "writes %lu lost %lu spurious %lu changes %lu ebusy %lu failed %lu republished %lu ns %llu refused %lu misrouted %lu\n",
			  st->writes, st->lost, st->spurious, st->changes, st->ebusy,
			  st->failed, st->republished, st->ns, st->refused, st->misrouted);
}
static DEVICE_ATTR_RO(stress_result);

static ssize_t restore_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	unsigned int i;
	int n;

	mutex_lock(&mt->lock);
	flush_work(&mt->pub_work);
	raw_spin_lock_irq(&mt->pub_lock);
	for (i = 0; i < MT_SIZE; i++)
		memset(&mt->irqs[i].pub, 0, sizeof(mt->irqs[i].pub));
	raw_spin_unlock_irq(&mt->pub_lock);
	n = msikit_msi_restore(mt->dom);
	flush_work(&mt->pub_work);
	mt->restored = n;
	mutex_unlock(&mt->lock);
	return n < 0 ? n : len;
}

/*
 * Restores racing affinity changes (made by the stress changer, paced one
 * per round): msikit must report in the order messages took effect, so
 * what the consumer heard last for each interrupt is its current message.
 * Each round's write, waited for at its own interrupt, lets the x86
 * vector complete the previous move.
 */
static int mt_restore_race(struct mt_dev *mt, unsigned long rounds)
{
	struct task_struct *changer;
	struct msi_msg cur, heard;
	unsigned long r;
	unsigned int i;
	int rc = 0;

	if (!mt->nirqs)
		return -EINVAL;
	memset(&mt->st, 0, sizeof(mt->st));
	atomic_long_set(&mt->progress, 0);
	mt->changes_wanted = rounds;
	mt->change_every = 1;
	changer = kthread_run(mt_changer, mt, "msikit-mt-affinity");
	if (IS_ERR(changer))
		return PTR_ERR(changer);
	for (r = 0; r < rounds && !rc; r++) {
		flush_work(&mt->pub_work);
		rc = mt_stress_write(mt, r, r % mt->nirqs);
		if (!rc && msikit_msi_restore(mt->dom) != mt->nirqs)
			rc = -EIO;
		atomic_long_inc(&mt->progress);
	}
	kthread_stop(changer);
	flush_work(&mt->pub_work);
	mt->race_stale = 0;
	for (i = 0; i < mt->nirqs; i++) {
		if (msikit_msi_get_msg(mt->dom, i, &cur))
			return -EIO;
		raw_spin_lock_irq(&mt->pub_lock);
		heard = mt->irqs[i].latest;
		raw_spin_unlock_irq(&mt->pub_lock);
		if (memcmp(&cur, &heard, sizeof(cur)))
			mt->race_stale++;
	}
	mt->race_rounds = r;
	return rc;
}

static ssize_t restore_race_store(struct device *dev, struct device_attribute *attr,
				  const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	unsigned long rounds;
	int rc;

	if (kstrtoul(buf, 0, &rounds) || !rounds || rounds > 1000000)
		return -EINVAL;
	mutex_lock(&mt->lock);
	rc = mt_restore_race(mt, rounds);
	mutex_unlock(&mt->lock);
	return rc ?: len;
}

static ssize_t restore_race_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lu %lu %lu %u\n", mt->race_rounds, mt->st.changes,
			  mt->st.refused, mt->race_stale);
}
static DEVICE_ATTR_RW(restore_race);

static ssize_t restore_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", ((struct mt_dev *)dev_get_drvdata(dev))->restored);
}
static DEVICE_ATTR_RW(restore);

/* N raises of whatever edu's MSI capability holds, each waited for */
static int mt_roundtrips(struct mt_dev *mt, atomic_t *count, unsigned int n, u64 *ns)
{
	unsigned int i, want;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < n; i++) {
		want = atomic_read(count) + 1;
		iowrite32(1, mt->bar + EDU_RAISE_IRQ);
		if (!wait_event_timeout(mt->wq, atomic_read(count) >= want, HZ))
			return -ETIMEDOUT;
	}
	*ns = div_u64(ktime_get_ns() - t0, n);
	return 0;
}

static void mt_edu_read_msg(struct mt_dev *mt, struct msi_msg *msg)
{
	u16 data;

	pci_read_config_dword(mt->pdev, mt->msi_cap + PCI_MSI_ADDRESS_LO, &msg->address_lo);
	pci_read_config_dword(mt->pdev, mt->msi_cap + PCI_MSI_ADDRESS_HI, &msg->address_hi);
	pci_read_config_word(mt->pdev, mt->msi_cap + PCI_MSI_DATA_64, &data);
	msg->data = data;
}

static int mt_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* sorts @v */
static u64 mt_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), mt_cmp_u64, NULL);
	return v[n / 2];
}

/*
 * One side of a benchmark: edu's MSI capability sends @msg; each round trip
 * is waited for on @count, woken by mt_handler, or with @spin by spinning
 * on @count or on the 32-bit counter @ext another handler moves.
 */
struct mt_side {
	struct msi_msg msg;
	atomic_t *count;
	__le32 *ext;
	bool spin;
	u64 ns[MT_ROUNDS];
};

static u32 mt_side_read(const struct mt_side *side)
{
	return side->ext ? le32_to_cpu(READ_ONCE(*side->ext)) : atomic_read(side->count);
}

/*
 * Round trips waited for by spinning on the counter the handler moves
 * (@side->ext is mapped as its owner maps it: an endpoint function's
 * register BAR is coherent DMA memory, write-combined).
 */
static int mt_spin_roundtrips(struct mt_dev *mt, const struct mt_side *side, unsigned int n,
			      u64 *ns)
{
	u64 t0 = ktime_get_ns(), limit;
	unsigned int i;
	u32 want;

	for (i = 0; i < n; i++) {
		want = mt_side_read(side) + 1;
		limit = ktime_get_ns() + NSEC_PER_SEC;
		iowrite32(1, mt->bar + EDU_RAISE_IRQ);
		while (mt_side_read(side) != want) {
			if (ktime_get_ns() > limit)
				return -ETIMEDOUT;
			cpu_relax();
		}
	}
	*ns = div_u64(ktime_get_ns() - t0, n);
	return 0;
}

/* One round of @side: one raise to warm, @n timed. */
static int mt_bench_round(struct mt_dev *mt, struct mt_side *side, unsigned int n, u64 *ns)
{
	u64 warm;

	mt_edu_program(mt, &side->msg);
	if (side->spin)
		return mt_spin_roundtrips(mt, side, 1, &warm) ?:
		       mt_spin_roundtrips(mt, side, n, ns);
	return mt_roundtrips(mt, side->count, 1, &warm) ?: mt_roundtrips(mt, side->count, n, ns);
}

/*
 * Rounds of @side and @ref alternate, each going first every other round,
 * so the emulator's drift lands on both; the median round is the figure.
 */
static int mt_bench_rounds(struct mt_dev *mt, struct mt_side *side, struct mt_side *ref,
			   unsigned int n)
{
	unsigned int i, per = max(n / MT_ROUNDS, 1U);
	u64 ratio[MT_ROUNDS];
	int rc = 0;

	for (i = 0; i < MT_ROUNDS && !rc; i++) {
		if (i & 1)
			rc = mt_bench_round(mt, ref, per, &ref->ns[i]) ?:
			     mt_bench_round(mt, side, per, &side->ns[i]);
		else
			rc = mt_bench_round(mt, side, per, &side->ns[i]) ?:
			     mt_bench_round(mt, ref, per, &ref->ns[i]);
		if (!rc)
			ratio[i] = div64_u64(side->ns[i] * 1000, max(ref->ns[i], 1ULL));
	}
	/* the core's own message back before it tears its vector down */
	mt_edu_program(mt, &ref->msg);
	if (rc)
		return rc;
	mt->bench_msikit = mt_median(side->ns, MT_ROUNDS);
	mt->bench_plain = mt_median(ref->ns, MT_ROUNDS);
	mt->bench_ratio = mt_median(ratio, MT_ROUNDS);
	mt->bench_ratio_min = ratio[0];
	mt->bench_ratio_max = ratio[MT_ROUNDS - 1];
	return 0;
}

/*
 * The reference: edu's MSI capability in the PCI core's hands, one vector
 * on CPU 0 counted by @plain. Return: its virq, or -errno.
 */
static int mt_plain_get(struct mt_dev *mt, struct mt_irq *plain, struct mt_side *ref)
{
	int rc, virq;
	u64 warm;

	rc = pci_alloc_irq_vectors(mt->pdev, 1, 1, PCI_IRQ_MSI);
	if (rc < 0)
		return rc;
	virq = pci_irq_vector(mt->pdev, 0);
	rc = irq_set_affinity(virq, cpumask_of(0)) ?:
	     request_irq(virq, mt_handler, 0, "msikit-test-plain", plain);
	if (rc)
		goto out_vec;
	/* the move's first interrupt retires the old vector; then it stands */
	rc = mt_roundtrips(mt, &plain->count, 10, &warm);
	if (rc)
		goto out_irq;
	mt_edu_read_msg(mt, &ref->msg);
	ref->count = &plain->count;
	return virq;
out_irq:
	free_irq(virq, plain);
out_vec:
	pci_free_irq_vectors(mt->pdev);
	return rc;
}

static void mt_plain_put(struct mt_dev *mt, struct mt_irq *plain, int virq)
{
	free_irq(virq, plain);
	pci_free_irq_vectors(mt->pdev);
}

/*
 * The same trigger (an edu raise) through the same parent, as msikit
 * interrupt 0 and as edu's own PCI MSI vector, in one boot. Both
 * interrupts and the measuring thread are on CPU 0: a round trip to the
 * measuring CPU costs a few us on TCG, one to the other vCPU tens, which
 * would swamp the difference being measured.
 */
static int mt_bench(struct mt_dev *mt, unsigned int n, unsigned int nalloc)
{
	struct mt_side kit = { .count = &mt->irqs[0].count }, ref = { };
	struct mt_irq plain = { .mt = mt };
	unsigned int i;
	int rc, virq;
	u64 t0;

	if (mt->nirqs)
		return -EBUSY;
	rc = set_cpus_allowed_ptr(current, cpumask_of(0));
	if (rc)
		return rc;

	t0 = ktime_get_ns();
	for (i = 0; i < nalloc; i++) {
		rc = msikit_msi_alloc(mt->dom, 0);
		if (rc < 0)
			goto out;
		msikit_msi_free(mt->dom, 0);
	}
	mt->bench_alloc = div_u64(ktime_get_ns() - t0, nalloc);

	/* msikit first: on the ITS it sizes the DeviceID's table for both */
	rc = mt_alloc(mt, 1, 0);
	if (rc)
		goto out;
	flush_work(&mt->pub_work);
	raw_spin_lock_irq(&mt->pub_lock);
	kit.msg = mt->irqs[0].pub;
	raw_spin_unlock_irq(&mt->pub_lock);

	virq = mt_plain_get(mt, &plain, &ref);
	rc = virq < 0 ? virq : mt_bench_rounds(mt, &kit, &ref, n);
	if (virq >= 0)
		mt_plain_put(mt, &plain, virq);
	mt_free_all(mt);
out:
	set_cpus_allowed_ptr(current, cpu_possible_mask);
	return rc;
}

/*
 * Like with like against edu's own PCI MSI vector, for an interrupt that
 * is not msikit_msi_test's (an endpoint function's doorbell, say): both
 * raised by edu's MSI capability, which sends @msg or the vector's
 * message with edu's requester ID through the same parent, and both
 * waited for by spinning, on CPU 0, on a counter their handler moves
 * (@counter: the physical address of the other handler's, such as a
 * function's HANDLED register; the vector's is mt_handler's count). The other
 * interrupt's affinity is the caller's to set (CPU 0, like the vector's).
 */
static int mt_bench_ext(struct mt_dev *mt, unsigned int n, const struct msi_msg *msg,
			phys_addr_t counter)
{
	struct mt_side ext = { .msg = *msg, .spin = true }, ref = { .spin = true };
	struct mt_irq plain = { .mt = mt };
	int rc, virq;

	ext.ext = memremap(counter, sizeof(u32), MEMREMAP_WC);
	if (!ext.ext)
		return -ENOMEM;
	rc = set_cpus_allowed_ptr(current, cpumask_of(0));
	if (rc)
		goto out_unmap;
	virq = mt_plain_get(mt, &plain, &ref);
	if (virq >= 0) {
		rc = mt_bench_rounds(mt, &ext, &ref, n);
		mt->bench_alloc = 0;
		mt_plain_put(mt, &plain, virq);
	} else {
		rc = virq;
	}
	set_cpus_allowed_ptr(current, cpu_possible_mask);
out_unmap:
	memunmap(ext.ext);
	return rc;
}

static void mt_probe_write(struct msikit_msi_domain *dom, unsigned int index,
			   const struct msi_msg *msg, void *data)
{
}

static const struct msikit_msi_ops mt_probe_ops = {
	.write_msg = mt_probe_write,
};

/* One write of @dom's interrupt @index through edu, waited for. */
static int mt_probe_fire(struct mt_dev *mt, struct msikit_msi_domain *dom,
			 unsigned int index, struct mt_irq *mi, bool dma)
{
	struct msi_msg msg;
	unsigned int want = atomic_read(&mi->count) + 1;
	int rc;

	rc = msikit_msi_get_msg(dom, index, &msg);
	if (rc)
		return rc;
	if (dma)
		rc = mt_edu_dma_send(mt, &msg);
	else
		mt_edu_send(mt, &msg);
	if (rc)
		return rc;
	return wait_event_timeout(mt->wq, atomic_read(&mi->count) >= want, HZ) ? 0 : -ETIMEDOUT;
}

/*
 * Allocate and request interrupts 0.. of @dom until @n or a refusal.
 * Return: how many; *@err is what stopped it, 0 at @n.
 */
static int mt_probe_request(struct mt_dev *mt, struct msikit_msi_domain *dom,
			    struct mt_irq *mis, int n, int *err)
{
	int i, rc = 0;

	for (i = 0; i < n; i++) {
		mis[i].mt = mt;
		rc = msikit_msi_alloc(dom, i);
		if (rc < 0)
			break;
		rc = request_irq(msikit_msi_virq(dom, i), mt_handler, 0, "msikit-probe", &mis[i]);
		if (rc) {
			msikit_msi_free(dom, i);
			break;
		}
	}
	*err = i < n ? rc : 0;
	return i;
}

static void mt_probe_release(struct msikit_msi_domain *dom, struct mt_irq *mis, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free_irq(msikit_msi_virq(dom, i), &mis[i]);
		msikit_msi_free(dom, i);
	}
	msikit_msi_domain_destroy(dom);
	kfree(mis);
}

/* How many of @mis counted exactly @w: a write that landed elsewhere shows. */
static int mt_probe_exact(struct mt_irq *mis, int n, int w)
{
	int i, exact = 0;

	for (i = 0; i < n; i++)
		exact += atomic_read(&mis[i].count) == w;
	return exact;
}

static int mt_maxprobe(struct mt_dev *mt)
{
	struct msikit_msi_domain *dom;
	struct mt_irq *mis;
	int n, rc = 0, i;

	mis = kcalloc(MT_PROBE, sizeof(*mis), GFP_KERNEL);
	if (!mis)
		return -ENOMEM;
	dom = msikit_msi_domain_create(&mt->pdev->dev, MT_PROBE, &mt_probe_ops, mt);
	if (IS_ERR(dom)) {
		kfree(mis);
		return PTR_ERR(dom);
	}
	n = mt_probe_request(mt, dom, mis, MT_PROBE, &mt->max_errno);
	mt->max_count = n;
	/* edu's MSI capability is ours here: the test driver owns it */
	for (i = 0; i < n && !rc; i++)
		rc = mt_probe_fire(mt, dom, i, &mis[i], false);
	mt->max_delivered = mt_probe_exact(mis, n, 1);
	mt_probe_release(dom, mis, n);
	return rc;
}

/*
 * edu's DMA crosses the IOMMU with edu's own stream, so behind one it
 * cannot write another device's message as it is: that is @owner's I/O
 * virtual address (when @owner has an IOMMU domain of its own) or the
 * doorbell's physical address (when it has none). Aim it at edu's own
 * mapping of the doorbell page instead (dma_map_resource(), as any bus
 * master's driver maps a doorbell it must write). Nothing to do without
 * an IOMMU in front of edu, or for edu's own domain.
 */
static int mt_remap_doorbell(struct mt_dev *mt, struct msikit_msi_domain *dom,
			     struct device *owner)
{
	struct iommu_domain *mine = iommu_get_domain_for_dev(&mt->pdev->dev);
	struct iommu_domain *iommu = iommu_get_domain_for_dev(owner);
	phys_addr_t phys;
	u64 base, size;
	dma_addr_t to;
	int rc;

	if (owner == &mt->pdev->dev || !mine || !iommu_is_dma_domain(mine))
		return 0;
	rc = msikit_msi_msg_window(dom, &base, &size);
	if (rc)
		return rc;
	phys = base;
	if (iommu && iommu_is_dma_domain(iommu))
		phys = iommu_iova_to_phys(iommu, base);
	if (!phys)
		return -EFAULT;
	size = min_t(u64, size, PAGE_SIZE);
	to = dma_map_resource(&mt->pdev->dev, phys, size, DMA_BIDIRECTIONAL, 0);
	if (dma_mapping_error(&mt->pdev->dev, to))
		return -ENOMEM;
	dev_info(&mt->pdev->dev, "msikit_msi_test: %s's doorbell page %#llx (physical %pa) is %pad for edu's DMA\n",
		 dev_name(owner), base, &phys, &to);
	mt->remap_from = base;
	mt->remap_size = size;
	mt->remap_to = to;
	return 0;
}

static void mt_unmap_doorbell(struct mt_dev *mt)
{
	if (!mt->remap_size)
		return;
	dma_unmap_resource(&mt->pdev->dev, mt->remap_to, mt->remap_size, DMA_BIDIRECTIONAL, 0);
	mt->remap_size = 0;
}

/*
 * edu's DMA carries requester ID 0, as a CPU store does: on the ITS that
 * is DeviceID 0, which belongs to the function at 00:00.0 (the host
 * bridge on QEMU's virt). A domain for that function is what such a
 * writer reaches: @n interrupts, @w DMA writes each.
 */
static int mt_dma_dev0(struct mt_dev *mt, int n, int w)
{
	struct msikit_msi_domain *dom;
	struct pci_dev *dev0;
	struct mt_irq *mis;
	int got, rc, i, j;

	dev0 = pci_get_domain_bus_and_slot(pci_domain_nr(mt->pdev->bus), 0, 0);
	if (!dev0)
		return -ENODEV;
	mis = kcalloc(n, sizeof(*mis), GFP_KERNEL);
	dom = mis ? msikit_msi_domain_create(&dev0->dev, n, &mt_probe_ops, mt) : ERR_PTR(-ENOMEM);
	if (IS_ERR(dom)) {
		kfree(mis);
		pci_dev_put(dev0);
		return PTR_ERR(dom);
	}
	got = mt_probe_request(mt, dom, mis, n, &rc);
	if (!rc)
		rc = mt_remap_doorbell(mt, dom, &dev0->dev);
	for (i = 0; i < got && !rc; i++)
		for (j = 0; j < w && !rc; j++)
			rc = mt_probe_fire(mt, dom, i, &mis[i], true);
	if (!rc && mt_probe_exact(mis, got, w) != n)
		rc = -EIO;
	mt_unmap_doorbell(mt);
	mt_probe_release(dom, mis, got);
	pci_dev_put(dev0);
	return rc;
}

static ssize_t dma_dev0_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	int n, w, rc;

	if (sscanf(buf, "%d %d", &n, &w) != 2 || n < 1 || n > MT_SIZE || w < 1 || w > 100)
		return -EINVAL;
	if (!mt->dma_buf)
		return -EOPNOTSUPP;
	mutex_lock(&mt->lock);
	rc = mt_dma_dev0(mt, n, w);
	mutex_unlock(&mt->lock);
	return rc ?: len;
}
static DEVICE_ATTR_WO(dma_dev0);

static ssize_t maxprobe_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	int rc;

	mutex_lock(&mt->lock);
	rc = mt->nirqs ? -EBUSY : mt_maxprobe(mt);
	mutex_unlock(&mt->lock);
	return rc ?: len;
}

static ssize_t maxprobe_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d %d %d\n", mt->max_count, mt->max_errno, mt->max_delivered);
}
static DEVICE_ATTR_RW(maxprobe);

/*
 * All or nothing: msikit_msi_alloc_range() for a whole 2048 domain, which
 * most parents cannot hold, must leave no interrupt behind when it fails.
 */
static ssize_t range_all_store(struct device *dev, struct device_attribute *attr,
			       const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	struct msikit_msi_domain *dom;
	int i;

	dom = msikit_msi_domain_create(dev, MT_PROBE, &mt_probe_ops, mt);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	mutex_lock(&mt->lock);
	mt->range_rc = msikit_msi_alloc_range(dom, MT_PROBE);
	mt->range_left = 0;
	for (i = 0; i < MT_PROBE; i++)
		if (msikit_msi_virq(dom, i) > 0)
			mt->range_left++;
	mutex_unlock(&mt->lock);
	msikit_msi_domain_destroy(dom);
	return len;
}

static ssize_t range_all_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d %d\n", mt->range_rc, mt->range_left);
}
static DEVICE_ATTR_RW(range_all);

/*
 * A cap on the function's total, not on each domain's, shows as a second
 * domain that gets nothing while the first holds the cap, and that gets
 * exactly the one interrupt the first frees.
 */
static int mt_capprobe(struct mt_dev *mt)
{
	struct msikit_msi_domain *dom[2] = { };
	int i, rc = 0;

	mt->cap_swap = 0;
	mt->cap_own = max3(pci_msi_vec_count(mt->pdev), pci_msix_vec_count(mt->pdev), 0);
	for (i = 0; i < 2; i++) {
		dom[i] = msikit_msi_domain_create(&mt->pdev->dev, MT_PROBE, &mt_probe_ops, mt);
		if (IS_ERR(dom[i])) {
			rc = PTR_ERR(dom[i]);
			dom[i] = NULL;
			goto out;
		}
	}
	for (i = 0; i < 2; i++) {
		mt->cap_err[i] = 0;
		for (mt->cap_n[i] = 0; mt->cap_n[i] < MT_PROBE; mt->cap_n[i]++) {
			rc = msikit_msi_alloc(dom[i], mt->cap_n[i]);
			if (rc < 0) {
				mt->cap_err[i] = rc;
				break;
			}
		}
	}
	rc = 0;
	/* N1 and N2 stay as filled: the swap moves one interrupt on the side */
	if (mt->cap_n[0] && mt->cap_err[1]) {
		msikit_msi_free(dom[0], mt->cap_n[0] - 1);
		if (msikit_msi_alloc(dom[1], mt->cap_n[1]) >= 0)
			mt->cap_swap = msikit_msi_alloc(dom[1], mt->cap_n[1] + 1) < 0;
	}
out:
	/* destroy frees what is allocated: nothing here has a handler */
	for (i = 0; i < 2; i++)
		msikit_msi_domain_destroy(dom[i]);
	return rc;
}

static ssize_t capprobe_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	int rc;

	mutex_lock(&mt->lock);
	rc = mt->nirqs ? -EBUSY : mt_capprobe(mt);
	mutex_unlock(&mt->lock);
	return rc ?: len;
}

static ssize_t capprobe_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d %d %d %d %d %d\n", mt->cap_n[0], mt->cap_err[0],
			  mt->cap_n[1], mt->cap_err[1], mt->cap_swap, mt->cap_own);
}
static DEVICE_ATTR_RW(capprobe);

/*
 * Move and free at once, the way a consumer that places an interrupt and
 * then fails its setup does. A move made from a CPU other than the old one
 * leaves that CPU to retire the old target later; the free must not leave
 * it anything dangling. The loop runs on CPU 0, which also holds a few
 * interrupts of ballast: new interrupts then land on another CPU (the one
 * with more room), and the move to CPU 0 gets another local number there,
 * which is what made 7.x's IMSIC look the interrupt up when it retired the
 * old target.
 */
#define MT_BALLAST	4

struct mt_movefree {
	struct mt_dev *mt;
	unsigned int n, cross;
};

static long mt_movefree_on(void *arg)
{
	struct mt_movefree *mf = arg;
	struct mt_dev *mt = mf->mt;
	struct mt_irq tmp = { .mt = mt };
	int ballast[MT_BALLAST], idx, virq, nb, rc = 0;
	unsigned int i, cpu = smp_processor_id(), cur, target;

	for (nb = 0; nb < MT_BALLAST && !rc; nb++) {
		ballast[nb] = msikit_msi_alloc(mt->dom, MSIKIT_MSI_ANY);
		if (ballast[nb] < 0)
			break;
		rc = irq_set_affinity(msikit_msi_virq(mt->dom, ballast[nb]), cpumask_of(cpu));
	}
	for (i = 0; i < mf->n && !rc; i++) {
		idx = msikit_msi_alloc(mt->dom, MSIKIT_MSI_ANY);
		if (idx < 0) {
			rc = idx;
			break;
		}
		virq = msikit_msi_virq(mt->dom, idx);
		cur = cpumask_first(irq_data_get_effective_affinity_mask(irq_get_irq_data(virq)));
		target = cur != cpu ? cpu : cpumask_any_but(cpu_online_mask, cur);
		rc = irq_set_affinity(virq, cpumask_of(target));
		if (!rc && cur != cpu)
			mf->cross++;
		if (!rc)
			rc = request_irq(virq, mt_handler, 0, "msikit-movefree", &tmp);
		if (!rc)
			free_irq(virq, &tmp);
		msikit_msi_free(mt->dom, idx);
	}
	while (nb-- > 0)
		if (ballast[nb] >= 0)
			msikit_msi_free(mt->dom, ballast[nb]);
	return rc;
}

static int mt_movefree(struct mt_dev *mt, unsigned int n, unsigned int *cross)
{
	struct mt_movefree mf = { .mt = mt, .n = n };
	long rc;

	if (num_online_cpus() < 2 || !cpu_online(0))
		return -EOPNOTSUPP;
	rc = work_on_cpu(0, mt_movefree_on, &mf);
	*cross = mf.cross;
	return rc;
}

static ssize_t movefree_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	unsigned int n;
	int rc;

	if (kstrtouint(buf, 0, &n) || !n || n > 100000)
		return -EINVAL;
	mutex_lock(&mt->lock);
	rc = mt_movefree(mt, n, &mt->movefree_cross);
	mt->movefree_n = rc ? 0 : n;
	mutex_unlock(&mt->lock);
	return rc ?: len;
}

static ssize_t movefree_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u %u\n", mt->movefree_n, mt->movefree_cross);
}
static DEVICE_ATTR_RW(movefree);

static ssize_t bench_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	unsigned int n, nalloc;
	int rc;

	if (sscanf(buf, "%u %u", &n, &nalloc) != 2 || !n || n > 10000000 || !nalloc ||
	    nalloc > 1000000)
		return -EINVAL;
	mutex_lock(&mt->lock);
	rc = mt_bench(mt, n, nalloc);
	mutex_unlock(&mt->lock);
	return rc ?: len;
}

static ssize_t bench_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%llu %llu %llu %llu %llu %llu %u\n", mt->bench_msikit,
			  mt->bench_plain, mt->bench_alloc, mt->bench_ratio,
			  mt->bench_ratio_min, mt->bench_ratio_max, MT_ROUNDS);
}
static DEVICE_ATTR_RW(bench);

/* "N ADDRESS DATA COUNTER" (hex but N): mt_bench_ext(); bench reads the figures */
static ssize_t bench_ext_store(struct device *dev, struct device_attribute *attr,
			       const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	struct msi_msg msg = { };
	u64 addr, counter;
	unsigned int n;
	u32 data;
	int rc;

	if (sscanf(buf, "%u %llx %x %llx", &n, &addr, &data, &counter) != 4 || !n ||
	    n > 10000000 || !addr || !counter || data > U16_MAX)
		return -EINVAL;
	msg.address_lo = lower_32_bits(addr);
	msg.address_hi = upper_32_bits(addr);
	msg.data = data;
	mutex_lock(&mt->lock);
	rc = mt_bench_ext(mt, n, &msg, counter);
	mutex_unlock(&mt->lock);
	return rc ?: len;
}
static DEVICE_ATTR_WO(bench_ext);

static ssize_t alloc_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	unsigned int n;
	int rc;

	rc = kstrtouint(buf, 0, &n);
	if (rc || !n || n > MT_SIZE)
		return -EINVAL;
	mutex_lock(&mt->lock);
	rc = mt_alloc(mt, n, -1);
	mutex_unlock(&mt->lock);
	return rc ?: len;
}
static DEVICE_ATTR_WO(alloc);

static ssize_t free_all_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);

	mutex_lock(&mt->lock);
	mt_free_all(mt);
	mutex_unlock(&mt->lock);
	return len;
}
static DEVICE_ATTR_WO(free_all);

static ssize_t mt_fire_store(struct device *dev, const char *buf, size_t len, bool dma)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	unsigned int index, n;
	int rc;

	if (sscanf(buf, "%u %u", &index, &n) != 2 || n > 1000000)
		return -EINVAL;
	if (dma && !mt->dma_buf)
		return -EOPNOTSUPP;
	mutex_lock(&mt->lock);
	rc = mt_fire(mt, index, n, dma);
	mutex_unlock(&mt->lock);
	return rc ?: len;
}

static ssize_t fire_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t len)
{
	return mt_fire_store(dev, buf, len, false);
}
static DEVICE_ATTR_WO(fire);

static ssize_t dma_fire_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	return mt_fire_store(dev, buf, len, true);
}
static DEVICE_ATTR_WO(dma_fire);

/*
 * A write that is not one of ours: "ADDRESS DATA" goes out once as edu's
 * MSI, with edu's requester ID, whatever it targets (an endpoint
 * function's doorbell, say). Nothing here waits for it: the receiver
 * counts.
 */
static ssize_t mt_send_store(struct device *dev, const char *buf, size_t len, bool dma)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	struct msi_msg msg = { };
	u64 addr;
	u32 data;
	int rc = 0;

	if (sscanf(buf, "%llx %x", &addr, &data) != 2 || !addr)
		return -EINVAL;
	if (dma && !mt->dma_buf)
		return -EOPNOTSUPP;
	msg.address_lo = lower_32_bits(addr);
	msg.address_hi = upper_32_bits(addr);
	msg.data = data;
	mutex_lock(&mt->lock);
	if (dma)
		rc = mt_edu_dma_send(mt, &msg);
	else
		mt_edu_send(mt, &msg);
	mutex_unlock(&mt->lock);
	return rc ?: len;
}

/*
 * "SRC DST" (hex bus addresses): edu's DMA engine copies one 32-bit word
 * from SRC to DST, both read and written as edu's bus-master accesses (a
 * host's write that an endpoint controller forwards, with its data from
 * memory the controller's stream may read). Waited for.
 */
static ssize_t dma_copy_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	u64 src, dst;
	int rc;

	if (sscanf(buf, "%llx %llx", &src, &dst) != 2 || !dst ||
	    upper_32_bits(src) || upper_32_bits(dst))
		return -EINVAL;
	mutex_lock(&mt->lock);
	rc = mt_edu_dma_copy(mt, src, dst);
	mutex_unlock(&mt->lock);
	return rc ?: len;
}
static DEVICE_ATTR_WO(dma_copy);

static ssize_t send_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t len)
{
	return mt_send_store(dev, buf, len, false);
}
static DEVICE_ATTR_WO(send);

static ssize_t dma_send_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	return mt_send_store(dev, buf, len, true);
}
static DEVICE_ATTR_WO(dma_send);

static ssize_t counts_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	unsigned int i;
	int len = 0;

	mutex_lock(&mt->lock);
	for (i = 0; i < mt->nirqs && len < PAGE_SIZE - 32; i++)
		len += sysfs_emit_at(buf, len, "%u %d\n", i, atomic_read(&mt->irqs[i].count));
	mutex_unlock(&mt->lock);
	return len;
}
static DEVICE_ATTR_RO(counts);

static ssize_t msgs_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	struct msi_msg msg;
	unsigned int i;
	int len = 0;

	mutex_lock(&mt->lock);
	for (i = 0; i < mt->nirqs && len < PAGE_SIZE - 48; i++) {
		if (msikit_msi_get_msg(mt->dom, i, &msg))
			continue;
		len += sysfs_emit_at(buf, len, "%u %#010x%08x %#x\n", i, msg.address_hi,
				     msg.address_lo, msg.data);
	}
	mutex_unlock(&mt->lock);
	return len;
}
static DEVICE_ATTR_RO(msgs);

/*
 * "BASE SIZE phys", or "BASE SIZE iova PHYS" where the device's IOMMU
 * domain maps the range: msikit_msi_msg_window() and what it stands for.
 */
static ssize_t window_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	struct iommu_domain *iommu = iommu_get_domain_for_dev(dev);
	u64 base, size;
	int rc;

	mutex_lock(&mt->lock);
	rc = msikit_msi_msg_window(mt->dom, &base, &size);
	mutex_unlock(&mt->lock);
	if (rc)
		return rc;
	if (!iommu || !iommu_is_dma_domain(iommu))
		return sysfs_emit(buf, "%#llx %#llx phys\n", base, size);
	return sysfs_emit(buf, "%#llx %#llx iova %#llx\n", base, size,
			  (u64)iommu_iova_to_phys(iommu, base));
}
static DEVICE_ATTR_RO(window);

static ssize_t parent_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s %s%s\n", msikit_msi_parent_name(mt->dom),
			  msikit_msi_immutable(mt->dom) ? "immutable" : "mutable",
			  msikit_msi_pinned(mt->dom) ? " pinned" : "");
}
static DEVICE_ATTR_RO(parent);

#define MT_CHECK(cond, what) \
	(len += sysfs_emit_at(buf, len, "%s - %s\n", (cond) ? "ok" : "not ok", what))

/* A pinned domain: the CPU is chosen before request_irq(), then fixed. */
static int mt_selftest_pinned(struct mt_dev *mt, struct msikit_msi_domain *d,
			      char *buf, int len)
{
	struct mt_irq tmp = { .mt = mt };
	const struct cpumask *eff;
	int idx, virq;

	idx = msikit_msi_alloc(d, MSIKIT_MSI_ANY);
	MT_CHECK(idx >= 0, "pinned: alloc");
	if (idx < 0)
		return len;
	virq = msikit_msi_virq(d, idx);
	MT_CHECK(!irq_set_affinity(virq, cpumask_of(1)), "pinned: CPU 1 before request_irq -> 0");
	if (!request_irq(virq, mt_handler, 0, "msikit-selftest", &tmp)) {
		eff = irq_data_get_effective_affinity_mask(irq_get_irq_data(virq));
		MT_CHECK(cpumask_test_cpu(1, eff), "pinned: requested on CPU 1");
		MT_CHECK(irq_set_affinity(virq, cpumask_of(0)) == -EPERM,
			 "pinned: move after request_irq -> EPERM");
		MT_CHECK(cpumask_test_cpu(1, eff), "pinned: still on CPU 1");
		free_irq(virq, &tmp);
	}
	msikit_msi_free(d, idx);
	return len;
}

/* A device with no MSI parent: refused with one log line, never a WARN. */
static int mt_selftest_no_parent(struct mt_dev *mt, char *buf, int len)
{
	struct platform_device *pd;

	pd = platform_device_register_simple("msikit-selftest", PLATFORM_DEVID_AUTO, NULL, 0);
	MT_CHECK(!IS_ERR(pd), "platform device without an MSI parent");
	if (IS_ERR(pd))
		return len;
	MT_CHECK(PTR_ERR(msikit_msi_domain_create(&pd->dev, 4, &mt_ops, mt)) == -EOPNOTSUPP,
		 "device without an MSI parent -> EOPNOTSUPP");
	platform_device_unregister(pd);
	return len;
}

/*
 * A consumer that forgets free_irq(): msikit_msi_free() refuses, and
 * msikit_msi_domain_destroy() keeps the domain (one WARN) so the late
 * free_irq() is safe; a second destroy then completes.
 */
static int mt_selftest_handlers(struct mt_dev *mt, struct device *dev, char *buf, int len)
{
	struct mt_irq tmp = { .mt = mt };
	struct msikit_msi_domain *d;
	int idx, virq;

	d = msikit_msi_domain_create(dev, 4, &mt_ops, mt);
	MT_CHECK(!IS_ERR(d), "handlers: domain");
	if (IS_ERR(d))
		return len;
	idx = msikit_msi_alloc(d, MSIKIT_MSI_ANY);
	virq = msikit_msi_virq(d, idx);
	if (idx < 0 || request_irq(virq, mt_handler, 0, "msikit-selftest", &tmp)) {
		MT_CHECK(0, "handlers: alloc and request");
		msikit_msi_domain_destroy(d);
		return len;
	}
	MT_CHECK(msikit_msi_free(d, idx) == -EBUSY, "free with a handler -> EBUSY");
	MT_CHECK(msikit_msi_virq(d, idx) == virq, "handlers: still allocated after the refusal");
	msikit_msi_domain_destroy(d);
	MT_CHECK(irq_get_irq_data(virq) && irq_has_action(virq),
		 "destroy with a handler keeps the interrupt");
	free_irq(virq, &tmp);
	MT_CHECK(1, "late free_irq after destroy is safe");
	msikit_msi_domain_destroy(d);
	MT_CHECK(!irq_get_irq_data(virq), "second destroy frees it");
	return len;
}

/* API misuse must give a clean errno and change nothing. */
static ssize_t selftest_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	struct msikit_msi_domain *d;
	struct msi_msg msg;
	int len = 0, idx;

	mutex_lock(&mt->lock);
	MT_CHECK(PTR_ERR(msikit_msi_domain_create(NULL, 4, &mt_ops, mt)) == -EINVAL,
		 "NULL device -> EINVAL");
	MT_CHECK(PTR_ERR(msikit_msi_domain_create(dev, 0, &mt_ops, mt)) == -EINVAL,
		 "size 0 -> EINVAL");
	MT_CHECK(PTR_ERR(msikit_msi_domain_create(dev, 1 << 20, &mt_ops, mt)) == -EINVAL,
		 "size 2^20 -> EINVAL");
	MT_CHECK(PTR_ERR(msikit_msi_domain_create(dev, 4, NULL, mt)) == -EINVAL,
		 "no ops -> EINVAL");
	len = mt_selftest_no_parent(mt, buf, len);
	d = msikit_msi_domain_create(dev, 4, &mt_ops, mt);
	MT_CHECK(!IS_ERR(d), "second domain on the same device");
	if (!IS_ERR(d)) {
		MT_CHECK(msikit_msi_alloc(d, 4) == -EINVAL, "index out of range -> EINVAL");
		MT_CHECK(msikit_msi_alloc_range(d, 0) == -EINVAL, "nvec 0 -> EINVAL");
		MT_CHECK(msikit_msi_alloc_range(d, 5) == -EINVAL, "nvec > size -> EINVAL");
		idx = msikit_msi_alloc(d, 2);
		MT_CHECK(idx == 2, "alloc at index 2");
		MT_CHECK(msikit_msi_alloc(d, 2) == -EBUSY, "alloc taken index -> EBUSY");
		MT_CHECK(msikit_msi_get_msg(d, 2, &msg) == -EAGAIN,
			 "message before request_irq -> EAGAIN");
		MT_CHECK(msikit_msi_get_msg(d, 1, &msg) == -ENOENT,
			 "message of a free index -> ENOENT");
		MT_CHECK(msikit_msi_alloc(d, MSIKIT_MSI_ANY) == 0, "alloc any -> 0");
		MT_CHECK(msikit_msi_alloc_range(d, 2) == -ENOSPC, "no 2 consecutive -> ENOSPC");
		MT_CHECK(msikit_msi_free(d, 2) == 0, "free");
		MT_CHECK(msikit_msi_free(d, 2) == -EINVAL, "double free -> EINVAL");
		MT_CHECK(msikit_msi_virq(d, 2) == -ENOENT, "virq of a freed index -> ENOENT");
		MT_CHECK(msikit_msi_free(d, 9) == -EINVAL, "free out of range -> EINVAL");
		if (msikit_msi_pinned(d) && num_online_cpus() > 1)
			len = mt_selftest_pinned(mt, d, buf, len);
		msikit_msi_domain_destroy(d);
	}

	MT_CHECK(msikit_msi_alloc(ERR_PTR(-ENODEV), 0) == -EINVAL, "ERR_PTR domain -> EINVAL");
	mutex_unlock(&mt->lock);
	return len;
}
static DEVICE_ATTR_RO(selftest);

/* Apart from selftest: it makes msikit WARN, which the test must expect. */
static ssize_t selftest_handlers_show(struct device *dev, struct device_attribute *attr,
				      char *buf)
{
	struct mt_dev *mt = dev_get_drvdata(dev);
	int len;

	mutex_lock(&mt->lock);
	len = mt_selftest_handlers(mt, dev, buf, 0);
	mutex_unlock(&mt->lock);
	return len;
}
static DEVICE_ATTR_RO(selftest_handlers);

static struct attribute *mt_attrs[] = {
	&dev_attr_send.attr,
	&dev_attr_dma_send.attr,
	&dev_attr_dma_copy.attr,
	&dev_attr_bench_ext.attr,
	&dev_attr_window.attr,
	&dev_attr_alloc.attr,
	&dev_attr_free_all.attr,
	&dev_attr_fire.attr,
	&dev_attr_dma_fire.attr,
	&dev_attr_dma_dev0.attr,
	&dev_attr_counts.attr,
	&dev_attr_msgs.attr,
	&dev_attr_parent.attr,
	&dev_attr_selftest.attr,
	&dev_attr_selftest_handlers.attr,
	&dev_attr_stress.attr,
	&dev_attr_stress_result.attr,
	&dev_attr_restore.attr,
	&dev_attr_bench.attr,
	&dev_attr_maxprobe.attr,
	&dev_attr_range_all.attr,
	&dev_attr_capprobe.attr,
	&dev_attr_movefree.attr,
	&dev_attr_restore_race.attr,
	NULL
};

/* e1000e: the reference for dynamic MSI-X allocation cost */
struct mt_msix {
	u64 ns;
};

static ssize_t msix_bench_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t len)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct mt_msix *mx = dev_get_drvdata(dev);
	struct msi_map map;
	unsigned int n, i;
	u64 t0;

	if (kstrtouint(buf, 0, &n) || !n || n > 1000000)
		return -EINVAL;
	if (!pci_msix_can_alloc_dyn(pdev))
		return -EOPNOTSUPP;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		map = pci_msix_alloc_irq_at(pdev, 1, NULL);
		if (map.index < 0)
			return map.index;
		pci_msix_free_irq(pdev, map);
	}
	mx->ns = div_u64(ktime_get_ns() - t0, n);
	return len;
}

static ssize_t msix_bench_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", ((struct mt_msix *)dev_get_drvdata(dev))->ns);
}
static DEVICE_ATTR_RW(msix_bench);

static struct attribute *mt_msix_attrs[] = {
	&dev_attr_msix_bench.attr,
	NULL
};

static bool mt_is_edu(struct kobject *kobj)
{
	return to_pci_dev(kobj_to_dev(kobj))->vendor == 0x1234;
}

static umode_t mt_edu_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	if (!mt_is_edu(kobj))
		return 0;
	/* bare: edu only writes for others, and has no domain to name */
	if (bare && attr != &dev_attr_send.attr && attr != &dev_attr_dma_send.attr &&
	    attr != &dev_attr_dma_copy.attr && attr != &dev_attr_bench_ext.attr &&
	    attr != &dev_attr_bench.attr)
		return 0;
	return attr->mode;
}

static umode_t mt_msix_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	return mt_is_edu(kobj) ? 0 : attr->mode;
}

static const struct attribute_group mt_group = {
	.attrs = mt_attrs,
	.is_visible = mt_edu_visible,
};

static const struct attribute_group mt_msix_group = {
	.attrs = mt_msix_attrs,
	.is_visible = mt_msix_visible,
};

static const struct attribute_group *mt_groups[] = {
	&mt_group,
	&mt_msix_group,
	NULL
};

/*
 * Dynamic MSI-X allocation needs MSI-X enabled with at least one vector;
 * index 0 stays allocated, the benchmark allocates and frees index 1.
 */
static int mt_msix_probe(struct pci_dev *pdev)
{
	struct mt_msix *mx;
	int rc;

	mx = devm_kzalloc(&pdev->dev, sizeof(*mx), GFP_KERNEL);
	if (!mx)
		return -ENOMEM;
	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	rc = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (rc < 0)
		return rc;
	pci_set_drvdata(pdev, mx);
	return 0;
}

static int mt_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mt_dev *mt;
	int rc;

	if (id->driver_data)
		return mt_msix_probe(pdev);

	mt = devm_kzalloc(&pdev->dev, sizeof(*mt), GFP_KERNEL);
	if (!mt)
		return -ENOMEM;
	mt->pdev = pdev;
	mutex_init(&mt->lock);
	init_waitqueue_head(&mt->wq);
	raw_spin_lock_init(&mt->pub_lock);
	INIT_WORK(&mt->pub_work, mt_publish);
	mt->msi_cap = pci_find_capability(pdev, PCI_CAP_ID_MSI);
	if (!mt->msi_cap)
		return -ENODEV;
	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	mt->bar = pcim_iomap(pdev, 0, 0);
	if (!mt->bar)
		return -ENOMEM;
	/* an MSI is a memory write: no bus mastering, no interrupt */
	pci_set_master(pdev);
	/*
	 * QEMU is started with edu's dma_mask=0xffffffff. Without a buffer
	 * only the DMA writer is missing.
	 */
	if (!dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32)))
		mt->dma_buf = dmam_alloc_coherent(&pdev->dev, sizeof(*mt->dma_buf),
						  &mt->dma_addr, GFP_KERNEL);
	if (bare) {
		pci_set_drvdata(pdev, mt);
		return 0;
	}
	mt->dom = msikit_msi_domain_create(&pdev->dev, MT_SIZE, &mt_ops, mt);
	if (IS_ERR(mt->dom))
		return PTR_ERR(mt->dom);
	pci_set_drvdata(pdev, mt);
	return 0;
}

static void mt_remove(struct pci_dev *pdev)
{
	struct mt_dev *mt = pci_get_drvdata(pdev);
	u16 flags;

	if (pdev->vendor != 0x1234) {
		pci_free_irq_vectors(pdev);
		return;
	}

	mutex_lock(&mt->lock);
	mt_free_all(mt);
	mutex_unlock(&mt->lock);
	pci_read_config_word(pdev, mt->msi_cap + PCI_MSI_FLAGS, &flags);
	pci_write_config_word(pdev, mt->msi_cap + PCI_MSI_FLAGS, flags & ~PCI_MSI_FLAGS_ENABLE);
	msikit_msi_domain_destroy(mt->dom);
	cancel_work_sync(&mt->pub_work);
}

static const struct pci_device_id mt_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ PCI_DEVICE(0x8086, 0x10d3), .driver_data = 1 },	/* e1000e */
	{ }
};
MODULE_DEVICE_TABLE(pci, mt_ids);

static struct pci_driver mt_driver = {
	.name = "msikit_msi_test",
	.id_table = mt_ids,
	.probe = mt_probe,
	.remove = mt_remove,
	.dev_groups = mt_groups,
};
module_pci_driver(mt_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msikit: msikit_msi test driver for QEMU's edu device");
