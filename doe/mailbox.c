// SPDX-License-Identifier: GPL-2.0
/*
 * msikit_doe mailboxes: the object per DOE capability, its serialized task
 * queue, Discovery, and the exported in-kernel API.
 *
 * Lifetime: the mailbox is a class device. Registration holds one
 * reference, every open file another. Teardown first closes the gate (no
 * new task can be queued), then drains the ordered workqueue, where every
 * task still queued completes with -ENODEV and the one on the registers
 * notices DOE_CANCEL at its next wait, and waits for the exchange lock
 * (xlock), which an in-kernel caller running its own exchange holds. Only
 * then does the transport let go.
 *
 * Nothing here knows how bytes move or how user space sees a mailbox:
 * exchanges go through mb->transport, the character device hears about
 * mailboxes through its doe_mb_listener, and sysfs hands its attribute
 * groups in through doe_mb_set_groups(). Nor who creates mailboxes: a
 * creator finds its own again with msikit_doe_get() or
 * doe_mb_unregister_matching(), never by walking the registry.
 */

#include <linux/bitfield.h>
#include <linux/idr.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>

#include "doe.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/*
 * doe_list_lock protects doe_list, the registered mailboxes; the listener's
 * add and the device's registration run under it, so that a lookup never
 * finds a mailbox half added.
 */
static DEFINE_MUTEX(doe_list_lock);
static LIST_HEAD(doe_list);
static DEFINE_IDA(doe_sw_ida);

/*
 * Set before the first mailbox can exist and cleared after the last is
 * gone (module init and exit), so they never change under a mailbox.
 */
static const struct doe_mb_listener *doe_listener;
static const struct attribute_group **doe_mb_groups;

/**
 * doe_mb_set_listener() - install the user interface told about mailboxes
 * @listener: its hooks, or NULL to remove it
 */
void doe_mb_set_listener(const struct doe_mb_listener *listener)
{
	mutex_lock(&doe_list_lock);
	doe_listener = listener;
	mutex_unlock(&doe_list_lock);
}

/**
 * doe_mb_set_groups() - install the attribute groups every mailbox gets
 * @groups: NULL-terminated, or NULL to remove them
 */
void doe_mb_set_groups(const struct attribute_group **groups)
{
	mutex_lock(&doe_list_lock);
	doe_mb_groups = groups;
	mutex_unlock(&doe_list_lock);
}

static int doe_listener_add(struct msikit_doe_mb *mb)
{
	return doe_listener ? doe_listener->add(mb) : 0;
}

static void doe_listener_remove(struct msikit_doe_mb *mb)
{
	if (doe_listener)
		doe_listener->remove(mb);
}

static char *doe_devnode(const struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0600;
	return kasprintf(GFP_KERNEL, "msikit/%s", dev_name(dev));
}

const struct class doe_class = {
	.name = "msikit-doe",
	.devnode = doe_devnode,
};

static void doe_mb_release(struct device *dev)
{
	struct msikit_doe_mb *mb = to_doe_mb(dev);

	if (mb->wq)
		destroy_workqueue(mb->wq);
	if (mb->id >= 0)
		ida_free(&doe_sw_ida, mb->id);
	pci_dev_put(mb->pdev);
	kfree(mb->feats);
	kfree(mb);
}

/**
 * doe_mb_alloc() - a mailbox object, not yet visible
 * @parent: the device the capability belongs to
 * @pdev: that device when it is a PCI function, else NULL
 * @cap: capability offset (PCI) or software mailbox id
 * @transport: how exchanges reach the device
 *
 * Return: the mailbox with one reference, or an ERR_PTR.
 */
