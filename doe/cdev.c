// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe character devices: whole exchanges for privileged user space.
 *
 * Raw register access was proposed for DOE once and refused, because a
 * reader polling the Read Data Mailbox can see (and by acknowledging,
 * steal) dwords of an exchange the kernel runs, IDE key management
 * included. Here user space gets what in-kernel users get: one request in,
 * one response out, queued behind everyone else on the mailbox. Features
 * that carry device authentication and link encryption are refused unless
 * the administrator loaded the module with allow_reserved=1.
 */

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "doe.h"

#define DOE_MINORS	4096

dev_t doe_devt;
static DEFINE_IDA(doe_minor_ida);

int doe_alloc_minor(struct msikit_doe_mb *mb)
{
	int minor = ida_alloc_max(&doe_minor_ida, DOE_MINORS - 1, GFP_KERNEL);

	if (minor < 0)
		return minor;
	mb->dev.devt = MKDEV(MAJOR(doe_devt), minor);
	return 0;
}

void doe_free_minor(struct msikit_doe_mb *mb)
{
	if (mb->dev.devt) {
		ida_free(&doe_minor_ida, MINOR(mb->dev.devt));
		mb->dev.devt = 0;
	}
}

/*
 * A user exchange lives on the heap with two references, the caller's and
 * the queue's, so a caller killed while waiting leaves nothing dangling.
 */
struct doe_user_xfer {
	struct kref ref;
	struct completion done;
	struct msikit_doe_task task;
	u8 buf[];
};

static void doe_xfer_free(struct kref *ref)
{
	kvfree(container_of(ref, struct doe_user_xfer, ref));
}

static void doe_xfer_done(struct msikit_doe_task *task)
{
	struct doe_user_xfer *x = container_of(task, struct doe_user_xfer, task);

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

	put_device(&mb->dev);
	return 0;
}

/*
 * Copy in a structure that starts with argsz: refuse one smaller than we
 * know, ignore the tail of a larger one (a newer user space).
 */
static int doe_copy_arg(struct msikit_doe_mb *mb, void *arg, size_t size,
			void __user *uarg)
{
	u32 argsz;

	if (get_user(argsz, (u32 __user *)uarg))
		return -EFAULT;
	if (argsz < size) {
		dev_warn_ratelimited(&mb->dev, "ioctl argsz %u smaller than %zu\n",
				     argsz, size);
		return -EINVAL;
	}
	if (copy_from_user(arg, uarg, size))
		return -EFAULT;
	return 0;
}

