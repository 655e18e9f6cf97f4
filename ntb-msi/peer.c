// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_ntb_msi, the peer's side: the outbound windows through which this
 * port raises its peers' interrupts, and the trigger itself. A descriptor
 * comes from the peer, so it is checked like any input from outside.
 */
#include <linux/bitfield.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/seq_file.h>
#include "internal.h"

/**
 * nm_map_peers() - map each peer's outbound window
 * @nm: context
 *
 * A trigger may run in interrupt context, where nothing can be mapped: map
 * up front. A port without memory-mapped windows writes for us instead.
 */
int nm_map_peers(struct msikit_ntb_msi *nm)
{
	struct msikit_ntb_port *port = nm->port;
	resource_size_t size;
	phys_addr_t base;
	int peer, rc;

	for (peer = 0; peer < port->peers; peer++) {
		rc = port->ops->peer_mw_get_addr(port, peer, &base, &size);
		if (rc == -EOPNOTSUPP && port->ops->peer_mw_write)
			continue;
		if (!rc && size < sizeof(u32))
			rc = -EINVAL;
		if (rc) {
			dev_warn(port->dev, "msikit: peer %d: no outbound window (%d)\n", peer, rc);
			goto unmap;
		}
		nm->peer_mw[peer] = ioremap(base, size);
		if (!nm->peer_mw[peer]) {
			rc = -ENOMEM;
			goto unmap;
		}
		nm->peer_mw_size[peer] = size;
		nm->peer_mw_phys[peer] = base;
	}
	return 0;
unmap:
	nm_unmap_peers(nm);
	return rc;
}

void nm_unmap_peers(struct msikit_ntb_msi *nm)
{
	int peer;

	for (peer = 0; peer < MSIKIT_NTB_MAX_PEERS; peer++) {
		if (nm->peer_mw[peer])
			iounmap(nm->peer_mw[peer]);
		nm->peer_mw[peer] = NULL;
	}
}

/*
 * Take apart one snapshot of a descriptor, @v as its eight bytes were read
 * in one load. Inline: it is most of a trigger's own work, and a call
 * more per trigger shows in the trigger's cost on an emulator.
 */
static __always_inline int nm_desc_decode(u64 v, u32 *offset, u32 *data)
{
	struct msikit_ntb_msi_desc d;
	u32 word, val;

	memcpy(&d, &v, sizeof(d));
	word = le32_to_cpu(d.addr_offset);
	val = le32_to_cpu(d.data);
	switch (word & NM_DESC_FMT) {
	case NM_DESC_SEALED:
		if (FIELD_GET(NM_SEAL, word) != nm_seal(word, val))
			return -EBADMSG;
		word &= ~NM_SEAL;
		break;
	case NM_DESC_PLAIN:
		break;
	case NM_DESC_NONE:
		return -ENODATA;
	default:
		return -EINVAL;
	}
	if (offset)
		*offset = word & ~NM_DESC_FMT;
	if (data)
		*data = val;
	return 0;
}

/**
 * msikit_ntb_msi_desc_decode() - check a descriptor and take it apart
 * @desc: a descriptor as the peer published it
 * @offset: NULL, or where to put the offset in the outbound window
 * @data: NULL, or where to put the data to write there
 *
 * Reads @desc once, as one 64-bit load: a client whose channel delivers
 * the two halves separately calls this on its copy, and reads the channel
 * again until it returns 0. It knows no context: an upstream peer's bare
 * offset, which msikit_ntb_msi_peer_trigger() takes in a context made
 * with upstream_peer, is -ENODATA here.
 *
 * Return: 0; -ENODATA for a descriptor not published (format 00, such as
 * a zeroed one); -EBADMSG when a sealed descriptor's halves disagree (read
 * from two different descriptors, or damaged); -EINVAL for the reserved
 * format 11.
 */
int msikit_ntb_msi_desc_decode(const struct msikit_ntb_msi_desc *desc, u32 *offset, u32 *data)
{
	if (!desc)
		return -EINVAL;
	return nm_desc_decode(READ_ONCE(*(const u64 *)desc), offset, data);
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_desc_decode);

/*
 * Triggers refused for the descriptor they were given, module-wide. A
 * client may ignore the refusal (upstream's ntb_transport does), and the
 * interrupt is then lost with nothing in the log for a zeroed half and
 * only a rate-limited line for a torn one: these say how many, in
 * debugfs msikit_ntb_msi/refused.
 */
enum { NM_REF_UNPUBLISHED, NM_REF_SEAL, NM_REF_RESERVED, NM_REF_BEYOND, NM_REFS };
static atomic_long_t nm_refused[NM_REFS];

static void nm_count_refusal(int rc)
{
	switch (rc) {
	case -ENODATA:
		atomic_long_inc(&nm_refused[NM_REF_UNPUBLISHED]);
		break;
	case -EBADMSG:
		atomic_long_inc(&nm_refused[NM_REF_SEAL]);
		break;
	case -ERANGE:
		atomic_long_inc(&nm_refused[NM_REF_BEYOND]);
		break;
	default:
		/* peer_check()'s -EINVAL from the decoder: format 11 */
		atomic_long_inc(&nm_refused[NM_REF_RESERVED]);
	}
}

int nm_refused_show(struct seq_file *m, void *v)
{
	seq_printf(m, "unpublished %ld seal %ld reserved %ld beyond %ld\n",
		   atomic_long_read(&nm_refused[NM_REF_UNPUBLISHED]),
		   atomic_long_read(&nm_refused[NM_REF_SEAL]),
		   atomic_long_read(&nm_refused[NM_REF_RESERVED]),
		   atomic_long_read(&nm_refused[NM_REF_BEYOND]));
	return 0;
}