struct msikit_doe_mb *doe_mb_alloc(struct device *parent, struct pci_dev *pdev,
				   u16 cap, const struct doe_transport_ops *transport)
{
	struct msikit_doe_mb *mb;
	int rc;

	mb = kzalloc(sizeof(*mb), GFP_KERNEL);
	if (!mb)
		return ERR_PTR(-ENOMEM);

	mb->id = -1;
	mb->pdev = pci_dev_get(pdev);
	mb->cap = cap;
	mb->transport = transport;
	INIT_LIST_HEAD(&mb->node);
	init_waitqueue_head(&mb->waitq);
	init_rwsem(&mb->gate);
	init_completion(&mb->started);
	spin_lock_init(&mb->spdm_lock);
	mutex_init(&mb->feat_lock);
	mutex_init(&mb->xlock);

	device_initialize(&mb->dev);
	mb->dev.class = &doe_class;
	mb->dev.parent = parent;
	mb->dev.release = doe_mb_release;

	if (pdev) {
		rc = dev_set_name(&mb->dev, "doe-%s-%03x", pci_name(pdev), cap);
	} else {
		mb->id = ida_alloc(&doe_sw_ida, GFP_KERNEL);
		if (mb->id < 0) {
			rc = mb->id;
			goto err;
		}
		rc = dev_set_name(&mb->dev, "doe-%s-%03x", dev_name(parent), mb->id);
	}
	if (rc)
		goto err;

	/* One in flight at a time, in submission order: an ordered queue. */
	mb->wq = alloc_ordered_workqueue("msikit-doe %s", 0, dev_name(&mb->dev));
	if (!mb->wq) {
		rc = -ENOMEM;
		goto err;
	}
	return mb;
err:
	put_device(&mb->dev);
	return ERR_PTR(rc);
}

/* what names a mailbox under its parent: see msikit_doe_get() */
static u16 doe_mb_key(const struct msikit_doe_mb *mb)
{
	return mb->pdev ? mb->cap : mb->id;
}

static struct msikit_doe_mb *doe_mb_find_locked(struct device *parent, u16 key)
{
	struct msikit_doe_mb *mb;

	lockdep_assert_held(&doe_list_lock);
	list_for_each_entry(mb, &doe_list, node)
		if (mb->dev.parent == parent && doe_mb_key(mb) == key)
			return mb;
	return NULL;
}

/**
 * doe_mb_register() - make a mailbox visible: device node, sysfs, lookups
 * @mb: from doe_mb_alloc(), whatever its transport needs set up
 *
 * A capability has one mailbox at a time: two creators racing for it (a
 * hot-add notification and module init's walk) get one mailbox, and the
 * loser -EEXIST. The listener comes first so that its device node is
 * usable by the time the uevent is out.
 *
 * Return: 0, or -errno with the caller still owning its reference.
 */
int doe_mb_register(struct msikit_doe_mb *mb)
{
	int rc;

	mutex_lock(&doe_list_lock);
	if (doe_mb_find_locked(mb->dev.parent, doe_mb_key(mb))) {
		rc = -EEXIST;
		goto out;
	}
	mb->dev.groups = doe_mb_groups;
	rc = doe_listener_add(mb);
	if (rc)
		goto out;
	rc = device_add(&mb->dev);
	if (rc) {
		doe_listener_remove(mb);
		goto out;
	}
	list_add_tail(&mb->node, &doe_list);
out:
	mutex_unlock(&doe_list_lock);
	return rc;
}

/**
 * doe_mb_start() - take a registered mailbox over, then run Discovery
 * @mb: mailbox whose transport drives the device itself
 *
 * Whatever a previous owner left in the mailbox is cleared before the
 * first exchange, which is Discovery's. A routed mailbox skips this: the
 * registers are someone else's, and its Discovery waits for first use.
 *
 * Return: 0, or -errno with the mailbox still registered (dead if the
 * transport could not clear it).
 */
int doe_mb_start(struct msikit_doe_mb *mb)
{
	int rc = 0;

	if (mb->transport->start)
		rc = mb->transport->start(mb);
	complete_all(&mb->started);
	return rc ?: doe_mb_discover(mb);
}

/**
 * doe_mb_unregister() - tear a registered mailbox down and drop its reference
 * @mb: mailbox
 *
 * Waits for the exchange on the registers, fails the queued ones with
 * -ENODEV. Open files keep the (dead) object until they are closed.
 */
void doe_mb_unregister(struct msikit_doe_mb *mb)
{
	mutex_lock(&doe_list_lock);
	list_del_init(&mb->node);
	mutex_unlock(&doe_list_lock);

	down_write(&mb->gate);
	set_bit(DOE_GONE, &mb->flags);
	set_bit(DOE_CANCEL, &mb->flags);
	up_write(&mb->gate);
	/* a mailbox torn down before its start lets its waiters fail */
	complete_all(&mb->started);
	wake_up_all(&mb->waitq);

	device_del(&mb->dev);
	doe_listener_remove(mb);
	drain_workqueue(mb->wq);
	/* an in-kernel caller may still be on the registers, cancelled */
	mutex_lock(&mb->xlock);
	mutex_unlock(&mb->xlock);
	if (mb->transport->stop)
		mb->transport->stop(mb);
	put_device(&mb->dev);
}

