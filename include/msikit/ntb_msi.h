/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit NTB MSI: interrupts a peer behind a non-transparent bridge raises
 * by writing through a memory window.
 *
 * A peer's write that the bridge forwards through an inbound window
 * arrives tagged with the NTB function's requester ID. Pointed at the MSI
 * controller, the window turns such a write into an interrupt. Those
 * interrupts are not the function's PCI MSI or MSI-X vectors: they live in
 * a per-device domain of their own, stacked on the function's MSI parent
 * (msikit_msi), so the function's vectors are never touched and the number
 * of peer interrupts is bounded by the parent alone.
 *
 * The client side mirrors drivers/ntb/msi.c: init, set up the windows,
 * request a threaded interrupt and get its descriptor, send the descriptor
 * to the peer over any channel, and let the peer trigger it. Unlike
 * ntb_msi, there is no struct ntb_dev: a port is the small abstraction
 * below, which a hardware driver, the ntb.ko adapter or a test double
 * fills in.
 *
 * Descriptors stay valid until the interrupt is freed, except on a parent
 * whose messages are mutable (x86 vector without remapping): there an
 * affinity change produces a new descriptor, written into the client's
 * copy (one 64-bit store) in process context before @desc_changed is
 * called. The old one keeps working until the first interrupt arrives
 * with the new one, so nothing is lost when each interrupt has one writer
 * whose writes are ordered and who switches with one 64-bit store; such
 * descriptors are sealed, so a peer holding halves of two of them is
 * refused rather than misrouted (struct msikit_ntb_msi_desc). Not
 * covered: several writers of one interrupt (the first to switch retires
 * the old message under the others), a resend of a pending interrupt
 * (enable_irq() after disable_irq()), and taking the old CPU offline: pin
 * the affinity of such interrupts (IRQF_NOBALANCING, no irq_set_affinity).
 */
#ifndef _MSIKIT_NTB_MSI_H
#define _MSIKIT_NTB_MSI_H

#include <linux/interrupt.h>
#include <linux/types.h>

struct device;
struct msikit_ntb_port;
struct msikit_ntb_msi;

/**
 * struct msikit_ntb_msi_desc - what a peer needs to raise one interrupt
 * @addr_offset: where in the peer's outbound window to write, and how to
 *	check the descriptor (below)
 * @data: the 32-bit value to write there, the message's data as it is
 *
 * Both little-endian, eight bytes, no padding: send it to the peer as it
 * is (two scratchpads, a message register, shared memory). Offsets are
 * multiples of four, so bits 1..0 of @addr_offset name the format:
 *
 *   00  none: never published, or zeroed while being rewritten
 *   01  sealed: offset in bits 23..2, and bits 31..24 hold the xor of
 *       the other seven bytes of the descriptor
 *   10  plain: offset in bits 31..2
 *   11  reserved
 *
 * Descriptors that can change while the interrupt is requested (x86
 * vector, and the IMSIC when a CPU goes offline) are sealed, so that a peer
 * reading the two halves at different times cannot act on the offset of
 * one descriptor and the data of another: on the x86 vector two messages
 * differ in one data byte (the vector), and every such mix fails the
 * check. Descriptors of immutable parents are plain, and so are those of
 * a window wider than 16 MiB (a sealed offset has 24 bits; one log line
 * says so where they can change). msikit_ntb_msi_peer_trigger() refuses
 * format 00 (-ENODATA), a broken seal (-EBADMSG) and format 11 (-EINVAL):
 * on the first two, read the descriptor again and retry.
 *
 * A peer running upstream's drivers/ntb/msi.c takes the offset word whole,
 * unbounded, so a sealed descriptor would send its store far outside its
 * window, and publishes bare offsets (format 00). With msikit_ntb_msi's
 * upstream_peer parameter set when the context is made, descriptors are
 * plain (a plain word's format bits fall below upstream's word index),
 * interrupts whose descriptors could change are pinned instead
 * (IRQF_NOBALANCING), and a format-00 word is taken as such a peer's bare
 * offset unless word and data are both 0, as a zeroed channel reads
 * (ntb-msi/README).
 */
struct msikit_ntb_msi_desc {
	__le32 addr_offset;
	__le32 data;
} __aligned(8);

/**
 * struct msikit_ntb_port_ops - what msikit needs of an NTB port
 * @mw_get_align: the alignment of the inbound window's address and size,
 *	and its largest size, for the window of @peer's writes
 * @mw_set_trans: point that inbound window at @addr for @size bytes
 * @mw_clear_trans: undo @mw_set_trans: the peer's writes reach nothing;
 *	when it returns, no write through the window is still in flight
 * @peer_mw_get_addr: the local physical range of the outbound window onto
 *	@peer's inbound window (for peer_trigger and peer_addr); a port with
 *	no memory-mapped window returns -EOPNOTSUPP and supplies
 *	@peer_mw_write
 * @peer_mw_write: optional: write @data at @offset of the outbound window
 *	onto @peer, for ports whose window is not memory-mapped
 *
 * Every callback but @peer_mw_write is required. They are called in
 * process context, except @peer_mw_write, which runs wherever
 * msikit_ntb_msi_peer_trigger() is called.
 */
