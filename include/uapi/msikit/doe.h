/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * msikit DOE mailbox character device: /dev/msikit/doe-<device>-<cap>
 *
 * One node per Data Object Exchange capability (PCIe r6.x sec 6.30). The
 * interface is exchange-granular on purpose: user space hands in one whole
 * request object and gets back one whole response object, and the kernel
 * runs the exchange on its serialized per-mailbox queue. There is no raw
 * register access, so nobody can observe a mailbox between the dwords of
 * someone else's exchange.
 *
 * Every ioctl needs CAP_SYS_ADMIN. Structures begin with @argsz (the size
 * user space believes the structure has) so they can grow; the kernel
 * rejects an @argsz smaller than the version it knows with -EINVAL.
 */
#ifndef _UAPI_MSIKIT_DOE_H
#define _UAPI_MSIKIT_DOE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* A data object is at most 2^18 dwords, two of which are the header. */
#define MSIKIT_DOE_MAX_PAYLOAD		(((1U << 18) - 2) * 4)

/* msikit_doe_info.flags */
#define MSIKIT_DOE_INFO_IRQ		(1U << 0)  /* engine, interrupt driven */
#define MSIKIT_DOE_INFO_POLL		(1U << 1)  /* engine, polled */
#define MSIKIT_DOE_INFO_ROUTED		(1U << 2)  /* through the kernel's pci_doe() */
#define MSIKIT_DOE_INFO_SOFTWARE	(1U << 3)  /* software backend (tests) */
#define MSIKIT_DOE_INFO_DEAD		(1U << 4)  /* abort failed, mailbox unusable */

struct msikit_doe_info {
	__u32 argsz;
	__u32 flags;
	__u16 cap_offset;	/* config-space offset, 0 for software mailboxes */
	__u16 cap_version;	/* DOE capability version (Discovery v2 if >= 2) */
	__u32 nr_features;
	__u32 max_payload;	/* bytes */
	__u32 irq;		/* Linux irq in interrupt mode, else 0 */
	char device[32];	/* owning device, e.g. "0000:0d:00.0" */
};

struct msikit_doe_feature {
	__u16 vid;
	__u8 type;
	__u8 reserved;		/* 0; protocols refused to user space are marked 1 */
};

struct msikit_doe_features {
	__u32 argsz;
	__u32 count;		/* in: entries at @ptr; out: features of the mailbox */
	__u64 ptr;		/* struct msikit_doe_feature[count] */
};

struct msikit_doe_exchange {
	__u32 argsz;
	__u32 flags;		/* must be 0 */
	__u16 vid;		/* Data Object Header 1: Vendor ID */
	__u8 type;		/* Data Object Header 1: Data Object Type */
	__u8 pad;		/* must be 0 */
	__u32 req_len;		/* bytes, a multiple of 4, <= MSIKIT_DOE_MAX_PAYLOAD */
	__u32 rsp_len;		/* in: buffer size in bytes, a multiple of 4;
				 * out: response payload length. On EOVERFLOW
				 * the length the response needed, or 0 when
				 * that is unknown (a mailbox routed through
				 * the kernel's pci_doe(), which drops what
				 * does not fit): retry with a larger buffer.
				 */
	__u32 pad2;		/* must be 0 */
	__u64 req_ptr;
	__u64 rsp_ptr;
};

#define MSIKIT_DOE_IOC_MAGIC	0xd0
#define MSIKIT_DOE_IOC_INFO	_IOWR(MSIKIT_DOE_IOC_MAGIC, 0, struct msikit_doe_info)
#define MSIKIT_DOE_IOC_FEATURES	_IOWR(MSIKIT_DOE_IOC_MAGIC, 1, struct msikit_doe_features)
#define MSIKIT_DOE_IOC_EXCHANGE	_IOWR(MSIKIT_DOE_IOC_MAGIC, 2, struct msikit_doe_exchange)

#endif /* _UAPI_MSIKIT_DOE_H */