/* the first registered mailbox @match accepts, no longer registered */
static struct msikit_doe_mb *doe_mb_take(doe_mb_match_fn match, const void *data)
{
	struct msikit_doe_mb *mb, *found = NULL;

	mutex_lock(&doe_list_lock);
	list_for_each_entry(mb, &doe_list, node) {
		if (match(mb, data)) {
			list_del_init(&mb->node);
			found = mb;
			break;
		}
	}
	mutex_unlock(&doe_list_lock);
	return found;
}

/**
 * doe_mb_unregister_matching() - doe_mb_unregister() each mailbox @match accepts
 * @match: called under the registry's lock: it must not call into mailbox.c
 * @data: passed to @match
 * @gone: called with each mailbox once it is unregistered (its transport
 *	has let go), before its last reference can go; may be NULL
 *
 * For a creator that keeps no list of its own: it names its mailboxes by
 * what they are. Each is taken off the registry before it is torn down,
 * so two callers never tear one mailbox down twice; unregistering waits
 * for exchanges, so it runs outside the lock, one mailbox at a time.
 */
void doe_mb_unregister_matching(doe_mb_match_fn match, const void *data,
				void (*gone)(struct msikit_doe_mb *mb))
{
	struct msikit_doe_mb *mb;

	while ((mb = doe_mb_take(match, data))) {
		get_device(&mb->dev);
		doe_mb_unregister(mb);
		if (gone)
			gone(mb);
		put_device(&mb->dev);
	}
}

/* A user request queued before the kernel's TSM took the device. */
static int doe_tsm_took(struct msikit_doe_mb *mb, struct msikit_doe_task *task)
{
	dev_warn_ratelimited(&mb->dev,
			     "%04x:%02x request of pid %d dropped: the kernel's TSM took the device while it was queued (-EBUSY)\n",
			     task->vid, task->type, task->submitter);
	task->refused = true;
	return -EBUSY;
}

/* One exchange on the registers, xlock held; the task's rv and trace. */
static void doe_run_task(struct msikit_doe_mb *mb, struct msikit_doe_task *task)
{
	int rv;

	if (test_bit(DOE_GONE, &mb->flags))
		rv = -ENODEV;
	else if (test_bit(DOE_DEAD, &mb->flags))
		rv = -EIO;
	else if (task->user && doe_feature_reserved(task->vid, task->type) &&
		 doe_spdm_tsm_bound(mb))
		rv = doe_tsm_took(mb, task);
	else
		rv = mb->transport->exchange(mb, task);
	task->rv = rv;
	trace_msikit_doe_exchange(mb, task, rv);
}

static void doe_task_work(struct work_struct *work)
{
	struct msikit_doe_task *task = container_of(work, struct msikit_doe_task, work);
	struct msikit_doe_mb *mb = task->mb;

	if (mb->transport->start)
		wait_for_completion(&mb->started);
	mutex_lock(&mb->xlock);
	doe_run_task(mb, task);
	mutex_unlock(&mb->xlock);
	atomic_dec(&mb->pending);
	/* The submitter may free the task from here on. */
	task->done(task);
}

static int doe_check_task(struct msikit_doe_task *task)
{
	if (!task->done || (!task->req && task->req_sz) ||
	    (!task->rsp && task->rsp_sz))
		return -EINVAL;
	if (task->req_sz > MSIKIT_DOE_MAX_PAYLOAD ||
	    task->rsp_sz > MSIKIT_DOE_MAX_PAYLOAD)
		return -E2BIG;
	return 0;
}

/**
 * doe_submit() - queue an exchange
 * @mb: mailbox
 * @task: the exchange; must stay valid until @task->done has been called
 * @user: submitted through the character device, for the tracepoint
 *
 * Return: 0 if queued (@task->done will be called), else -errno and
 * @task->done is not called.
 */
