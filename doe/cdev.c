// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe character devices: whole exchanges for privileged user space.
 *
 * Raw register access was proposed for DOE once and refused, because a
 * reader polling the Read Data Mailbox can see (and by acknowledging,
 * steal) dwords of an exchange the kernel runs, IDE key management
 * included. Here user space gets what in-kernel users get: one request in,
 * one response out, queued behind everyone else on the mailbox. Features
 * that carry device authentication and link encryption are the kernel's
 * unless the administrator loaded the module with allow_reserved=1, with
 * one exception: CMA/SPDM requests that only read a device's identity and
 * measurements go through spdm.c's mediation.
 *
 * The mailbox layer knows nothing of this file: it calls the listener
 * installed at init for every mailbox it registers and unregisters.
 */

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "doe.h"

#define DOE_MINORS	4096

static dev_t doe_devt;
static DEFINE_IDA(doe_minor_ida);

/*
 * Load time only: flipped at runtime, root could inject CMA/SPDM objects
 * into a session that the kernel or a TSM already runs on the mailbox.
 */
static bool doe_param_allow_reserved;
module_param_named(allow_reserved, doe_param_allow_reserved, bool, 0444);
MODULE_PARM_DESC(allow_reserved, "Let user space exchange CMA/SPDM and Secured CMA/SPDM objects; taints the kernel, refused under lockdown (load time only, default: off)");

static unsigned int doe_param_max_queued = 64;

