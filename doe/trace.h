/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit_doe tracepoints. One event per exchange the mailbox queue ran,
 * whoever submitted it: the audit trail of what reached a device, which
 * costs a branch while disabled, where a log line per exchange would flood
 * the kernel log.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM msikit_doe

#if !defined(_MSIKIT_DOE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MSIKIT_DOE_TRACE_H

#include <linux/device.h>
#include <linux/tracepoint.h>

#include "doe.h"

/*
 * @submitter is the tgid that queued the exchange: the event itself fires
 * in the mailbox's worker. @rsp_len is the response length the device
 * sent (0 on EOVERFLOW through pci_doe(), where it is unknown), @rv the
 * payload length returned or -errno.
 */
TRACE_EVENT(msikit_doe_exchange,
	    TP_PROTO(const struct msikit_doe_mb *mb,
		     const struct msikit_doe_task *task, int rv),
	    TP_ARGS(mb, task, rv),

	    TP_STRUCT__entry(__string(device, dev_name(mb->dev.parent))
			     __field(u16, cap)
			     __field(u16, vid)
			     __field(u8, type)
			     __field(bool, user)
			     __field(pid_t, submitter)
			     __field(u32, req_len)
			     __field(u32, rsp_size)
			     __field(u32, rsp_len)
			     __field(int, rv)),

	    TP_fast_assign(__assign_str(device);
			   __entry->cap = mb->cap;
			   __entry->vid = task->vid;
			   __entry->type = task->type;
			   __entry->user = task->user;
			   __entry->submitter = task->submitter;
			   __entry->req_len = task->req_sz;
			   __entry->rsp_size = task->rsp_sz;
			   __entry->rsp_len = task->rsp_len;
			   __entry->rv = rv;),

	    TP_printk("device=%s cap=%#x %04x:%02x from=%s pid=%d req_len=%u rsp_size=%u rsp_len=%u rv=%d",
		      __get_str(device), __entry->cap, __entry->vid, __entry->type,
		      __entry->user ? "user" : "kernel", __entry->submitter,
		      __entry->req_len, __entry->rsp_size, __entry->rsp_len,
		      __entry->rv)
);

#endif /* _MSIKIT_DOE_TRACE_H */

/* out of tree: define_trace.h finds this file through -I$(src) */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