int doe_submit(struct msikit_doe_mb *mb, struct msikit_doe_task *task, bool user)
{
	int rc;

	if (!mb || !task)
		return -EINVAL;
	rc = doe_check_task(task);
	if (rc)
		return rc;
	task->mb = mb;
	task->rv = 0;
	task->rsp_len = 0;
	task->user = user;
	task->submitter = task_tgid_nr(current);
	/* object debugging must know a task on the submitter's stack */
	if (object_is_on_stack(task))
		INIT_WORK_ONSTACK(&task->work, doe_task_work);
	else
		INIT_WORK(&task->work, doe_task_work);

	down_read(&mb->gate);
	if (test_bit(DOE_GONE, &mb->flags)) {
		rc = -ENODEV;
	} else {
		atomic_inc(&mb->pending);
		/* a task submitted again while still queued is the caller's bug */
		if (WARN_ON_ONCE(!queue_work(mb->wq, &task->work))) {
			atomic_dec(&mb->pending);
			rc = -EBUSY;
		}
	}
	up_read(&mb->gate);
	return rc;
}

static bool doe_param_inline;
module_param_named(inline_exchange, doe_param_inline, bool, 0644);
MODULE_PARM_DESC(inline_exchange, "In-kernel synchronous exchanges run in the caller when the mailbox is idle (default: off, experimental)");

/*
 * An in-kernel caller that waits anyway runs its exchange itself when the
 * mailbox has nothing queued or running: no hand-off to the worker and no
 * wake-up back, which is most of what a fast responder's exchange costs.
 * Order is kept: with anything pending the task queues behind it, and a
 * task queued meanwhile waits on xlock. Teardown waits on xlock too, after
 * setting DOE_CANCEL, which the engine's waits notice.
 *
 * Return: true if the exchange ran here (task->rv is its result).
 */
static bool doe_run_inline(struct msikit_doe_mb *mb, struct msikit_doe_task *task)
{
	bool idle;

	if (!READ_ONCE(doe_param_inline))
		return false;
	/* before the takeover, and once gone, the queue's path decides */
	if (mb->transport->start && !completion_done(&mb->started))
		return false;
	down_read(&mb->gate);
	idle = !test_bit(DOE_GONE, &mb->flags) && !atomic_read(&mb->pending) &&
	       mutex_trylock(&mb->xlock);
	up_read(&mb->gate);
	if (!idle)
		return false;
	task->mb = mb;
	task->rsp_len = 0;
	task->user = false;
	task->submitter = task_tgid_nr(current);
	doe_stat_inc(mb, INLINE);
	doe_run_task(mb, task);
	mutex_unlock(&mb->xlock);
	return true;
}

/**
 * msikit_doe_submit() - queue an exchange
 * @mb: mailbox
 * @task: the exchange; must stay valid until @task->done has been called
 *	(a task on the stack: destroy_work_on_stack(&@task->work) after that,
 *	as for any work item on the stack)
 *
 * Exchanges on one mailbox run one at a time, in submission order.
 * @task->done runs in process context from the mailbox's workqueue.
 * In-kernel exchanges are not subject to max_queued, which bounds what
 * user space can leave queued: a full queue of abandoned user exchanges
 * must not fail the kernel's own.
 *
 * Return: 0 if queued (@task->done will be called), else -errno and
 * @task->done is not called.
 */
int msikit_doe_submit(struct msikit_doe_mb *mb, struct msikit_doe_task *task)
{
	return doe_submit(mb, task, false);
}
EXPORT_SYMBOL_GPL(msikit_doe_submit);

static void doe_sync_done(struct msikit_doe_task *task)
{
	complete(task->private);
}

/**
 * msikit_doe_exchange() - one synchronous exchange
 * @mb: mailbox
 * @vid: Data Object Header 1 Vendor ID
 * @type: Data Object Header 1 Data Object Type
 * @req: request payload
 * @req_sz: request size in bytes
 * @rsp: response buffer
 * @rsp_sz: response buffer size in bytes
 *
 * Sleeps for up to two DOE timeouts (busy mailbox, then no response) plus
 * the exchanges queued ahead of it.
 *
 * Return: response payload length in bytes, or -errno; -EOVERFLOW when
 * the response was longer than @rsp_sz (the mailbox is drained regardless).
 */
