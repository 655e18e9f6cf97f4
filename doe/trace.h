/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msikit_doe tracepoints. One event per exchange the mailbox queue ran,
 * whoever submitted it: the audit trail of what reached a device, which
 * costs a branch while disabled, where a log line per exchange would flood
 * the kernel log. And one per mediated CMA/SPDM decision.
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

/*
 * One event per CMA/SPDM request user space sent through the mediated
 * path, let through or not: the refused ones never reach the queue, so
 * msikit_doe_exchange cannot show them. @verdict is 0 or -errno.
 */
TRACE_EVENT(msikit_doe_spdm,
	    TP_PROTO(const struct msikit_doe_mb *mb, pid_t tgid, u8 version,
		     u8 code, u8 param1, int verdict),
	    TP_ARGS(mb, tgid, version, code, param1, verdict),

	    TP_STRUCT__entry(__string(device, dev_name(mb->dev.parent))
			     __field(u16, cap)
			     __field(pid_t, tgid)
			     __field(u8, version)
			     __field(u8, code)
			     __field(u8, param1)
			     __field(int, verdict)),

	    TP_fast_assign(__assign_str(device);
			   __entry->cap = mb->cap;
			   __entry->tgid = tgid;
			   __entry->version = version;
			   __entry->code = code;
			   __entry->param1 = param1;
			   __entry->verdict = verdict;),

	    TP_printk("device=%s cap=%#x pid=%d version=%u.%u code=%#04x (%s) param1=%#04x verdict=%d",
		      __get_str(device), __entry->cap, __entry->tgid,
		      __entry->version >> 4, __entry->version & 0xf, __entry->code,
		      __print_symbolic(__entry->code,
				       { 0x81, "GET_DIGESTS" }, { 0x82, "GET_CERTIFICATE" },
				       { 0x83, "CHALLENGE" }, { 0x84, "GET_VERSION" },
				       { 0x85, "CHUNK_SEND" }, { 0x86, "CHUNK_GET" },
				       { 0xe0, "GET_MEASUREMENTS" }, { 0xe1, "GET_CAPABILITIES" },
				       { 0xe3, "NEGOTIATE_ALGORITHMS" }, { 0xe4, "KEY_EXCHANGE" },
				       { 0xe5, "FINISH" }, { 0xe6, "PSK_EXCHANGE" },
				       { 0xe7, "PSK_FINISH" }, { 0xe8, "HEARTBEAT" },
				       { 0xe9, "KEY_UPDATE" }, { 0xea, "GET_ENCAPSULATED_REQUEST" },
				       { 0xeb, "DELIVER_ENCAPSULATED_RESPONSE" },
				       { 0xec, "END_SESSION" }, { 0xed, "GET_CSR" },
				       { 0xee, "SET_CERTIFICATE" },
				       { 0xfe, "VENDOR_DEFINED_REQUEST" },
				       { 0xff, "RESPOND_IF_READY" }),
		      __entry->param1, __entry->verdict)
);

#endif /* _MSIKIT_DOE_TRACE_H */

/* out of tree: define_trace.h finds this file through -I$(src) */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