struct msikit_ntb_port_ops {
	int (*mw_get_align)(struct msikit_ntb_port *port, int peer,
			    resource_size_t *addr_align, resource_size_t *size_align,
			    resource_size_t *size_max);
	int (*mw_set_trans)(struct msikit_ntb_port *port, int peer,
			    dma_addr_t addr, resource_size_t size);
	void (*mw_clear_trans)(struct msikit_ntb_port *port, int peer);
	int (*peer_mw_get_addr)(struct msikit_ntb_port *port, int peer,
				phys_addr_t *base, resource_size_t *size);
	int (*peer_mw_write)(struct msikit_ntb_port *port, int peer,
			     u32 offset, u32 data);
};

/**
 * struct msikit_ntb_port - one side of a non-transparent bridge
 * @dev: the NTB PCI function: forwarded writes carry its requester ID,
 *	and the peer-interrupt domain stacks on its MSI parent
 * @ops: the port's callbacks
 * @peers: number of peers, 1..MSIKIT_NTB_MAX_PEERS
 */
struct msikit_ntb_port {
	struct device *dev;
	const struct msikit_ntb_port_ops *ops;
	int peers;
};

#define MSIKIT_NTB_MAX_PEERS	32

/**
 * struct msikit_ntb_msi_info - what msikit_ntb_msi_info() reports
 * @parent: the MSI parent's name ("x86-vector", "intel-ir", ...)
 * @immutable: descriptors never change while the interrupt is requested
 * @pinned: affinity is fixed once an interrupt is requested (IMSIC)
 * @upstream_peer: the context was made for peers running upstream's
 *	drivers/ntb/msi.c (module parameter upstream_peer)
 * @win_base: the inbound windows' target (bus address of offset 0)
 * @win_size: their size
 * @max_irqs: the domain's size
 * @nr_irqs: interrupts requested now
 */
struct msikit_ntb_msi_info {
	const char *parent;
	bool immutable;
	bool pinned;
	bool upstream_peer;
	u64 win_base;
	u64 win_size;
	unsigned int max_irqs;
	unsigned int nr_irqs;
};

struct msikit_ntb_msi *msikit_ntb_msi_init(struct msikit_ntb_port *port,
					   unsigned int max_irqs,
					   void (*desc_changed)(void *ctx), void *ctx);
void msikit_ntb_msi_exit(struct msikit_ntb_msi *nm);
int msikit_ntb_msi_setup_mws(struct msikit_ntb_msi *nm);
void msikit_ntb_msi_clear_mws(struct msikit_ntb_msi *nm);
int msikit_ntb_msi_request_threaded_irq(struct msikit_ntb_msi *nm, irq_handler_t handler,
					irq_handler_t thread_fn, const char *name,
					void *dev_id, struct msikit_ntb_msi_desc *desc);
int msikit_ntb_msi_request_irq_flags(struct msikit_ntb_msi *nm, irq_handler_t handler,
				     irq_handler_t thread_fn, unsigned long flags,
				     const char *name, void *dev_id,
				     struct msikit_ntb_msi_desc *desc);
int msikit_ntb_msi_free_irq(struct msikit_ntb_msi *nm, unsigned int irq, void *dev_id);
int msikit_ntb_msi_restore(struct msikit_ntb_msi *nm);
int msikit_ntb_msi_info(struct msikit_ntb_msi *nm, struct msikit_ntb_msi_info *info);
int msikit_ntb_msi_peer_trigger(struct msikit_ntb_msi *nm, int peer,
				const struct msikit_ntb_msi_desc *desc);
int msikit_ntb_msi_peer_addr(struct msikit_ntb_msi *nm, int peer,
			     const struct msikit_ntb_msi_desc *desc, phys_addr_t *addr);
int msikit_ntb_msi_desc_decode(const struct msikit_ntb_msi_desc *desc, u32 *offset, u32 *data);

/*
 * Kernels with an NTB core (ntb.ko): the adapter, built where the target
 * has one (modinfo msikit_ntb_msi: ntb_core).
 */
struct ntb_dev;
typedef int (*msikit_ntb_mw_write_t)(struct ntb_dev *ntb, int peer, u32 offset, u32 data);
struct msikit_ntb_port *msikit_ntb_port_from_ntb(struct ntb_dev *ntb,
						 msikit_ntb_mw_write_t peer_mw_write);
void msikit_ntb_port_free(struct msikit_ntb_port *port);
int msikit_ntb_set_mw_writer(struct ntb_dev *ntb, msikit_ntb_mw_write_t write);

#endif /* _MSIKIT_NTB_MSI_H */