int msikit_doe_exchange(struct msikit_doe_mb *mb, u16 vid, u8 type,
			const void *req, size_t req_sz, void *rsp, size_t rsp_sz)
{
	DECLARE_COMPLETION_ONSTACK(done);
	struct msikit_doe_task task = {
		.vid = vid, .type = type,
		.req = req, .req_sz = req_sz,
		.rsp = rsp, .rsp_sz = rsp_sz,
		.done = doe_sync_done, .private = &done,
	};
	int rc;

	if (!mb)
		return -EINVAL;
	rc = doe_check_task(&task);
	if (rc)
		return rc;
	if (doe_run_inline(mb, &task))
		return task.rv;
	rc = msikit_doe_submit(mb, &task);
	if (!rc) {
		wait_for_completion(&done);
		rc = task.rv;
	}
	destroy_work_on_stack(&task.work);
	return rc;
}
EXPORT_SYMBOL_GPL(msikit_doe_exchange);

/**
 * doe_mb_discover() - run DOE Discovery and cache the feature list
 * @mb: registered mailbox
 *
 * Indexes 0, 1, ... until the mailbox answers Next Index 0. A mailbox that
 * lists more than DOE_MAX_FEATURES or loops is cut off with -EIO.
 */
int doe_mb_discover(struct msikit_doe_mb *mb)
{
	struct msikit_doe_feature *feats;
	unsigned int n = 0;
	u8 index = 0;
	int rc = 0;

	mutex_lock(&mb->feat_lock);
	if (test_bit(DOE_DISCOVERED, &mb->flags))
		goto out;
	feats = kcalloc(DOE_MAX_FEATURES, sizeof(*feats), GFP_KERNEL);
	if (!feats) {
		rc = -ENOMEM;
		goto out;
	}
	do {
		__le32 req, rsp;
		u32 val;

		val = FIELD_PREP(PCI_DOE_DATA_OBJECT_DISC_REQ_3_INDEX, index);
		if (mb->cap_ver >= 2)
			val |= FIELD_PREP(PCI_DOE_DATA_OBJECT_DISC_REQ_3_VER, 2);
		req = cpu_to_le32(val);
		rc = msikit_doe_exchange(mb, PCI_VENDOR_ID_PCI_SIG,
					 PCI_DOE_FEATURE_DISCOVERY,
					 &req, sizeof(req), &rsp, sizeof(rsp));
		if (rc >= 0 && rc != sizeof(rsp))
			rc = -EIO;
		if (rc < 0)
			break;
		rc = 0;
		val = le32_to_cpu(rsp);
		feats[n].vid = FIELD_GET(PCI_DOE_DATA_OBJECT_DISC_RSP_3_VID, val);
		feats[n].type = FIELD_GET(PCI_DOE_DATA_OBJECT_DISC_RSP_3_TYPE, val);
		feats[n].flags = doe_feature_reserved(feats[n].vid, feats[n].type) ?
				 MSIKIT_DOE_FEATURE_RESERVED : 0;
		n++;
		index = FIELD_GET(PCI_DOE_DATA_OBJECT_DISC_RSP_3_NEXT_INDEX, val);
		if (index && (n == DOE_MAX_FEATURES || index < n)) {
			dev_err(&mb->dev, "Discovery does not terminate (next index %u after %u)\n",
				index, n);
			rc = -EIO;
		}
	} while (!rc && index);

	if (rc) {
		kfree(feats);
		goto out;
	}
	mb->feats = feats;
	mb->nr_feats = n;
	set_bit(DOE_DISCOVERED, &mb->flags);
out:
	mutex_unlock(&mb->feat_lock);
	return rc;
}

/**
 * doe_refuse() - say why a user-space call was refused
 * @mb: the mailbox it was made on
 * @what: the call ("open", "exchange", ...)
 * @fmt: why
 *
 * One line per refused call, naming the caller. A single call site for the
 * whole module, so a caller looping on bad input shares one ratelimit with
 * every other.
 */
void doe_refuse(struct msikit_doe_mb *mb, const char *what, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_warn_ratelimited(&mb->dev, "%s by %s[%d] refused: %pV\n", what,
			     current->comm, task_pid_nr(current), &vaf);
	va_end(args);
}

/**
 * doe_feature_reserved() - is this feature kept from user space?
 * @vid: Vendor ID
 * @type: Data Object Type
 *
 * CMA/SPDM and Secured CMA/SPDM carry device authentication and the IDE
 * key exchange: a user-space exchange there could disturb or observe a
 * session the kernel or a TSM runs, so it needs allow_reserved.
 */
