// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_ntb_msi inbound windows: one per peer, all pointing at the range
 * the MSI parent's messages can take for this function, so a descriptor
 * stays valid across every affinity change the parent may make.
 *
 * Upstream's ntb_msi bases its window on the first MSI message of the
 * function and sizes it max(32 KiB, the port's largest window): with a
 * small window that covers APIC IDs 0-7 (vector parent) or the first 1024
 * remapping entries (VT-d), and a message beyond them would be lost.
 * msikit takes the range from msikit_msi (the whole 1 MiB interrupt
 * range on x86 vector and VT-d, one page on AMD-Vi, the translation frame
 * of the ITS, the IMSIC's interrupt files) and fits it to each port's
 * alignment rules, or refuses the port.
 */
#include <linux/bitfield.h>
#include <linux/device.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include "internal.h"

/*
 * A window wider than the interrupt range hands the peer whatever lies
 * around it: the ITS's control frame, the IOAPIC and HPET below the x86
 * interrupt range, or, behind an IOMMU DMA domain, the function's other
 * DMA buffers mapped next to the doorbell page. Refused unless the
 * administrator says that nothing the peer could reach there matters (the
 * port itself limits its inbound writes, say). Intel's NTB reports its
 * BAR size as the address alignment: its windows need this.
 */
static bool wide_window;
module_param(wide_window, bool, 0644);
MODULE_PARM_DESC(wide_window,
		 "open inbound windows wider than the interrupt range when the port's rules require it, read at each setup and restore; only where nothing a peer reaches around the range matters (default N)");

static u64 msg_addr(const struct msi_msg *msg)
{
	return ((u64)msg->address_hi << 32) | msg->address_lo;
}

static int window_rules(struct msikit_ntb_msi *nm, int peer, resource_size_t *addr_align,
			resource_size_t *size_align, resource_size_t *size_max)
{
	struct device *dev = nm->port->dev;
	int rc;

	rc = nm->port->ops->mw_get_align(nm->port, peer, addr_align, size_align, size_max);
	if (rc) {
		dev_warn(dev, "msikit: peer %d: no inbound window (%d)\n", peer, rc);
		return rc;
	}
	if (!is_power_of_2(*addr_align) || !is_power_of_2(*size_align) || !*size_max) {
		dev_warn(dev, "msikit: peer %d: window rules refused: address alignment %#llx and size alignment %#llx must be powers of two, maximum size %#llx non-zero\n",
			 peer, (u64)*addr_align, (u64)*size_align, (u64)*size_max);
		return -EINVAL;
	}
	return 0;
}

/**
 * nm_plan_mws() - fit the message range into every peer's window
 * @nm: context
 * @base: the windows' common target
 * @size: the part of each window descriptors may point into
 * @sizes: per peer, the size to program (at least @size)
 *
 * Every power-of-two alignment divides the largest, so aligning the range's
 * start down to the largest serves every peer with one base, and one
 * descriptor serves every peer.
 *
 * Return: 0, or -EINVAL/-ENOSPC/-EPERM (a window wider than the range,
 * without wide_window) after one log line saying which peer and why.
 */
int nm_plan_mws(struct msikit_ntb_msi *nm, u64 *base, u64 *size,
		resource_size_t *sizes)
{
	resource_size_t addr_align, size_align[MSIKIT_NTB_MAX_PEERS];
	resource_size_t size_max[MSIKIT_NTB_MAX_PEERS], amax = 1;
	struct device *dev = nm->port->dev;
	u64 b, top = 0, end = nm->msg_base + nm->msg_size;
	int peer, rc;

	for (peer = 0; peer < nm->port->peers; peer++) {
		rc = window_rules(nm, peer, &addr_align, &size_align[peer], &size_max[peer]);
		if (rc)
			return rc;
		amax = max(amax, addr_align);
	}
	b = round_down(nm->msg_base, (u64)amax);
	if (end - b > U32_MAX) {
		dev_warn(dev, "msikit: an address alignment of %#llx leaves offsets beyond 32 bits\n",
			 (u64)amax);
		return -EINVAL;
	}
	for (peer = 0; peer < nm->port->peers; peer++) {
		sizes[peer] = round_up(end - b, (u64)size_align[peer]);
		if (sizes[peer] > size_max[peer]) {
			dev_warn(dev, "msikit: peer %d: the window must cover %#llx..%#llx (%#llx bytes at %#llx), the port allows %#llx\n",
				 peer, nm->msg_base, end - 1, (u64)sizes[peer], b,
				 (u64)size_max[peer]);
			return -ENOSPC;
		}
		if ((b < nm->msg_base || b + sizes[peer] > end) && !READ_ONCE(wide_window)) {
			dev_warn(dev, "msikit: peer %d: the port's alignment would open %#llx..%#llx to the peer, beyond the interrupt range %#llx..%#llx: refused (msikit_ntb_msi.wide_window=1 opens it)\n",
				 peer, b, b + sizes[peer] - 1, nm->msg_base, end - 1);
			return -EPERM;
		}
		top = max(top, b + sizes[peer]);
	}
	/* allowed: say so, once per setup */
	if (b < nm->msg_base || top > end)
		dev_info(dev, "msikit: wide_window: the windows open %#llx..%#llx around the interrupt range %#llx..%#llx\n",
			 b, top - 1, nm->msg_base, end - 1);
	*base = b;
	*size = end - b;
	return 0;
}

/**
 * nm_set_mws() - point every peer's inbound window at @base
 * @nm: context
 * @base: from nm_plan_mws()
 * @sizes: from nm_plan_mws()
 *
 * A window already open is reprogrammed in place: peers writing through it
 * meanwhile are not cut off. All or nothing: a port refusing one peer's
 * translation has the windows this call opened closed again.
 */
int nm_set_mws(struct msikit_ntb_msi *nm, u64 base, const resource_size_t *sizes)
{
	unsigned long was = nm->mws_set;
	int peer, rc;

	for (peer = 0; peer < nm->port->peers; peer++) {
		rc = nm->port->ops->mw_set_trans(nm->port, peer, base, sizes[peer]);
		if (rc) {
			dev_warn(nm->port->dev, "msikit: peer %d: inbound translation to %#llx refused (%d)\n",
				 peer, base, rc);
			for (peer = 0; peer < nm->port->peers; peer++) {
				if (test_bit(peer, &was))
					continue;
				if (__test_and_clear_bit(peer, &nm->mws_set))
					nm->port->ops->mw_clear_trans(nm->port, peer);
			}
			return rc;
		}
		__set_bit(peer, &nm->mws_set);
	}
	return 0;
}

/* After this the peers' writes reach nothing (the port's promise). */
void nm_clear_mws(struct msikit_ntb_msi *nm)
{
	int peer;

	for (peer = 0; peer < nm->port->peers; peer++)
		if (__test_and_clear_bit(peer, &nm->mws_set))
			nm->port->ops->mw_clear_trans(nm->port, peer);
}

/**
 * nm_make_desc() - the descriptor of @msg in the planned window
 * @nm: context, windows planned
 * @msg: a message of the domain
 * @desc: result
 *
 * Return: 0, or -ERANGE when the message lies outside the window: the
 * parent produced an address msikit_msi did not announce (an IOMMU that
 * remaps MSI writes, say), and the peer could not reach it.
 */
int nm_make_desc(struct msikit_ntb_msi *nm, const struct msi_msg *msg,
		 struct msikit_ntb_msi_desc *desc)
{
	u64 addr = msg_addr(msg);
	u32 word;

	if (addr < nm->win_base || addr + sizeof(u32) > nm->win_base + nm->win_size ||
	    addr & (sizeof(u32) - 1))
		return -ERANGE;
	word = addr - nm->win_base;
	if (nm->sealed) {
		word |= NM_DESC_SEALED;
		word |= FIELD_PREP(NM_SEAL, nm_seal(word, msg->data));
	} else {
		word |= NM_DESC_PLAIN;
	}
	desc->addr_offset = cpu_to_le32(word);
	desc->data = cpu_to_le32(msg->data);
	return 0;
}