/*
 * A descriptor refused: say why (rate-limited: the peer may repeat it at
 * interrupt rate) and, for a trigger, count it. Out of line, so that the
 * trigger's path holds only what an accepted descriptor needs.
 */
static noinline int peer_refuse(struct msikit_ntb_msi *nm, int peer, u64 v, u32 off,
				int rc, bool trigger)
{
	struct msikit_ntb_msi_desc d;

	memcpy(&d, &v, sizeof(d));
	if (rc == -EBADMSG)
		dev_warn_ratelimited(nm->port->dev, "msikit: peer %d: descriptor %#x:%#x fails its seal (halves of two descriptors?): read it again\n",
				     peer, le32_to_cpu(d.addr_offset), le32_to_cpu(d.data));
	else if (rc == -EINVAL)
		dev_warn_ratelimited(nm->port->dev, "msikit: peer %d: descriptor %#x:%#x has the reserved format 11\n",
				     peer, le32_to_cpu(d.addr_offset), le32_to_cpu(d.data));
	else if (rc == -ERANGE)
		dev_warn_ratelimited(nm->port->dev, "msikit: peer %d: descriptor offset %#x beyond the %#llx-byte window\n",
				     peer, off, (u64)nm->peer_mw_size[peer]);
	if (trigger)
		nm_count_refusal(rc);
	return rc;
}

/*
 * One snapshot of the descriptor: the peer may be replacing it. A trigger
 * counts what it refused; a lookup (peer_addr) loses no interrupt.
 */
static __always_inline int peer_check(struct msikit_ntb_msi *nm, int peer,
				      const struct msikit_ntb_msi_desc *desc, u32 *off,
				      u32 *data, bool trigger)
{
	u64 v;
	int rc;

	if (IS_ERR_OR_NULL(nm) || !desc || peer < 0 || peer >= nm->port->peers)
		return -EINVAL;
	v = READ_ONCE(*(const u64 *)desc);
	rc = nm_desc_decode(v, off, data);
	/*
	 * An upstream peer's offset is bare (format 00): taken as it is where
	 * the context was made for such peers. Offset 0 is real there (the
	 * message at the base of that peer's window), but a zeroed channel
	 * reads as 0 too. Only the data tells them apart: 0 in a zeroed
	 * channel, never 0 on the x86 vector; an ITS event 0 or an AMD-Vi
	 * index 0 at the base is refused with it.
	 */
	if (unlikely(rc == -ENODATA) && nm->upstream && v) {
		struct msikit_ntb_msi_desc d;

		memcpy(&d, &v, sizeof(d));
		*off = le32_to_cpu(d.addr_offset);
		*data = le32_to_cpu(d.data);
		rc = 0;
	}
	if (!rc && nm->peer_mw[peer] && *off > nm->peer_mw_size[peer] - sizeof(u32))
		rc = -ERANGE;
	if (unlikely(rc))
		return peer_refuse(nm, peer, v, rc == -ERANGE ? *off : 0, rc, trigger);
	return 0;
}

/**
 * msikit_ntb_msi_peer_trigger() - raise a peer's interrupt
 * @nm: this port's context
 * @peer: which peer, 0..peers-1
 * @desc: the descriptor the peer published
 *
 * May be called in any context, the port's peer_mw_write permitting. It
 * takes no lock: the client makes sure no call is running or made once it
 * calls msikit_ntb_msi_exit(), which unmaps the outbound windows.
 *
 * Return: 0 once the write is posted; -ENODATA or -EBADMSG for a
 * descriptor not published or torn (msikit_ntb_msi_desc_decode(): read it
 * again and retry); -EINVAL for a bad peer or descriptor; -ERANGE for an
 * offset beyond the outbound window; or the port's error.
 */
int msikit_ntb_msi_peer_trigger(struct msikit_ntb_msi *nm, int peer,
				const struct msikit_ntb_msi_desc *desc)
{
	u32 off = 0, data = 0;
	int rc;

	rc = peer_check(nm, peer, desc, &off, &data, true);
	if (rc)
		return rc;
	if (!nm->peer_mw[peer])
		return nm->port->ops->peer_mw_write(nm->port, peer, off, data);
	iowrite32(data, nm->peer_mw[peer] + off);
	return 0;
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_peer_trigger);

/**
 * msikit_ntb_msi_peer_addr() - where a peer's interrupt is raised
 * @nm: this port's context
 * @peer: which peer
 * @desc: the descriptor the peer published
 * @addr: the physical address to write @desc->data to (a DMA engine may)
 *
 * Return: 0, the descriptor's errors of msikit_ntb_msi_peer_trigger(), or
 * -EOPNOTSUPP for a port without memory-mapped outbound windows.
 */
int msikit_ntb_msi_peer_addr(struct msikit_ntb_msi *nm, int peer,
			     const struct msikit_ntb_msi_desc *desc, phys_addr_t *addr)
{
	u32 off = 0, data = 0;
	int rc;

	rc = peer_check(nm, peer, desc, &off, &data, false);
	if (rc || !addr)
		return rc ?: -EINVAL;
	if (!nm->peer_mw[peer])
		return -EOPNOTSUPP;
	*addr = nm->peer_mw_phys[peer] + off;
	return 0;
}
EXPORT_SYMBOL_GPL(msikit_ntb_msi_peer_addr);