bool doe_feature_reserved(u16 vid, u8 type)
{
	return vid == PCI_VENDOR_ID_PCI_SIG &&
	       (type == PCI_DOE_FEATURE_CMA || type == PCI_DOE_FEATURE_SSESSION);
}

/*
 * doe_spdm_tsm_bound() - does the kernel's TSM hold the mailbox's device?
 *
 * Its state lives in struct pci_dev from 7.x on (MSIKIT_HAVE_PCI_TSM,
 * probed by doe/Kbuild), and only where the kernel was built with
 * CONFIG_PCI_TSM. A kernel with CONFIG_PCI_TSM whose struct pci_dev the
 * probe did not understand could have a TSM session msikit cannot see:
 * every device counts as held there (doe_spdm_check_kernel() says so at
 * load). Every user-space exchange of a reserved feature asks, mediated
 * or raw: at submission, and again when the worker reaches it, so that a
 * TSM connecting meanwhile costs at most the exchange already running.
 */
bool doe_spdm_tsm_bound(const struct msikit_doe_mb *mb)
{
#if defined(MSIKIT_HAVE_PCI_TSM) && defined(CONFIG_PCI_TSM)
	return mb->pdev && READ_ONCE(mb->pdev->tsm);
#elif defined(CONFIG_PCI_TSM)
	return true;
#else
	return false;
#endif
}

/**
 * msikit_doe_supports() - does the mailbox list this feature?
 * @mb: mailbox
 * @vid: Vendor ID
 * @type: Data Object Type
 *
 * Runs Discovery first if it has not run yet, so it may sleep.
 */
bool msikit_doe_supports(struct msikit_doe_mb *mb, u16 vid, u8 type)
{
	unsigned int i;

	if (!mb || doe_mb_discover(mb))
		return false;
	for (i = 0; i < mb->nr_feats; i++)
		if (mb->feats[i].vid == vid && mb->feats[i].type == type)
			return true;
	return false;
}
EXPORT_SYMBOL_GPL(msikit_doe_supports);

/**
 * msikit_doe_find() - the mailbox of a function that carries a feature
 * @pdev: PCI function
 * @vid: Vendor ID
 * @type: Data Object Type
 *
 * Return: a referenced mailbox (release with msikit_doe_put()), or NULL.
 */
struct msikit_doe_mb *msikit_doe_find(struct pci_dev *pdev, u16 vid, u8 type)
{
	struct msikit_doe_mb *mb, *cand[8];
	unsigned int n = 0, i;

	mutex_lock(&doe_list_lock);
	list_for_each_entry(mb, &doe_list, node) {
		if (mb->pdev == pdev && n < ARRAY_SIZE(cand)) {
			get_device(&mb->dev);
			cand[n++] = mb;
		}
	}
	mutex_unlock(&doe_list_lock);

	/* Discovery may sleep for a while: not under the list lock. */
	mb = NULL;
	for (i = 0; i < n; i++) {
		if (!mb && msikit_doe_supports(cand[i], vid, type))
			mb = cand[i];
		else
			put_device(&cand[i]->dev);
	}
	return mb;
}
EXPORT_SYMBOL_GPL(msikit_doe_find);

/**
 * msikit_doe_get() - the mailbox of a device at a capability offset
 * @dev: the device owning the mailbox (a PCI function, or a software
 *	 backend's parent)
 * @cap: capability offset; for a software mailbox, the id that ends its
 *	 name (doe-<device>-<id>)
 *
 * Unlike msikit_doe_find() this names one capability and does not run
 * Discovery, so it never sleeps on the device.
 *
 * Return: a referenced mailbox (release with msikit_doe_put()), or NULL.
 */
struct msikit_doe_mb *msikit_doe_get(struct device *dev, u16 cap)
{
	struct msikit_doe_mb *mb;

	mutex_lock(&doe_list_lock);
	mb = doe_mb_find_locked(dev, cap);
	if (mb)
		get_device(&mb->dev);
	mutex_unlock(&doe_list_lock);
	return mb;
}
EXPORT_SYMBOL_GPL(msikit_doe_get);

/**
 * msikit_doe_put() - drop a reference from msikit_doe_find() or msikit_doe_get()
 * @mb: mailbox or NULL
 */
void msikit_doe_put(struct msikit_doe_mb *mb)
{
	if (mb)
		put_device(&mb->dev);
}
EXPORT_SYMBOL_GPL(msikit_doe_put);