static long doe_ioctl_info(struct msikit_doe_mb *mb, void __user *uarg)
{
	struct msikit_doe_info info;
	int rc;

	rc = doe_copy_arg(mb, &info, sizeof(info), uarg);
	if (rc)
		return rc;
	doe_mb_discover(mb);
	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	info.flags = mb->mode == DOE_MODE_IRQ ? MSIKIT_DOE_INFO_IRQ :
		     mb->mode == DOE_MODE_POLL ? MSIKIT_DOE_INFO_POLL :
		     MSIKIT_DOE_INFO_ROUTED;
	if (!mb->pdev)
		info.flags |= MSIKIT_DOE_INFO_SOFTWARE;
	if (test_bit(DOE_DEAD, &mb->flags))
		info.flags |= MSIKIT_DOE_INFO_DEAD;
	info.cap_offset = mb->cap;
	info.cap_version = mb->cap_ver;
	info.nr_features = mb->nr_feats;
	info.max_payload = MSIKIT_DOE_MAX_PAYLOAD;
	info.irq = mb->irq;
	strscpy(info.device, dev_name(mb->dev.parent), sizeof(info.device));
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long doe_ioctl_features(struct msikit_doe_mb *mb, void __user *uarg)
{
	struct msikit_doe_features arg;
	int rc;

	rc = doe_copy_arg(mb, &arg, sizeof(arg), uarg);
	if (rc)
		return rc;
	rc = doe_mb_discover(mb);
	if (rc)
		return rc;
	if (copy_to_user(u64_to_user_ptr(arg.ptr), mb->feats,
			 min(arg.count, mb->nr_feats) * sizeof(*mb->feats)))
		return -EFAULT;
	arg.count = mb->nr_feats;
	return put_user(arg.count, &((struct msikit_doe_features __user *)uarg)->count);
}

static int doe_check_exchange(struct msikit_doe_mb *mb, struct msikit_doe_exchange *x)
{
	const char *why = NULL;
	unsigned int i;
	int rc;

	if (x->flags || x->pad || x->pad2)
		why = "reserved fields not zero";
	else if (x->req_len % 4 || x->rsp_len % 4)
		why = "length not a multiple of 4";
	else if (x->req_len > MSIKIT_DOE_MAX_PAYLOAD || x->rsp_len > MSIKIT_DOE_MAX_PAYLOAD)
		why = "length over the DOE maximum";
	if (why) {
		dev_warn_ratelimited(&mb->dev, "exchange by %s[%d] refused: %s\n",
				     current->comm, task_pid_nr(current), why);
		return -EINVAL;
	}
	if (doe_feature_reserved(x->vid, x->type) && !READ_ONCE(doe_param_allow_reserved)) {
		dev_warn_ratelimited(&mb->dev, "exchange %04x:%02x by %s[%d] refused: reserved for the kernel (allow_reserved=0)\n",
				     x->vid, x->type, current->comm, task_pid_nr(current));
		return -EACCES;
	}
	rc = doe_mb_discover(mb);
	if (rc)
		return rc;
	for (i = 0; i < mb->nr_feats; i++)
		if (mb->feats[i].vid == x->vid && mb->feats[i].type == x->type)
			return 0;
	dev_warn_ratelimited(&mb->dev, "exchange %04x:%02x by %s[%d] refused: not a feature of this mailbox\n",
			     x->vid, x->type, current->comm, task_pid_nr(current));
	return -EOPNOTSUPP;
}

static long doe_ioctl_exchange(struct msikit_doe_mb *mb, void __user *uarg)
{
	struct msikit_doe_exchange __user *ux = uarg;
	struct msikit_doe_exchange x;
	struct doe_user_xfer *xf;
	void __user *ursp;
	int rc;

	rc = doe_copy_arg(mb, &x, sizeof(x), uarg);
	if (rc)
		return rc;
	rc = doe_check_exchange(mb, &x);
	if (rc)
		return rc;

	xf = kvzalloc(struct_size(xf, buf, x.req_len + x.rsp_len), GFP_KERNEL);
	if (!xf)
		return -ENOMEM;
	if (copy_from_user(xf->buf, u64_to_user_ptr(x.req_ptr), x.req_len)) {
		kvfree(xf);
		return -EFAULT;
	}
	/*
	 * Fault the response buffer in before the exchange, after the request
	 * was copied (the two may overlap): a bad pointer must fail before the
	 * device has done anything.
	 */
	ursp = u64_to_user_ptr(x.rsp_ptr);
	if (x.rsp_len && clear_user(ursp, x.rsp_len)) {
		kvfree(xf);
		return -EFAULT;
	}
	kref_init(&xf->ref);
	init_completion(&xf->done);
	xf->task = (struct msikit_doe_task) {
		.vid = x.vid, .type = x.type,
		.req = xf->buf, .req_sz = x.req_len,
		.rsp = xf->buf + x.req_len, .rsp_sz = x.rsp_len,
		.done = doe_xfer_done,
	};

	dev_info_ratelimited(&mb->dev, "%s[%d]: exchange %04x:%02x, %u bytes\n",
			     current->comm, task_pid_nr(current), x.vid, x.type,
			     x.req_len);
	kref_get(&xf->ref);
	rc = msikit_doe_submit(mb, &xf->task);
	if (rc) {
		kref_put(&xf->ref, doe_xfer_free);
		goto out;
	}
	if (wait_for_completion_killable(&xf->done)) {
		rc = -EINTR;
		goto out;
	}

	rc = xf->task.rv;
	if (rc >= 0) {
		if (copy_to_user(ursp, xf->task.rsp, rc) ||
		    put_user((u32)rc, &ux->rsp_len))
			rc = -EFAULT;
		else
			rc = 0;
	} else if (rc == -EOVERFLOW) {
		/* rsp_len 0: the length is unknown (routed mailboxes) */
		if (xf->task.rsp_len)
			dev_info_ratelimited(&mb->dev, "%s[%d]: exchange %04x:%02x: the response of %zu bytes does not fit the %u-byte buffer\n",
					     current->comm, task_pid_nr(current), x.vid,
					     x.type, xf->task.rsp_len, x.rsp_len);
		else
			dev_info_ratelimited(&mb->dev, "%s[%d]: exchange %04x:%02x: the response is longer than the %u-byte buffer (length unknown: routed through pci_doe())\n",
					     current->comm, task_pid_nr(current), x.vid,
					     x.type, x.rsp_len);
		if (put_user((u32)min_t(size_t, xf->task.rsp_len, U32_MAX), &ux->rsp_len))
			rc = -EFAULT;
	}
out:
	kref_put(&xf->ref, doe_xfer_free);
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
		return doe_ioctl_exchange(mb, uarg);
	}
	dev_warn_ratelimited(&mb->dev, "unknown ioctl %#x from %s[%d]\n",
			     cmd, current->comm, task_pid_nr(current));
	return -ENOTTY;
}

const struct file_operations doe_fops = {
	.owner = THIS_MODULE,
	.open = doe_open,
	.release = doe_release,
	.unlocked_ioctl = doe_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

int doe_cdev_init(void)
{
	return alloc_chrdev_region(&doe_devt, 0, DOE_MINORS, "msikit-doe");
}

void doe_cdev_exit(void)
{
	unregister_chrdev_region(doe_devt, DOE_MINORS);
}
