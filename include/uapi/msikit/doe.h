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
 * Every ioctl needs CAP_SYS_ADMIN (EPERM otherwise).
 *
 * Growth: ioctl numbers carry no size (_IO), so a structure can grow
 * without becoming another ioctl. Every structure begins with @argsz, the
 * size in bytes user space believes it has; for each command the kernel:
 *
 *  - reads @argsz first and refuses one smaller than the first version of
 *    the structure (MSIKIT_DOE_*_SIZE_VER0) with EINVAL;
 *  - accepts any larger @argsz and uses min(@argsz, its own size) bytes:
 *    fields appended later read as 0 when user space is older, and 0 always
 *    means the behaviour of the first version;
 *  - for structures it reads (FEATURES, EXCHANGE), requires the bytes from
 *    its own size up to @argsz to be zero, else E2BIG: a newer user space
 *    asking for something this kernel does not know fails instead of being
 *    ignored. INFO is only written, so the kernel ignores its input bytes;
 *  - refuses unknown flag bits and non-zero reserved fields with EINVAL;
 *  - writes back at most min(@argsz, its own size) bytes.
 *
 * Each refusal is one ratelimited line in the kernel log saying why.
 *
 * The numbers of the first, unreleased version (_IOWR with the size
 * encoded) are not accepted: they fail with ENOTTY.
 */
#ifndef _UAPI_MSIKIT_DOE_H
#define _UAPI_MSIKIT_DOE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* A data object is at most 2^18 dwords, two of which are the header. */
#define MSIKIT_DOE_MAX_PAYLOAD		(((1U << 18) - 2) * 4)

/*
 * msikit_doe_info.flags: exactly one of IRQ, POLL and ROUTED says who
 * drives the mailbox; DEAD may be set with any of them. Other bits are 0
 * and may be assigned later.
 */
#define MSIKIT_DOE_INFO_IRQ		(1U << 0)  /* msikit's engine, interrupt driven */
#define MSIKIT_DOE_INFO_POLL		(1U << 1)  /* msikit's engine, polled */
#define MSIKIT_DOE_INFO_ROUTED		(1U << 2)  /* through the kernel's pci_doe() */
#define MSIKIT_DOE_INFO_DEAD		(1U << 3)  /* abort failed, mailbox unusable */

/* MSIKIT_DOE_IOC_INFO: the kernel fills it in; only @argsz is read. */
struct msikit_doe_info {
	__u32 argsz;		/* in: size of the caller's structure;
				 * out: bytes the kernel filled in
				 */
	__u32 flags;		/* MSIKIT_DOE_INFO_* */
	__u16 cap_offset;	/* config-space offset of the DOE capability;
				 * 0 when the mailbox is not a PCI capability
				 * (a software mailbox that a test module
				 * registered): no capability sits below 0x100
				 */
	__u16 cap_version;	/* DOE capability version (Discovery v2 if >= 2) */
	__u32 nr_features;
	__u32 max_payload;	/* bytes */
	__u32 irq;		/* Linux irq in interrupt mode, else 0 */
	char device[32];	/* owning device, e.g. "0000:0d:00.0" */
};

#define MSIKIT_DOE_INFO_SIZE_VER0	56

/*
 * msikit_doe_feature.flags. RESERVED: CMA/SPDM (0001:01) and Secured
 * CMA/SPDM (0001:02), which carry device authentication and IDE key
 * exchange for the kernel or a TSM. EXCHANGE refuses them with EACCES
 * unless msikit_doe was loaded with allow_reserved=1 (raw, unfiltered)
 * or the feature is also MEDIATED. The bit is set whatever allow_reserved
 * says. Other bits are 0 and may be assigned later.
 */
#define MSIKIT_DOE_FEATURE_RESERVED	(1U << 0)
/*
 * MEDIATED: CMA/SPDM while allow_reserved=0. EXCHANGE takes the SPDM 1.0
 * to 1.3 requests that only read (GET_VERSION, GET_CAPABILITIES,
 * NEGOTIATE_ALGORITHMS, GET_DIGESTS, GET_CERTIFICATE, CHALLENGE,
 * GET_MEASUREMENTS), no longer than the longest of these versions makes
 * them, and RESPOND_IF_READY for the response the device held back from
 * this file (its ResponseNotReady's code and token); it refuses every
 * other with EPERM. "Read" means no keys, certificates, sessions or
 * vendor commands: GET_VERSION still resets the device's SPDM connection,
 * whoever else was using it (in-kernel users of msikit_doe_exchange()
 * included). The first open file whose GET_VERSION is taken holds the
 * mailbox's CMA/SPDM for its sequence, until it is closed or idle for the
 * parameter spdm_claim_ms (default 5000). A kernel without this bit
 * refuses CMA/SPDM with EACCES.
 */
