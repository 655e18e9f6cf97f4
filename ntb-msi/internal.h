/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit_ntb_msi internals. ntb_msi.c owns the context and the interrupts;
 * window.c plans and sets the inbound windows, peer.c is the peer's side
 * (outbound windows, triggers). Each keeps its own fields of the context
 * (window.c the translations set, peer.c the outbound mappings); calls
 * run from ntb_msi.c to them, never back.
 */
#ifndef _MSIKIT_NTB_MSI_INTERNAL_H
#define _MSIKIT_NTB_MSI_INTERNAL_H

#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>
#include <msikit/msi.h>
#include <msikit/ntb_msi.h>

#define NM_MAX_IRQS	2048

/* descriptor formats, bits 1..0 of addr_offset (include/msikit/ntb_msi.h) */
#define NM_DESC_FMT	GENMASK(1, 0)
#define NM_DESC_NONE	0
#define NM_DESC_SEALED	1
#define NM_DESC_PLAIN	2
#define NM_SEAL		GENMASK(31, 24)
#define NM_SEAL_SPAN	SZ_16M		/* a sealed offset has 24 bits */

/* the xor of a descriptor's seven bytes besides the seal */
static inline u32 nm_seal(u32 word, u32 data)
{
	u32 x = (word & ~NM_SEAL) ^ data;

	x ^= x >> 16;
	x ^= x >> 8;
	return x & 0xff;
}

struct nm_irq {
	int virq;				/* 0: not requested */
	void *dev_id;
	struct msikit_ntb_msi_desc *desc;	/* the client's copy, under lock */
};

struct msikit_ntb_msi {
	struct msikit_ntb_port *port;
	struct msikit_msi_domain *dom;
	void (*desc_changed)(void *ctx);
	void *ctx;
	struct mutex lock;		/* interrupts, descriptors, windows */
	/* interrupts msikit_msi reported a message for since the work ran */
	DECLARE_BITMAP(dirty, NM_MAX_IRQS);
	struct work_struct work;
	/* every message address lies in [msg_base, msg_base + msg_size) */
	u64 msg_base, msg_size;
	/* the inbound window: offset 0 of every descriptor */
	u64 win_base, win_size;
	bool planned;			/* win_base is set */
	bool sealed;			/* descriptors are sealed (can change) */
	bool upstream;			/* upstream_peer when the context was made */
	bool nobalance;			/* upstream, and messages can change: pinned */
	unsigned long mws_set;		/* peers whose translation is set */
	void __iomem *peer_mw[MSIKIT_NTB_MAX_PEERS];
	resource_size_t peer_mw_size[MSIKIT_NTB_MAX_PEERS];
	phys_addr_t peer_mw_phys[MSIKIT_NTB_MAX_PEERS];
	unsigned int nr_irqs;
	bool closing;			/* in exit: nothing new is set up */
	unsigned int releasing;		/* nm_release()s in free_irq() */
	unsigned int max_irqs;
	struct nm_irq irqs[] __counted_by(max_irqs);
};

/* window.c */
int nm_plan_mws(struct msikit_ntb_msi *nm, u64 *base, u64 *size,
		resource_size_t *sizes);
int nm_set_mws(struct msikit_ntb_msi *nm, u64 base, const resource_size_t *sizes);
void nm_clear_mws(struct msikit_ntb_msi *nm);
int nm_make_desc(struct msikit_ntb_msi *nm, const struct msi_msg *msg,
		 struct msikit_ntb_msi_desc *desc);

/* adapter.c, where the NTB core is */
struct ntb_dev;
msikit_ntb_mw_write_t msikit_ntb_mw_writer(struct ntb_dev *ntb);

/* peer.c */
struct seq_file;
int nm_map_peers(struct msikit_ntb_msi *nm);
void nm_unmap_peers(struct msikit_ntb_msi *nm);
int nm_refused_show(struct seq_file *m, void *v);

#endif /* _MSIKIT_NTB_MSI_INTERNAL_H */
