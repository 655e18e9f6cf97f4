// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe: CMA/SPDM (0001:01) for user space, mediated.
 *
 * What users want from a DOE mailbox most is to learn whether a device is
 * what it claims, and who to trust is user space's call: the kernel only
 * has to keep the exchange from doing harm. So a requester may send the
 * SPDM requests that read (the connection's version, capabilities and
 * algorithms, certificate digests and chains, CHALLENGE, measurements, and
 * RESPOND_IF_READY after one of those) and nothing that provisions keys or
 * certificates, opens a session or carries vendor commands. Anything not
 * on that list is refused, unknown codes of later SPDM versions included.
 *
 * An SPDM connection is state in the responder: GET_VERSION resets it, and
 * CHALLENGE signs a transcript of everything since. Two requesters
 * interleaving on one mailbox would break each other's signatures, so the
 * first open file that sends GET_VERSION claims the mailbox's SPDM use
 * until it closes or stays idle for spdm_claim_ms; others get EBUSY.
 *
 * A kernel TSM (7.x, pdev->tsm) runs its own SPDM session on the function:
 * one GET_VERSION of ours would tear it down, so the mailbox is refused
 * while the TSM holds the device: at submission, and again when the
 * worker reaches a queued request (doe_spdm_tsm_bound(), in mailbox.c).
 * Nothing here can stop a TSM connect that starts while an exchange of
 * ours is on the wire: the TSM core offers no lock to outside users.
 */

#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "doe.h"
#include "trace.h"

/* DSP0274 request codes (Table "SPDM request codes") */
#define SPDM_GET_DIGESTS		0x81
#define SPDM_GET_CERTIFICATE		0x82
#define SPDM_CHALLENGE			0x83
#define SPDM_GET_VERSION		0x84
#define SPDM_CHUNK_SEND			0x85
#define SPDM_CHUNK_GET			0x86
#define SPDM_GET_MEASUREMENTS		0xe0
#define SPDM_GET_CAPABILITIES		0xe1
#define SPDM_NEGOTIATE_ALGORITHMS	0xe3
#define SPDM_KEY_EXCHANGE		0xe4
#define SPDM_FINISH			0xe5
#define SPDM_PSK_EXCHANGE		0xe6
#define SPDM_PSK_FINISH			0xe7
#define SPDM_HEARTBEAT			0xe8
#define SPDM_KEY_UPDATE			0xe9
#define SPDM_GET_ENCAPSULATED_REQUEST	0xea
#define SPDM_DELIVER_ENCAPSULATED_RSP	0xeb
#define SPDM_END_SESSION		0xec
#define SPDM_GET_CSR			0xed
#define SPDM_SET_CERTIFICATE		0xee
#define SPDM_VENDOR_DEFINED_REQUEST	0xfe
#define SPDM_RESPOND_IF_READY		0xff
/* the response code ERROR and its ResponseNotReady */
#define SPDM_ERROR			0x7f
#define SPDM_ERR_RESPONSE_NOT_READY	0x42

/* SPDMVersion byte: major in the high nibble, minor in the low */
#define SPDM_MAJOR(v)			((v) >> 4)

static unsigned int doe_param_spdm_claim_ms = 5000;