#define MSIKIT_DOE_FEATURE_MEDIATED	(1U << 1)

struct msikit_doe_feature {
	__u16 vid;		/* Vendor ID */
	__u8 type;		/* Data Object Type */
	__u8 flags;		/* MSIKIT_DOE_FEATURE_* */
};

/* MSIKIT_DOE_IOC_FEATURES: the Discovery list of the mailbox. */
struct msikit_doe_features {
	__u32 argsz;
	__u32 count;		/* in: entries at @ptr; out: features of the
				 * mailbox, which may exceed what was copied
				 */
	__u64 ptr;		/* struct msikit_doe_feature[count] */
};

#define MSIKIT_DOE_FEATURES_SIZE_VER0	16

/*
 * MSIKIT_DOE_IOC_EXCHANGE: one request object out, one response object in.
 *
 * Errors besides EPERM, EINVAL, E2BIG and EFAULT (bad structure or buffer):
 *  EACCES	a reserved protocol (MSIKIT_DOE_FEATURE_RESERVED) that is not
 *		MEDIATED while msikit_doe runs with allow_reserved=0
 *  EPERM	also: a MEDIATED request that is not read-only, not SPDM 1.0
 *		to 1.3, longer than its longest version, or a RESPOND_IF_READY
 *		for a response the device is not holding for this file
 *  EINVAL	also: a MEDIATED request of 0 bytes
 *  EPROTO	a MEDIATED request other than GET_VERSION from a file that
 *		holds no claim: a requester starts its sequence with it
 *  EOPNOTSUPP	@vid:@type is not a feature of the mailbox
 *  EPERM	also: the kernel is locked down (LOCKDOWN_PCI_ACCESS, i.e.
 *		lockdown=integrity or confidentiality): no user-space object
 *		reaches a device then
 *  EBUSY	the mailbox already holds as many user-space exchanges, queued
 *		or running, as the msikit_doe parameter max_queued allows
 *		(default 64). Exchanges of callers that were killed while
 *		waiting count until the mailbox has run them. Nothing was
 *		sent: retry once earlier exchanges have completed. Also: a
 *		MEDIATED request while another file holds the claim (retry
 *		once it closed or went idle), or a reserved one while the
 *		kernel's TSM holds the device (7.x; no retry helps). The
 *		kernel log says which
 *  EOVERFLOW	the response did not fit @rsp_len, see there
 *  ETIMEDOUT, EIO, ENODEV	the device did not answer, answered wrongly,
 *		or is gone (or the mailbox is dead)
 */
struct msikit_doe_exchange {
	__u32 argsz;
	__u32 flags;		/* none defined yet: must be 0 */
	__u16 vid;		/* Data Object Header 1: Vendor ID */
	__u8 type;		/* Data Object Header 1: Data Object Type */
	__u8 reserved0;		/* must be 0 */
	__u32 req_len;		/* bytes, a multiple of 4, <= MSIKIT_DOE_MAX_PAYLOAD */
	__u32 rsp_len;		/* in: buffer size in bytes, a multiple of 4;
				 * out: response payload length. On EOVERFLOW
				 * the length the response needed, or 0 when
				 * that is unknown (a mailbox routed through
				 * the kernel's pci_doe(), which drops what
				 * does not fit): retry with a larger buffer.
				 */
	__u32 reserved1;	/* must be 0 */
	__u64 req_ptr;
	__u64 rsp_ptr;
};

#define MSIKIT_DOE_EXCHANGE_SIZE_VER0	40

#define MSIKIT_DOE_IOC_MAGIC	0xd0
#define MSIKIT_DOE_IOC_INFO	_IO(MSIKIT_DOE_IOC_MAGIC, 0)
#define MSIKIT_DOE_IOC_FEATURES	_IO(MSIKIT_DOE_IOC_MAGIC, 1)
#define MSIKIT_DOE_IOC_EXCHANGE	_IO(MSIKIT_DOE_IOC_MAGIC, 2)

#endif /* _UAPI_MSIKIT_DOE_H */