static int doe_set_max_queued(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int rc;

	rc = kstrtouint(val, 0, &v);
	if (rc || v < 1 || v > 4096) {
		pr_warn("msikit_doe: max_queued=%.*s refused: must be 1..4096\n",
			(int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	WRITE_ONCE(doe_param_max_queued, v);
	return 0;
}

static const struct kernel_param_ops doe_max_queued_ops = {
	.set = doe_set_max_queued,
	.get = param_get_uint,
};
module_param_cb(max_queued, &doe_max_queued_ops, &doe_param_max_queued, 0644);
MODULE_PARM_DESC(max_queued, "User-space exchanges a mailbox holds at most, queued or running; more get EBUSY (1..4096, default 64)");

/*
 * allow_reserved hands user space the protocols that authenticate devices
 * and set up link encryption: a locked-down kernel must not offer that,
 * and a kernel that does is marked, so that its bug reports say so. The
 * mark comes before any node exists that could use it, and stays if the
 * load fails later: the administrator asked for it either way.
 */
static int __init doe_check_allow_reserved(void)
{
	if (!doe_param_allow_reserved)
		return 0;
	if (security_locked_down(LOCKDOWN_PCI_ACCESS)) {
		pr_err("msikit_doe: allow_reserved=1 refused: the kernel is locked down\n");
		return -EPERM;
	}
	add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	pr_warn("msikit_doe: allow_reserved=1: user space may exchange CMA/SPDM and Secured CMA/SPDM objects, which can disturb device authentication and IDE key exchange run by the kernel or a TSM; kernel tainted\n");
	return 0;
}

/*
 * A user exchange lives on the heap with two references, the caller's and
 * the queue's, so a caller killed while waiting leaves nothing dangling.
 * Until the queue is done with it, it counts against max_queued.
 */
struct doe_user_xfer {
	struct kref ref;
	struct completion done;
	struct msikit_doe_task task;
	bool spdm;		/* admitted by spdm.c, under this claim generation */
	u32 spdm_gen;
	u8 buf[];
};

static void doe_xfer_free(struct kref *ref)
{
	kvfree(container_of(ref, struct doe_user_xfer, ref));
}

static void doe_xfer_done(struct msikit_doe_task *task)
{
	struct doe_user_xfer *x = container_of(task, struct doe_user_xfer, task);

	if (x->spdm)
		doe_spdm_done(task->mb, x->spdm_gen, task->rsp,
			      task->rv > 0 ? task->rv : 0);
	atomic_dec(&task->mb->user_queued);
	complete(&x->done);
	kref_put(&x->ref, doe_xfer_free);
}

static bool doe_user_allowed(struct msikit_doe_mb *mb, const char *what)
{
	if (capable(CAP_SYS_ADMIN))
		return true;
	dev_warn_ratelimited(&mb->dev, "%s by %s[%d] refused: needs CAP_SYS_ADMIN\n",
			     what, current->comm, task_pid_nr(current));
	return false;
}

static int doe_open(struct inode *inode, struct file *file)
{
	struct msikit_doe_mb *mb = container_of(inode->i_cdev, struct msikit_doe_mb, cdev);

	if (!doe_user_allowed(mb, "open"))
		return -EPERM;
	if (test_bit(DOE_GONE, &mb->flags))
		return -ENODEV;
	get_device(&mb->dev);
	file->private_data = mb;
	return nonseekable_open(inode, file);
}

static int doe_release(struct inode *inode, struct file *file)
{
	struct msikit_doe_mb *mb = file->private_data;

	doe_spdm_release(mb, file);
	put_device(&mb->dev);
	return 0;
}

/*
 * Copy in an ioctl structure by the argsz rules of <uapi/msikit/doe.h>:
 * @min is the size of its first version, @size the one this kernel knows.
 * @in: the kernel reads fields past argsz, so bytes past @size must be
 * zero; otherwise (INFO) only argsz is read and @arg is zeroed.
 * *@argsz gets what user space claims.
 */
static int doe_get_arg(struct msikit_doe_mb *mb, const char *what, void *arg,
		       size_t size, size_t min, bool in, void __user *uarg,
		       u32 *argsz)
{
	int rc;

	if (get_user(*argsz, (u32 __user *)uarg)) {
		doe_refuse(mb, what, "argument not readable");
		return -EFAULT;
	}
	if (*argsz < min) {
		doe_refuse(mb, what, "argsz %u smaller than %zu", *argsz, min);
		return -EINVAL;
	}
	if (!in) {
		memset(arg, 0, size);
		return 0;
	}
	rc = copy_struct_from_user(arg, size, uarg, *argsz);
	if (rc == -E2BIG)
		doe_refuse(mb, what, "argsz %u: bytes past the %zu this kernel knows are not zero",
			   *argsz, size);
	else if (rc)
		doe_refuse(mb, what, "argument of %u bytes not readable", *argsz);
	return rc;
}

static long doe_ioctl_info(struct msikit_doe_mb *mb, void __user *uarg)
{
	struct msikit_doe_info info;
	u32 argsz;
	int rc;

	rc = doe_get_arg(mb, "info", &info, sizeof(info), MSIKIT_DOE_INFO_SIZE_VER0,
			 false, uarg, &argsz);
	if (rc)
		return rc;
	doe_mb_discover(mb);
	info.argsz = min_t(size_t, argsz, sizeof(info));
	info.flags = mb->transport->info_flag;
	if (test_bit(DOE_DEAD, &mb->flags))
		info.flags |= MSIKIT_DOE_INFO_DEAD;
	info.cap_offset = mb->pdev ? mb->cap : 0;
	info.cap_version = mb->cap_ver;
	info.nr_features = mb->nr_feats;
	info.max_payload = MSIKIT_DOE_MAX_PAYLOAD;
	info.irq = mb->irq;
	strscpy(info.device, dev_name(mb->dev.parent), sizeof(info.device));
	if (copy_to_user(uarg, &info, info.argsz)) {
		doe_refuse(mb, "info", "argument not writable");
		return -EFAULT;
	}
	return 0;
}

/*
 * CMA/SPDM with allow_reserved=0: user space may read a device's identity
 * and measurements through spdm.c's mediation. Secured CMA/SPDM carries
 * sessions only, so it stays the kernel's.
 */
static bool doe_mediated(u16 vid, u8 type)
{
	return !doe_param_allow_reserved && vid == PCI_VENDOR_ID_PCI_SIG &&
	       type == PCI_DOE_FEATURE_CMA;
}

static long doe_ioctl_features(struct msikit_doe_mb *mb, void __user *uarg)
{
	struct msikit_doe_features __user *uf = uarg;
	struct msikit_doe_feature *feats;
	struct msikit_doe_features arg;
	unsigned int i, n;
	u32 argsz;
	int rc;

	rc = doe_get_arg(mb, "features", &arg, sizeof(arg),
			 MSIKIT_DOE_FEATURES_SIZE_VER0, true, uarg, &argsz);
	if (rc)
		return rc;
	rc = doe_mb_discover(mb);
	if (rc)
		return rc;
	/* what this file may do with each is cdev.c's to say, not Discovery's */
	n = min(arg.count, mb->nr_feats);
	feats = kmemdup_array(mb->feats, n, sizeof(*feats), GFP_KERNEL);
	if (!feats && n)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (doe_mediated(feats[i].vid, feats[i].type))
			feats[i].flags |= MSIKIT_DOE_FEATURE_MEDIATED;
	rc = copy_to_user(u64_to_user_ptr(arg.ptr), feats, n * sizeof(*feats));
	kfree(feats);
	if (rc) {
		doe_refuse(mb, "features", "array of %u entries at ptr not writable", n);
		return -EFAULT;
	}
	if (put_user(mb->nr_feats, &uf->count)) {
		doe_refuse(mb, "features", "argument not writable");
		return -EFAULT;
	}
	return 0;
}

static int doe_check_exchange(struct msikit_doe_mb *mb, struct msikit_doe_exchange *x)
{
	unsigned int i;
	int rc;

	if (x->flags) {
		doe_refuse(mb, "exchange", "unknown flags %#x", x->flags);
		return -EINVAL;
	}
	if (x->reserved0 || x->reserved1) {
		doe_refuse(mb, "exchange", "reserved fields not zero");
		return -EINVAL;
	}
	if (x->req_len % 4 || x->rsp_len % 4) {
		doe_refuse(mb, "exchange", "length not a multiple of 4");
		return -EINVAL;
	}
	if (x->req_len > MSIKIT_DOE_MAX_PAYLOAD || x->rsp_len > MSIKIT_DOE_MAX_PAYLOAD) {
		doe_refuse(mb, "exchange", "length over the DOE maximum");
		return -EINVAL;
	}
	if (doe_feature_reserved(x->vid, x->type) && doe_spdm_tsm_bound(mb)) {
		doe_refuse(mb, "exchange",
			   "%04x:%02x: the kernel's TSM holds this device, and a request would break its session",
			   x->vid, x->type);
		return -EBUSY;
	}
	if (doe_feature_reserved(x->vid, x->type) && !doe_param_allow_reserved &&
	    !doe_mediated(x->vid, x->type)) {
		doe_refuse(mb, "exchange", "%04x:%02x is for the kernel only (allow_reserved=0)",
			   x->vid, x->type);
		return -EACCES;
	}
	rc = doe_mb_discover(mb);
	if (rc)
		return rc;
	for (i = 0; i < mb->nr_feats; i++)
		if (mb->feats[i].vid == x->vid && mb->feats[i].type == x->type)
			return 0;
	doe_refuse(mb, "exchange", "%04x:%02x is not a feature of this mailbox",
		   x->vid, x->type);
	return -EOPNOTSUPP;
}

/*
 * A caller killed while waiting leaves its exchange, and up to 2 MiB with
 * it, queued until the mailbox gets to it: bound how much of that user
 * space can pile up on one mailbox. The count may overshoot while callers
 * race here, which can only refuse, never admit, one too many.
 */
static int doe_queue_reserve(struct msikit_doe_mb *mb)
{
	unsigned int max = READ_ONCE(doe_param_max_queued);

	if (atomic_inc_return(&mb->user_queued) <= (int)max)
		return 0;
	atomic_dec(&mb->user_queued);
	doe_stat_inc(mb, QUEUE_FULL);
	doe_refuse(mb, "exchange", "%u exchanges queued already (max_queued)", max);
	return -EBUSY;
}

static long doe_ioctl_exchange(struct file *file, struct msikit_doe_mb *mb,
			       void __user *uarg)
{
	struct msikit_doe_exchange __user *ux = uarg;
	struct msikit_doe_exchange x;
	struct doe_user_xfer *xf;
	void __user *ursp;
	u32 argsz;
	int rc;

	/*
	 * Vendor-defined objects can reconfigure a device as freely as config
	 * writes can, so a locked-down kernel lets none through, whatever the
	 * backend. Discovery, which the kernel composes, still runs.
	 */
	if (security_locked_down(LOCKDOWN_PCI_ACCESS)) {
		doe_refuse(mb, "exchange", "the kernel is locked down");
		return -EPERM;
	}
	rc = doe_get_arg(mb, "exchange", &x, sizeof(x), MSIKIT_DOE_EXCHANGE_SIZE_VER0,
			 true, uarg, &argsz);
	if (rc)
		return rc;
	rc = doe_check_exchange(mb, &x);
	if (rc)
		return rc;
	rc = doe_queue_reserve(mb);
	if (rc)
		return rc;

	xf = kvzalloc(struct_size(xf, buf, x.req_len + x.rsp_len), GFP_KERNEL);
	if (!xf) {
		rc = -ENOMEM;
		goto unreserve;
	}
	if (copy_from_user(xf->buf, u64_to_user_ptr(x.req_ptr), x.req_len)) {
		doe_refuse(mb, "exchange", "request of %u bytes at req_ptr not readable",
			   x.req_len);
		rc = -EFAULT;
		goto free;
	}
	/* a refused request leaves the caller's response buffer alone */
	if (doe_mediated(x.vid, x.type)) {
		rc = doe_spdm_admit(mb, file, xf->buf, x.req_len, &xf->spdm_gen);
		if (rc)
			goto free;
		xf->spdm = true;
	}
	/*
	 * Fault the response buffer in before the exchange, after the request
	 * was copied (the two may overlap): a bad pointer must fail before the
	 * device has done anything.
	 */
	ursp = u64_to_user_ptr(x.rsp_ptr);
	if (x.rsp_len && clear_user(ursp, x.rsp_len)) {
		doe_refuse(mb, "exchange", "response buffer of %u bytes at rsp_ptr not writable",
			   x.rsp_len);
		rc = -EFAULT;
		goto unadmit;
	}
	kref_init(&xf->ref);
	init_completion(&xf->done);
	xf->task = (struct msikit_doe_task) {
		.vid = x.vid, .type = x.type,
		.req = xf->buf, .req_sz = x.req_len,
		.rsp = xf->buf + x.req_len, .rsp_sz = x.rsp_len,
		.done = doe_xfer_done,
	};

	/* ordinary exchanges are traced only; these are worth a line */
	if (doe_feature_reserved(x.vid, x.type) && !xf->spdm)
		dev_notice_ratelimited(&mb->dev, "%s[%d]: exchange %04x:%02x (reserved for the kernel), %u bytes: allowed by allow_reserved=1\n",
				       current->comm, task_pid_nr(current), x.vid,
				       x.type, x.req_len);
	kref_get(&xf->ref);
	rc = doe_submit(mb, &xf->task, true);
	if (rc) {
		kref_put(&xf->ref, doe_xfer_free);
		goto unadmit;
	}
	if (wait_for_completion_killable(&xf->done)) {
		dev_dbg(&mb->dev, "%s[%d]: killed waiting for exchange %04x:%02x: it stays queued\n",
			current->comm, task_pid_nr(current), x.vid, x.type);
		rc = -EINTR;
		goto out;
	}

	rc = xf->task.rv;
	if (rc >= 0) {
		if (copy_to_user(ursp, xf->task.rsp, rc) ||
		    put_user((u32)rc, &ux->rsp_len)) {
			dev_info_ratelimited(&mb->dev, "%s[%d]: exchange %04x:%02x: response lost: buffer or argument no longer writable\n",
					     current->comm, task_pid_nr(current),
					     x.vid, x.type);
			rc = -EFAULT;
		} else {
			rc = 0;
		}
	} else if (rc == -EOVERFLOW) {
		/*
		 * The caller sizing its buffer by trial is no error of the
		 * device: debug only. rsp_len 0: unknown (routed mailboxes).
		 */
		if (xf->task.rsp_len)
			dev_dbg(&mb->dev, "%s[%d]: exchange %04x:%02x: the response of %zu bytes does not fit the %u-byte buffer\n",
				current->comm, task_pid_nr(current), x.vid,
				x.type, xf->task.rsp_len, x.rsp_len);
		else
			dev_dbg(&mb->dev, "%s[%d]: exchange %04x:%02x: the response is longer than the %u-byte buffer (length unknown: routed through pci_doe())\n",
				current->comm, task_pid_nr(current), x.vid,
				x.type, x.rsp_len);
		if (put_user((u32)min_t(size_t, xf->task.rsp_len, U32_MAX), &ux->rsp_len))
			rc = -EFAULT;
	} else if (!xf->task.refused) {
		dev_info_ratelimited(&mb->dev, "%s[%d]: exchange %04x:%02x failed: %pe\n",
				     current->comm, task_pid_nr(current), x.vid,
				     x.type, ERR_PTR(rc));
	}
out:
	kref_put(&xf->ref, doe_xfer_free);
	return rc;
unadmit:
	if (xf->spdm)
		doe_spdm_done(mb, xf->spdm_gen, NULL, 0);
free:
	kvfree(xf);
unreserve:
	atomic_dec(&mb->user_queued);
	return rc;
}

static long doe_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct msikit_doe_mb *mb = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (!doe_user_allowed(mb, "ioctl"))
		return -EPERM;
	if (test_bit(DOE_GONE, &mb->flags))
		return -ENODEV;

	switch (cmd) {
	case MSIKIT_DOE_IOC_INFO:
		return doe_ioctl_info(mb, uarg);
	case MSIKIT_DOE_IOC_FEATURES:
		return doe_ioctl_features(mb, uarg);
	case MSIKIT_DOE_IOC_EXCHANGE:
		return doe_ioctl_exchange(file, mb, uarg);
	}
	/* the first, size-encoding numbers: say why they stopped working */
	if (_IOC_TYPE(cmd) == MSIKIT_DOE_IOC_MAGIC && _IOC_NR(cmd) <= 2 && _IOC_SIZE(cmd))
		doe_refuse(mb, "ioctl", "%#x: a number of the first <msikit/doe.h>, %s",
			   cmd, "with the size encoded: rebuild against the current one");
	else
		doe_refuse(mb, "ioctl", "unknown ioctl %#x", cmd);
	return -ENOTTY;
}

static const struct file_operations doe_fops = {
	.owner = THIS_MODULE,
	.open = doe_open,
	.release = doe_release,
	.unlocked_ioctl = doe_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * The node's cdev is in place before the mailbox's device is added, so it
 * can be opened as soon as the uevent announces it. It holds the device
 * as its parent: an open file keeps the mailbox after unregistration.
 */
static int doe_cdev_add(struct msikit_doe_mb *mb)
{
	int minor, rc;

	minor = ida_alloc_max(&doe_minor_ida, DOE_MINORS - 1, GFP_KERNEL);
	if (minor < 0)
		return minor;
	mb->dev.devt = MKDEV(MAJOR(doe_devt), minor);
	cdev_init(&mb->cdev, &doe_fops);
	mb->cdev.owner = THIS_MODULE;
	cdev_set_parent(&mb->cdev, &mb->dev.kobj);
	rc = cdev_add(&mb->cdev, mb->dev.devt, 1);
	if (rc) {
		ida_free(&doe_minor_ida, minor);
		mb->dev.devt = 0;
	}
	return rc;
}

static void doe_cdev_remove(struct msikit_doe_mb *mb)
{
	cdev_del(&mb->cdev);
	ida_free(&doe_minor_ida, MINOR(mb->dev.devt));
	mb->dev.devt = 0;
}

static const struct doe_mb_listener doe_cdev_listener = {
	.add = doe_cdev_add,
	.remove = doe_cdev_remove,
};

int __init doe_cdev_init(void)
{
	int rc;

	rc = doe_check_allow_reserved();
	if (rc)
		return rc;
	doe_spdm_check_kernel();
	/* a structure only grows: its first version stays the least argsz */
	BUILD_BUG_ON(sizeof(struct msikit_doe_info) < MSIKIT_DOE_INFO_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct msikit_doe_features) < MSIKIT_DOE_FEATURES_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct msikit_doe_exchange) < MSIKIT_DOE_EXCHANGE_SIZE_VER0);
	rc = alloc_chrdev_region(&doe_devt, 0, DOE_MINORS, "msikit-doe");
	if (rc)
		return rc;
	doe_mb_set_listener(&doe_cdev_listener);
	return 0;
}

void doe_cdev_exit(void)
{
	doe_mb_set_listener(NULL);
	unregister_chrdev_region(doe_devt, DOE_MINORS);
}