static int doe_set_spdm_claim_ms(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int rc;

	rc = kstrtouint(val, 0, &v);
	if (rc || v < 100 || v > 60000) {
		pr_warn("msikit_doe: spdm_claim_ms=%.*s refused: must be 100..60000\n",
			(int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	WRITE_ONCE(doe_param_spdm_claim_ms, v);
	return 0;
}

static const struct kernel_param_ops doe_spdm_claim_ms_ops = {
	.set = doe_set_spdm_claim_ms,
	.get = param_get_uint,
};
module_param_cb(spdm_claim_ms, &doe_spdm_claim_ms_ops, &doe_param_spdm_claim_ms, 0644);
MODULE_PARM_DESC(spdm_claim_ms, "A user-space SPDM requester keeps a mailbox's CMA/SPDM to itself until it closes or stays idle this long (100..60000 ms, default 5000)");

static const char *doe_spdm_code_name(u8 code)
{
	switch (code) {
	case SPDM_GET_DIGESTS:			return "GET_DIGESTS";
	case SPDM_GET_CERTIFICATE:		return "GET_CERTIFICATE";
	case SPDM_CHALLENGE:			return "CHALLENGE";
	case SPDM_GET_VERSION:			return "GET_VERSION";
	case SPDM_CHUNK_SEND:			return "CHUNK_SEND";
	case SPDM_CHUNK_GET:			return "CHUNK_GET";
	case SPDM_GET_MEASUREMENTS:		return "GET_MEASUREMENTS";
	case SPDM_GET_CAPABILITIES:		return "GET_CAPABILITIES";
	case SPDM_NEGOTIATE_ALGORITHMS:		return "NEGOTIATE_ALGORITHMS";
	case SPDM_KEY_EXCHANGE:			return "KEY_EXCHANGE";
	case SPDM_FINISH:			return "FINISH";
	case SPDM_PSK_EXCHANGE:			return "PSK_EXCHANGE";
	case SPDM_PSK_FINISH:			return "PSK_FINISH";
	case SPDM_HEARTBEAT:			return "HEARTBEAT";
	case SPDM_KEY_UPDATE:			return "KEY_UPDATE";
	case SPDM_GET_ENCAPSULATED_REQUEST:	return "GET_ENCAPSULATED_REQUEST";
	case SPDM_DELIVER_ENCAPSULATED_RSP:	return "DELIVER_ENCAPSULATED_RESPONSE";
	case SPDM_END_SESSION:			return "END_SESSION";
	case SPDM_GET_CSR:			return "GET_CSR";
	case SPDM_SET_CERTIFICATE:		return "SET_CERTIFICATE";
	case SPDM_VENDOR_DEFINED_REQUEST:	return "VENDOR_DEFINED_REQUEST";
	case SPDM_RESPOND_IF_READY:		return "RESPOND_IF_READY";
	}
	return "an unknown request";
}

/*
 * The requests that read, and the most bytes each has in any SPDM 1.x
 * version msikit knows (1.3's RequesterContext included), rounded up to
 * the dword DOE carries: a longer one would hand the device's parser
 * bytes no version defines. 0: not a request that reads.
 */
static u32 doe_spdm_max_len(u8 code)
{
	switch (code) {
	case SPDM_GET_VERSION:
	case SPDM_GET_DIGESTS:
		return 4;
	case SPDM_GET_CERTIFICATE:
		return 8;
	case SPDM_GET_CAPABILITIES:
		return 20;
	case SPDM_CHALLENGE:
		return 44;		/* slot, type, nonce, RequesterContext */
	case SPDM_GET_MEASUREMENTS:
		return 48;		/* 45: nonce, slot, RequesterContext */
	case SPDM_NEGOTIATE_ALGORITHMS:
		return 128;		/* DSP0274: its Length is at most 128 */
	}
	return 0;
}

/* SPDMVersion: 1.0 to 1.3, whose request codes msikit has read */
static bool doe_spdm_version_ok(u8 v)
{
	return v >= 0x10 && v <= 0x13;
}

/**
 * doe_spdm_verdict() - may user space send this CMA/SPDM request?
 * @req: the request payload, from its SPDMVersion byte (the kernel's copy)
 * @len: its length in bytes, a multiple of 4
 *
 * RESPOND_IF_READY names the request it completes in Param1, which must
 * itself be one that reads: the responder would otherwise finish a
 * refused request on our behalf. Whether it is the request the device
 * said it was not ready for is the claim's to check.
 *
 * Return: 0, -EINVAL (too short for a header) or -EPERM.
 */
static int doe_spdm_verdict(const u8 *req, u32 len)
{
	u8 code;

	if (len < 4)
		return -EINVAL;
	if (!doe_spdm_version_ok(req[0]))
		return -EPERM;
	code = req[1] == SPDM_RESPOND_IF_READY ? req[2] : req[1];
	if (!doe_spdm_max_len(code))
		return -EPERM;
	return len <= (req[1] == SPDM_RESPOND_IF_READY ? 4 : doe_spdm_max_len(code)) ?
	       0 : -EPERM;
}

/* at load: one line if the TSM guard had to assume the worst */
void doe_spdm_check_kernel(void)
{
#if defined(CONFIG_PCI_TSM) && !defined(MSIKIT_HAVE_PCI_TSM)
	pr_warn("msikit_doe: this kernel has CONFIG_PCI_TSM but no pci_dev.tsm msikit recognises: CMA/SPDM stays refused to user space\n");
#endif
}

static void doe_spdm_trace(struct msikit_doe_mb *mb, const u8 *req, u32 len, int verdict)
{
	trace_msikit_doe_spdm(mb, task_tgid_nr(current), len ? req[0] : 0,
			      len > 1 ? req[1] : 0, len > 2 ? req[2] : 0, verdict);
}

static void doe_spdm_refuse_verdict(struct msikit_doe_mb *mb, const u8 *req, u32 len)
{
	u8 code = req[1] == SPDM_RESPOND_IF_READY ? req[2] : req[1];

	if (!doe_spdm_version_ok(req[0]))
		doe_refuse(mb, "exchange",
			   "SPDM version %u.%u is not one msikit mediates (1.0 to 1.3)",
			   SPDM_MAJOR(req[0]), req[0] & 0xf);
	else if (doe_spdm_max_len(code) && req[1] == SPDM_RESPOND_IF_READY)
		doe_refuse(mb, "exchange", "SPDM RESPOND_IF_READY of %u bytes, not 4", len);
	else if (doe_spdm_max_len(code))
		doe_refuse(mb, "exchange", "SPDM %s of %u bytes, longer than any SPDM 1.x one",
			   doe_spdm_code_name(code), len);
	else if (req[1] == SPDM_RESPOND_IF_READY)
		doe_refuse(mb, "exchange",
			   "SPDM RESPOND_IF_READY for %s (%#04x): not a read-only request",
			   doe_spdm_code_name(code), code);
	else
		doe_refuse(mb, "exchange", "SPDM %s (%#04x) is not a read-only request",
			   doe_spdm_code_name(code), code);
}

/**
 * doe_spdm_admit() - mediate one user-space CMA/SPDM request
 * @mb: the mailbox
 * @file: the requester's open file, which the claim names
 * @req: the request payload (the kernel's copy)
 * @len: its length in bytes
 * @gen: out: the claim's generation, for doe_spdm_done()
 *
 * Every decision is traced (msikit_doe:msikit_doe_spdm) and every refusal
 * logged once. On success the request counts as in flight on the claim
 * until doe_spdm_done().
 *
 * Return: 0; -EINVAL or -EPERM (doe_spdm_verdict(), or a RESPOND_IF_READY
 * that does not answer this file's last ResponseNotReady); -EBUSY when
 * another file holds the claim; -EPROTO when a new claim does not start
 * with GET_VERSION.
 */
int doe_spdm_admit(struct msikit_doe_mb *mb, const struct file *file,
		   const u8 *req, u32 len, u32 *gen)
{
	unsigned long idle = msecs_to_jiffies(READ_ONCE(doe_param_spdm_claim_ms));
	bool rir = len >= 4 && req[1] == SPDM_RESPOND_IF_READY;
	pid_t holder = 0;
	int rc;

	rc = doe_spdm_verdict(req, len);
	if (rc == -EINVAL) {
		doe_refuse(mb, "exchange", "a CMA/SPDM request of %u bytes has no header", len);
		goto out;
	}
	if (rc) {
		doe_spdm_refuse_verdict(mb, req, len);
		goto out;
	}
	spin_lock(&mb->spdm_lock);
	if (mb->spdm_owner && mb->spdm_owner != file) {
		if (mb->spdm_inflight || time_before(jiffies, mb->spdm_idle + idle)) {
			holder = mb->spdm_tgid;
			rc = -EBUSY;
		} else {
			/* the holder went quiet: its claim lapses */
			mb->spdm_owner = NULL;
		}
	}
	if (!rc && !mb->spdm_owner) {
		if (req[1] == SPDM_GET_VERSION) {
			mb->spdm_owner = file;
			mb->spdm_tgid = task_tgid_nr(current);
			mb->spdm_gen++;
		} else {
			rc = -EPROTO;
		}
	}
	/*
	 * RESPOND_IF_READY fetches the response the device held back: only
	 * the one this file's request was told to wait for, by its token.
	 */
	if (!rc && rir && (!mb->spdm_rnr || mb->spdm_rnr_code != req[2] ||
			   mb->spdm_rnr_token != req[3]))
		rc = -EPERM;
	if (!rc) {
		/* any request ends the wait: the device drops what it held back */
		mb->spdm_rnr = false;
		mb->spdm_inflight++;
		*gen = mb->spdm_gen;
	}
	spin_unlock(&mb->spdm_lock);

	if (rc == -EBUSY)
		doe_refuse(mb, "exchange", "CMA/SPDM is claimed by pid %d for its sequence",
			   holder);
	else if (rc == -EPROTO)
		doe_refuse(mb, "exchange",
			   "SPDM %s (%#04x) outside a sequence: a requester starts with GET_VERSION",
			   doe_spdm_code_name(req[1]), req[1]);
	else if (rc == -EPERM)
		doe_refuse(mb, "exchange",
			   "SPDM RESPOND_IF_READY for %s token %u: the device is not holding that response",
			   doe_spdm_code_name(req[2]), req[3]);
out:
	doe_spdm_trace(mb, req, len, rc);
	return rc;
}

/**
 * doe_spdm_done() - a request doe_spdm_admit() let through has completed
 * @mb: the mailbox
 * @gen: the generation doe_spdm_admit() gave it
 * @rsp: the response, or NULL when the request was never sent
 * @len: its length in bytes
 *
 * The claim's idle time starts now. A claim its file gave up meanwhile
 * has another generation (or none) and is left alone: a requester killed
 * with a request queued loses its claim when its file closes at exit,
 * and the request runs later without one, ahead of anything the next
 * holder queues (tests/doe/spdm-claim.sh, doe-spdm killed).
 * An ERROR ResponseNotReady is remembered, so that the claim's holder, and
 * it alone, may fetch that response with RESPOND_IF_READY.
 */
void doe_spdm_done(struct msikit_doe_mb *mb, u32 gen, const u8 *rsp, size_t len)
{
	spin_lock(&mb->spdm_lock);
	if (mb->spdm_gen == gen && mb->spdm_inflight) {
		mb->spdm_inflight--;
		mb->spdm_idle = jiffies;
		/*
		 * ERROR ResponseNotReady: RDTExponent, RequestCode, Token,
		 * RDTM. Any other answer, of a request queued behind the one
		 * told to wait, means the device dropped what it held back.
		 */
		mb->spdm_rnr = rsp && len >= 8 && rsp[1] == SPDM_ERROR &&
			       rsp[2] == SPDM_ERR_RESPONSE_NOT_READY;
		if (mb->spdm_rnr) {
			mb->spdm_rnr_code = rsp[5];
			mb->spdm_rnr_token = rsp[6];
		}
	}
	spin_unlock(&mb->spdm_lock);
}

/**
 * doe_spdm_release() - @file closes: its claim, if any, ends
 * @mb: the mailbox
 * @file: the file being released
 *
 * Requests of that file still queued finish without a claim; the next
 * requester's GET_VERSION resets the responder in any case.
 */
void doe_spdm_release(struct msikit_doe_mb *mb, const struct file *file)
{
	spin_lock(&mb->spdm_lock);
	if (mb->spdm_owner == file) {
		mb->spdm_owner = NULL;
		mb->spdm_inflight = 0;
		mb->spdm_rnr = false;
		mb->spdm_gen++;
	}
	spin_unlock(&mb->spdm_lock);
}

/* sysfs spdm_claim: "none", or "pid N inflight K idle_ms M" */
ssize_t doe_spdm_claim_show(struct msikit_doe_mb *mb, char *buf)
{
	unsigned long idle = msecs_to_jiffies(READ_ONCE(doe_param_spdm_claim_ms));
	unsigned int inflight;
	unsigned long since;
	pid_t tgid;

	spin_lock(&mb->spdm_lock);
	/* a claim that lapsed is none, though only the next request clears it */
	tgid = mb->spdm_owner && (mb->spdm_inflight ||
				  time_before(jiffies, mb->spdm_idle + idle)) ? mb->spdm_tgid : 0;
	inflight = mb->spdm_inflight;
	since = mb->spdm_idle;
	spin_unlock(&mb->spdm_lock);

	if (!tgid)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "pid %d inflight %u idle_ms %u\n", tgid, inflight,
			  inflight ? 0 : jiffies_to_msecs(jiffies - since));
}
